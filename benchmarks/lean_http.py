"""Lean HTTP/1.1 clients for the benchmarks: the real clients' requests, at little client CPU.

On a 2-core machine a benchmark's own clients compete with what they measure: a
``requests.Session`` call costs about 1 ms of client CPU (request preparation, urllib3, and
``http.client``'s header parsing through ``email.feedparser``), as much as the mock spends
answering it. This module sends the same requests (method, path, query, body and the headers the
real clients send: :func:`k8s_headers` those of the ``kubernetes`` client, :func:`avi_headers`
those of avisdk, with its session cookies and CSRF token or HTTP Basic) over one kept-alive
HTTP/1.1 connection per client, with the fixed header lines encoded once per connection, and
reads answers with a minimal parser (status line, ``Content-Length``, chunked bodies,
``Connection: close``). Answers are decoded with orjson.

:class:`Connection` is one client's connection (not thread-safe: one per thread);
:class:`PerThread` keeps one per thread and base URL. The caller checks every answer's status
and body. Loopback benchmarks only: no redirects, proxies, cookies jar, compression or
certificate checks (the mocks' ``--tls`` certificate is self-signed); never imported by the
product or the tests' fixtures.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import struct
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
#: what ``http.client`` adds when the caller does not (urllib3, hence both real clients)
ACCEPT_ENCODING = ("Accept-Encoding", "identity")
_NO_BODY_STATUS = frozenset({204, 304})
_RECV = 65_536


class HttpError(OSError):
    """The connection failed or the answer was not HTTP/1.x."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        """The body decoded (orjson); ``None`` when empty."""
        return orjson.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def header_bytes(headers: Mapping[str, str] | list[tuple[str, str]]) -> bytes:
    """Header lines, encoded once (latin-1, as HTTP/1.1 sends them)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in items)


def content_type(value: str) -> bytes:
    return header_bytes([("Content-Type", value)])


def dumps(body: Any) -> bytes:
    """A JSON request body (orjson: the same document as ``json.dumps``, without its spaces)."""
    return orjson.dumps(body)


