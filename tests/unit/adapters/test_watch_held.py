"""A watch told which versions its caller holds (``KubeClient.watch(..., holds=...)``): a
MODIFIED event of a held version comes out as a ``HELD`` event carrying only the object's name,
namespace and resourceVersion; every other line (ADDED, DELETED, BOOKMARK, ERROR, a MODIFIED
event of a version not held, one spelt with other spacing or with fields of the wrong type) is
decoded whole, as without ``holds``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from simulator.adapters.kube import HELD, _StreamWatch


class _Lines:
    """What ``_StreamWatch`` reads: the lines of a watch body."""

    def __init__(self, lines: list[bytes]) -> None:
        self._lines = lines
        self.sock: Any = None

    def lines(self) -> Iterator[bytes]:
        return iter(self._lines)

    def close(self) -> None:
        pass


def _event(kind: str, name: str, rv: str, namespace: str | None = "ns") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "resourceVersion": rv}
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata["managedFields"] = [{"manager": "m", "fieldsV1": {"f:spec": {}}}]
    return {
        "type": kind,
        "object": {"kind": "Service", "metadata": metadata, "spec": {"ports": [{"port": 80}]}},
    }


def _line(event: dict[str, Any], separators: tuple[str, str] = (",", ":")) -> bytes:
    return json.dumps(event, separators=separators).encode()


def test_only_a_modified_event_of_a_held_version_is_handed_out_held() -> None:
    held_versions = {("ns", "a", "7"), ("", "cluster-wide", "3")}
    asked: list[dict[str, str]] = []

    def holds(metadata: dict[str, str]) -> bool:
        asked.append(metadata)
        ident = (metadata.get("namespace", ""), metadata["name"], metadata["resourceVersion"])
        return ident in held_versions

    events = [
        _event("ADDED", "a", "7"),  # not a MODIFIED event: decoded whole
        _event("MODIFIED", "a", "7"),  # held
        _event("MODIFIED", "a", "8"),  # not held
        _event("MODIFIED", "cluster-wide", "3", namespace=None),  # held, no namespace
        _event("DELETED", "a", "9"),
        {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "10"}}},
    ]
    lines = [_line(e) for e in events]
    lines.insert(3, _line(_event("MODIFIED", "a", "7"), (", ", ": ")))
    wrong = _event("MODIFIED", "a", "7")
    wrong["object"]["metadata"]["resourceVersion"] = 7  # not a string: decoded whole
    lines.append(_line(wrong))
    got = list(_StreamWatch(_Lines(lines), holds))  # type: ignore[arg-type]

    assert [e["type"] for e in got] == [
        "ADDED",
        HELD,
        "MODIFIED",
        "MODIFIED",  # the same held version, spelt with spaces: decoded whole
        HELD,
        "DELETED",
        "BOOKMARK",
        "MODIFIED",
    ]
    assert got[1] == {
        "type": HELD,
        "object": {"metadata": {"name": "a", "namespace": "ns", "resourceVersion": "7"}},
    }
    assert got[4] == {
        "type": HELD,
        "object": {"metadata": {"name": "cluster-wide", "resourceVersion": "3"}},
    }
    assert got[2] == events[2] and got[3] == events[1] and got[7] == wrong
    assert [m["resourceVersion"] for m in asked] == ["7", "8", "3"]


def test_without_holds_every_event_is_decoded_whole() -> None:
    events = [_event("MODIFIED", "a", "7"), _event("ADDED", "b", "8")]
    got = list(_StreamWatch(_Lines([_line(e) for e in events])))  # type: ignore[arg-type]
    assert got == events
