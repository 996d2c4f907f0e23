"""Serving a WSGI callable on granian's embedded (in-process) Rust HTTP server.

granian parses HTTP/1.1 (keep-alive, chunked bodies, TLS) in Rust and calls an RSGI coroutine
on an asyncio loop that runs in one background thread per server. That coroutine reads the
body, builds the PEP 3333 environ and, for most requests, calls the WSGI app right there, on
the loop thread: no thread hand-off per request (a hand-off per request costs more than the
HTTP parsing saved). Requests that may block (``offload(environ)`` says so: a watch, an
injected delay) run in a pool of daemon threads instead, so they never hold up the others.

An answer whose body is known at once (a list, or an iterable with ``Content-Length``) is sent
whole. Any other iterable is a stream: a pool thread iterates it and hands the chunks to the
loop, which sends them as they come (an empty chunk sends the headers at once, so a watch's
client sees the watch open). The iterable's ``close()`` is called when it ends, when the client
goes, or when the server stops. An app that raises gets a logged 500 with a JSON body, never a
dropped connection.

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
from collections import deque
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
    """One request handed to a thread: what the thread hands back to the loop (a whole answer,
    or a stream's head then its chunks), and the loop's word that it is no longer wanted.

    The thread writes, then wakes the loop (one wake-up for any number of chunks that pile up
    before the loop drains them); ``ended`` is set only after the last chunk is queued."""

    __slots__ = (
        "_chunks",
        "_event",
        "_loop",
        "_pending",
        "answer",
        "cancelled",
        "ended",
        "streaming",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()
        self._chunks: deque[bytes] = deque()
        self._pending = False
        self.answer: _Answer | None = None
        self.streaming = False
        self.ended = False
        self.cancelled = False

    # ---- thread side
    def _wake(self) -> None:
        if not self._pending:
            self._pending = True
            try:
                self._loop.call_soon_threadsafe(self._event.set)
            except RuntimeError:  # the loop is closed: the server has stopped
                self.cancelled = True

    def finish(self, answer: _Answer) -> None:
        self.answer = answer
        self.ended = True
        self._wake()

    def start(self, answer: _Answer) -> None:
        self.answer = answer
        self.streaming = True
        self._wake()

    def push(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._wake()

    def end(self) -> None:
        self.ended = True
        self._wake()

    # ---- loop side
    def cancel(self) -> None:
        self.cancelled = True
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()
        self._event.clear()
        self._pending = False

    def take(self) -> bytes:
        chunks = self._chunks
        if not chunks:
            return b""
        if len(chunks) == 1:
            return chunks.popleft()
        parts = []
        while chunks:
            parts.append(chunks.popleft())
        return b"".join(parts)


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
        try:
            body = await proto()
        except (ProtocolClosed, ProtocolError):
            return  # the client went before its body arrived
        environ = make_environ(scope, body, self.base)
        if self.offload is not None and self.offload(environ):
            assert self.loop is not None
            box = _Box(self.loop)
            self.pool.submit(self._in_thread, environ, box)
            await self._answer_from(box, proto)
            return
        answer = self._call(environ)
        if isinstance(answer, _Answer):
            proto.response_bytes(answer.status, answer.headers, answer.body)
            return
        assert self.loop is not None
        box = _Box(self.loop)
        self.pool.submit(self._iterate, environ, answer[0], answer[1], box)
        await self._answer_from(box, proto)

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

    def _in_thread(self, environ: dict[str, Any], box: _Box) -> None:
        if box.cancelled:
            return
        answer = self._call(environ)
        if isinstance(answer, _Answer):
            box.finish(answer)
        else:
            self._iterate(environ, answer[0], answer[1], box)

    def _iterate(
        self, environ: dict[str, Any], start: _Start, result: Iterable[bytes], box: _Box
    ) -> None:
        try:
            for chunk in result:
                if box.cancelled:
                    break
                if box.answer is None:
                    box.start(_Answer(*_head(start, keep_length=True)))
                    start.sent = True
                if start.written:
                    box.push(b"".join(start.written))
                    start.written.clear()
                if chunk:
                    box.push(chunk)
            else:
                if box.answer is None:  # nothing yielded: a whole, empty answer
                    box.finish(_Answer(*_head(start, keep_length=True), b"".join(start.written)))
        except Exception:
            if box.answer is None:
                box.finish(self._failed(environ))
            else:
                log.exception(
                    "%s: the stream of %s %s failed",
                    self.name,
                    environ["REQUEST_METHOD"],
                    environ["PATH_INFO"],
                )
        finally:
            _close(result)
            box.end()

    # ---- sending what a thread hands over (on the loop thread)
    async def _answer_from(self, box: _Box, proto: HTTPProtocol) -> None:
        self.boxes.add(box)
        watcher: asyncio.Future[Any] | None = None
        try:
            while box.answer is None and not box.cancelled:
                await box.wait()
            answer = box.answer
            if answer is None:
                proto.response_bytes(503, [("Content-Type", "application/json")], _STOPPING_BODY)
                return
            if not box.streaming:
                proto.response_bytes(answer.status, answer.headers, answer.body)
                return
            transport = proto.response_stream(answer.status, answer.headers)
            watcher = asyncio.ensure_future(proto.client_disconnect())
            watcher.add_done_callback(lambda _: box.cancel())
            while True:
                ended = box.ended
                data = box.take()
                if data:
                    await transport.send_bytes(data)
                if ended or box.cancelled:
                    break
                await box.wait()
        except (ProtocolClosed, ProtocolError):
            pass  # the client went
        finally:
            box.cancelled = True
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