class Connection:
    """One kept-alive HTTP/1.1 connection to ``url`` (scheme, host, port and a path prefix),
    sending ``headers`` with every request; reconnects when the server closed it."""

    def __init__(
        self, url: str, headers: Mapping[str, str] | None = None, timeout: float = 30.0
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        self.prefix = parts.path.rstrip("/").encode()
        self.timeout = timeout
        netloc = parts.netloc.rpartition("@")[2]
        self._fixed = header_bytes([("Host", netloc), *(headers or {}).items()])
        self._sock: socket.socket | None = None
        self._buf = bytearray()
        self._used = False  # a request went over this socket: it may have gone stale
        self.connects = 0

    # -- connection ---------------------------------------------------------------------------
    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # blocking, with the kernel's timeouts: Python's own timeout costs a poll() per recv
        sock.settimeout(None)
        timeval = struct.pack("ll", int(self.timeout), int(self.timeout % 1 * 1_000_000))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
        if self.tls:
            sock = _tls_context().wrap_socket(sock, server_hostname=self.host)
        self._sock, self._used = sock, False
        self._buf.clear()
        self.connects += 1
        return sock

    def _open(self) -> socket.socket:
        try:
            return self._connect()
        except OSError as exc:  # refused, unreachable, TLS handshake
            raise HttpError(f"cannot connect to {self.host}:{self.port}: {exc!r}") from exc

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    # -- requests -----------------------------------------------------------------------------
    def request(
        self, method: str, target: str, body: bytes | None = None, extra: bytes = b""
    ) -> Answer:
        """Send one request (``target``: path and query, after the URL's prefix; ``extra``:
        more header lines, from :func:`header_bytes`) and read its whole answer."""
        head = self._head(method, target, body, extra)
        for attempt in (0, 1):
            sock = self._sock or self._open()
            reused = self._used
            self._used = True
            try:
                sock.sendall(head + body if body is not None else head)
                status, length, chunked, close = self._read_head(method)
            except (OSError, HttpError) as exc:
                answered = bool(self._buf)  # some of an answer came: never send it twice
                self.close()
                # a kept-alive connection the server had closed before this request: resend
                stale = isinstance(exc, _Closed | ConnectionError) and not answered
                if attempt == 0 and reused and stale:
                    continue
                raise HttpError(f"{method} {target}: {exc!r}") from exc
            try:
                data = self._read_body(status, method, length, chunked)
            except OSError as exc:
                self.close()
                raise HttpError(f"{method} {target}: {exc!r}") from exc
            if close:
                self.close()
            return Answer(status, data)
        raise AssertionError("unreachable")

    def stream(self, method: str, target: str, extra: bytes = b"") -> Iterator[bytes]:
        """Send one request, read the answer's head (raises :class:`HttpError` unless it is
        200) and return the body's lines as they come (a watch). The connection is then used
        up: :meth:`abort` it (from another thread too, to end a blocked read)."""
        sock = self._sock or self._open()
        self._used = True
        try:
            sock.sendall(self._head(method, target, None, extra))
            status, length, chunked, _ = self._read_head(method)
        except OSError as exc:
            self.close()
            raise HttpError(f"{method} {target}: {exc!r}") from exc
        if status != 200:
            self.close()
            raise HttpError(f"{method} {target}: HTTP {status}")
        return self._lines(self._chunks() if chunked else self._raw(length))

    @staticmethod
    def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
        pending = b""
        for chunk in chunks:
            if pending:
                chunk = pending + chunk
            lines = chunk.split(b"\n")
            pending = lines.pop()
            yield from lines
        if pending:
            yield pending

    def abort(self) -> None:
        """Shut the connection down now (a read blocked in another thread returns)."""
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.close()

    def _head(self, method: str, target: str, body: bytes | None, extra: bytes) -> bytes:
        line = b"%s %s%s HTTP/1.1\r\n" % (method.encode(), self.prefix, target.encode())
        length = b"" if body is None else b"Content-Length: %d\r\n" % len(body)
        return line + self._fixed + extra + length + b"\r\n"

    # -- reading ------------------------------------------------------------------------------
    def _fill(self) -> None:
        assert self._sock is not None
        data = self._sock.recv(_RECV)
        if not data:
            raise _Closed("connection closed by the server")
        self._buf += data

    def _read_head(self, method: str) -> tuple[int, int | None, bool, bool]:
        buf = self._buf
        while True:
            end = buf.find(b"\r\n\r\n")
            while end < 0:
                self._fill()
                end = buf.find(b"\r\n\r\n")
            lines = bytes(buf[:end]).split(b"\r\n")
            del buf[: end + 4]
            version, _, rest = lines[0].partition(b" ")
            if not version.startswith(b"HTTP/1."):
                raise HttpError(f"not an HTTP/1.x answer: {lines[0][:80]!r}")
            status = int(rest[:3])
            if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
                continue
            length: int | None = None
            chunked = False
            close = version == b"HTTP/1.0"
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
                elif name == b"connection":
                    close = b"close" in value.lower()
            if method == "HEAD" or status in _NO_BODY_STATUS:
                length, chunked = 0, False
            if length is None and not chunked:
                close = True  # the body ends with the connection
            return status, length, chunked, close

    def _read_body(self, status: int, method: str, length: int | None, chunked: bool) -> bytes:
        if chunked:
            return b"".join(self._chunks())
        return b"".join(self._raw(length))

    def _take(self, n: int) -> bytes:
        buf = self._buf
        while len(buf) < n:
            self._fill()
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def _line(self) -> bytes:
        buf = self._buf
        end = buf.find(b"\r\n")
        while end < 0:
            self._fill()
            end = buf.find(b"\r\n")
        line = bytes(buf[:end])
        del buf[: end + 2]
        return line

    def _chunks(self) -> Iterator[bytes]:
        while True:
            size = int(self._line().split(b";", 1)[0], 16)
            if size == 0:
                while self._line():  # trailers, up to the empty line
                    pass
                return
            data = self._take(size + 2)
            if data[-2:] != b"\r\n":
                raise HttpError("malformed chunk")
            if size:
                yield data[:-2]

    def _raw(self, length: int | None) -> Iterator[bytes]:
        if length is not None:
            yield self._take(length)
            return
        while True:  # until the server closes
            if self._buf:
                data = bytes(self._buf)
                self._buf.clear()
                yield data
            try:
                self._fill()
            except _Closed:
                if self._buf:
                    yield bytes(self._buf)
                    self._buf.clear()
                return


class _Closed(HttpError):
    """The server closed the connection."""


_CONTEXT: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    """One client context for the mocks' self-signed certificates (loopback only)."""
    global _CONTEXT
    if _CONTEXT is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        _CONTEXT = context
    return _CONTEXT


class PerThread:
    """One :class:`Connection` per thread and base URL, each with the headers given for that
    URL (:meth:`set_headers`; none by default)."""

    def __init__(self, timeout: float = 30.0) -> None:
        self._local = threading.local()
        self._headers: dict[str, Mapping[str, str]] = {}
        self._all: list[Connection] = []
        self._lock = threading.Lock()
        self.timeout = timeout

    def set_headers(self, url: str, headers: Mapping[str, str]) -> None:
        self._headers[url] = dict(headers)

    def headers(self, url: str) -> dict[str, str]:
        return dict(self._headers.get(url) or {})

    def get(self, url: str) -> Connection:
        conns: dict[str, Connection] | None = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(url)
        if conn is None:
            conn = conns[url] = Connection(url, self._headers.get(url), self.timeout)
            with self._lock:
                self._all.append(conn)
        return conn

    def close_all(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()


# -- the real clients' headers -----------------------------------------------------------------
def k8s_headers(kubeconfig: Path | str | None = None) -> dict[str, str]:
    """The headers the ``kubernetes`` client sends with a JSON call (``Content-Type`` aside):
    its ``User-Agent``, ``Accept: application/json``, the kubeconfig's bearer token (when one
    is given and has a token) and urllib3's ``Accept-Encoding``."""
    from kubernetes import client, config

    configuration = client.Configuration()
    if kubeconfig is not None:
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig), client_configuration=configuration
        )
    api = client.ApiClient(configuration)
    headers: dict[str, str] = dict(api.default_headers)
    headers["Accept"] = str(api.select_header_accept([JSON]))
    api.update_params_for_auth(headers, [], ["BearerToken"], "/", "GET", None)
    headers.setdefault(*ACCEPT_ENCODING)
    return {k: str(v) for k, v in headers.items()}


