"""wsgi_loop on real sockets (port 0): the environ a WSGI app sees, keep-alive, streams and
their close(), offloaded requests, stop(), TLS, app errors and malformed requests."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Request

import wsgi_loop.connection
import wsgi_loop.server
from steps.support.wait import consistently, eventually
from wsgi_loop import Handle, serve


def holds(value: bool) -> None:
    """For eventually/consistently, which poll for an AssertionError (a False is no failure)."""
    assert value


class Recorder:
    """A WSGI app: echoes the environ (werkzeug's view of it too) as JSON; ``/stream`` yields
    an empty chunk then one chunk per ``release()``; ``/block`` waits for ``release()``."""

    def __init__(self) -> None:
        self.released = threading.Semaphore(0)
        self.closed = threading.Event()
        self.blocked = threading.Event()
        self.big_chunks = 0

    def release(self) -> None:
        self.released.release()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/boom":
            raise RuntimeError("boom")
        if path == "/stream":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return self._stream()
        if path == "/stream-fails":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return self._failing()
        if path == "/big-stream":
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            return self._big()
        if path == "/block":
            self.blocked.set()
            assert self.released.acquire(timeout=10)
        req = Request(environ)
        seen = {k: v for k, v in environ.items() if isinstance(v, str | int | bool)}
        seen["wsgi.version"] = list(environ["wsgi.version"])
        seen["body"] = req.get_data().decode("latin-1")
        seen["werkzeug"] = {
            "path": req.path,
            "args": req.args.to_dict(flat=False),
            "url": req.url,
            "cookies": req.cookies.to_dict(),
            "content_type": req.content_type,
            "content_length": req.content_length,
        }
        body = json.dumps(seen).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    def _stream(self) -> Iterator[bytes]:
        try:
            yield b""
            n = 0
            while self.released.acquire(timeout=10):
                n += 1
                yield b"chunk %d\n" % n
        finally:
            self.closed.set()

    def _big(self) -> Iterator[bytes]:
        try:
            while True:
                self.big_chunks += 1
                yield b"x" * 65536
        finally:
            self.closed.set()

    def _failing(self) -> Iterator[bytes]:
        yield b"first\n"
        raise RuntimeError("stream broke")


@pytest.fixture
def app() -> Recorder:
    return Recorder()


@pytest.fixture
def server(app: Recorder) -> Iterator[Handle]:
    handle = serve(
        app,
        "127.0.0.1",
        0,
        name="test-http",
        offload=lambda env: env["PATH_INFO"] in ("/stream", "/block"),
    )
    yield handle
    handle.stop()


def get_json(conn: http.client.HTTPConnection, method: str, path: str, **kw: Any) -> Any:
    conn.request(method, path, **kw)
    rsp = conn.getresponse()
    assert rsp.status == 200, rsp.read()
    return json.loads(rsp.read())


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
            if b"\r\n\r\n" in out and out.startswith(b"HTTP/1.1 4"):
                break
        return out


def test_the_port_is_the_bound_one_and_an_app_sees_a_pep_3333_environ(server: Handle) -> None:
    assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("POST", "/caf%C3%A9/a%20b?x=1&x=%202&y", skip_accept_encoding=True)
    for name, value in (
        ("Content-Type", "application/json"),
        ("Content-Length", "7"),
        ("X-Multi", "a"),
        ("X-Multi", "b"),
        ("Cookie", "c1=1"),
        ("Cookie", "c2=2"),
    ):
        conn.putheader(name, value)
    conn.endheaders(b'{"a":1}')
    rsp = conn.getresponse()
    env = json.loads(rsp.read())
    assert rsp.status == 200
    assert env["REQUEST_METHOD"] == "POST"
    assert env["SCRIPT_NAME"] == ""
    assert env["PATH_INFO"] == "/caf\xc3\xa9/a b"  # decoded bytes as latin-1 (PEP 3333)
    assert env["QUERY_STRING"] == "x=1&x=%202&y"
    assert env["CONTENT_TYPE"] == "application/json" and env["CONTENT_LENGTH"] == "7"
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env
    assert env["HTTP_X_MULTI"] == "a, b"
    assert env["HTTP_COOKIE"] == "c1=1; c2=2"
    assert env["HTTP_HOST"] == f"127.0.0.1:{server.port}"
    assert env["SERVER_NAME"] == "127.0.0.1" and env["SERVER_PORT"] == str(server.port)
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REMOTE_ADDR"] == "127.0.0.1" and int(env["REMOTE_PORT"]) > 0
    assert env["wsgi.url_scheme"] == "http" and env["wsgi.version"] == [1, 0]
    assert env["wsgi.multithread"] is True and env["wsgi.multiprocess"] is False
    assert env["body"] == '{"a":1}'
    wz = env["werkzeug"]
    assert wz["path"] == "/café/a b"
    assert wz["args"] == {"x": ["1", " 2"], "y": [""]}
    assert wz["url"] == f"http://127.0.0.1:{server.port}/café/a%20b?x=1&x=%202&y"  # an IRI
    assert wz["cookies"] == {"c1": "1", "c2": "2"}
    assert wz["content_type"] == "application/json" and wz["content_length"] == 7


def test_a_chunked_body_is_read_whole_with_its_length(server: Handle) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    env = get_json(conn, "PUT", "/x", body=iter([b"abc", b"defg"]), encode_chunked=True)
    # werkzeug reads it to the end (wsgi.input_terminated), as under a chunked request
    assert env["body"] == "abcdefg" and env["CONTENT_LENGTH"] == "7"
    assert env["HTTP_TRANSFER_ENCODING"] == "chunked" and env["wsgi.input_terminated"] is True


def test_one_connection_serves_many_requests(server: Handle) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    ports = set()
    for i in range(20):
        conn.request("GET", f"/n/{i}")
        rsp = conn.getresponse()
        env = json.loads(rsp.read())
        assert rsp.status == 200 and rsp.getheader("Connection") != "close"
        assert rsp.getheader("Content-Length") == str(len(json.dumps(env).encode()))
        ports.add(env["REMOTE_PORT"])
    assert len(ports) == 1  # the server saw one client port: one TCP connection


def test_hundreds_of_kept_alive_connections_are_served_at_once(server: Handle) -> None:
    """More than a default listen backlog (128) of connections open together."""
    conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=10) for _ in range(300)]
    try:
        ports = {get_json(conn, "GET", "/many")["REMOTE_PORT"] for conn in conns}
        assert len(ports) == 300
        ports = {get_json(conn, "GET", "/again")["REMOTE_PORT"] for conn in conns}
        assert len(ports) == 300  # each still open and answering
    finally:
        for conn in conns:
            conn.close()


def test_accepted_connections_send_small_writes_at_once(server: Handle) -> None:
    """TCP_NODELAY on the server's side of a connection (else Nagle's algorithm is on;
    a watch's small chunks would then wait for the client's delayed ACK)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    get_json(conn, "GET", "/nodelay")
    assert conn.sock is not None
    client_end = conn.sock.getsockname()
    found = []
    for name in os.listdir("/proc/self/fd"):  # the server runs in this process
        try:
            sock = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        with sock:
            try:
                if sock.getpeername() == client_end:
                    found.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            except OSError:
                pass
    assert found == [1]


