"""wsgi_loop's push streams on real sockets (port 0): a body produced on the loop when woken
from another thread, its end and the keep-alive after it, timeout, the client going, stop(),
a client that reads nothing (flow control and ``end()``), HTTP/1.0, TLS, an offloaded request
answering with one, and the plain iteration under a server that does not know them."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from steps.support.wait import consistently, eventually
from wsgi_loop import Handle, Push, serve


def holds(value: bool) -> None:
    """For eventually/consistently, which poll for an AssertionError."""
    assert value


class Feed:
    """The producer of one push stream: sends what ``put()`` queued; None after ``finish()``;
    ``big``: 64 KiB each call, waking itself again (a client must read to let it go on);
    ``fail``: with ``big``, the connection's transport fails (aborts) at the third call."""

    def __init__(self, big: bool = False, fail: bool = False) -> None:
        self.items: list[bytes] = []
        self.done = False
        self.big = big
        self.fail = fail
        self.calls = 0
        self.closed = threading.Event()
        self.push: Push | None = None

    def put(self, data: bytes) -> None:
        self.items.append(data)
        assert self.push is not None
        self.push.wake()

    def finish(self) -> None:
        self.done = True
        assert self.push is not None
        self.push.wake()

    def __call__(self) -> bytes | None:
        self.calls += 1
        assert self.push is not None
        if self.big:
            self.push.wake()
            if self.fail and self.calls == 3:  # as a write that finds the peer gone would
                self.push.connection.transport.abort()
            return b"x" * 65536
        out, self.items = b"".join(self.items), []
        if self.done:
            if not out:
                return None
            self.push.wake()  # the end next
        return out


class PushApp:
    """``/push`` (``?timeout``: 0.3 s; ``?big``; ``?fail``) answers with a push stream;
    ``/plain``: ``ok``."""

    def __init__(self) -> None:
        self.feeds: list[Feed] = []
        self.opened = threading.Semaphore(0)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"] != "/push":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        push_class = environ["wsgi_loop.push"]
        query = environ["QUERY_STRING"]
        feed = Feed(big="big" in query, fail="fail" in query)
        push = feed.push = push_class(
            feed,
            timeout_s=0.3 if "timeout" in query else None,
            on_close=feed.closed.set,
        )
        self.feeds.append(feed)
        self.opened.release()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return push  # type: ignore[no-any-return]

    def feed(self) -> Feed:
        assert self.opened.acquire(timeout=10)
        return self.feeds[-1]


@pytest.fixture
def app() -> PushApp:
    return PushApp()


@pytest.fixture
def server(app: PushApp) -> Iterator[Handle]:
    handle = serve(app, name="test-push", offload=lambda env: "offload" in env["QUERY_STRING"])
    yield handle
    handle.stop()


def open_push(port: int, query: str = "", version: str = "1.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET /push?{query} HTTP/{version}\r\nHost: x\r\n\r\n".encode())
    return sock


def read_until(sock: socket.socket, end: bytes, got: bytes = b"") -> bytes:
    while not got.endswith(end):
        data = sock.recv(65536)
        assert data, f"the connection closed after {got!r}"
        got += data
    return got


def test_a_push_stream_sends_what_a_thread_wakes_it_for_then_ends_and_keeps_alive(
    server: Handle, app: PushApp
) -> None:
    sock = open_push(server.port)
    feed = app.feed()
    head = read_until(sock, b"\r\n\r\n")  # the head at once, before anything is produced
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
    for n in range(3):
        threading.Thread(target=feed.put, args=(b"line %d\n" % n,)).start()
        assert read_until(sock, b"line %d\n\r\n" % n).endswith(b"%X\r\nline %d\n\r\n" % (7, n))
    feed.finish()
    assert read_until(sock, b"0\r\n\r\n") == b"0\r\n\r\n"  # the terminating chunk
    assert feed.closed.wait(10)
    sock.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")  # the connection goes on
    assert read_until(sock, b"ok").startswith(b"HTTP/1.1 200")
    sock.close()


def test_timeout_ends_the_body(server: Handle, app: PushApp) -> None:
    sock = open_push(server.port, "timeout")
    feed = app.feed()
    got = read_until(sock, b"0\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 200")
    assert feed.closed.wait(10) and not feed.done
    sock.close()


def test_the_client_going_closes_the_stream_and_it_is_produced_no_more(
    server: Handle, app: PushApp
) -> None:
    sock = open_push(server.port)
    feed = app.feed()
    read_until(sock, b"\r\n\r\n")
    assert not feed.closed.is_set()
    sock.close()
    eventually(lambda: holds(feed.closed.is_set()))
    calls = feed.calls
    feed.put(b"nobody reads this\n")
    consistently(lambda: holds(feed.calls == calls), duration=0.2)


