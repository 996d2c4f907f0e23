"""The engine's Avi client (``simulator.adapters.avi.AviSdkClient``) against the real mock_avi.

The client logs in with avisdk and then sends every call through a bare urllib3 pool. These
tests hold that path to what the SDK itself does: the same headers and cookies as the SDK's own
request for the same session, the tenant header honoured, writes accepted (CSRF token and
session cookies right), one re-login after an expired session or an injected 401 (shared by
concurrent callers), and each failure mapped to the engine's error kinds.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from avi.sdk.avi_api import ApiSession

from mock_avi.server import RunningServer, start_server
from simulator.adapters.avi import (
    AviSdkClient,
    Conflict,
    NotFound,
    PermanentError,
    Precondition,
    TransientError,
    VipAllocationError,
)
from tests.contract.avi.avi_support import MARKS, PASSWORD, USER, MockControl

pytestmark = MARKS

# headers requests adds on its own; the bare pool sends the same values
TRANSPORT_HEADERS = ("Content-Length", "Connection")


@pytest.fixture
def make_client(avi_server: RunningServer, mock: MockControl) -> Iterator[Any]:
    clients: list[AviSdkClient] = []
    ApiSession.clear_cached_sessions()

    def make(**kwargs: Any) -> AviSdkClient:
        kwargs.setdefault("created_by", "ako-cluster")
        client = AviSdkClient(avi_server.url, kwargs.pop("user", USER), PASSWORD, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    ApiSession.clear_cached_sessions()


def _vsvip(name: str, **vip: Any) -> dict[str, Any]:
    entry = {
        "vip_id": "0",
        "auto_allocate_ip": True,
        "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
        **vip,
    }
    return {"name": name, "vip": [entry]}


def _calls(mock: MockControl, path_prefix: str = "") -> list[tuple[str, str, int]]:
    return [
        (e["method"], e["path"], e["status"])
        for e in mock.journal()
        if e["path"].startswith(path_prefix)
    ]


def _logins(mock: MockControl) -> int:
    return sum(1 for e in mock.journal() if e["path"] == "/login")


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    jar.load(header)
    return {k: v.value for k, v in jar.items()}


def test_the_headers_and_cookies_are_the_ones_the_sdk_sends(make_client: Any) -> None:
    client = make_client(api_version="30.2.1")
    sent = client.request_headers()
    captured: list[Any] = []
    sdk = client.sdk_session  # the SDK's own session of this client: same login, same cache
    rsp = sdk.get(  # the call timeout, as the engine's calls through the SDK always gave one
        "tenant",
        timeout=client.timeout,
        hooks={"response": lambda r, *a, **k: captured.append(r.request)},
    )
    assert rsp.status_code == 200
    sdk_headers = dict(captured[0].headers)

    assert _cookies(sent.pop("Cookie")) == _cookies(sdk_headers.pop("Cookie"))
    for name in TRANSPORT_HEADERS:
        sdk_headers.pop(name, None)
        sent.pop(name, None)
    assert sent == sdk_headers
    # what the SDK puts there, spelled out: the session's CSRF token, tenant, version, Referer
    assert sent["X-Avi-Tenant"] == "admin"
    assert sent["X-Avi-Version"] == "30.2.1"
    assert sent["X-CSRFToken"] == _cookies(client.request_headers()["Cookie"])["csrftoken"]
    assert sent["Referer"] == client.controller


def test_writes_go_through_with_the_session_cookies_and_csrf_token(
    make_client: Any, mock: MockControl
) -> None:
    client = make_client()
    created = client.create("vsvip", _vsvip("cluster--ns-a"))
    assert created["vip"][0]["ip_address"]["addr"]
    updated = client.update(
        "vsvip", created["uuid"], {**_vsvip("cluster--ns-a"), "east_west_placement": False}
    )
    assert updated["uuid"] == created["uuid"]
    client.delete("vsvip", created["uuid"])
    assert client.get_by_name("vsvip", "cluster--ns-a") is None
    assert _calls(mock, "/api/vsvip") == [
        ("POST", "/api/vsvip", 201),
        ("PUT", f"/api/vsvip/{created['uuid']}", 200),
        ("DELETE", f"/api/vsvip/{created['uuid']}", 204),
        ("GET", "/api/vsvip", 200),
    ]
    assert _logins(mock) == 1


def test_the_tenant_header_places_objects_in_that_tenant(
    make_client: Any, mock: MockControl
) -> None:
    admin = make_client()
    admin.create("tenant", {"name": "team-a"})
    team = make_client(tenant="team-a")
    team.create("pool", {"name": "cluster--team-pool"})
    tenants = {e["tenant"] for e in mock.journal() if e["path"] == "/api/pool"}
    assert tenants == {"team-a"}
    assert admin.get_by_name("pool", "cluster--team-pool") is None  # not in admin's view
    found = team.get_by_name("pool", "cluster--team-pool")
    assert found is not None and found["tenant_ref"].endswith("#team-a")


def test_an_expired_session_logs_in_once_and_the_call_goes_through(
    make_client: Any, mock: MockControl
) -> None:
    client = make_client()
    client.create("pool", {"name": "cluster--before"})
    assert mock.expire_sessions() >= 1
    client.create("pool", {"name": "cluster--after"})
    assert _calls(mock)[-3:] == [
        ("POST", "/api/pool", 401),
        ("POST", "/login", 200),
        ("POST", "/api/pool", 201),
    ]
    assert _logins(mock) == 2


def test_concurrent_callers_share_one_re_login(make_client: Any, mock: MockControl) -> None:
    client = make_client()
    client.license_tier()
    assert mock.expire_sessions() >= 1
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def call(index: int) -> None:
        barrier.wait()
        try:
            client.create("pool", {"name": f"cluster--p{index}"})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert _logins(mock) == 2  # the first login and one re-login for all four
    created = [c for c in _calls(mock, "/api/pool") if c[2] == 201]
    assert len(created) == 4


def test_an_injected_401_logs_in_again(make_client: Any, mock: MockControl) -> None:
    client = make_client()
    client.license_tier()
    mock.add_fault(method="GET", path="^/api/pool", status=401, times=1)
    assert client.list_owned("pool") == []
    assert _logins(mock) == 2


def test_a_401_that_persists_is_transient_after_the_sdks_retries(
    make_client: Any, mock: MockControl
) -> None:
    client = make_client()
    client.license_tier()
    mock.add_fault(method="GET", path="^/api/pool", status=401)
    with pytest.raises(TransientError) as caught:
        client.get("pool", "any")
    assert caught.value.status == 401
    attempts = [c for c in _calls(mock, "/api/pool") if c[2] == 401]
    assert len(attempts) == AviSdkClient.MAX_API_RETRIES + 1


def test_failures_map_to_the_engine_error_kinds(make_client: Any, mock: MockControl) -> None:
    client = make_client()
    client.create("pool", {"name": "cluster--dup"})
    with pytest.raises(Conflict):
        client.create("pool", {"name": "cluster--dup"})
    with pytest.raises(NotFound):
        client.get("pool", "pool-no-such-uuid")
    with pytest.raises(PermanentError) as bad:
        client.create("pool", {"name": "cluster--bad", "lb_algorithm": "NOPE"})
    assert bad.value.status == 400 and "lb_algorithm" in bad.value.message
    with pytest.raises(VipAllocationError):
        client.create("vsvip", _vsvip("cluster--far", ip_address={"addr": "9.9.9.9", "type": "V4"}))
    mock.add_fault(method="PUT", path="^/api/pool/", status=412, times=1)
    pool = client.get_by_name("pool", "cluster--dup")
    assert pool is not None
    with pytest.raises(Precondition):
        client.update("pool", pool["uuid"], {"name": "cluster--dup"})
    mock.add_fault(method="GET", path="^/api/pool", status=503, times=1)
    with pytest.raises(TransientError) as unavailable:
        client.list_owned("pool")
    assert unavailable.value.status == 503


def test_lists_page_through_next(make_client: Any) -> None:
    client = make_client()
    client.PAGE_SIZE = 2
    for index in range(5):
        client.create("pool", {"name": f"cluster--page-{index}", "created_by": "ako-cluster"})
    client.create("pool", {"name": "someone-else", "created_by": "other"})
    names = sorted(p["name"] for p in client.list_owned("pool"))
    assert names == [f"cluster--page-{i}" for i in range(5)]


def test_bad_credentials_are_a_permanent_error(make_client: Any) -> None:
    client = make_client(user="nobody")
    with pytest.raises(PermanentError) as caught:
        client.license_tier()
    assert caught.value.status == 401


def test_an_unreachable_controller_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens once closed
    client = AviSdkClient(f"http://127.0.0.1:{port}", USER, PASSWORD, timeout=2)
    with pytest.raises(TransientError):
        client.license_tier()
    client.close()


def test_over_https_with_the_mocks_self_signed_certificate(mock: MockControl) -> None:
    """The engine's client over ``--tls`` (certificate not checked, as the SDK with ``verify``
    off): the login, a write and reads go through."""
    server = start_server(port=0, tls=True)
    client = AviSdkClient(server.url, USER, PASSWORD)
    try:
        assert server.url.startswith("https://")
        created = client.create("pool", {"name": "cluster--tls", "created_by": "ako-cluster"})
        assert client.get("pool", created["uuid"])["name"] == "cluster--tls"
        assert [p["name"] for p in client.list_owned("pool")] == ["cluster--tls"]
    finally:
        client.close()
        server.stop()
        ApiSession.clear_cached_sessions()