def test_head_keeps_the_length_and_sends_no_body(server: Handle) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/same")
    length = len(conn.getresponse().read())
    conn.request("HEAD", "/same")
    rsp = conn.getresponse()
    assert rsp.status == 200 and rsp.read() == b""
    assert int(rsp.getheader("Content-Length") or 0) > 0
    conn.request("GET", "/same")  # the connection is still in step
    assert len(conn.getresponse().read()) == length


def test_a_stream_opens_at_once_and_is_closed_when_the_client_goes(
    server: Handle, app: Recorder
) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    head = sock.recv(65536)  # the empty first chunk sent the headers, before any chunk
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
    app.release()
    assert b"chunk 1\n" in sock.recv(65536)
    sock.close()
    assert not app.closed.is_set()

    def closed_once_a_chunk_finds_the_client_gone() -> None:
        app.release()  # one more chunk: once the server knows the client went, it closes
        assert app.closed.wait(0.05)

    eventually(closed_once_a_chunk_finds_the_client_gone)


def start_blocked(server: Handle, app: Recorder) -> tuple[threading.Thread, dict[str, Any]]:
    """A ``/block`` request in flight (offloaded, waiting for ``app.release()``); its answer's
    environ lands in the dict as ``env`` once released."""
    blocked: dict[str, Any] = {}

    def call_blocked() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        blocked["env"] = get_json(conn, "GET", "/block")

    thread = threading.Thread(target=call_blocked)
    thread.start()
    assert app.blocked.wait(10)
    return thread, blocked


def test_an_offloaded_request_does_not_hold_up_the_others(server: Handle, app: Recorder) -> None:
    thread, blocked = start_blocked(server, app)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for i in range(5):  # answered while /block waits
        assert get_json(conn, "GET", f"/inline/{i}")["PATH_INFO"] == f"/inline/{i}"
    assert "env" not in blocked
    app.release()
    thread.join(10)
    assert blocked["env"]["PATH_INFO"] == "/block"


