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
