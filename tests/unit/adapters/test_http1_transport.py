"""The engine's HTTP/1.1 transport (``simulator.adapters.http1``) against a small real HTTP/1.1
server: what is sent arrives as sent (method, path, headers, body; no ``Expect``), answers of any
status come back whole (by length or chunked), connections are kept alive and lent to one call
at a time, a kept-alive connection the server closed is replaced without a failed call, every
transport failure (refused, no answer in time, closed transport) is a ``TransportError``, and a
streamed answer hands out its lines as they arrive and ends when interrupted. "No answer in time"
holds over TLS and for an answer that stops midway too (the sockets are blocking ones with the
kernel's timeouts on Linux), and a call after a timed-out one still gets its answer."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from simulator.adapters.http1 import Http1Transport, TlsSettings, TransportError
from tests.unit.adapters.test_kube_transport import _self_signed


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
    transport = Http1Transport(url + "/prefix")
    body = b'{"name":"' + b"x" * 4000 + b'"}'  # large enough for a client to ask Expect:
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


def test_a_header_block_sends_the_same_call_as_its_lines(
    server: tuple[str, type[_Recorder]],
) -> None:
    url, handler = server
    transport = Http1Transport(url)
    lines = ["Content-Type: application/json", "Cookie: a=b; c=d"]
    block = transport.header_block(lines)
    assert block.startswith(b"Host: ") and block.endswith(b"Accept: */*\r\n")
    assert transport.header_block(["accept: x"]).count(b"ccept") == 1  # the caller's Accept
    for headers in (lines, block, block):
        assert transport.request("PUT", "/same", headers, b"[1]", timeout=5).status == 200
    first, *others = handler.seen
    for seen in others:
        assert (seen["method"], seen["path"], seen["body"]) == ("PUT", "/same", b"[1]")
        assert seen["headers"] == first["headers"]


def test_other_methods_and_a_non_2xx_answer(server: tuple[str, type[_Recorder]]) -> None:
    url, handler = server
    transport = Http1Transport(url)
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
    transport = Http1Transport(url)
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
    transport = Http1Transport(f"http://127.0.0.1:{port}")
    with pytest.raises(TransportError) as caught:
        transport.request("GET", "/", [], timeout=2)
    assert isinstance(caught.value, OSError)


def test_no_answer_within_the_timeout_is_a_transport_error() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts (the kernel does) but never answers
        transport = Http1Transport(f"http://127.0.0.1:{listener.getsockname()[1]}")
        with pytest.raises(TransportError, match="timed out"):
            transport.request("GET", "/", [], timeout=0.2)


def _silent_server(answer: bytes, context: ssl.SSLContext | None = None) -> socket.socket:
    """A server that reads one request per connection, writes ``answer`` and then says nothing
    more (the connection stays open until the listener is closed)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
                if context is not None:
                    conn = context.wrap_socket(conn, server_side=True)
                conn.recv(65536)
                conn.sendall(answer)
                held.append(conn)
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    return listener


def test_no_answer_over_tls_within_the_timeout_is_a_transport_error(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path, "server")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with _silent_server(b"", context) as listener:
        port = listener.getsockname()[1]
        transport = Http1Transport(f"https://127.0.0.1:{port}", tls=TlsSettings(verify=False))
        with pytest.raises(TransportError, match="timed out"):
            transport.request("GET", "/", [], timeout=0.3)


def test_an_answer_that_stops_midway_times_out_and_the_next_call_is_answered(
    server: tuple[str, type[_Recorder]],
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    with _silent_server(head + b"abc") as listener:
        transport = Http1Transport(f"http://127.0.0.1:{listener.getsockname()[1]}")
        with pytest.raises(TransportError, match="timed out"):
            transport.request("GET", "/", [], timeout=0.3)
        with pytest.raises(TransportError, match="timed out"):  # the head only, then nothing
            transport.request("GET", "/", [], timeout=0.3)
    url, _ = server
    transport = Http1Transport(url)
    for timeout in (5, 0.5, 5):  # a kept-alive connection takes each call's own timeout
        assert transport.request("GET", "/again", [], timeout=timeout).status == 200


def test_a_closed_transport_refuses_calls(server: tuple[str, type[_Recorder]]) -> None:
    url, _ = server
    transport = Http1Transport(url)
    assert transport.request("GET", "/", [], timeout=5).status == 200
    transport.close()
    with pytest.raises(TransportError, match="closed"):
        transport.request("GET", "/", [], timeout=5)


class _RawServer:
    """Answers each request on each connection with the bytes ``answer(index)`` gives (index
    counts requests over all connections); closes a connection after an answer that says
    ``Connection: close`` or after ``close_after`` answers on it. Records each request's bytes
    and how many connections were opened."""

    def __init__(self, answer: Any, close_after: int = 0) -> None:
        self.answer = answer
        self.close_after = close_after
        self.requests: list[bytes] = []
        self.connections = 0
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        answered = 0
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    more = conn.recv(65536)
                    if not more:
                        return
                    buffer += more
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + buffer[:length])
                buffer = buffer[length:]
                pieces = self.answer(len(self.requests) - 1)
                for piece in pieces:
                    conn.sendall(piece)
                answered += 1
                if b"\r\nConnection: close\r\n" in pieces[0] or answered == self.close_after:
                    return

    def close(self) -> None:
        self._listener.close()


