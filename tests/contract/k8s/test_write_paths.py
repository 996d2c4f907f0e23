"""The write paths the engine drives hardest (Service status patches, Event creates), called
in-process through the WSGI app: stored versions never change in place, and the shortcuts
these paths take give the answers the full paths give."""

from __future__ import annotations

import copy
import ipaddress
import json
from typing import Any

import pytest
from werkzeug.test import Client

from mock_k8s.app import K8sApp, create_app
from mock_k8s.managed import fields_of, fields_tree, to_fields_v1
from mock_k8s.resources.common import is_ip

pytestmark = pytest.mark.contract

SERVICES = "/api/v1/namespaces/default/services"
MERGE = "application/merge-patch+json"


@pytest.fixture
def app() -> K8sApp:
    return create_app(install_ako_crds=False)


def send(app: K8sApp, method: str, path: str, body: Any, ctype: str = "application/json") -> Any:
    resp = Client(app).open(
        path, method=method, data=json.dumps(body), content_type=ctype,
        headers={"User-Agent": "tests/1.0"},
    )  # fmt: skip
    assert resp.status_code < 300, resp.get_data(as_text=True)
    return resp.get_json()


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"type": "LoadBalancer", "selector": {"app": name},
                 "ports": [{"port": 80, "targetPort": 8080}], **spec},
    }  # fmt: skip


def stored(app: K8sApp, name: str = "web") -> dict[str, Any]:
    found = app.api.store.get("services", "default", name)
    assert found is not None
    return found


def test_a_status_patch_leaves_the_stored_spec_as_it_was(app: K8sApp) -> None:
    send(app, "POST", SERVICES, service())
    before = stored(app)
    spec, cluster_ips = before["spec"], before["spec"]["clusterIPs"]
    status = {"status": {"loadBalancer": {"ingress": [{"ip": "10.1.2.3"}]}}}
    send(app, "PATCH", f"{SERVICES}/web/status", status, MERGE)
    after = stored(app)
    assert after is not before
    assert after["status"]["loadBalancer"]["ingress"] == [{"ip": "10.1.2.3", "ipMode": "VIP"}]
    assert before["spec"] is spec
    assert spec["clusterIPs"] is cluster_ips  # allocation did not write into the stored spec
    assert after["spec"] == spec


def test_a_status_write_completes_an_incomplete_stored_spec_in_a_copy(app: K8sApp) -> None:
    send(app, "POST", SERVICES, service())
    current = stored(app)
    # a stored version without clusterIPs (as a hand-written state could hold it)
    spec = {k: v for k, v in current["spec"].items() if k != "clusterIPs"}
    app.api.store.write("services", "MODIFIED", {**current, "spec": spec}, current)
    before = stored(app)
    status = {"status": {"loadBalancer": {"ingress": [{"ip": "10.1.2.4"}]}}}
    answer = send(app, "PATCH", f"{SERVICES}/web/status", status, MERGE)
    assert "clusterIPs" not in before["spec"]
    assert answer["spec"]["clusterIPs"] == [before["spec"]["clusterIP"]]
    assert stored(app)["spec"]["clusterIPs"] == [before["spec"]["clusterIP"]]


EVENTS = "/api/v1/namespaces/default/events"


def event(name: str = "web.1", **fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
        "involvedObject": {"kind": "Service", "apiVersion": "v1", "namespace": "default",
                           "name": "web", "uid": "u-1"},
        "reason": "Synced", "message": "VIP allocated", "type": "Normal", "count": 1,
        "firstTimestamp": "2026-12-02T06:00:00Z", "lastTimestamp": "2026-12-02T06:00:00Z",
        "source": {"component": "ako-sim"}, "reportingComponent": "ako-sim", **fields,
    }  # fmt: skip