def avi_headers(
    url: str,
    auth: str = "session",
    *,
    username: str = "admin",
    password: str = "admin",
    tenant: str = "admin",
    timeout: float = 60.0,
) -> dict[str, str]:
    """The headers avisdk's ``ApiSession`` sends with a call (``Referer``, ``Content-Type``,
    ``timeout``, ``X-Avi-Tenant``, urllib3's ``User-Agent``) and, for ``auth="session"``, its
    login's ``X-CSRFToken`` and session cookies (the SDK logs in here, once per process: its
    session cache is shared); for ``auth="basic"``, an HTTP Basic ``Authorization`` instead of
    the session (no login)."""
    import base64
    import contextlib
    import io
    import warnings

    from avi.sdk import avi_api
    from avi.sdk.avi_api import ApiSession

    if auth not in ("session", "basic"):
        raise ValueError(f"auth is session or basic, not {auth!r}")
    basic = base64.b64encode(f"{username}:{password}".encode()).decode()
    # verify=False (a login over the mocks' self-signed HTTPS) makes the SDK warn three ways
    sdk_log = logging.getLogger(avi_api.__name__)
    quiet = logging.Filter("nothing")  # passes no record of the SDK's logger
    sdk_log.addFilter(quiet)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            api = ApiSession(
                controller_ip=url,
                username=username,
                password=password,
                tenant=tenant,
                verify=auth == "basic" or not url.startswith("https"),  # basic: no SDK request
                timeout=timeout,
                # with an Authorization of its own the SDK neither logs in nor sends a CSRF token
                user_hdrs={"Authorization": f"Basic {basic}"} if auth == "basic" else None,
            )
            sdk = api._get_api_headers("", "", timeout, None, None)
    finally:
        sdk_log.removeFilter(quiet)
    headers = {k: str(v) for k, v in sdk.items()}
    if auth == "session":
        entry = avi_api.sessionDict.get(api.key) or {}
        cookies = [("csrftoken", str(entry.get("csrftoken") or ""))]
        sid = str(entry.get("session_id") or "")
        if sid:
            cookies += [("sessionid", sid), ("avi-sessionid", sid)]
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies)
    # the SDK empties requests' default headers, so urllib3 adds its own User-Agent
    headers.setdefault("User-Agent", f"python-urllib3/{version('urllib3')}")
    headers.setdefault(*ACCEPT_ENCODING)
    return headers
