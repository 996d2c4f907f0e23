"""The watching floor's engine (benchmarks/floor_engine.py) on its own, with recorded calls: a
group is configured once, when the watch has shown its last member; each member gets its
status and its Event; events of other kinds or of Services outside the workload change nothing."""

from __future__ import annotations

import threading
from typing import Any, cast

import orjson

from benchmarks.floor_engine import FloorEngine
from benchmarks.harness import RestCalls
from benchmarks.scale import floor_vs_name
from benchmarks.workload import Group, build
from steps.support.wait import consistently


class RecordedCalls:
    """Answers as the mocks would (a VsVip with its VIP, the rest empty) and records the
    Kubernetes calls."""

    def __init__(self) -> None:
        self.k8s: list[tuple[str, str, Any]] = []
        self.lock = threading.Lock()

    def avi_call(self, method: str, path: str, body: Any = None) -> Any:
        if path == "/api/vsvip":
            return {"vip": [{"ip_address": {"addr": "100.64.0.10"}}]}
        return {}

    def k8s_call(self, method: str, path: str, body: Any = None, ctype: str = "") -> Any:
        with self.lock:
            self.k8s.append((method, path, body))
        return {}

    def count(self) -> int:
        with self.lock:
            return len(self.k8s)


def added(group: Group, name: str, kind: str = "ADDED") -> bytes:
    meta = {"namespace": group.namespace, "name": name, "uid": f"uid-{name}"}
    return orjson.dumps({"type": kind, "object": {"metadata": meta}})


def test_a_group_is_configured_once_its_last_member_is_seen() -> None:
    groups = build(12).groups
    first, *others = groups
    calls = RecordedCalls()
    engine = FloorEngine(cast(RestCalls, calls), groups, workers=2)
    try:
        for name in first.names[:-1]:
            engine.seen(added(first, name))
        engine.seen(added(first, first.names[-1], kind="MODIFIED"))  # not an ADDED: not seen
        engine.seen(b"")
        engine.seen(added(Group(first.namespace, None), "not-in-the-workload"))

        def nothing_yet() -> None:
            assert calls.count() == 0

        consistently(nothing_yet, duration=0.2)

        engine.seen(added(first, first.names[-1]))
        for group in others:
            for name in group.names:
                engine.seen(added(group, name))
        assert engine.done.wait(10) and not engine.errors
    finally:
        engine.stop()

    members = sum(len(g.names) for g in groups)
    statuses = [c for c in calls.k8s if c[0] == "PATCH"]
    events = [c[2] for c in calls.k8s if c[0] == "POST"]
    assert len(statuses) == len(events) == members
    assert len(calls.k8s) == 2 * members  # nothing else
    first_events = [e for e in events if e["involvedObject"]["name"] in first.names]
    assert sorted(e["involvedObject"]["name"] for e in first_events) == sorted(first.names)
    for event in first_events:
        name = event["involvedObject"]["name"]
        assert event["reason"] == "Synced" and event["involvedObject"]["uid"] == f"uid-{name}"
        assert event["message"] == f"Added virtualservice {floor_vs_name(first)} for {name}"
    assert len({e["metadata"]["name"] for e in events}) == members  # each Event its own name