def test_asyncio_all_tasks_works_in_the_process_while_requests_are_in_flight(
    server: Handle, app: Recorder
) -> None:
    # The mocks share a process with the tests' own asyncio users (Playwright's sync API asks
    # asyncio.all_tasks() at exit): a request in flight must be an ordinary asyncio Task, never
    # an object that asyncio's task registry cannot ask for its loop.
    thread, blocked = start_blocked(server, app)
    loop = asyncio.new_event_loop()
    try:
        assert asyncio.all_tasks(loop) == set()  # the server's tasks are on its own loop
    finally:
        loop.close()
        app.release()
        thread.join(10)
    assert blocked["env"]["PATH_INFO"] == "/block"


def test_stop_ends_open_streams_and_the_server(app: Recorder) -> None:
    handle = serve(app, name="test-stop", offload=lambda env: env["PATH_INFO"] == "/stream")
    socks = []
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", handle.port), timeout=10)
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        socks.append(sock)
    idle = http.client.HTTPConnection("127.0.0.1", handle.port, timeout=10)
    get_json(idle, "GET", "/idle")  # an idle keep-alive connection too
    handle.stop()
    assert not handle.alive
    for sock in socks:
        rest = b""
        while chunk := sock.recv(65536):
            rest += chunk
        assert rest.endswith(b"0\r\n\r\n")  # the chunked stream ended properly
        sock.close()
    handle.stop()  # idempotent
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", handle.port), timeout=10)


def test_app_errors_are_a_500_and_the_server_goes_on(
    server: Handle, caplog: pytest.LogCaptureFixture
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/boom")
    rsp = conn.getresponse()
    assert rsp.status == 500 and rsp.getheader("Content-Type") == "application/json"
    assert json.loads(rsp.read())["code"] == 500
    assert any("GET /boom failed" in r.getMessage() for r in caplog.records)
    # a stream that fails after its first chunk ends; the connection keeps serving
    conn.request("GET", "/stream-fails")
    rsp = conn.getresponse()
    assert rsp.status == 200 and rsp.read() == b"first\n"
    assert get_json(conn, "GET", "/after")["PATH_INFO"] == "/after"


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ],
    ids=["garbage", "spaces-in-target", "header-without-colon"],
)
def test_a_malformed_request_is_a_400_and_the_server_goes_on(
    server: Handle, request_bytes: bytes
) -> None:
    assert raw_request(server.port, request_bytes).startswith(b"HTTP/1.1 400")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    assert get_json(conn, "GET", "/ok")["PATH_INFO"] == "/ok"


def test_a_port_in_use_is_an_error_at_start(server: Handle, app: Recorder) -> None:
    with pytest.raises(OSError):
        serve(app, "127.0.0.1", server.port, name="test-dup")


def test_tls_1_2_and_up_keep_alive(app: Recorder, tls_pair: tuple[Path, Path]) -> None:
    handle = serve(app, tls=tls_pair, name="test-tls")
    try:
        assert handle.url.startswith("https://")
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            context = ssl._create_unverified_context()
            context.minimum_version = context.maximum_version = version
            conn = http.client.HTTPSConnection("127.0.0.1", handle.port, context=context)
            ports = {get_json(conn, "GET", f"/t/{i}")["REMOTE_PORT"] for i in range(5)}
            assert len(ports) == 1  # one TLS connection (one handshake) for the five
            assert conn.sock is not None and conn.sock.version() == version.name.replace(
                "v1_", "v1."
            )
            env = get_json(conn, "GET", "/scheme")
            assert env["wsgi.url_scheme"] == "https"
            conn.close()
        old = ssl._create_unverified_context()
        old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        with pytest.raises(ssl.SSLError):
            http.client.HTTPSConnection("127.0.0.1", handle.port, context=old).request("GET", "/")
    finally:
        handle.stop()


def test_a_process_that_exits_with_a_server_running_exits_cleanly() -> None:
    """The server's threads and sockets must not keep the process or fail its exit."""
    code = (
        "import http.client\n"
        "from wsgi_loop import serve\n"
        "def app(env, start):\n"
        "    start('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
        "h = serve(app, name='exit-test')\n"
        "c = http.client.HTTPConnection('127.0.0.1', h.port)\n"
        "c.request('GET', '/')\n"
        "assert c.getresponse().read() == b'ok'\n"
    )
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        assert b"panicked" not in done.stderr


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[bytes, bytes]:
    """(head, body) of the next answer with a Content-Length on a raw connection."""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        assert data, bytes(buffer)
        buffer += data
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    buffer[:] = rest
    while len(buffer) < length:
        data = sock.recv(65536)
        assert data
        buffer += data
    body = bytes(buffer[:length])
    del buffer[:length]
    return head, body


