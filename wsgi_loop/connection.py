"""One HTTP/1.1 connection: an asyncio protocol that parses requests and answers them in order.

``httptools`` (llhttp) parses; each complete request (its body read whole) joins the
connection's queue, and the queue is answered strictly in order (pipelined requests too). Most
requests call the WSGI app right here, on the loop thread, and their whole answer is written
at once: no thread hand-off per request. A request that may block (``offload(environ)``: a
watch, an injected delay) runs in a pool thread instead, and so does every stream (an
iterable without a known length): the thread hands each chunk to the loop (``Served.post``:
one ``call_soon_threadsafe`` per burst) and the connection takes no further request until it
is done. A push stream (``push.Push``, the app's body) is served on the loop itself: its
``produce()`` runs there when woken, with no thread at all (watches).

Flow control: a stream's thread waits while the transport's buffer is above its high-water
mark (``pause_writing``) or while more than ``QUEUED_LIMIT`` bytes wait for the loop, so a
slow reader never makes the server buffer without bound; reading pauses while the transport
cannot write, or while ``PIPELINE_LIMIT`` requests wait. The client going (EOF or a reset)
cancels the stream: its thread stops at its next chunk and closes the iterable. A push stream's
``produce()`` is not called while the transport cannot write; its producer bounds its backlog.

Limits: a body beyond ``MAX_BODY`` is a 413, a head beyond ``MAX_HEAD`` a 431, anything llhttp
rejects a 400; each closes the connection after the answers before it. ``Expect:
100-continue`` gets its ``100 Continue`` once the request is next in line. No app logic here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, cast

import httptools

from wsgi_loop.environ import add_header, finish_environ, split_target
from wsgi_loop.pool import Pool
from wsgi_loop.push import END_TIMEOUT_S, Push
from wsgi_loop.wsgi import (
    CONTINUE,
    END_CHUNKS,
    ERROR_500,
    Answer,
    Start,
    Stream,
    WSGIApp,
    call_app,
    chunk,
    close_result,
    failed,
    reject,
    render,
    render_stream_head,
)

log = logging.getLogger("wsgi_loop")

Offload = Callable[[dict[str, Any]], bool]

# Request bodies: Kubernetes takes up to 3 MiB per request and kubectl applies big CRDs; 64 MiB
# is far above any of it and still a bound on what one request may make the server hold.
MAX_BODY = 64 * 1024 * 1024
# Request line and headers together (Go's net/http default: 1 MB).
MAX_HEAD = 1024 * 1024
# Requests parsed ahead of their answer on one connection before reading pauses.
PIPELINE_LIMIT = 32
# Bytes a stream's thread may hand to the loop ahead of the transport.
QUEUED_LIMIT = 1024 * 1024
# How long a stream's thread waits for the transport at a time before looking again.
FLOW_WAIT_S = 1.0

_STOPPING = b'{"error": "server stopping", "code": 503}'
_STOPPING_HEADERS = [("Content-Type", "application/json")]


class Served:
    """What all connections of one server share."""

    def __init__(
        self,
        app: WSGIApp,
        offload: Offload | None,
        pool: Pool,
        name: str,
        loop: asyncio.AbstractEventLoop,
        base: dict[str, Any],
    ) -> None:
        self.app = app
        self.offload = offload
        self.pool = pool
        self.name = name
        self.loop = loop
        self.base = base
        self.connections: set[Connection] = set()
        self.stopping = False
        self.all_gone: asyncio.Event | None = None  # set once stopping and none is left
        self._outbox: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()
        self._armed = False  # a drain of the outbox is scheduled on the loop
        # the last chunk framed for a push stream (loop only): one event line that a write
        # brought to many streams is the same bytes object for all of them, framed once
        self.framed: tuple[bytes, bytes] = (b"", b"")

    def post(self, fn: Callable[..., None], *args: Any) -> bool:
        """(any thread) Run ``fn(*args)`` on the loop, after what was posted before; False once
        the loop has closed. Posts from many threads at once (a watch event reaching a hundred
        watchers) share one wake-up of the loop, which runs them all in one go: fewer hand-offs
        of the GIL to the loop thread than one ``call_soon_threadsafe`` each."""
        self._outbox.append((fn, args))
        if not self._armed:
            self._armed = True
            try:
                self.loop.call_soon_threadsafe(self._drain)
            except RuntimeError:  # the loop has closed: the server has stopped
                return False
        return True

    def wake_push(self, push: Push) -> bool:
        """(any thread) ``push.produce()`` is due: run it on the loop (shares ``post``'s
        wake-up: the streams a write woke are served in one go)."""
        return self.post(_pump_push, push)

    def _drain(self) -> None:
        self._armed = False  # before draining: a post after this point schedules a new drain
        outbox = self._outbox
        # only what was posted before this drain: what these calls post runs in the next one,
        # after the loop's other callbacks (a producer that wakes itself must not hold the loop,
        # and keep a lost connection's connection_lost from running)
        for _ in range(len(outbox)):
            fn, args = outbox.popleft()
            try:
                fn(*args)
            except Exception:
                log.exception("%s: a write for a pool thread failed", self.name)


def _pump_push(push: Push) -> None:
    conn = push.connection
    if isinstance(conn, Connection):
        conn.pump(push)


class _Reject:
    """A request the server answers itself, then closes (``status`` None: close quietly)."""

    __slots__ = ("message", "status")

    def __init__(self, status: str | None, message: str = "") -> None:
        self.status = status
        self.message = message


class _Request:
    __slots__ = ("environ", "head", "http10", "keep")

    def __init__(self, environ: dict[str, Any], keep: bool, http10: bool) -> None:
        self.environ = environ
        self.keep = keep
        self.http10 = http10
        self.head = environ["REQUEST_METHOD"] == "HEAD"


class Flow:
    """One request answered off the loop: between its pool thread and the connection.

    Counters have one writer each (``sent``: the thread; ``written``: the loop), so the hot
    path takes no lock; ``event`` wakes a waiting thread."""

    __slots__ = ("cancelled", "chunked", "event", "on_wire", "paused", "sent", "waiting", "written")

    def __init__(self, paused: bool) -> None:
        self.paused = paused
        self.cancelled = False
        self.on_wire = False  # (loop) some of the answer has been written
        self.chunked = False
        self.sent = 0
        self.written = 0
        self.waiting = False
        self.event = threading.Event()

    def cancel(self) -> None:
        self.cancelled = True
        self.event.set()

    def wait_for_room(self) -> bool:
        """(thread side) False once cancelled; else returns when the transport takes more."""
        while self.paused or self.sent - self.written > QUEUED_LIMIT:
            if self.cancelled:
                return False
            self.waiting = True
            self.event.clear()
            if (self.paused or self.sent - self.written > QUEUED_LIMIT) and not self.cancelled:
                self.event.wait(FLOW_WAIT_S)
            self.waiting = False
        return not self.cancelled


class Connection(asyncio.Protocol):
    def __init__(self, served: Served) -> None:
        self.served = served
        self.loop = served.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[_Request | _Reject] = deque()
        self.flow: Flow | None = None  # the request answered off the loop, if any
        self.push: Push | None = None  # the push stream being served, if any
        self.push_chunked = False
        self.push_keep = False
        self.push_deadline: asyncio.TimerHandle | None = None
        self.push_ticker: asyncio.TimerHandle | None = None
        self.dead = False  # the parser stopped: no further request is read
        self.read_paused = False
        self.write_paused = False
        self.continue_owed = False
        self.last = self.loop.time()  # last activity (idle connections close after a while)
        self.remote = ("", "")
        # the request being parsed
        self.env: dict[str, Any] = {}
        self.target = b""
        self.body: list[bytes] = []
        self.size = 0
        self.head_size = 0
        self.rejected: _Reject | None = None

    # ---- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods
        self.transport = transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self.remote = (str(peer[0]), str(peer[1]))
        self.served.connections.add(self)
        if self.served.stopping:
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.dead = True
        self.queue.clear()
        if self.flow is not None:
            self.flow.cancel()
        push = self.push
        if push is not None:
            self._drop_push(push)
        served = self.served
        served.connections.discard(self)
        if served.stopping and not served.connections and served.all_gone is not None:
            served.all_gone.set()

    def data_received(self, data: bytes) -> None:
        if self.dead:
            return
        self.last = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # a protocol switch is not served: the request is answered as a plain one, and the
            # connection closes after it (what follows it is not HTTP/1.1)
            self.dead = True
            if self.queue and isinstance(self.queue[-1], _Request):
                self.queue[-1].keep = False
            self.queue.append(_Reject(None))
        except httptools.HttpParserCallbackError:
            self.dead = True
            if self.rejected is None:
                log.exception("%s: parsing a request failed", self.served.name)
                self.rejected = _Reject("400 Bad Request", "malformed request")
            self.queue.append(self.rejected)
        except httptools.HttpParserError:
            self.dead = True
            self.queue.append(_Reject("400 Bad Request", "malformed request"))
        if self.queue and self.flow is None and self.push is None:
            self._next()
        if self.read_paused or len(self.queue) >= PIPELINE_LIMIT:
            self._check_reading()

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.flow is not None:
            self.flow.paused = True
        self._check_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        flow = self.flow
        if flow is not None:
            flow.paused = False
            flow.event.set()
        push = self.push
        if push is not None and push.armed:  # woken while the client was not reading
            self.loop.call_soon(self.pump, push)
        self._check_reading()

    def _check_reading(self) -> None:
        transport = self.transport
        if transport is None:
            return
        pause = self.write_paused or len(self.queue) >= PIPELINE_LIMIT
        if pause != self.read_paused:
            self.read_paused = pause
            if pause:
                transport.pause_reading()
            else:
                transport.resume_reading()

    # ---- httptools callbacks
    def on_message_begin(self) -> None:
        self.env = self.served.base.copy()
        self.target = b""
        self.body = []
        self.size = 0
        self.head_size = 0

    def on_url(self, url: bytes) -> None:
        self.target += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        add_header(self.env, name, value)

    def _count_head(self, n: int) -> None:
        self.head_size += n
        if self.head_size > MAX_HEAD:
            self.rejected = _Reject("431 Request Header Fields Too Large", "request head too large")
            raise ValueError("request head too large")

    def on_headers_complete(self) -> None:
        env = self.env
        length = env.get("CONTENT_LENGTH")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            self._too_large()
        expect = env.get("HTTP_EXPECT")
        if (
            expect is not None
            and expect.lower() == "100-continue"
            and self.parser.get_http_version() != "1.0"
        ):
            if (
                self.flow is None
                and self.push is None
                and not self.queue
                and self.transport is not None
            ):
                self.transport.write(CONTINUE)
            else:
                self.continue_owed = True

    def _too_large(self) -> None:
        self.rejected = _Reject("413 Content Too Large", "request body too large")
        raise ValueError("request body too large")

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > MAX_BODY:
            self._too_large()
        self.body.append(body)

    def on_message_complete(self) -> None:
        env = self.env
        parser = self.parser
        self.continue_owed = False
        try:
            env["PATH_INFO"], env["QUERY_STRING"] = split_target(self.target)
        except ValueError:
            self.rejected = _Reject("400 Bad Request", "malformed request target")
            raise
        env["REQUEST_METHOD"] = parser.get_method().decode("latin-1")
        http10 = parser.get_http_version() == "1.0"
        env["SERVER_PROTOCOL"] = "HTTP/1.0" if http10 else "HTTP/1.1"
        env["REMOTE_ADDR"], env["REMOTE_PORT"] = self.remote
        body = self.body
        finish_environ(env, body[0] if len(body) == 1 else b"".join(body))
        self.body = []
        self.queue.append(_Request(env, parser.should_keep_alive(), http10))

    # ---- answering, in order (loop thread)
    def _next(self) -> None:
        """Answers the queued requests until one goes off the loop or the queue is empty."""
        queue = self.queue
        while queue and self.flow is None and self.push is None:
            transport = self.transport
            if transport is None:
                queue.clear()
                return
            item = queue.popleft()
            if isinstance(item, _Reject):
                queue.clear()
                if item.status is not None:
                    transport.write(reject(item.status, item.message))
                transport.close()
                return
            self._answer(item, transport)
        if (
            self.continue_owed
            and self.flow is None
            and self.push is None
            and self.transport is not None
        ):
            self.continue_owed = False
            self.transport.write(CONTINUE)
        if self.read_paused:
            self._check_reading()

    def _answer(self, req: _Request, transport: asyncio.Transport) -> None:
        served = self.served
        env = req.environ
        try:
            off = served.offload is not None and served.offload(env)
        except Exception:
            answer: Answer | Stream = failed(served.name, env)
            off = False
        else:
            if off:
                self.flow = flow = Flow(self.write_paused)
                served.pool.submit(self._in_thread, flow, req)
                return
            answer = call_app(served.app, env, served.name)
        if isinstance(answer, Stream):
            if isinstance(answer.result, Push):
                self._begin_push(req, answer.start, answer.result)
                return
            self.flow = flow = Flow(self.write_paused)
            served.pool.submit(self._stream, flow, req, answer.start, answer.result)
            return
        transport.write(_whole(answer, req))
        if not req.keep:
            self.queue.clear()
            self.dead = True
            transport.close()

    # ---- from pool threads (each hands its results to the loop)
    def _in_thread(self, flow: Flow, req: _Request) -> None:
        if flow.cancelled:
            return
        answer = call_app(self.served.app, req.environ, self.served.name)
        if isinstance(answer, Stream) and isinstance(answer.result, Push):
            self._to_loop(self._push_from_thread, flow, req, answer.start, answer.result)
        elif isinstance(answer, Stream):
            self._stream(flow, req, answer.start, answer.result)
        else:
            self._to_loop(self._done, flow, _whole(answer, req), req.keep)

    def _stream(self, flow: Flow, req: _Request, start: Start, result: Iterable[bytes]) -> None:
        chunked = not req.http10
        keep = req.keep and chunked
        flow.chunked = chunked and not req.head
        tail = b""
        started = False
        try:
            for data in result:
                if flow.cancelled:
                    break
                if start.written:
                    data = b"".join(start.written) + data
                    start.written.clear()
                if not started:
                    if not start.status:
                        raise RuntimeError("the WSGI app returned without calling start_response")
                    start.sent = started = True
                    out = render_stream_head(
                        start.status, start.headers, keep=keep, chunked=chunked
                    )
                    if req.head:
                        tail = out
                        break
                    if data:
                        out += chunk(data) if chunked else data
                elif not data:
                    continue
                else:
                    out = chunk(data) if chunked else data
                if not flow.wait_for_room():
                    break
                flow.sent += len(out)
                self._to_loop(self._write, flow, out)
            else:
                if not started:  # nothing yielded: a whole (empty) answer
                    if not start.status:
                        raise RuntimeError("the WSGI app returned without calling start_response")
                    body = b"".join(start.written)
                    tail = render(
                        start.status,
                        start.headers,
                        body,
                        head=req.head,
                        keep=req.keep,
                        http10=req.http10,
                    )
                    keep = req.keep
                elif chunked:
                    tail = END_CHUNKS
        except Exception:
            if not started:
                failure = failed(self.served.name, req.environ)
                tail = _whole(failure, req)
                keep = req.keep
            else:
                log.exception(
                    "%s: the stream of %s %s failed",
                    self.served.name,
                    req.environ["REQUEST_METHOD"],
                    req.environ["PATH_INFO"],
                )
                tail = END_CHUNKS if chunked else b""
        finally:
            close_result(result)
            self._to_loop(self._done, flow, tail, keep)

    def _to_loop(self, fn: Callable[..., None], flow: Flow, *args: Any) -> None:
        if not self.served.post(fn, flow, *args):
            flow.cancel()

    # ---- on the loop, for pool threads
    def _write(self, flow: Flow, data: bytes) -> None:
        if flow is not self.flow or flow.cancelled or self.transport is None:
            return
        flow.on_wire = True
        self.transport.write(data)
        flow.written += len(data)
        if flow.waiting:
            flow.event.set()

    def _push_from_thread(self, flow: Flow, req: _Request, start: Start, push: Push) -> None:
        if flow is not self.flow or flow.cancelled or self.transport is None:
            push.finish()
            return
        self.flow = None
        self._begin_push(req, start, push)

    # ---- push streams (loop thread): see ``push``
    def _begin_push(self, req: _Request, start: Start, push: Push) -> None:
        transport = self.transport
        if transport is None:
            push.finish()
            return
        chunked = not req.http10
        keep = req.keep and chunked
        try:
            if not start.status:
                raise RuntimeError("the WSGI app returned without calling start_response")
            head = render_stream_head(start.status, start.headers, keep=keep, chunked=chunked)
        except Exception:
            push.finish()
            self._answered(transport, _whole(failed(self.served.name, req.environ), req), req.keep)
            return
        start.sent = True
        if req.head:
            push.finish()
            self._answered(transport, head, keep)
            return
        if start.written:  # the legacy write() of WSGI, before the body
            data = b"".join(start.written)
            start.written.clear()
            if data:
                head += chunk(data) if chunked else data
        self.push = push
        self.push_chunked = chunked
        self.push_keep = keep
        push.bind(self.served.wake_push, self)
        transport.write(head)
        if push.timeout_s is not None:
            self.push_deadline = self.loop.call_later(push.timeout_s, self._push_timeout, push)
        if push.tick_s is not None:
            self.push_ticker = self.loop.call_later(push.tick_s, self._push_tick, push)
        push.armed = True
        self.pump(push)

    def pump(self, push: Push) -> None:
        """``push.produce()`` and its bytes to the client (unless it does not read now)."""
        transport = self.transport
        if push is not self.push or transport is None or transport.is_closing():
            return  # a transport that is closing: connection_lost drops the stream soon
        if push.ended:
            self._end_push(push, forced=True)
            return
        if self.write_paused:
            return  # stays armed: resume_writing pumps it
        push.armed = False
        try:
            data = push.produce()
        except Exception:
            log.exception("%s: the push stream of a request failed", self.served.name)
            data = None
        if push is not self.push:
            return
        if data is None:
            self._end_push(push, forced=False)
        elif data:
            if self.push_chunked:
                served = self.served
                last, framed = served.framed
                if data is not last:
                    framed = chunk(data)
                    served.framed = (data, framed)
                data = framed
            transport.write(data)

    def _push_tick(self, push: Push) -> None:
        if push is not self.push or push.tick_s is None:
            return
        self.push_ticker = self.loop.call_later(push.tick_s, self._push_tick, push)
        push.armed = True
        self.pump(push)

    def _push_timeout(self, push: Push) -> None:
        if push is self.push:
            self._end_push(push, forced=False)

    def _cancel_push_timers(self) -> None:
        if self.push_deadline is not None:
            self.push_deadline.cancel()
            self.push_deadline = None
        if self.push_ticker is not None:
            self.push_ticker.cancel()
            self.push_ticker = None

    def _drop_push(self, push: Push) -> None:
        """The stream is over without a proper end (the client went)."""
        self._cancel_push_timers()
        self.push = None
        push.finish()

    def _end_push(self, push: Push, *, forced: bool) -> None:
        """The body ends (its terminating chunk); ``forced``: by ``end()``, whatever the client
        reads: the connection closes, and is dropped if it has not taken the rest in time."""
        self._drop_push(push)
        transport = self.transport
        if transport is None:
            return
        self.last = self.loop.time()
        tail = END_CHUNKS if self.push_chunked else b""
        if forced:
            if tail:
                transport.write(tail)
            self.queue.clear()
            self.dead = True
            transport.close()
            self.loop.call_later(END_TIMEOUT_S, transport.abort)
            return
        self._answered(transport, tail, self.push_keep)

    def _answered(self, transport: asyncio.Transport, tail: bytes, keep: bool) -> None:
        """The current answer ends with ``tail``; the next request, or the connection closes."""
        if tail:
            transport.write(tail)
        if not keep:
            self.queue.clear()
            self.dead = True
            transport.close()
        else:
            self._next()

    def _done(self, flow: Flow, tail: bytes, keep: bool) -> None:
        if flow is not self.flow or flow.cancelled:
            return
        self.flow = None
        self.last = self.loop.time()
        transport = self.transport
        if transport is None:
            return
        self._answered(transport, tail, keep)

    # ---- server side (loop thread)
    def idle_since(self) -> float | None:
        """When this connection last did anything, if it waits for a request now."""
        if self.flow is not None or self.push is not None or self.queue:
            return None
        return self.last

    def shutdown(self) -> None:
        """The server stops: an open stream ends properly, a request still in a pool thread
        gets a 503, and the connection closes."""
        transport = self.transport
        self.dead = True
        self.queue.clear()
        flow, self.flow = self.flow, None
        push = self.push
        if push is not None:
            self._drop_push(push)
        if transport is None:
            return
        if push is not None:
            if self.push_chunked:
                transport.write(END_CHUNKS)
        elif flow is not None:
            flow.cancel()
            if not flow.on_wire:
                transport.write(
                    render(
                        "503 Service Unavailable",
                        _STOPPING_HEADERS,
                        _STOPPING,
                        head=False,
                        keep=False,
                        http10=False,
                    )
                )
            elif flow.chunked:
                transport.write(END_CHUNKS)
        transport.close()


def _whole(answer: Answer, req: _Request) -> bytes:
    try:
        return render(
            answer.status,
            answer.headers,
            answer.body,
            head=req.head,
            keep=req.keep,
            http10=req.http10,
        )
    except Exception:  # headers that are not latin-1 text, a status that is not one
        failure = failed("wsgi_loop", req.environ)
        return render(
            failure.status,
            failure.headers,
            ERROR_500,
            head=req.head,
            keep=req.keep,
            http10=req.http10,
        )