def raw_post(app: K8sApp, path: str, text: str, query: str = "") -> Any:
    return Client(app).post(
        f"{path}?{query}" if query else path, data=text, content_type="application/json",
        headers={"User-Agent": "tests/1.0"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("count", "detail"),
    [
        (2**31, "json: cannot unmarshal number 2147483648 into Go struct field Event.count of "
                "type int32"),
        (-(2**31) - 1, "json: cannot unmarshal number -2147483649 into Go struct field "
                       "Event.count of type int32"),
        (True, "json: cannot unmarshal bool into Go struct field Event.count of type int32"),
    ],
)  # fmt: skip
def test_an_event_count_beyond_int32_is_refused(app: K8sApp, count: Any, detail: str) -> None:
    resp = raw_post(app, EVENTS, json.dumps(event(count=count)))
    assert resp.status_code == 400
    assert resp.get_json()["message"] == (
        f'Event in version "v1" cannot be handled as a Event: {detail}'
    )


def test_an_event_count_at_the_int32_bounds_is_stored(app: K8sApp) -> None:
    assert send(app, "POST", EVENTS, event("a.1", count=2**31 - 1))["count"] == 2**31 - 1
    assert send(app, "POST", EVENTS, event("a.2", count=-(2**31)))["count"] == -(2**31)


def test_repeated_and_unknown_event_fields_are_reported_once_each(app: K8sApp) -> None:
    text = (
        json.dumps(event())
        .replace('"reason": "Synced"', '"reason": "A", "reason": "Synced", "odd": 1, "odd": 2')
        .replace('"uid": "u-1"', '"uid": "u-0", "uid": "u-1", "zz": 1')
    )
    resp = raw_post(app, EVENTS, text)
    assert resp.status_code == 201
    assert resp.headers.getlist("Warning") == [
        '299 - "duplicate field \\"involvedObject.uid\\""',
        '299 - "unknown field \\"involvedObject.zz\\""',
        '299 - "duplicate field \\"reason\\""',
        '299 - "unknown field \\"odd\\""',
    ]
    stored = resp.get_json()
    assert stored["reason"] == "Synced" and stored["involvedObject"]["uid"] == "u-1"
    assert "odd" not in stored and "zz" not in stored["involvedObject"]


def test_an_event_create_records_its_fields_as_the_field_set_construction_does(
    app: K8sApp,
) -> None:
    body = event(related={"kind": "Pod", "name": "p"}, series={"count": 2})
    body["metadata"].update(labels={"a": "b"}, annotations={"c": "d"})
    created = send(app, "POST", EVENTS, body)
    [entry] = created["metadata"]["managedFields"]
    stored = app.api.store.get("events", "default", "web.1")
    assert stored is not None
    expected = to_fields_v1(fields_of(stored, "Event"))
    assert json.dumps(entry["fieldsV1"]) == json.dumps(expected)  # the same order too
    assert entry["manager"] == "tests"


@pytest.mark.parametrize(
    "obj",
    [
        {"spec": {"type": "LoadBalancer", "selector": {"app": "a"}, "ports": [
            {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
            {"port": 443, "nodePort": 30001}], "clusterIPs": ["10.0.0.1"], "x": None}},
        {"metadata": {"labels": {}, "annotations": {"a": "b"}, "name": "n"}, "data": {"k": "v"},
         "spec": {"template": {"spec": {"containers": [{"name": "c", "env": [{"name": "E"}]}]}}}},
        {"spec": {"ports": [{"port": 80}, {"port": 81, "protocol": "UDP"}], "empty": {}}},
    ],
)  # fmt: skip
def test_the_one_walk_field_tree_is_the_field_set_one(obj: dict[str, Any]) -> None:
    kind = "Service"
    assert json.dumps(fields_tree(obj, kind)) == json.dumps(to_fields_v1(fields_of(obj, kind)))


def test_service_writes_reach_the_endpoints_controller_only(
    app: K8sApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workload controllers, the scheduler and the kubelet read no Service change: a
    batch of Service writes skips their loops, the Endpoints controller still sees it."""
    workloads = app.api.workloads
    seen: dict[str, list[str]] = {}
    for name in ("deployments", "replicasets", "statefulsets", "daemonsets", "jobs",
                 "scheduler", "kubelet", "endpoints"):  # fmt: skip
        controller = getattr(workloads, name)

        def recording(changes: Any, name: str = name, handle: Any = controller.handle) -> None:
            seen.setdefault(name, []).extend(ch.key for ch in changes)
            handle(changes)

        monkeypatch.setattr(controller, "handle", recording)
    send(app, "POST", SERVICES, service())
    status = {"status": {"loadBalancer": {"ingress": [{"ip": "10.1.2.3"}]}}}
    send(app, "PATCH", f"{SERVICES}/web/status", status, MERGE)
    assert set(seen) == {"endpoints"}
    assert seen["endpoints"] == ["services", "endpoints", "services"]
    assert app.api.store.get("endpoints", "default", "web") is not None


def test_status_patches_change_no_stored_version_in_place(app: K8sApp) -> None:
    body = service()
    body["metadata"].update(labels={"a": "b"}, annotations={"c": "d"}, finalizers=["x/y"])
    send(app, "POST", SERVICES, body)
    versions = [stored(app)]
    copies = [copy.deepcopy(versions[0])]
    for ip in ("10.1.2.3", "10.1.2.4"):
        status = {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}
        answer = send(app, "PATCH", f"{SERVICES}/web/status", status, MERGE)
        assert answer["metadata"]["labels"] == {"a": "b"}
        assert answer["metadata"]["annotations"] == {"c": "d"}
        assert answer["metadata"]["finalizers"] == ["x/y"]
        versions.append(stored(app))
        copies.append(copy.deepcopy(versions[-1]))
    assert versions == copies
    assert [v["metadata"]["resourceVersion"] for v in versions] == [
        c["metadata"]["resourceVersion"] for c in copies
    ]


@pytest.mark.parametrize(
    "text",
    ["1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1.2.3.4\n",
     " 1.2.3.4", "1.2.3", "1.2.3.4.5", "\u0661.2.3.4", "::1", "fe80::1", "", "a.b.c.d"],
)  # fmt: skip
def test_is_ip_says_what_ipaddress_says(text: str) -> None:
    try:
        ipaddress.ip_address(text)
        expected = True
    except ValueError:
        expected = False
    assert is_ip(text) is expected


def test_query_parameters_of_a_write_still_count(app: K8sApp) -> None:
    """Writes without a query skip parsing one; those with one keep their parameters."""
    dry = raw_post(app, EVENTS, json.dumps(event("d.1")), "dryRun=All")
    assert dry.status_code == 201 and app.api.store.get("events", "default", "d.1") is None
    strict = raw_post(app, EVENTS, json.dumps(event("s.1", odd=1)), "fieldValidation=Strict")
    assert strict.status_code == 400
    managed = raw_post(app, EVENTS, json.dumps(event("m.1")), "fieldManager=mine")
    assert managed.get_json()["metadata"]["managedFields"][0]["manager"] == "mine"
    plain = raw_post(app, EVENTS, json.dumps(event("p.1", odd=1)))
    assert plain.status_code == 201 and plain.headers.getlist("Warning")
    assert plain.get_json()["metadata"]["managedFields"][0]["manager"] == "tests"
