"""Server-side apply and managedFields over HTTP: ownership per manager and operation, the 409
on a conflict with upstream's message and causes, force, co-ownership of equal values, removal
of fields a manager stops applying, Update entries for other writes, and the status
subresource's own entries."""

from __future__ import annotations

import json
from typing import Any

import requests

from mock_k8s import errors
from mock_k8s.server import RunningServer

APPLY = {"Content-Type": "application/apply-patch+yaml"}
CM_URL = "/api/v1/namespaces/default/configmaps"


def cm(data: dict[str, str], labels: dict[str, str] | None = None) -> str:
    meta: dict[str, Any] = {"name": "app"}
    if labels:
        meta["labels"] = labels
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})


def apply(server: RunningServer, manager: str, body: str, force: bool = False) -> Any:
    params = {"fieldManager": manager, **({"force": "true"} if force else {})}
    return requests.patch(
        f"{server.url}{CM_URL}/app", params=params, data=body, headers=APPLY, timeout=10
    )


def owners(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e["fieldsV1"] for e in obj["metadata"]["managedFields"]}


def test_apply_creates_and_records_fields_v1(k8s_server: RunningServer) -> None:
    resp = apply(k8s_server, "alice", cm({"x": "1"}, {"app": "web"}))
    assert resp.status_code == 201, resp.text
    obj = resp.json()
    assert obj["data"] == {"x": "1"}
    [entry] = obj["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["apiVersion"]) == ("alice", "Apply", "v1")
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["fieldsV1"] == {
        "f:data": {".": {}, "f:x": {}},
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
    }


def test_conflict_then_force(k8s_server: RunningServer) -> None:
    apply(k8s_server, "alice", cm({"x": "1", "y": "2"})).raise_for_status()
    resp = apply(k8s_server, "bob", cm({"x": "9"}))
    assert resp.status_code == 409
    body = resp.json()
    assert body["reason"] == "Conflict"
    assert body["message"] == errors.MSG_APPLY_CONFLICT.format(manager='"alice"', path=".data.x")
    assert body["details"]["causes"] == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "alice"', "field": ".data.x"}
    ]
    got = requests.get(f"{k8s_server.url}{CM_URL}/app", timeout=10).json()
    assert got["data"] == {"x": "1", "y": "2"}  # a refused apply changes nothing
    forced = apply(k8s_server, "bob", cm({"x": "9"}), force=True).json()
    assert forced["data"] == {"x": "9", "y": "2"}
    assert owners(forced) == {
        ("alice", "Apply"): {"f:data": {".": {}, "f:y": {}}},
        ("bob", "Apply"): {"f:data": {".": {}, "f:x": {}}},
    }


def test_several_conflicts_are_listed_per_manager(k8s_server: RunningServer) -> None:
    apply(k8s_server, "alice", cm({"x": "1", "y": "2"})).raise_for_status()
    resp = apply(k8s_server, "bob", cm({"x": "9", "y": "9"}))
    assert resp.status_code == 409
    assert resp.json()["message"] == errors.MSG_APPLY_CONFLICTS.format(
        count=2, details='conflicts with "alice":\n- .data.x\n- .data.y'
    )


def test_equal_values_are_co_owned_without_conflict(k8s_server: RunningServer) -> None:
    apply(k8s_server, "alice", cm({"x": "1"})).raise_for_status()
    shared = apply(k8s_server, "bob", cm({"x": "1"}))
    assert shared.status_code == 200
    assert {m for m, _ in owners(shared.json())} == {"alice", "bob"}
    # alice stops applying x: bob still owns it, so it stays
    kept = apply(k8s_server, "alice", cm({})).json()
    assert kept["data"] == {"x": "1"}


def test_fields_a_manager_stops_applying_are_removed(k8s_server: RunningServer) -> None:
    apply(k8s_server, "alice", cm({"x": "1", "y": "2"}, {"app": "web"})).raise_for_status()
    after = apply(k8s_server, "alice", cm({"x": "1"})).json()
    assert after["data"] == {"x": "1"}
    assert "labels" not in after["metadata"]
    assert owners(after) == {("alice", "Apply"): {"f:data": {".": {}, "f:x": {}}}}


def test_an_update_takes_ownership_and_then_conflicts(k8s_server: RunningServer) -> None:
    apply(k8s_server, "kubectl", cm({"mode": "fast"})).raise_for_status()
    patched = requests.patch(
        f"{k8s_server.url}{CM_URL}/app",
        params={"fieldManager": "kubectl-patch"},
        data=json.dumps({"data": {"mode": "slow"}}),
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    ).json()
    assert owners(patched)[("kubectl-patch", "Update")] == {"f:data": {"f:mode": {}}}
    assert owners(patched)[("kubectl", "Apply")] == {"f:data": {}}  # the map itself
    resp = apply(k8s_server, "kubectl", cm({"mode": "fast"}))
    assert resp.status_code == 409
    assert resp.json()["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.mode'
    )


def test_manager_defaults_to_the_user_agent(k8s_server: RunningServer) -> None:
    resp = requests.post(
        f"{k8s_server.url}{CM_URL}",
        json={"metadata": {"name": "ua"}, "data": {"a": "b"}},
        headers={"User-Agent": "ako/v0.0.0 (linux/amd64) kubernetes/$Format"},
        timeout=10,
    )
    [entry] = resp.json()["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("ako", "Update")


def test_apply_needs_a_field_manager(k8s_server: RunningServer) -> None:
    resp = requests.patch(
        f"{k8s_server.url}{CM_URL}/app", data=cm({"x": "1"}), headers=APPLY, timeout=10
    )
    assert resp.status_code == 422
    assert resp.json()["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for '
        "apply patch"
    )


def test_service_ports_are_keyed_by_port_and_protocol(k8s_server: RunningServer) -> None:
    url = f"{k8s_server.url}/api/v1/namespaces/default/services/web"
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "type": "LoadBalancer",
            "selector": {"app": "web"},
            "ports": [{"port": 80, "targetPort": 8080}],
        },
    }
    created = requests.patch(
        url, params={"fieldManager": "a"}, data=json.dumps(svc), headers=APPLY, timeout=10
    ).json()
    fields = owners(created)[("a", "Apply")]["f:spec"]["f:ports"]
    assert fields == {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:port": {}, "f:targetPort": {}}}
    svc["spec"] = {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 9090}]}
    resp = requests.patch(
        url, params={"fieldManager": "b"}, data=json.dumps(svc), headers=APPLY, timeout=10
    )
    assert resp.status_code == 409
    assert resp.json()["details"]["causes"][0]["field"] == (
        '.spec.ports[port=80,protocol="TCP"].targetPort'
    )
    # a status write is recorded apart, with its subresource
    status = requests.patch(
        f"{url}/status",
        params={"fieldManager": "ako"},
        data=json.dumps({"status": {"loadBalancer": {"ingress": [{"ip": "100.64.196.61"}]}}}),
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    ).json()
    entry = next(e for e in status["metadata"]["managedFields"] if e["manager"] == "ako")
    assert entry["subresource"] == "status"
    assert entry["fieldsV1"] == {"f:status": {"f:loadBalancer": {"f:ingress": {}}}}
