"""Serving a WSGI callable on granian's embedded (in-process) Rust HTTP server.

granian parses HTTP/1.1 (keep-alive, chunked bodies, TLS) in Rust and calls an RSGI coroutine
on an asyncio loop that runs in one background thread per server. That coroutine reads the
body, builds the PEP 3333 environ and, for most requests, calls the WSGI app right there, on
the loop thread: no thread hand-off per request (a hand-off per request costs more than the
HTTP parsing saved). Requests that may block (``offload(environ)`` says so: a watch, an
injected delay) run in a pool of daemon threads instead, so they never hold up the others.

An answer whose body is known at once (a list, or an iterable with ``Content-Length``) is sent
whole. Any other iterable is a stream: a pool thread iterates it and sends each chunk as it
comes (an empty chunk sends the headers at once, so a watch's client sees the watch open). The
iterable's ``close()`` is called when it ends, or at its next chunk once the client has gone
or the server has stopped (either ends the response at once). An app that raises gets a
logged 500 with a JSON body, never a dropped connection.

Each request's coroutine runs as an ordinary asyncio Task. granian's Rust task implementation
(``task_impl=rust``) was measured (trivial app: 0.092 -> 0.071 ms of server CPU per GET) and
dropped: its tasks sit in asyncio's task registry without a loop, so ``asyncio.all_tasks()``
anywhere in the process raises while a request is in flight (Playwright's sync API asks it at
exit, beside the mocks in the tests' processes).

What py-spy counts as this bridge's own time is mostly granian's native code: ``py-spy
--native`` on a trivial app's 1 KB POSTs puts 945 of the loop thread's 1226 samples in libc
``write()`` called by granian inside ``proto.response_bytes`` (709) and the body's ``await
proto()`` (236), i.e. the syscall that hands the answer (or the body read) to its Rust runtime
thread, made with the GIL held. One of each per request is the floor with granian as it is;
neither ``runtime_threads=2`` nor ``sys.setswitchinterval(0.001)`` paid (measured).

granian's embedded server is marked experimental upstream (hence ``granian<3``); it is used
here with its own socket handling kept out of the way: the listening socket is bound once
(port 0 gives any free port, read back from that socket), never bound, closed and bound again.
No application logic here.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from granian._granian import RSGIHTTPProtocol as HTTPProtocol
from granian._granian import RSGIProtocolClosed as ProtocolClosed
from granian._granian import RSGIProtocolError as ProtocolError
from granian._granian import SocketHolder
from granian.constants import HTTPModes, Interfaces, SSLProtocols
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.rsgi import Scope
from granian.server.embed import Server

from wsgi_granian.environ import base_environ, make_environ
from wsgi_granian.pool import Pool

log = logging.getLogger("wsgi_granian")

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
Offload = Callable[[dict[str, Any]], bool]

# Connections waiting to be accepted (a burst of clients connecting at once must not be reset).
BACKLOG = 1024
# Connections (requests in progress, idle keep-alive ones, open watches) served at once.
BACKPRESSURE = 4096
# Threads for offloaded requests and streams: each open watch holds one while it is open.
THREADS = 1024
# How long a client may take to send a request's headers, and how long an idle keep-alive
# connection is kept (client-go, kubectl, avisdk and the Go SDK reconnect when it closes).
HEADER_READ_TIMEOUT_MS = 75_000
# stop(): how long granian may take to end its connections, and to end its thread.
KILL_TIMEOUT_S = 3
STOP_TIMEOUT_S = 5

# At exit: how long to wait for granian's Rust threads to end (a Rust thread still dropping
# Python objects while the interpreter finalizes aborts the process).
EXIT_WAIT_S = 2.0

_HOP_BY_HOP = frozenset({"transfer-encoding", "connection", "keep-alive"})
_STOPPING_BODY = b'{"error": "server stopping"}'


class _Quiet(logging.Filter):
    """Drops granian's start-up notice that the embedded server is experimental (it is said
    once, in this module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Embedded server is experimental")


_QUIET = _Quiet()


def _log_config() -> dict[str, Any]:
    """granian applies this with ``logging.config.dictConfig`` when a server is made.
    Incremental: it changes nothing of the process's logging set-up (no handler closed, none
    added, nothing printed to stdout) except that granian's loggers propagate to it."""
    return {
        "version": 1,
        "incremental": True,
        "formatters": {},
        "handlers": {},
        "loggers": {"_granian": {"propagate": True}, "granian.access": {"propagate": True}},
    }


