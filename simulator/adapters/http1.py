"""One HTTP/1.1 request/response transport on plain sockets, for the engine's own calls.

The engine makes a few thousand small calls per thousand Services (Avi creates, Service status
patches, Events), each answered after a wait of some milliseconds on a busy machine. What a call
costs then is mostly the code that runs around that wait (after a blocking wait the code runs
several times slower than in a tight loop): through urllib3 and ``http.client`` about 0.4-0.5 ms
of CPU (headers written one by one, the response headers parsed by ``email.parser``, response
objects), through libcurl 0.23-0.35 ms, here 0.13-0.16 ms (N=1000, in-process thread CPU): the
request is one ``sendall`` of bytes built in one join, the answer is read with ``recv`` and its
head searched once. On Linux a plain-TCP socket stays in blocking mode with the kernel's send and
receive timeouts (``SO_SNDTIMEO``/``SO_RCVTIMEO``) set: a socket with a Python timeout asks
``poll`` before every ``send`` and ``recv`` and sets its blocking flag on every ``settimeout``,
five system calls and three GIL hand-overs per call instead of two. A TLS socket keeps Python's
timeouts (``ssl`` retries a blocking read that the kernel's timeout ended, for ever).

:class:`Http1Transport` keeps idle connections for one scheme, host and port and lends one to
each call, so any number of threads can call at once. It only sends and receives: the callers
supply every header (auth, cookies, content type) and map the status to their own errors. A
transport failure (refused, reset, timeout, TLS, a malformed answer) raises
:class:`TransportError`, an ``OSError``. A call on a kept-alive connection that the server closed
meanwhile (no byte of an answer came back) is sent once more on a new connection, as curl and
urllib3 do. :meth:`Http1Transport.open_stream` opens a connection of its own for one streaming
answer (a watch) and hands out the lines of its body as they arrive (:class:`Stream`).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit


class TransportError(OSError):
    """The call did not get an answer: refused, reset, timed out, TLS failure, closed transport."""


@dataclass(frozen=True)
class TlsSettings:
    """How an https peer is checked, and the client certificate, if any (file paths)."""

    verify: bool = True
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    check_hostname: bool = True


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""


_MAX_HEAD = 64 * 1024  # an answer's status line and headers
_CHUNK = 64 * 1024


#: plain-TCP sockets are blocking ones with the kernel's timeouts (Linux); TLS sockets, and
#: every socket elsewhere, have Python's socket timeouts
_KERNEL_TIMEOUTS = sys.platform.startswith("linux") and hasattr(socket, "SO_RCVTIMEO")
#: what a send or receive past the kernel's timeout raises on a blocking socket
_WOULD_BLOCK = (BlockingIOError,)


class _Stale(Exception):
    """A kept-alive connection gave no byte of an answer (the server had closed it)."""


def _timeval(seconds: float) -> bytes:
    seconds = max(seconds, 0.001)
    whole = int(seconds)
    return struct.pack("@ll", whole, int((seconds - whole) * 1_000_000))


def _set_timeout(sock: socket.socket, seconds: float, *, sending: bool = True) -> None:
    """Bound each later receive (and send, with ``sending``) on ``sock`` by ``seconds``: with
    the kernel's timeouts on a blocking socket, else with Python's timeout."""
    if sock.gettimeout() is None:
        value = _timeval(seconds)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
        if sending:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
    else:
        sock.settimeout(max(seconds, 0.001))


class _Conn:
    """One open connection (HTTP/1.1 without pipelining: nothing is read past an answer)."""

    __slots__ = ("sock", "timeout", "used")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.used = False  # has carried a call: a failure before any answer byte may be stale
        self.timeout = -1.0  # the send and receive timeout set on the socket (-1: unknown)

    def set_timeout(self, seconds: float) -> None:
        """Bound each later send and receive by ``seconds`` (no system call if already so)."""
        if seconds != self.timeout:
            _set_timeout(self.sock, seconds)
            self.timeout = seconds

    def close(self) -> None:
        with contextlib.suppress(OSError):  # closing is best effort
            self.sock.close()


def _ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=tls.ca_file if tls.verify else None)
    if tls.verify:
        context.check_hostname = tls.check_hostname
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.cert_file:
        context.load_cert_chain(tls.cert_file, tls.key_file or None)
    return context


class Http1Transport:
    """Calls to one origin (``base`` = scheme://host:port plus an optional path prefix)."""

    def __init__(self, base: str, *, tls: TlsSettings | None = None, max_idle: int = 64) -> None:
        self.base = base.rstrip("/")
        parts = urlsplit(self.base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        host_header = parts.netloc.rpartition("@")[2]
        self._host_line = f"Host: {host_header}\r\n"
        self._tls = tls or TlsSettings()
        self._context: ssl.SSLContext | None = None
        self._max_idle = max(1, max_idle)
        self._idle: list[_Conn] = []
        self._lock = threading.Lock()
        self._closed = False

    def request(
        self,
        method: str,
        path: str,
        headers: Iterable[str] | bytes,
        body: bytes | None = None,
        *,
        timeout: float,
        connect_timeout: float | None = None,
    ) -> Answer:
        """Send ``method`` ``path`` (joined to the base) with ``headers`` (``"Name: value"``
        lines, or the bytes :meth:`header_block` made of them) and ``body``; the status and the
        whole body of the answer."""
        data = self._request_bytes(method, path, headers, body)
        deadline = time.monotonic() + timeout
        for attempt in range(2):
            if attempt == 0:
                conn = self._acquire(deadline, connect_timeout or timeout, method, path)
            else:  # the idle ones are likely closed as well
                conn = self._connect(deadline, connect_timeout or timeout, method, path)
            try:
                status, answer, keep = self._exchange(conn, data, method, deadline, timeout)
            except _Stale:
                conn.close()
                continue  # the server closed the kept-alive connection: once more on a new one
            except (OSError, ValueError) as exc:
                conn.close()
                raise TransportError(self._failure(method, path, exc)) from None
            if keep:
                self._release(conn)
            else:
                conn.close()
            return Answer(status, answer)
        raise TransportError(f"{method} {self.base}{path}: the connection closed without an answer")

    def header_block(self, headers: Iterable[str]) -> bytes:
        """The header lines of a request as sent (Host, the caller's ``"Name: value"`` lines,
        ``Accept: */*`` unless one of them is an Accept), for callers that send the same
        headers call after call."""
        joined = "\r\n".join(headers)
        parts = [self._host_line]
        if joined:
            parts.append(joined)
            parts.append("\r\n")
        if "\naccept:" not in "\n" + joined.lower():
            parts.append("Accept: */*\r\n")
        return "".join(parts).encode("latin-1")

    def _request_bytes(
        self, method: str, path: str, headers: Iterable[str] | bytes, body: bytes | None
    ) -> bytes:
        """The request's bytes: request line, the header block (see :meth:`header_block`),
        ``Content-Length`` with a body."""
        block = headers if isinstance(headers, bytes) else self.header_block(headers)
        line = f"{method} {self._prefix}{path} HTTP/1.1\r\n".encode("latin-1")
        if body is None:
            return b"".join((line, block, b"\r\n"))
        return b"".join((line, block, b"Content-Length: %d\r\n\r\n" % len(body), body))

    def open_stream(
        self,
        path: str,
        headers: Iterable[str],
        *,
        connect_timeout: float,
        read_timeout: float,
        on_socket: Callable[[socket.socket], None] | None = None,
    ) -> Stream:
        """GET ``path`` on a new connection of its own and read the answer's head; the
        :class:`Stream` of its body. ``on_socket`` is told the socket once connected (so that
        another thread can interrupt a read by shutting it down); ``read_timeout`` bounds each
        wait for more bytes."""
        data = self._request_bytes("GET", path, headers, None)
        deadline = time.monotonic() + connect_timeout
        conn = self._connect(deadline, connect_timeout, "GET", path)
        sock = conn.sock
        if on_socket is not None:
            on_socket(sock)
        try:
            _set_timeout(sock, read_timeout)
            sock.sendall(data)
            buffer = b""
            end = -1
            while end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise ValueError("the answer's headers are too long")
                more = sock.recv(_CHUNK)
                if not more:
                    raise ConnectionError("the server closed the connection without an answer")
                buffer += more
                end = buffer.find(b"\r\n\r\n")
            status, length, chunked, _ = _parse_head(buffer[:end])
        except (OSError, ValueError) as exc:
            conn.close()
            raise TransportError(self._failure("GET", path, exc)) from None
        return Stream(sock, status, buffer[end + 4 :], chunked, length)

    def close(self) -> None:
        """Close every idle connection; later calls fail."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- one exchange ---------------------------------------------------------------------------
    def _exchange(
        self, conn: _Conn, data: bytes, method: str, deadline: float, timeout: float
    ) -> tuple[int, bytes, bool]:
        """One call on ``conn``: the send and the wait for the answer are each bounded by
        ``timeout`` (the same value call after call: set on the socket once), the rest of the
        answer by ``deadline``."""
        sock = conn.sock
        reused = conn.used
        conn.used = True
        conn.set_timeout(timeout)
        try:
            sock.sendall(data)
            buffer = sock.recv(_CHUNK)
        except (ConnectionError, ssl.SSLEOFError) as exc:
            if reused:
                raise _Stale() from exc
            raise
        if not buffer:
            if reused:
                raise _Stale()
            raise ConnectionError("the server closed the connection without an answer")
        end = buffer.find(b"\r\n\r\n")
        while end < 0:
            if len(buffer) > _MAX_HEAD:
                raise ValueError("the answer's headers are too long")
            more = self._recv(conn, deadline)
            buffer += more
            end = buffer.find(b"\r\n\r\n", max(len(buffer) - len(more) - 3, 0))
        status, length, chunked, keep = _parse_head(buffer[:end])
        rest = buffer[end + 4 :]
        if 100 <= status < 200:
            raise ValueError(f"an interim answer ({status}) was not asked for")
        if method == "HEAD" or status in (204, 304):
            return status, b"", keep and not rest
        if chunked:
            return status, self._chunked(conn, rest, deadline), keep
        if length >= 0:
            while len(rest) < length:
                rest += self._recv(conn, deadline)
            if len(rest) > length:
                raise ValueError("the answer carried more bytes than its Content-Length")
            return status, rest, keep
        while True:  # no length: the body ends with the connection
            try:
                more = self._recv(conn, deadline)
            except ConnectionError:
                return status, rest, False
            rest += more

    def _chunked(self, conn: _Conn, data: bytes, deadline: float) -> bytes:
        body = bytearray()
        buffer = bytearray(data)
        while True:
            while (line_end := buffer.find(b"\r\n")) < 0:
                buffer += self._recv(conn, deadline)
            size = int(bytes(buffer[:line_end]).split(b";", 1)[0].strip() or b"x", 16)
            del buffer[: line_end + 2]
            if size == 0:
                while not (buffer.startswith(b"\r\n") or b"\r\n\r\n" in buffer):
                    buffer += self._recv(conn, deadline)  # trailers, then the blank line
                return bytes(body)
            while len(buffer) < size + 2:
                buffer += self._recv(conn, deadline)
            body += buffer[:size]
            del buffer[: size + 2]

    @staticmethod
    def _recv(conn: _Conn, deadline: float) -> bytes:
        """More of an answer, within what is left until ``deadline``."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        _set_timeout(conn.sock, left, sending=False)
        conn.timeout = -1.0  # the next call sets its own
        more = conn.sock.recv(_CHUNK)
        if not more:
            raise ConnectionError("the server closed the connection mid-answer")
        return more

    def _failure(self, method: str, path: str, exc: BaseException) -> str:
        if isinstance(exc, (TimeoutError, *_WOULD_BLOCK)):
            return f"{method} {self.base}{path}: timed out: timed out"
        return f"{method} {self.base}{path}: {type(exc).__name__}: {exc}"

    # -- connections ----------------------------------------------------------------------------
    def _acquire(self, deadline: float, connect_timeout: float, method: str, path: str) -> _Conn:
        with self._lock:
            if self._closed:
                raise TransportError(f"the transport to {self.base} is closed")
            if self._idle:
                return self._idle.pop()
        return self._connect(deadline, connect_timeout, method, path)

    def _connect(self, deadline: float, connect_timeout: float, method: str, path: str) -> _Conn:
        timeout = max(min(connect_timeout, deadline - time.monotonic()), 0.001)
        try:
            sock = socket.create_connection((self._host, self._port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._https:
                sock = self._ssl().wrap_socket(sock, server_hostname=self._host)
            elif _KERNEL_TIMEOUTS:  # connected within the timeout: blocking from now on
                sock.settimeout(None)
        except (OSError, ValueError) as exc:
            raise TransportError(self._failure(method, path, exc)) from None
        return _Conn(sock)

    def _ssl(self) -> ssl.SSLContext:
        context = self._context
        if context is None:
            context = self._context = _ssl_context(self._tls)
        return context

    def _release(self, conn: _Conn) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()


def _parse_head(head: bytes) -> tuple[int, int, bool, bool]:
    """(status, Content-Length or -1, chunked, keep-alive) of an answer's head (no blank line)."""
    if head[:7] != b"HTTP/1." or head[8:9] != b" " or not head[9:12].isdigit():
        raise ValueError(f"not an HTTP/1.x answer: {head[:100]!r}")
    status = int(head[9:12])
    keep = head[7:8] == b"1"
    length = -1
    chunked = False
    lower = head.lower()
    if b"\r\ncontent-length:" in lower:
        length = int(_header(lower, b"\r\ncontent-length:"))
    if b"\r\ntransfer-encoding:" in lower:
        chunked = b"chunked" in _header(lower, b"\r\ntransfer-encoding:")
    if b"\r\nconnection:" in lower:
        token = _header(lower, b"\r\nconnection:").strip()
        keep = token != b"close" if keep else token == b"keep-alive"
    return status, length, chunked, keep


def _header(lower: bytes, name: bytes) -> bytes:
    """The value of the first header ``name`` (``b"\\r\\nname:"``) in a lower-cased head."""
    start = lower.index(name) + len(name)
    end = lower.find(b"\r\n", start)
    return lower[start:] if end < 0 else lower[start:end]


class Stream:
    """The body of one streaming answer, on a connection of its own (closed with the stream).

    :meth:`lines` yields the body's lines (``\\n``-separated, without it) as they arrive; it
    ends with the body; a reset, a timeout or a malformed chunk raises ``OSError`` or
    ``ValueError``. :meth:`read_all` reads a whole (short) body instead (an error answer).
    """

    def __init__(
        self, sock: socket.socket, status: int, rest: bytes, chunked: bool, length: int
    ) -> None:
        self.sock = sock
        self.status = status
        self._rest = rest
        self._chunked = chunked
        self._length = length

    def _more(self) -> bytes:
        data = self.sock.recv(_CHUNK)
        if not data:
            raise ConnectionError("the server closed the stream mid-answer")
        return data

    def _pieces(self) -> Iterator[bytes]:
        """The body's bytes as they arrive (chunk framing removed)."""
        if not self._chunked:
            left = self._length
            data = self._rest
            while True:
                if left >= 0:
                    data = data[:left]
                    left -= len(data)
                if data:
                    yield data
                if left == 0:
                    return
                try:
                    data = self.sock.recv(_CHUNK)
                except ConnectionError:
                    data = b""
                if not data:
                    if left > 0:
                        raise ConnectionError("the server closed the stream mid-answer")
                    return
        buffer = bytearray(self._rest)
        pos = 0
        while True:
            line_end = buffer.find(b"\r\n", pos)
            while line_end < 0:
                del buffer[:pos]
                pos = 0
                buffer += self._more()
                line_end = buffer.find(b"\r\n")
            size = int(bytes(buffer[pos:line_end]).split(b";", 1)[0].strip() or b"x", 16)
            pos = line_end + 2
            if size == 0:
                return
            while len(buffer) - pos < size + 2:
                if len(buffer) > pos:  # hand out what is there: a chunk may be large
                    take = min(size, len(buffer) - pos)
                    if take:
                        yield bytes(buffer[pos : pos + take])
                        size -= take
                        pos += take
                del buffer[:pos]
                pos = 0
                buffer += self._more()
            if size:
                yield bytes(buffer[pos : pos + size])
            if buffer[pos + size : pos + size + 2] != b"\r\n":
                raise ValueError("a chunk does not end with CRLF")
            pos += size + 2

    def lines(self) -> Iterator[bytes]:
        pending = b""
        for piece in self._pieces():
            if pending:
                piece = pending + piece
            start = 0
            while (newline := piece.find(b"\n", start)) >= 0:
                yield piece[start:newline]
                start = newline + 1
            pending = piece[start:]
        if pending:
            yield pending

    def read_all(self, limit: int = 1 << 20) -> bytes:
        out = b""
        for piece in self._pieces():
            out += piece
            if len(out) > limit:
                break
        return out

    def close(self) -> None:
        with contextlib.suppress(OSError):  # closing is best effort
            self.sock.close()
