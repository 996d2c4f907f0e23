"""Protobuf over HTTP against the running mock: bodies built byte by byte as client-go's encoder
writes them (status updates, DeleteOptions, Eviction, Lease), the Accept negotiation (JSON when
JSON is listed, protobuf when it is the only choice), custom resources refused with 415, and bad
bytes refused with a clear 400 that stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_k8s import protobuf
from mock_k8s.server import RunningServer

from .helpers import lb_service
from .test_protobuf_codec import envelope, ld, object_meta, vint

PROTOBUF = "application/vnd.kubernetes.protobuf"
CLIENT_GO_ACCEPT = f"{PROTOBUF}, application/json"
Api = Callable[..., requests.Response]


@pytest.fixture
def api(k8s_server: RunningServer) -> Api:
    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{k8s_server.url}/{path}", timeout=10, **kwargs)

    return call


def send(api: Api, method: str, path: str, body: bytes, accept: str = CLIENT_GO_ACCEPT) -> Any:
    return api(method, path, data=body, headers={"Content-Type": PROTOBUF, "Accept": accept})


SERVICES = "api/v1/namespaces/default/services"


def test_service_status_update_in_protobuf(api: Api) -> None:
    created = api("POST", SERVICES, json=lb_service("web")).json()
    # Service: metadata=1, spec=2, status=3 {loadBalancer=1 {ingress=1 [{ip=1, ipMode=3}]}}
    meta = ld(1, "web") + ld(3, "default") + ld(6, created["metadata"]["resourceVersion"])
    ingress = ld(1, "10.10.10.1") + ld(3, "VIP")
    raw = ld(1, meta) + ld(3, ld(1, ld(1, ingress)))
    resp = send(api, "PUT", f"{SERVICES}/web/status", envelope("v1", "Service", raw))
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    stored = api("GET", f"{SERVICES}/web").json()
    assert stored["status"]["loadBalancer"]["ingress"] == [{"ip": "10.10.10.1", "ipMode": "VIP"}]
    assert stored["spec"]["ports"] == created["spec"]["ports"]  # status update keeps the spec


def test_lease_create_and_renew_as_client_go(api: Api) -> None:
    path = "apis/coordination.k8s.io/v1/namespaces/default/leases"
    micro = vint(1, 1764590400) + vint(2, 5000)
    spec = ld(1, "ako-0") + vint(2, 15) + ld(3, micro) + ld(4, micro) + vint(5, 0)
    body = envelope("coordination.k8s.io/v1", "Lease", ld(1, object_meta("ako")) + ld(2, spec))
    resp = send(api, "POST", path, body)
    assert resp.status_code == 201, resp.text
    lease = api("GET", f"{path}/ako").json()
    assert lease["spec"] == {
        "holderIdentity": "ako-0",
        "leaseDurationSeconds": 15,
        "acquireTime": "2025-12-01T12:00:00.000005Z",
        "renewTime": "2025-12-01T12:00:00.000005Z",
        "leaseTransitions": 0,
    }
    rv = lease["metadata"]["resourceVersion"]
    renewed = spec.replace(ld(4, micro), ld(4, vint(1, 1764590410)))
    meta = object_meta("ako", "default", rv=ld(6, rv))
    body = envelope("coordination.k8s.io/v1", "Lease", ld(1, meta) + ld(2, renewed))
    resp = send(api, "PUT", f"{path}/ako", body)
    assert resp.status_code == 200, resp.text
    assert api("GET", f"{path}/ako").json()["spec"]["renewTime"] == "2025-12-01T12:00:10.000000Z"


def test_delete_options_in_protobuf_are_honoured(api: Api) -> None:
    api("POST", SERVICES, json=lb_service("web"))
    # DeleteOptions.preconditions (2) .uid (1): a wrong uid is a 409 and nothing is deleted
    wrong = envelope("v1", "DeleteOptions", ld(2, ld(1, "not-the-uid")))
    resp = send(api, "DELETE", f"{SERVICES}/web", wrong)
    assert resp.status_code == 409, resp.text
    assert "Precondition failed" in resp.json()["message"]
    uid = api("GET", f"{SERVICES}/web").json()["metadata"]["uid"]
    right = envelope("v1", "DeleteOptions", vint(1, 0) + ld(2, ld(1, uid)) + ld(4, "Background"))
    resp = send(api, "DELETE", f"{SERVICES}/web", right)
    assert resp.status_code == 200, resp.text
    assert api("GET", f"{SERVICES}/web").status_code == 404


def test_eviction_body_in_protobuf(api: Api) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-0"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    assert api("POST", "api/v1/namespaces/default/pods", json=pod).status_code == 201
    raw = ld(1, object_meta("web-0", "default")) + ld(2, vint(1, 0))
    resp = send(
        api,
        "POST",
        "api/v1/namespaces/default/pods/web-0/eviction",
        envelope("policy/v1", "Eviction", raw),
    )
    if resp.status_code == 404 and "web-0" not in resp.text:
        pytest.skip("the eviction subresource is not served yet")
    assert resp.status_code in (200, 201), resp.text
    gone = api("GET", "api/v1/namespaces/default/pods/web-0")
    assert gone.status_code == 404 or gone.json()["metadata"].get("deletionTimestamp")


def test_json_is_answered_when_the_accept_list_allows_it(api: Api) -> None:
    body = protobuf.encode(lb_service("web"))
    resp = send(api, "POST", SERVICES, body)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["spec"]["type"] == "LoadBalancer"


def test_protobuf_only_accept_is_answered_in_protobuf(api: Api) -> None:
    api("POST", SERVICES, json=lb_service("web"))
    as_json = api("GET", f"{SERVICES}/web").json()
    resp = api("GET", f"{SERVICES}/web", headers={"Accept": PROTOBUF})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == PROTOBUF
    # the runtime.Unknown envelope, byte for byte as the real server starts it
    assert resp.content.startswith(b"k8s\x00" + ld(1, ld(1, "v1") + ld(2, "Service")))
    decoded = protobuf.decode(resp.content)
    assert decoded["metadata"]["uid"] == as_json["metadata"]["uid"]
    assert decoded["spec"]["clusterIP"] == as_json["spec"]["clusterIP"]
    assert decoded["spec"]["ports"][0]["nodePort"] == as_json["spec"]["ports"][0]["nodePort"]

    listed = api("GET", SERVICES, headers={"Accept": PROTOBUF})
    assert listed.headers["Content-Type"] == PROTOBUF
    items = protobuf.decode(listed.content)
    assert items["kind"] == "ServiceList"
    assert [i["metadata"]["name"] for i in items["items"]] == ["web"]

    created = send(api, "POST", SERVICES, protobuf.encode(lb_service("two")), accept=PROTOBUF)
    assert created.status_code == 201
    assert protobuf.decode(created.content)["metadata"]["name"] == "two"


def test_custom_resource_in_protobuf_is_415(api: Api) -> None:
    path = "apis/ako.vmware.com/v1alpha2/namespaces/default/l4rules"
    assert api("GET", path).status_code == 200  # the CRD is installed by the seed
    body = envelope("ako.vmware.com/v1alpha2", "L4Rule", ld(1, object_meta("r1")))
    resp = send(api, "POST", path, body)
    assert resp.status_code == 415
    assert resp.json()["reason"] == "UnsupportedMediaType"
    assert resp.json()["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml"
    )
    assert api("GET", path).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"k8s\x00\x0a\xff\xff",
            "the object provided is unrecognized (must be of type Service): ",
        ),
        (
            b'{"kind": "Service"',
            "the object provided is unrecognized (must be of type Service): provided data does "
            "not appear to be a protobuf message",
        ),
        (
            envelope("v1", "Service", ld(1, b"\x0a\x09web")),
            'Service in version "v1" cannot be handled as a Service: ',
        ),
        (
            envelope("v1", "Gadget", b""),
            'Gadget in version "v1" cannot be handled as a Service: no kind "Gadget" is '
            'registered for version "v1"',
        ),
        (
            b"",
            "the object provided is unrecognized (must be of type Service): empty data (<empty>)",
        ),
    ],
    ids=["truncated-envelope", "not-protobuf", "truncated-object", "unknown-kind", "empty"],
)
def test_bad_bytes_are_a_clear_400_and_store_nothing(api: Api, body: bytes, message: str) -> None:
    before = api("GET", SERVICES).json()["items"]
    resp = send(api, "POST", SERVICES, body)
    assert resp.status_code == 400, resp.text
    status = resp.json()
    assert status["reason"] == "BadRequest"
    assert status["message"].startswith(message)
    assert api("GET", SERVICES).json()["items"] == before


SERVICE_BODY = protobuf.encode(lb_service("fuzz"))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(edits=st.lists(st.tuples(st.integers(4), st.integers(0, 255)), min_size=1, max_size=3))
def test_mutated_service_bodies_never_500_nor_break_a_later_list(
    api: Api, edits: list[tuple[int, int]]
) -> None:
    data = bytearray(SERVICE_BODY)
    for pos, byte in edits:
        data[4 + pos % (len(data) - 4)] = byte
    resp = send(api, "POST", SERVICES, bytes(data))
    assert resp.status_code < 500, resp.text
    listed = api("GET", SERVICES)
    assert listed.status_code == 200
    for item in listed.json()["items"]:
        name = item["metadata"]["name"]
        assert api("DELETE", f"{SERVICES}/{name}").status_code < 500