class _Server(Server):
    """granian's embedded server, listening on a socket bound once, here, and by one server
    only. (granian binds a probe socket, closes it and binds again in its worker on Linux: with
    port 0 another process could take the port in between; and its sockets set SO_REUSEPORT,
    so a second server on a port in use would share it instead of failing.)"""

    _fd = -1

    def _init_shared_socket(self) -> None:
        family, kind, proto, _, address = socket.getaddrinfo(
            self.bind_addr, self.bind_port, type=socket.SOCK_STREAM
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT only
            # Inherited by the accepted connections (Linux), which granian leaves with Nagle's
            # algorithm on: a watch's small chunks would wait for the client's delayed ACK.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind(address)
            # listening now: connections made before granian's worker accepts wait in the backlog
            sock.listen(self.backlog)
        except BaseException:
            sock.close()
            raise
        self._fd = sock.detach()  # granian's worker owns it from here (and closes it)
        self._shd = SocketHolder(self._fd, False, self.backlog)  # type: ignore[call-arg,assignment]
        self._sfd = self._fd  # type: ignore[assignment]
        self._ssp = None

    def bound_port(self) -> int:
        with socket.socket(fileno=os.dup(self._fd)) as sock:
            return int(sock.getsockname()[1])


class _Start:
    """The ``start_response`` of one request (and its legacy ``write``)."""

    __slots__ = ("headers", "sent", "status", "written")

    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []
        self.sent = False

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            if self.sent:
                raise exc_info[1].with_traceback(exc_info[2])
        elif self.status:
            raise RuntimeError("start_response called a second time without exc_info")
        self.status = status
        self.headers = headers
        return self.written.append

    def length_known(self) -> bool:
        return any(name.lower() == "content-length" for name, _ in self.headers)


class _Answer:
    """A response head, and its whole body unless it streams."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body


def _head(start: _Start, *, keep_length: bool) -> tuple[int, list[tuple[str, str]]]:
    if not start.status:
        raise RuntimeError("the WSGI app returned without calling start_response")
    headers = []
    for name, value in start.headers:
        low = name.lower()
        if low in _HOP_BY_HOP or (low == "content-length" and not keep_length):
            continue
        headers.append((name, value))
    return int(start.status[:3]), headers


def _close(result: Any) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            log.exception("close() of a WSGI response failed")


class _Box:
    """One request handed to a pool thread, between that thread and the loop.

    The thread answers on granian's protocol object itself: a whole answer, or a stream whose
    chunks it sends one by one (granian's stream send only queues the bytes for its Rust side:
    no hop through the loop per chunk). It wakes the loop when a stream starts (to watch for
    the client going) and when it is done. The loop cancels a box when the client goes or the
    server stops: the box drops the stream's transport, which ends the response at once, and
    the thread closes the iterable at its next chunk."""

    __slots__ = ("_event", "_loop", "cancelled", "done", "responded", "streaming", "transport")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()
        self.transport: Any = None
        self.responded = False
        self.streaming = False
        self.done = False
        self.cancelled = False

    def wake(self) -> None:
        """(thread side) Let the loop look at the box."""
        try:
            self._loop.call_soon_threadsafe(self._event.set)
        except RuntimeError:  # the loop is closed: the server has stopped
            self.cancelled = True
            self.transport = None

    def cancel(self) -> None:
        """(loop side) No longer wanted: the stream, if any, ends now."""
        self.cancelled = True
        self.transport = None
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()
        self._event.clear()

    def send(self, data: bytes) -> bool:
        """(thread side) Queue a chunk of the stream; False when the client has gone."""
        transport = self.transport
        if transport is None:
            return False
        try:
            transport.send_bytes(data).__await__().__next__()  # already resolved: raises
        except StopIteration:
            return True
        except (ProtocolClosed, ProtocolError):
            self.cancelled = True
            self.transport = None
            return False
        return True


class _Bridge:
    """The RSGI coroutine granian calls per request, calling the WSGI app."""

    def __init__(self, app: WSGIApp, offload: Offload | None, pool: Pool, name: str) -> None:
        self.app = app
        self.offload = offload
        self.pool = pool
        self.name = name
        self.base: dict[str, Any] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.boxes: set[_Box] = set()

    async def __call__(self, scope: Scope, proto: HTTPProtocol) -> None:
        if scope.proto != "http":
            return
        headers = scope.headers
        if "content-length" in headers or "transfer-encoding" in headers:
            try:
                body = await proto()
            except (ProtocolClosed, ProtocolError):
                return  # the client went before its body arrived
        else:
            body = b""  # no body (HTTP/1.1): no round trip through granian to read it
        environ = make_environ(scope, body, self.base)
        if self.offload is not None and self.offload(environ):
            assert self.loop is not None
            box = _Box(self.loop)
            self.pool.submit(self._in_thread, environ, box, proto)
            await self._until_done(box, proto)
            return
        answer = self._call(environ)
        if isinstance(answer, _Answer):
            proto.response_bytes(answer.status, answer.headers, answer.body)
            return
        assert self.loop is not None
        box = _Box(self.loop)
        self.pool.submit(self._iterate, environ, answer[0], answer[1], box, proto)
        await self._until_done(box, proto)

    # ---- calling the app (on the loop thread or in a pool thread)
    def _call(self, environ: dict[str, Any]) -> _Answer | tuple[_Start, Iterable[bytes]]:
        """The whole answer, or (start, iterable) for a stream."""
        start = _Start()
        try:
            result = self.app(environ, start)
        except Exception:
            return self._failed(environ)
        if isinstance(result, (list, tuple)) or (start.status and start.length_known()):
            try:
                body = b"".join(result)
                if start.written:
                    body = b"".join(start.written) + body
                keep = environ["REQUEST_METHOD"] == "HEAD"
                return _Answer(*_head(start, keep_length=keep), body)
            except Exception:
                return self._failed(environ)
            finally:
                _close(result)
        return start, result

    def _failed(self, environ: dict[str, Any]) -> _Answer:
        log.exception(
            "%s: %s %s failed", self.name, environ["REQUEST_METHOD"], environ["PATH_INFO"]
        )
        return _Answer(
            500,
            [("Content-Type", "application/json")],
            b'{"error": "internal server error", "code": 500}',
        )

    def _in_thread(self, environ: dict[str, Any], box: _Box, proto: HTTPProtocol) -> None:
        if box.cancelled:
            box.done = True
            box.wake()
            return
        answer = self._call(environ)
        if isinstance(answer, _Answer):
            proto.response_bytes(answer.status, answer.headers, answer.body)
            box.responded = box.done = True
            box.wake()
        else:
            self._iterate(environ, answer[0], answer[1], box, proto)

    def _iterate(
        self,
        environ: dict[str, Any],
        start: _Start,
        result: Iterable[bytes],
        box: _Box,
        proto: HTTPProtocol,
    ) -> None:
        try:
            for chunk in result:
                if box.cancelled:
                    break
                if not box.responded:
                    status, headers = _head(start, keep_length=True)
                    start.sent = True
                    box.transport = proto.response_stream(status, headers)
                    box.responded = box.streaming = True
                    box.wake()
                if start.written:
                    chunk = b"".join(start.written) + chunk
                    start.written.clear()
                if chunk and not box.send(chunk):
                    break
            else:
                if not box.responded:  # nothing yielded: a whole, empty answer
                    status, headers = _head(start, keep_length=True)
                    proto.response_bytes(status, headers, b"".join(start.written))
                    box.responded = True
        except Exception:
            if not box.responded:
                failed = self._failed(environ)
                proto.response_bytes(failed.status, failed.headers, failed.body)
                box.responded = True
            else:
                log.exception(
                    "%s: the stream of %s %s failed",
                    self.name,
                    environ["REQUEST_METHOD"],
                    environ["PATH_INFO"],
                )
        finally:
            _close(result)
            box.transport = None  # the stream ends
            box.done = True
            box.wake()

    # ---- waiting for a pool thread (on the loop thread)
    async def _until_done(self, box: _Box, proto: HTTPProtocol) -> None:
        self.boxes.add(box)
        watcher: asyncio.Future[Any] | None = None
        try:
            while not box.done and not box.cancelled:
                if box.streaming and watcher is None:
                    watcher = asyncio.ensure_future(proto.client_disconnect())
                    watcher.add_done_callback(lambda _: box.cancel())
                await box.wait()
            if not box.responded:  # the server stops before the app answered
                proto.response_bytes(503, [("Content-Type", "application/json")], _STOPPING_BODY)
        finally:
            self.boxes.discard(box)
            if watcher is not None:
                watcher.cancel()

    def cancel_all(self) -> None:
        for box in list(self.boxes):
            box.cancel()


class Handle:
    """A running server: ``port`` (the bound one), ``url``, ``stop()``."""

    def __init__(
        self,
        app: WSGIApp,
        host: str,
        port: int,
        *,
        tls: tuple[Path, Path] | None,
        name: str,
        offload: Offload | None,
        threads: int,
    ) -> None:
        self.host = host
        self.port = port
        self.name = name
        self.scheme = "https" if tls else "http"
        self._tls = tls
        self._pool = Pool(name, threads)
        self._bridge = _Bridge(app, offload, self._pool, name)
        self._server: _Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"{name}-loop", daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stopping

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join(STOP_TIMEOUT_S)
            raise self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = self._bridge.loop = loop
        try:
            self._server = server = self._make_server()
            server.on_startup(self._bound)
            loop.run_until_complete(server.serve())
        except BaseException as exc:  # reported to start() or logged
            if not self._ready.is_set():
                self._error = exc
            elif not self._stopping:
                log.exception("%s: the server failed", self.name)
            else:
                log.debug("%s: while stopping", self.name, exc_info=True)
        finally:
            if self._ready.is_set() and not self._stopping:
                log.error("%s: the server ended without stop()", self.name)
            self._ready.set()
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    def _make_server(self) -> _Server:
        tls: dict[str, Any] = {}
        if self._tls is not None:
            cert, key = self._tls
            tls = {
                "ssl_cert": Path(cert),
                "ssl_key": Path(key),
                "ssl_protocol_min": SSLProtocols.tls12,
            }
        server = _Server(
            self._bridge,
            address=self.host,
            port=self.port,
            interface=Interfaces.RSGI,
            http=HTTPModes.http1,
            websockets=False,
            runtime_threads=1,
            backlog=BACKLOG,
            backpressure=BACKPRESSURE,
            http1_settings=HTTP1Settings(
                header_read_timeout=HEADER_READ_TIMEOUT_MS, keep_alive=True
            ),
            log_enabled=True,
            log_level=LogLevels.warning,
            log_dictconfig=_log_config(),
            log_access=False,
            **tls,
        )
        server.workers_kill_timeout = KILL_TIMEOUT_S
        granian_log = logging.getLogger("_granian")
        if _QUIET not in granian_log.filters:
            granian_log.addFilter(_QUIET)
        return server

    def _bound(self) -> None:
        assert self._server is not None
        self.port = self._server.bound_port()
        self._bridge.base = base_environ(self.host, self.port, self.scheme)
        self._ready.set()

    def stop(self) -> None:
        """Ends open streams and the server (idempotent; returns when the server is down)."""
        with self._lock:
            first = not self._stopping
            self._stopping = True
        loop = self._loop
        if first and loop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                loop.call_soon_threadsafe(self._shutdown)
        if self._thread.ident is not None and self._thread is not threading.current_thread():
            self._thread.join(STOP_TIMEOUT_S)
            if self._thread.is_alive():
                log.warning("%s: the server did not stop within %s s", self.name, STOP_TIMEOUT_S)
        self._pool.close()

    def _shutdown(self) -> None:
        self._bridge.cancel_all()
        if self._server is not None:
            self._server.stop()  # type: ignore[no-untyped-call]


def _native_threads() -> set[int]:
    """The OS threads of this process that are not Python threads (Linux; else empty)."""
    try:
        tasks = {int(tid) for tid in os.listdir("/proc/self/task")}
    except OSError:
        return set()
    return tasks - {t.native_id for t in threading.enumerate() if t.native_id is not None}


_HANDLES: weakref.WeakSet[Handle] = weakref.WeakSet()
_NATIVE_AT_IMPORT = _native_threads()


@atexit.register
def _stop_all() -> None:
    """Stops the servers still running at exit and waits for their Rust threads (an exit that
    finalizes the interpreter under them aborts the process)."""
    handles = list(_HANDLES)
    for handle in handles:
        handle.stop()
    if not handles:
        return
    deadline = time.monotonic() + EXIT_WAIT_S
    while _native_threads() - _NATIVE_AT_IMPORT and time.monotonic() < deadline:
        time.sleep(0.005)


def serve(
    app: WSGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    tls: tuple[str | Path, str | Path] | None = None,
    name: str = "wsgi",
    offload: Offload | None = None,
    threads: int = THREADS,
) -> Handle:
    """Serve ``app`` on ``host:port`` (0: any free port, see ``handle.port``) in a background
    thread; returns once the socket listens. ``tls``: (certificate file, key file), TLS 1.2 or
    newer. ``offload(environ)``: True for requests that may block (run in a pool thread)."""
    handle = Handle(
        app,
        host,
        port,
        tls=(Path(tls[0]), Path(tls[1])) if tls else None,
        name=name,
        offload=offload,
        threads=threads,
    )
    handle.start()
    _HANDLES.add(handle)
    return handle
