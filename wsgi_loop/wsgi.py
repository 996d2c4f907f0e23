"""Calling a WSGI app once, and the HTTP/1.1 bytes of its answer.

``call_app`` returns either a whole ``Answer`` (a list or tuple body, or an iterable whose
``Content-Length`` the app gave: joined at once and closed) or a ``Stream`` (any other
iterable: whoever sends it iterates it, see ``connection``). An app that raises becomes a
logged 500 with a JSON body. ``render`` makes the status line and headers: hop-by-hop headers
of the app are dropped, ``Content-Length`` is the body's own (``HEAD`` keeps the app's, and
sends no body), ``Connection`` says whether the connection stays open. No sockets here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any

log = logging.getLogger("wsgi_loop")

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]

_HOP_BY_HOP = frozenset({"transfer-encoding", "connection", "keep-alive"})
# Statuses that never carry a body (RFC 9110 6.4.1); they get no Content-Length either.
_NO_BODY = frozenset({"204", "304"})
_ERROR_HEADERS = [("Content-Type", "application/json")]
ERROR_500 = b'{"error": "internal server error", "code": 500}'
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
END_CHUNKS = b"0\r\n\r\n"


class Start:
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
        if not isinstance(status, str) or len(status) < 3 or not status[:3].isdigit():
            raise ValueError(f"not a WSGI status: {status!r}")
        self.status = status
        self.headers = headers
        return self.written.append

    def length_known(self) -> bool:
        return any(name.lower() == "content-length" for name, _ in self.headers)


class Answer:
    """A whole answer: status (``"200 OK"``), the app's headers, the body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class Stream:
    """An answer whose body comes chunk by chunk from ``result``."""

    __slots__ = ("result", "start")

    def __init__(self, start: Start, result: Iterable[bytes]) -> None:
        self.start = start
        self.result = result


def failed(name: str, environ: dict[str, Any]) -> Answer:
    """(in an ``except`` block) The logged 500 of a request whose app raised."""
    log.exception("%s: %s %s failed", name, environ["REQUEST_METHOD"], environ["PATH_INFO"])
    return Answer("500 Internal Server Error", _ERROR_HEADERS, ERROR_500)


def close_result(result: Any) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            log.exception("close() of a WSGI response failed")


def call_app(app: WSGIApp, environ: dict[str, Any], name: str) -> Answer | Stream:
    start = Start()
    try:
        result = app(environ, start)
    except Exception:
        return failed(name, environ)
    if isinstance(result, list | tuple) or (start.status and start.length_known()):
        try:
            body = b"".join(result)
            if start.written:
                body = b"".join(start.written) + body
            if not start.status:
                raise RuntimeError("the WSGI app returned without calling start_response")
            return Answer(start.status, start.headers, body)
        except Exception:
            return failed(name, environ)
        finally:
            close_result(result)
    return Stream(start, result)


_date = [0, ""]


def _http_date() -> str:
    now = int(time.time())
    if now != _date[0]:
        _date[1] = formatdate(now, usegmt=True)
        _date[0] = now
    return str(_date[1])


def render(
    status: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    head: bool,
    keep: bool,
    http10: bool,
) -> bytes:
    """A whole response: status line, headers and (unless ``head``) the body."""
    lines = ["HTTP/1.1 ", status, "\r\n"]
    length_given = False
    for name, value in headers:
        low = name.lower()
        if low in _HOP_BY_HOP:
            continue
        if low == "content-length":
            if head and not length_given:
                length_given = True
                lines += (name, ": ", value, "\r\n")
            continue
        lines += (name, ": ", value, "\r\n")
    if status[:3] in _NO_BODY or status[0] == "1":
        body = b""
    elif not length_given:
        lines += ("Content-Length: ", str(len(body)), "\r\n")
    if not keep:
        lines.append("Connection: close\r\n")
    elif http10:
        lines.append("Connection: keep-alive\r\n")
    lines += ("Date: ", _http_date(), "\r\n\r\n")
    data = "".join(lines).encode("latin-1")
    return data if head or not body else data + body


def render_stream_head(
    status: str, headers: list[tuple[str, str]], *, keep: bool, chunked: bool
) -> bytes:
    """The head of a streamed response (chunked, or for HTTP/1.0 ended by closing)."""
    lines = ["HTTP/1.1 ", status, "\r\n"]
    for name, value in headers:
        low = name.lower()
        if low in _HOP_BY_HOP or low == "content-length":
            continue
        lines += (name, ": ", value, "\r\n")
    if chunked:
        lines.append("Transfer-Encoding: chunked\r\n")
    if not keep:
        lines.append("Connection: close\r\n")
    lines += ("Date: ", _http_date(), "\r\n\r\n")
    return "".join(lines).encode("latin-1")


def chunk(data: bytes) -> bytes:
    return b"%X\r\n%s\r\n" % (len(data), data)


def reject(status: str, message: str) -> bytes:
    """A 4xx of the server itself (the request was not understood); the connection closes."""
    body = b'{"error": "%s", "code": %s}' % (message.encode(), status[:3].encode())
    return render(status, _ERROR_HEADERS, body, head=False, keep=False, http10=False)