def test_pipelined_requests_are_answered_in_order(server: Handle, app: Recorder) -> None:
    """Three requests in one write, the middle one offloaded (answered by a pool thread)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"GET /p/1 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /block HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /p/3 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        )
        assert app.blocked.wait(10)
        app.release()
        buffer = bytearray()
        paths = []
        for _ in range(3):
            head, body = read_response(sock, buffer)
            assert head.startswith(b"HTTP/1.1 200")
            paths.append(json.loads(body)["PATH_INFO"])
        assert paths == ["/p/1", "/block", "/p/3"]


def test_expect_100_continue_gets_its_interim_answer(server: Handle) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"  # before the body is sent
        sock.sendall(b"hello")
        head, body = read_response(sock, bytearray())
        assert head.startswith(b"HTTP/1.1 200") and json.loads(body)["body"] == "hello"


def test_http_1_0_and_connection_close_end_the_connection(server: Handle) -> None:
    for request, protocol in (
        (b"GET /old HTTP/1.0\r\n\r\n", "HTTP/1.0"),
        (b"GET /close HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1"),
    ):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(request)
            out = b""
            while data := sock.recv(65536):  # the server closes after its answer
                out += data
            head, _, body = out.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200") and b"connection: close" in head.lower()
            assert json.loads(body)["SERVER_PROTOCOL"] == protocol
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        request = b"GET /kept HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        buffer = bytearray()
        for _ in range(2):  # HTTP/1.0 with keep-alive asked for: kept
            sock.sendall(request)
            head, body = read_response(sock, buffer)
            assert b"connection: keep-alive" in head.lower()
            assert json.loads(body)["PATH_INFO"] == "/kept"


def test_a_stream_to_a_client_that_does_not_read_waits_for_it(
    server: Handle, app: Recorder
) -> None:
    """Flow control: the stream's thread waits while the client reads nothing (the server's
    buffer stays bounded), and goes on once it reads."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock.sendall(b"GET /big-stream HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")

    def stalled() -> int:
        before = app.big_chunks
        consistently(lambda: holds(app.big_chunks == before), duration=0.5)
        return before

    stalled_at = eventually(stalled)
    # socket buffers (a few MiB on loopback) plus the server's own bounded queue, not more
    assert stalled_at < 200, stalled_at
    got = 0
    while got < 4 * 1024 * 1024:  # reading lets it go on
        got += len(sock.recv(1 << 20))
    eventually(lambda: holds(app.big_chunks > stalled_at))
    sock.close()
    eventually(lambda: holds(app.closed.is_set()))


def test_a_body_too_large_is_a_413_and_the_server_goes_on(
    server: Handle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wsgi_loop.connection, "MAX_BODY", 1000)
    said = raw_request(server.port, b"PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
    assert said.startswith(b"HTTP/1.1 413")
    chunked = b"PUT /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunked += b"200\r\n" + b"y" * 512 + b"\r\n"
    chunked += b"200\r\n" + b"y" * 512 + b"\r\n0\r\n\r\n"
    assert raw_request(server.port, chunked).startswith(b"HTTP/1.1 413")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    assert get_json(conn, "PUT", "/fits", body=b"z" * 1000)["body"] == "z" * 1000


def test_a_head_too_large_is_a_431(server: Handle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wsgi_loop.connection, "MAX_HEAD", 4096)
    said = raw_request(
        server.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 5000 + b"\r\n\r\n"
    )
    assert said.startswith(b"HTTP/1.1 431")


def test_a_client_that_goes_mid_request_disturbs_nothing(server: Handle) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"PUT /half HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /half-head HTTP/1.1\r\nHo")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    assert get_json(conn, "GET", "/ok")["PATH_INFO"] == "/ok"


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout(
    app: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wsgi_loop.server, "IDLE_TIMEOUT_S", 0.2)
    monkeypatch.setattr(wsgi_loop.server, "SWEEP_S", 0.05)
    handle = serve(app, name="test-idle")
    try:
        with socket.create_connection(("127.0.0.1", handle.port), timeout=10) as sock:
            sock.sendall(b"GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
            buffer = bytearray()
            read_response(sock, buffer)
            assert sock.recv(65536) == b""  # closed by the server (recv waits for it)
    finally:
        handle.stop()