def _chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def test_chunked_and_connection_delimited_answers_come_back_whole() -> None:
    chunked_head = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
    server = _RawServer(
        lambda i: (
            [chunked_head, _chunked(b'{"a":', b"1}")]
            if i == 0
            else [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", b'{"b":2}']
        )
    )
    transport = Http1Transport(server.url)
    first = transport.request("POST", "/x", ["Content-Type: application/json"], b"{}", timeout=5)
    assert (first.status, first.body) == (201, b'{"a":1}')
    second = transport.request("GET", "/y", [], timeout=5)
    assert (second.status, second.body) == (200, b'{"b":2}')
    assert server.connections == 1
    third = transport.request("GET", "/z", [], timeout=5)  # the server closed the last one
    assert third.status == 200
    assert server.connections == 2
    request = server.requests[0]
    assert request.startswith(b"POST /x HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"\r\nContent-Length: 2\r\n" in request
    assert request.endswith(b"\r\n\r\n{}")
    transport.close()
    server.close()


def test_a_kept_alive_connection_the_server_closed_is_replaced() -> None:
    ok = [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"]
    server = _RawServer(lambda i: ok, close_after=1)  # answers once per connection, then closes
    transport = Http1Transport(server.url)
    for _ in range(3):
        answer = transport.request("PUT", "/again", [], b"[]", timeout=5)
        assert (answer.status, answer.body) == (200, b"{}")
    assert len(server.requests) == 3  # each call reached the server once
    assert server.connections == 3
    transport.close()
    server.close()


def test_a_stream_hands_out_its_lines_across_chunks_and_ends_with_the_body() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    body = _chunked(b'{"a":1}\n{"b"', b":2}\n", b'\n{"c":3}\n{"d":4}')
    server = _RawServer(lambda i: [head, body[:7], body[7:20], body[20:]])
    transport = Http1Transport(server.url)
    seen: list[socket.socket] = []
    stream = transport.open_stream(
        "/watch?watch=true",
        ["Authorization: Bearer t"],
        connect_timeout=5,
        read_timeout=5,
        on_socket=seen.append,
    )
    assert stream.status == 200
    assert seen == [stream.sock]
    assert list(stream.lines()) == [b'{"a":1}', b'{"b":2}', b"", b'{"c":3}', b'{"d":4}']
    stream.close()
    assert server.requests[0].startswith(b"GET /watch?watch=true HTTP/1.1\r\n")
    assert b"\r\nAuthorization: Bearer t\r\n" in server.requests[0]
    server.close()


def test_an_interrupted_stream_ends_with_an_error_and_an_error_answer_is_read_whole() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    gone = b'{"kind":"Status","code":410}'
    server = _RawServer(
        lambda i: (
            [head, b'8\r\n{"a":1}\n\r\n']  # one line, then nothing more: the stream stays open
            if i == 0
            else [b"HTTP/1.1 410 Gone\r\nContent-Length: %d\r\n\r\n%s" % (len(gone), gone)]
        )
    )
    transport = Http1Transport(server.url)
    stream = transport.open_stream("/w", [], connect_timeout=5, read_timeout=5)
    lines = stream.lines()
    assert next(lines) == b'{"a":1}'
    threading.Timer(0.05, stream.sock.shutdown, (socket.SHUT_RDWR,)).start()
    with pytest.raises(OSError):
        next(lines)
    stream.close()
    refused = transport.open_stream("/w", [], connect_timeout=5, read_timeout=5)
    assert (refused.status, refused.read_all()) == (410, gone)
    refused.close()
    server.close()
