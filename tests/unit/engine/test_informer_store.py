"""The informer store keeps objects without metadata.managedFields (nothing in the engine reads
them; they are about half of each Service) and leaves everything else, and its input, as is."""

from __future__ import annotations

import copy
from typing import Any

from simulator.engine.informer import Store


def _service(**metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "ns", "resourceVersion": "7", **metadata},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "100.64.0.10"}]}},
    }


def test_managed_fields_are_not_kept_and_nothing_else_changes() -> None:
    managed = [{"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:spec": {}}}]
    obj = _service(managedFields=managed, annotations={"a": "b"})
    sent = copy.deepcopy(obj)
    store = Store()
    assert store.put(obj) is None
    assert obj == sent  # the caller's object is untouched
    kept = store.get("ns/web")
    assert kept is not None
    assert "managedFields" not in kept["metadata"]
    expected = copy.deepcopy(sent)
    del expected["metadata"]["managedFields"]
    assert kept == expected


def test_an_object_without_managed_fields_is_kept_equal() -> None:
    obj = _service()
    store = Store()
    store.put(obj)
    assert store.get("ns/web") == obj


def test_a_new_version_keeps_the_unchanged_parts_of_the_stored_one() -> None:
    store = Store()
    store.put(_service(annotations={"a": "b"}))
    first = store.get("ns/web")
    assert first is not None
    update = _service(annotations={"a": "b"}, resourceVersion="8")
    update["status"] = {"loadBalancer": {"ingress": [{"ip": "100.64.0.11"}]}}
    for shared in (False, True):
        sent = copy.deepcopy(update)
        assert store.put(update, shared=shared) is not None
        assert update == sent
        kept = store.get("ns/web")
        assert kept is not None and kept == sent
        assert kept["spec"] is first["spec"]
        assert kept["metadata"]["annotations"] is first["metadata"]["annotations"]
        assert kept["metadata"]["resourceVersion"] == "8"
