"""The engine's libcurl transport (``simulator.adapters.curl``) against a small real HTTP/1.1
server: what is sent arrives as sent (method, path, headers, body; no ``Expect``), answers of any
status come back whole, connections are kept alive and lent to one call at a time, and every
transport failure (refused, no answer in time, closed transport) is a ``TransportError``."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from simulator.adapters.curl import CurlTransport, TransportError


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    seen: list[dict[str, Any]]
    connections: set[tuple[str, int]]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "body": body,
                "peer": self.client_address,
            }
        )
        self.connections.add(self.client_address)
        status = 404 if self.path.startswith("/missing") else 200
        out = b'{"ok":true}' if status == 200 else b'{"message":"not here"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Handler", (_Recorder,), {"seen": [], "connections": set()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_a_call_arrives_as_sent_and_its_answer_comes_back(
    server: tuple[str, type[_Recorder]],
) -> None:
    url, handler = server
    transport = CurlTransport(url + "/prefix")
    body = b'{"name":"' + b"x" * 4000 + b'"}'  # large enough for curl's Expect: 100-continue
    answer = transport.request(
        "POST",
        "/api/pool?x=1",
        ["Content-Type: application/json", "X-Avi-Tenant: t1"],
        body,
        timeout=5,
    )
    assert (answer.status, answer.body) == (200, b'{"ok":true}')
    got = transport.request("GET", "/api/pool/1", ["Accept: application/json"], timeout=5)
    assert got.status == 200
    post, get = handler.seen
    assert (post["method"], post["path"], post["body"]) == ("POST", "/prefix/api/pool?x=1", body)
    assert post["headers"]["X-Avi-Tenant"] == "t1"
    assert post["headers"]["Content-Type"] == "application/json"
    assert "Expect" not in post["headers"]
    assert (get["method"], get["path"], get["body"]) == ("GET", "/prefix/api/pool/1", b"")
    assert "Content-Length" not in get["headers"]  # a GET after a POST carries no body
    transport.close()


def test_other_methods_and_a_non_2xx_answer(server: tuple[str, type[_Recorder]]) -> None:
    url, handler = server
    transport = CurlTransport(url)
    assert transport.request("PATCH", "/a", [], b"{}", timeout=5).status == 200
    assert transport.request("DELETE", "/b", [], timeout=5).status == 200
    missing = transport.request("GET", "/missing", [], timeout=5)
    assert (missing.status, missing.reason, missing.body) == (
        404,
        "Not Found",
        b'{"message":"not here"}',
    )
    assert [(s["method"], s["body"]) for s in handler.seen] == [
        ("PATCH", b"{}"),
        ("DELETE", b""),
        ("GET", b""),
    ]
    transport.close()


def test_connections_are_kept_alive_and_one_per_concurrent_call(
    server: tuple[str, type[_Recorder]],
) -> None:
    url, handler = server
    transport = CurlTransport(url)
    for _ in range(20):
        assert transport.request("GET", "/one", [], timeout=5).status == 200
    assert len(handler.connections) == 1

    errors: list[BaseException] = []

    def calls() -> None:
        try:
            for _ in range(25):
                assert transport.request("PUT", "/many", [], b"[]", timeout=5).status == 200
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=calls) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(handler.seen) == 20 + 6 * 25
    assert len(handler.connections) <= 1 + 6
    transport.close()


def test_a_refused_connection_is_a_transport_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens once closed
    transport = CurlTransport(f"http://127.0.0.1:{port}")
    with pytest.raises(TransportError) as caught:
        transport.request("GET", "/", [], timeout=2)
    assert isinstance(caught.value, OSError)


def test_no_answer_within_the_timeout_is_a_transport_error() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts (the kernel does) but never answers
        transport = CurlTransport(f"http://127.0.0.1:{listener.getsockname()[1]}")
        with pytest.raises(TransportError, match="curl error 28"):
            transport.request("GET", "/", [], timeout=0.2)


def test_a_closed_transport_refuses_calls(server: tuple[str, type[_Recorder]]) -> None:
    url, _ = server
    transport = CurlTransport(url)
    assert transport.request("GET", "/", [], timeout=5).status == 200
    transport.close()
    with pytest.raises(TransportError, match="closed"):
        transport.request("GET", "/", [], timeout=5)
