"""The benchmarks' lean HTTP client (``benchmarks/lean_http.py``) and the harness's request
counting: what the figures rest on.

A small loopback HTTP/1.1 server (port 0) records every request and answers as each path says
(sized, chunked, ``Connection: close``, never). The lean client must keep one connection across
requests, read both kinds of body, reconnect when the server closed, fail (not hang) past its
timeout, and send the headers the real clients send: the ``kubernetes`` client's and avisdk's
requests to the same server are compared header by header. avisdk's login session is checked
against the real mock_avi (a write passes its CSRF check). No timing is asserted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from benchmarks import harness, lean_http


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str, list[tuple[str, str]], bytes]] = []
        self.connections = 0
        self.state: dict[str, Any] = {}
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Recorder

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, list(self.headers.items()), body))
        path = self.path.split("?")[0]
        if path == "/hang":
            self.server.release.wait(10)
            return
        if path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b'{"a": ', b"[1, 2", b"]}\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/debug/state":
            payload = json.dumps(self.server.state).encode()
        elif path.startswith("/api/v1"):
            payload = b'{"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {}, "items": []}'
        elif path.startswith("/api/"):
            payload = b'{"count": 0, "results": []}'
        else:
            payload = b'{"ok": true}'
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        if path == "/drop":  # closed after the answer without saying so (an idle timeout)
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = _answer


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def _headers(seen: list[tuple[str, str]]) -> dict[str, str]:
    """Header names folded (HTTP names are case-insensitive); the length depends on the body."""
    return {k.lower(): v for k, v in seen if k.lower() != "content-length"}


def test_one_kept_alive_connection_serves_sized_and_chunked_answers(recorder: _Recorder) -> None:
    conn = lean_http.Connection(recorder.url, {"X-Test": "1"})
    body = lean_http.dumps({"name": "a"})
    created = conn.request("POST", "/api/pool?x=1", body, lean_http.content_type(lean_http.JSON))
    assert (created.status, created.json()) == (201, {"count": 0, "results": []})
    chunked = conn.request("GET", "/chunked")
    assert (chunked.status, chunked.json()) == (200, {"a": [1, 2]})
    assert conn.request("GET", "/plain").json() == {"ok": True}
    assert conn.connects == recorder.connections == 1
    method, target, headers, sent = recorder.seen[0]
    assert (method, target, sent) == ("POST", "/api/pool?x=1", b'{"name":"a"}')
    assert _headers(headers) == {
        "host": recorder.url.removeprefix("http://"),
        "x-test": "1",
        "content-type": "application/json",
    }


def test_a_connection_the_server_closed_is_opened_again(recorder: _Recorder) -> None:
    conn = lean_http.Connection(recorder.url)
    assert conn.request("GET", "/close").status == 200
    assert conn.request("GET", "/plain").status == 200
    assert conn.connects == recorder.connections == 2
    # closed by the server between two requests without a word: the next one is sent again
    assert conn.request("GET", "/drop").status == 200
    assert conn.request("GET", "/plain").status == 200
    assert conn.connects == recorder.connections == 3
    assert [t for _, t, _, _ in recorder.seen] == ["/close", "/plain", "/drop", "/plain"]


def test_an_answer_that_never_comes_is_an_error_after_the_timeout(recorder: _Recorder) -> None:
    conn = lean_http.Connection(recorder.url, timeout=0.3)
    with pytest.raises(lean_http.HttpError):
        conn.request("GET", "/hang")


def test_a_closed_port_is_an_http_error() -> None:
    import socket

    with socket.socket() as free:  # a port nothing listens on once this socket closes
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    conn = lean_http.Connection(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(lean_http.HttpError, match="cannot connect"):
        conn.request("GET", "/readyz")
    with pytest.raises(lean_http.HttpError, match="cannot connect"):
        conn.stream("GET", "/watch")


def test_the_kubernetes_clients_headers_are_sent(recorder: _Recorder, tmp_path: Path) -> None:
    from kubernetes import client, config

    from mock_k8s.server import write_kubeconfig

    kubeconfig = tmp_path / "kubeconfig"
    write_kubeconfig(kubeconfig, recorder.url)
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    client.CoreV1Api(client.ApiClient(configuration)).list_namespaced_config_map("default")
    lean = lean_http.Connection(recorder.url, lean_http.k8s_headers(kubeconfig))
    assert lean.request("GET", "/api/v1/namespaces/default/configmaps").status == 200
    (_, real_target, real, _), (_, lean_target, ours, _) = recorder.seen
    assert lean_target == real_target
    assert _headers(ours) == _headers(real)
    assert _headers(ours)["authorization"] == "Bearer ako-sim-token"


def test_avisdks_headers_are_sent_with_basic_auth(recorder: _Recorder) -> None:
    import base64

    from avi.sdk.avi_api import ApiSession

    token = base64.b64encode(b"admin:admin").decode()
    api = ApiSession(
        controller_ip=recorder.url,
        username="admin",
        password="admin",
        tenant="admin",
        timeout=60.0,
        verify=True,  # plain HTTP: nothing to verify (False only makes the SDK warn)
        user_hdrs={"Authorization": f"Basic {token}"},
    )
    api.get("pool", timeout=60.0)  # as the engine's client calls it
    lean = lean_http.Connection(recorder.url, lean_http.avi_headers(recorder.url, "basic"))
    assert lean.request("GET", "/api/pool").status == 200
    (_, real_target, real, _), (_, lean_target, ours, _) = recorder.seen
    assert lean_target == real_target == "/api/pool"
    assert _headers(ours) == _headers(real)
    assert "x-csrftoken" not in _headers(ours)


def test_avisdks_login_session_passes_the_csrf_check_of_mock_avi() -> None:
    from mock_avi.server import start_server

    server = start_server(host="127.0.0.1", port=0)
    try:
        headers = lean_http.avi_headers(server.url, "session")
        assert {"X-CSRFToken", "Cookie", "Referer", "X-Avi-Tenant"} <= set(headers)
        conn = lean_http.Connection(server.url, headers)
        created = conn.request("POST", "/api/pool", lean_http.dumps({"name": "lean-1"}))
        assert created.status == 201, created.text
        assert conn.request("GET", f"/api/pool/{created.json()['uuid']}").json()["name"] == "lean-1"
        # without the token the same write is refused: the check is real
        forged = {k: v for k, v in headers.items() if k != "X-CSRFToken"}
        refused = lean_http.Connection(server.url, forged).request(
            "POST", "/api/pool", lean_http.dumps({"name": "lean-2"})
        )
        assert refused.status in (401, 403), refused.text
    finally:
        server.stop()


def test_state_polls_subtract_only_the_reads_the_engine_made_for_them(
    recorder: _Recorder, tmp_path: Path
) -> None:
    """ako-sim's engine lists one namespace per ``/debug/state`` (its answer carries
    ``server_resource_version``); AKO's launcher reads only the mocks' journals. Only the first
    kind of poll is taken off mock_k8s's GET count (AKO's runs showed ``GET: -4``)."""
    engine = cast(harness.Proc, SimpleNamespace(url=recorder.url))
    none = cast(harness.Proc, None)
    cluster = harness.Cluster(tmp_path, none, none, engine=engine)
    recorder.state = {"engine": "ako", "settled": True}
    assert cluster.wait_settled(timeout=5) == 1
    recorder.state = {"settled": False, "server_resource_version": "7"}
    cluster.engine_state()
    recorder.state = {"settled": True, "server_resource_version": "8"}
    assert cluster.wait_settled(timeout=5, interval=0.001) == 1
    assert (cluster.state_polls, cluster.state_k8s_reads) == (3, 2)
