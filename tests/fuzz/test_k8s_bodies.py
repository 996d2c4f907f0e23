"""Hypothesis-generated request bodies against mock_k8s (in-process WSGI, no sockets).

Services, AKO CRD objects, Namespaces and fault rules built from a mix of well-formed and hostile
values (wrong types, huge and non-ASCII strings, bad IPs and ports) go through create, replace,
merge / JSON / strategic-merge patch, the status subresource and delete. The fake API server must
answer a 2xx or a Kubernetes ``Status`` 4xx, never a 5xx, and afterwards every list, get and Table
view must still render, with well-typed metadata and ever-growing resourceVersions.
Budget: ``AKO_SIM_FUZZ_EXAMPLES`` (tests/fuzz/budget.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.test import Client

from mock_k8s.app import K8sApp, create_app
from tests.fuzz.budget import settings_for

NS = "default"
SVC_PATH = f"/api/v1/namespaces/{NS}/services"
L4RULE_PATH = f"/apis/ako.vmware.com/v1alpha2/namespaces/{NS}/l4rules"
INFRA_PATH = "/apis/ako.vmware.com/v1beta1/aviinfrasettings"
TABLE = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
PATCH_TYPES = (
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
anything = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
hostile_text = st.sampled_from(
    ["", " ", "x" * 300, "ünïcødé", "a\nb", "$(reboot)", "'; DROP TABLE x;--", "../../etc", "%00"]
)
names = st.sampled_from(["a", "b", "c"])
ips = st.sampled_from(
    ["100.64.196.70", "1.2.3.4", "::1", "999.1.1.1", "not-an-ip", "", "100.64.196.70/24"]
)
ports = st.fixed_dictionaries(
    {"port": st.integers(-1, 70000) | anything},
    optional={
        "protocol": st.sampled_from(["TCP", "UDP", "SCTP", "tcp", "HTTP"]) | anything,
        "targetPort": st.integers(-1, 70000) | st.text(max_size=8) | anything,
        "nodePort": st.integers(29000, 33000) | anything,
        "name": hostile_text | st.text(max_size=8),
    },
)
annotations = st.dictionaries(
    st.sampled_from(
        [
            "ako.vmware.com/enable-shared-vip",
            "ako.vmware.com/load-balancer-ip",
            "ako.vmware.com/l4rule",
            "aviinfrasetting.ako.vmware.com/name",
            "x/y",
        ]
    ),
    hostile_text | ips | st.text(max_size=10),
    max_size=4,
)
services = st.fixed_dictionaries(
    {"metadata": st.fixed_dictionaries({"name": names}, optional={"annotations": annotations})},
    optional={
        "apiVersion": st.just("v1"),
        "kind": st.just("Service"),
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(["LoadBalancer", "ClusterIP", "NodePort", "Bogus"]),
                "ports": st.lists(ports, max_size=3) | anything,
                "selector": st.dictionaries(st.text(max_size=5), st.text(max_size=5)) | anything,
                "loadBalancerIP": ips | anything,
                "loadBalancerClass": st.sampled_from(["ako.vmware.com/avi-lb", "x/y"]) | anything,
                "clusterIP": ips,
            },
        )
        | anything,
        "status": anything,
    },
)
crd_specs = st.dictionaries(
    st.sampled_from(
        ["loadBalancerIP", "seGroup", "network", "listenerProperties", "backendProperties", "x"]
    ),
    anything | ips | hostile_text,
    max_size=3,
)


@pytest.fixture(scope="module")
def k8s() -> K8sApp:
    return create_app()


def _ok(rsp: Any) -> Any:
    text = rsp.get_data(as_text=True)
    assert rsp.status_code < 500, f"{rsp.status_code}: {text[:500]}"
    body = json.loads(text) if text else None
    if rsp.status_code >= 400:
        assert body["kind"] == "Status" and body["code"] == rsp.status_code, body
    return body


def _consistent(client: Client, last_rv: list[int]) -> None:
    listed = _ok(client.get("/api/v1/services"))
    rv = int(listed["metadata"]["resourceVersion"])
    assert rv >= last_rv[0], "resourceVersion went backwards"
    last_rv[0] = rv
    for item in listed["items"]:
        meta = item["metadata"]
        assert isinstance(meta["name"], str) and isinstance(meta["namespace"], str)
        assert int(meta["resourceVersion"]) <= rv
        got = _ok(client.get(f"/api/v1/namespaces/{meta['namespace']}/services/{meta['name']}"))
        assert got == item, "get and list disagree"
        assert isinstance(item["spec"].get("ports", []), list)
    table = _ok(client.get("/api/v1/services", headers=TABLE))
    assert len(table["rows"]) == len(listed["items"])
    for path in (L4RULE_PATH, INFRA_PATH, "/api/v1/namespaces", "/api/v1/events"):
        _ok(client.get(path))
        _ok(client.get(path, headers=TABLE))


def _patch(client: Client, path: str, ctype: str, body: Any) -> Any:
    return client.patch(path, data=json.dumps(body), headers={"Content-Type": ctype})


@given(
    first=services,
    second=services,
    patch=anything | services,
    ops=st.lists(st.integers(0, 6), min_size=1, max_size=6),
)
@example(
    first={"metadata": {"name": "a"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}},
    second={"metadata": {"name": "a", "annotations": {"x/y": "x" * 300}}, "spec": 5},
    patch=[{"op": "remove", "path": "/spec"}],
    ops=[0, 2, 3, 4, 5, 6],
)
@settings_for(40)
def test_services_never_break_the_api_server(
    k8s: K8sApp, first: dict[str, Any], second: dict[str, Any], patch: Any, ops: list[int]
) -> None:
    k8s.control.reset()
    client = Client(k8s)
    last_rv = [0]
    _ok(client.post(SVC_PATH, json=first))
    for op in ops:
        name = second["metadata"]["name"]
        item = f"{SVC_PATH}/{name}"
        if op == 0:
            _ok(client.post(SVC_PATH, json=second))
        elif op == 1:
            current = client.get(item)
            body = dict(second)
            if current.status_code == 200:
                rv = current.get_json()["metadata"]["resourceVersion"]
                body["metadata"] = {**second["metadata"], "resourceVersion": rv}
            _ok(client.put(item, json=body))
        elif op in (2, 3, 4):
            _ok(_patch(client, item, PATCH_TYPES[op - 2], patch))
        elif op == 5:
            _ok(_patch(client, f"{item}/status", PATCH_TYPES[0], {"status": patch}))
        else:
            _ok(client.delete(item))
        _consistent(client, last_rv)


@given(kind=st.sampled_from(["l4rule", "infra"]), name=names | hostile_text, spec=crd_specs)
@example(kind="infra", name="x" * 300, spec={"seGroup": "$(reboot)"})
@settings_for(30)
def test_ako_crd_objects_never_break_the_api_server(
    k8s: K8sApp, kind: str, name: str, spec: dict[str, Any]
) -> None:
    k8s.control.reset()
    client = Client(k8s)
    if kind == "l4rule":
        path, body = L4RULE_PATH, {"apiVersion": "ako.vmware.com/v1alpha2", "kind": "L4Rule"}
    else:
        path, body = INFRA_PATH, {"apiVersion": "ako.vmware.com/v1beta1", "kind": "AviInfraSetting"}
    body = {**body, "metadata": {"name": name}, "spec": spec}
    created = client.post(path, json=body)
    _ok(created)
    if created.status_code == 201:
        _ok(_patch(client, f"{path}/{name}/status", PATCH_TYPES[0], {"status": spec}))
        _ok(_patch(client, f"{path}/{name}", PATCH_TYPES[0], {"spec": {"x": spec}}))
        _ok(client.delete(f"{path}/{name}"))
    _consistent(client, [0])


@pytest.mark.filterwarnings("ignore::FutureWarning")  # odd generated regexes
@given(
    rule=st.dictionaries(
        st.sampled_from(["method", "path", "status", "body", "delay_ms", "times", "after"]),
        anything,
    )
)
@example(rule={"delay_ms": "abc"})
@example(rule={"after": [1]})
@example(rule={"path": "("})
@settings_for(30)
def test_fault_rules_of_any_shape_are_accepted_or_refused_cleanly(
    k8s: K8sApp, rule: dict[str, Any]
) -> None:
    k8s.control.reset()
    client = Client(k8s)
    if isinstance(rule.get("delay_ms"), int) and rule["delay_ms"] > 0:
        rule["delay_ms"] = 1
    rule.pop("drop_watches", None)
    rsp = client.post("/__mock__/faults", json=rule)
    _ok(rsp)
    assert len(_ok(client.get("/__mock__/faults"))) == (1 if rsp.status_code == 201 else 0)
    k8s.faults.remove()


@given(objects=st.lists(anything | services, max_size=3))
@example(objects=[{"kind": "Nope", "apiVersion": "v1", "metadata": {"name": "x"}}])
@settings_for(25)
def test_a_refused_state_document_leaves_the_state_as_it_was(
    k8s: K8sApp, objects: list[Any]
) -> None:
    k8s.control.reset()
    client = Client(k8s)
    _ok(
        client.post(SVC_PATH, json={"metadata": {"name": "keep"}, "spec": {"ports": [{"port": 1}]}})
    )
    before = {o["metadata"]["name"] for o in _ok(client.get("/api/v1/services"))["items"]}
    rsp = client.put("/__mock__/state", json={"objects": objects})
    _ok(rsp)
    if rsp.status_code >= 400:
        after = {o["metadata"]["name"] for o in _ok(client.get("/api/v1/services"))["items"]}
        assert after == before == {"keep"}