def test_a_transport_failing_under_a_producer_that_wakes_itself_closes_the_stream(
    server: Handle, app: PushApp
) -> None:
    """The wakes a produce() call makes run after the loop's other callbacks, and a closing
    transport is produced for no more: the loop is not held, and connection_lost runs."""
    sock = open_push(server.port, "big&fail")
    feed = app.feed()
    assert feed.closed.wait(10)
    assert feed.calls == 3
    other = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    other.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_until(other, b"ok").startswith(b"HTTP/1.1 200")
    other.close()
    sock.close()


def test_stop_ends_open_push_streams_properly(app: PushApp) -> None:
    handle = serve(app, name="test-push-stop")
    socks = [open_push(handle.port) for _ in range(3)]
    feeds = [app.feed() for _ in socks]
    for sock in socks:
        read_until(sock, b"\r\n\r\n")
    handle.stop()
    for sock, feed in zip(socks, feeds, strict=True):
        rest = b""
        while data := sock.recv(65536):
            rest += data
        assert rest.endswith(b"0\r\n\r\n")
        assert feed.closed.is_set()
        sock.close()


def _stalled_big_push(server: Handle, app: PushApp) -> tuple[socket.socket, Feed, int]:
    """A client with a small receive buffer that reads nothing of a stream of 64 KiB pieces;
    returns it, its feed and the produce() calls made when they stopped coming."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock.sendall(b"GET /push?big HTTP/1.1\r\nHost: x\r\n\r\n")
    feed = app.feed()

    def stalled() -> int:
        before = feed.calls
        consistently(lambda: holds(feed.calls == before), duration=0.5)
        return before

    return sock, feed, eventually(stalled)


def test_a_client_that_reads_nothing_stalls_the_producer_and_end_drops_it(
    server: Handle, app: PushApp
) -> None:
    """Flow control: produce() is not called while the transport cannot write, so the server
    buffers no more than its high-water mark past the socket buffers; end() ends the body
    whatever the client reads, and once the client reads it sees the end."""
    sock, feed, stalled_at = _stalled_big_push(server, app)
    assert stalled_at < 200, stalled_at  # a few MiB of socket buffers, not more
    other = open_push(server.port)  # others are served meanwhile
    other_feed = app.feed()
    read_until(other, b"\r\n\r\n")
    other_feed.put(b"hello\n")
    read_until(other, b"hello\n\r\n")
    assert feed.push is not None
    feed.push.end()
    eventually(lambda: holds(feed.closed.is_set()))
    got = b""
    while data := sock.recv(1 << 20):  # what was written, then the end, then EOF
        got += data
    assert got.endswith(b"0\r\n\r\n")
    body = got.partition(b"\r\n\r\n")[2]
    assert body.count(b"x") == feed.calls * 65536  # all that was produced, then the end
    sock.close()
    other.close()


def test_reading_again_lets_the_producer_go_on(server: Handle, app: PushApp) -> None:
    sock, feed, stalled_at = _stalled_big_push(server, app)
    got = 0
    while got < 8 * 1024 * 1024:
        got += len(sock.recv(1 << 20))
    assert feed.calls > stalled_at
    sock.close()
    eventually(lambda: holds(feed.closed.is_set()))


def test_http_1_0_ends_the_body_with_the_connection(server: Handle, app: PushApp) -> None:
    sock = open_push(server.port, version="1.0")
    feed = app.feed()
    feed.put(b"one\n")
    feed.finish()
    got = b""
    while data := sock.recv(65536):
        got += data
    head, _, body = got.partition(b"\r\n\r\n")
    assert b"chunked" not in head.lower() and body == b"one\n"
    sock.close()


def test_an_offloaded_request_may_answer_with_a_push_stream(server: Handle, app: PushApp) -> None:
    sock = open_push(server.port, "offload")
    feed = app.feed()
    read_until(sock, b"\r\n\r\n")
    feed.put(b"from the pool\n")
    read_until(sock, b"from the pool\n\r\n")
    feed.finish()
    read_until(sock, b"0\r\n\r\n")
    sock.close()


def test_push_streams_over_tls(app: PushApp, tls_pair: tuple[Path, Path]) -> None:
    handle = serve(app, name="test-push-tls", tls=tls_pair)
    try:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", handle.port), timeout=10)
        sock = context.wrap_socket(raw)
        sock.sendall(b"GET /push HTTP/1.1\r\nHost: x\r\n\r\n")
        feed = app.feed()
        feed.put(b"secret\n")
        read_until(sock, b"secret\n\r\n")
        feed.finish()
        read_until(sock, b"0\r\n\r\n")
        sock.close()
    finally:
        handle.stop()


def test_under_another_server_a_push_stream_is_a_plain_iterable() -> None:
    feed = Feed()
    push = feed.push = Push(feed, tick_s=5.0, on_close=feed.closed.set)
    body = iter(push)
    assert next(body) == b""  # the head first
    feed.put(b"a\n")
    assert next(body) == b"a\n"
    threading.Timer(0.05, feed.put, args=(b"b\n",)).start()  # woken from another thread
    assert next(body) == b"b\n"
    feed.finish()
    assert list(body) == []
    assert feed.closed.is_set()
