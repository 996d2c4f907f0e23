"""``compact``: an equal copy of a decoded JSON value whose keys and strings are shared with
every other compacted value; its input is left as it was. ``compact_like``: the same for a new
version of an object, sharing the parts equal to the previous version's. ``compact_top``: the
same for the top level and the metadata of a Kubernetes object only."""

from __future__ import annotations

import copy
import json
from typing import Any

from simulator.engine.compact import compact, compact_like, compact_top

DOC = (
    '{"name": "cluster--ns-a", "uuid": "pool-1", "enabled": true, "ratio": 1.5, "none": null,'
    ' "port": 80, "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}}, "x", 3, [1, "y"]],'
    ' "markers": [{"key": "clustername", "values": ["cluster"]}]}'
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_an_equal_copy_with_new_containers_and_the_input_unchanged() -> None:
    original = json.loads(DOC)
    before = copy.deepcopy(original)
    out = compact(original)
    assert out == original == before
    assert out is not original
    assert out["servers"] is not original["servers"]
    assert out["servers"][0] is not original["servers"][0]
    assert out["servers"][3] is not original["servers"][3]


def test_equal_strings_of_two_documents_are_one_object() -> None:
    first, second = compact(json.loads(DOC)), compact(json.loads(DOC))
    for a, b in zip(_strings(first), _strings(second), strict=True):
        assert a is b
    assert next(iter(first)) is next(iter(second))  # keys too


def test_scalars_and_other_values_come_back_as_they_are() -> None:
    for value in (1, 1.5, True, None, (1, "a")):
        assert compact(value) == value
    assert compact("text") == "text"
    assert compact({"t": (1, 2)}) == {"t": (1, 2)}


def test_a_new_version_shares_the_parts_equal_to_the_previous_one() -> None:
    previous = compact(json.loads(DOC))
    changed = json.loads(DOC)
    changed["port"] = 81
    changed["markers"].append({"key": "Namespace", "values": ["ns"]})
    changed["servers"][0]["ip"] = {"addr": "10.0.0.1", "type": "V4"}  # equal, another object
    before = copy.deepcopy(changed)
    out = compact_like(changed, previous)
    assert out == changed == before  # equal to the new version, the input unchanged
    assert out["servers"] is previous["servers"]  # equal: taken from the previous version
    assert out["markers"] is not previous["markers"]
    assert out["markers"] == before["markers"]
    for a, b in zip(_strings(out["markers"]), _strings(compact(before["markers"])), strict=True):
        assert a is b  # the changed part is compacted


def test_one_level_below_equal_fields_are_shared_and_types_are_not_mixed() -> None:
    previous = compact({"metadata": {"labels": {"a": "b"}, "rv": "1", "n": 1}, "flag": 1})
    new = {"metadata": {"labels": {"a": "b"}, "rv": "2", "n": True}, "flag": True}
    out = compact_like(new, previous, fresh=lambda value: value)
    assert out == new
    assert out["metadata"]["labels"] is previous["metadata"]["labels"]
    assert out["metadata"]["rv"] == "2"
    assert out["metadata"]["n"] is True and out["flag"] is True  # 1 == True, yet not shared


SERVICE = (
    '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop",'
    ' "labels": {"app": "web"}, "resourceVersion": "7", "generation": 1},'
    ' "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}]}}'
)


def test_a_new_kubernetes_object_has_its_top_level_and_metadata_compacted() -> None:
    original = json.loads(SERVICE)
    before = copy.deepcopy(original)
    first, second = compact_top(original), compact_top(json.loads(SERVICE))
    assert first == original == before
    assert first is not original and first["metadata"] is not original["metadata"]
    assert first["spec"] is original["spec"], "kept as decoded below the top and metadata"
    assert first["kind"] is second["kind"] and first["apiVersion"] is second["apiVersion"]
    meta_a, meta_b = first["metadata"], second["metadata"]
    assert meta_a["namespace"] is meta_b["namespace"] and meta_a["name"] is meta_b["name"]
    assert compact_top({"metadata": None, "n": 1}) == {"metadata": None, "n": 1}
