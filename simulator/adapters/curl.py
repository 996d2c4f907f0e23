"""One HTTP/1.1 request/response transport on libcurl (``pycurl``), for the engine's own calls.

The engine makes a few thousand small calls per thousand Services (Avi creates, Service status
patches, Events). Through urllib3 and ``http.client`` each costs about 0.4-0.5 ms of CPU in
Python (headers written one by one, the response headers parsed by ``email.parser``, response
objects); libcurl does the same work in C with the GIL released, for about a tenth of that.

:class:`CurlTransport` keeps idle curl handles (each with its kept-alive connection) for one
scheme, host and port and lends one to each call, so any number of threads can call at once.
It only sends and receives: the callers supply every header (auth, cookies, content type) and
map the status to their own errors. A transport failure (refused, reset, timeout, TLS) raises
:class:`TransportError`, an ``OSError``. Streaming responses (watches) are not its job.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus

import pycurl


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


class CurlTransport:
    """Calls to one origin (``base`` = scheme://host:port plus an optional path prefix)."""

    def __init__(self, base: str, *, tls: TlsSettings | None = None, max_idle: int = 64) -> None:
        self.base = base.rstrip("/")
        self._tls = tls or TlsSettings()
        self._max_idle = max(1, max_idle)
        self._idle: list[pycurl.Curl] = []
        self._lock = threading.Lock()
        self._closed = False

    def request(
        self,
        method: str,
        path: str,
        headers: Iterable[str],
        body: bytes | None = None,
        *,
        timeout: float,
        connect_timeout: float | None = None,
    ) -> Answer:
        """Send ``method`` ``path`` (joined to the base) with ``headers`` (``"Name: value"``
        lines) and ``body``; the status and the whole body of the answer."""
        handle = self._acquire()
        out = io.BytesIO()
        try:
            handle.setopt(pycurl.URL, self.base + path)
            if body is None:
                handle.setopt(pycurl.HTTPGET, 1)
            else:
                handle.setopt(pycurl.POSTFIELDS, body)
            handle.setopt(pycurl.CUSTOMREQUEST, method)
            handle.setopt(pycurl.HTTPHEADER, [*headers, "Expect:"])
            handle.setopt(pycurl.WRITEDATA, out)
            handle.setopt(pycurl.TIMEOUT_MS, max(1, int(timeout * 1000)))
            handle.setopt(
                pycurl.CONNECTTIMEOUT_MS, max(1, int((connect_timeout or timeout) * 1000))
            )
            handle.perform()
            status = int(handle.getinfo(pycurl.RESPONSE_CODE))
        except pycurl.error as exc:
            handle.close()  # its connection may be half-used: never lend it again
            code, message = (*exc.args, 0, "")[:2]
            raise TransportError(
                f"{method} {self.base}{path}: curl error {code}: {message}"
            ) from None
        self._release(handle)
        return Answer(status, out.getvalue())

    def close(self) -> None:
        """Close every idle handle (and its connection); later calls fail."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for handle in idle:
            handle.close()

    # -- handles --------------------------------------------------------------------------------
    def _acquire(self) -> pycurl.Curl:
        with self._lock:
            if self._closed:
                raise TransportError(f"the transport to {self.base} is closed")
            if self._idle:
                return self._idle.pop()
        return self._new_handle()

    def _release(self, handle: pycurl.Curl) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(handle)
                return
        handle.close()

    def _new_handle(self) -> pycurl.Curl:
        handle = pycurl.Curl()
        handle.setopt(pycurl.NOSIGNAL, 1)  # several threads: no SIGALRM for timeouts
        handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        handle.setopt(pycurl.TCP_NODELAY, 1)
        handle.setopt(pycurl.FOLLOWLOCATION, 0)
        handle.setopt(pycurl.PROXY, "")  # no proxy from the environment: the caller decides
        handle.setopt(pycurl.USERAGENT, "")
        handle.setopt(pycurl.ACCEPT_ENCODING, None)
        if self.base.startswith("https"):
            tls = self._tls
            handle.setopt(pycurl.SSL_VERIFYPEER, 1 if tls.verify else 0)
            handle.setopt(pycurl.SSL_VERIFYHOST, 2 if tls.verify and tls.check_hostname else 0)
            if tls.ca_file:
                handle.setopt(pycurl.CAINFO, tls.ca_file)
            if tls.cert_file:
                handle.setopt(pycurl.SSLCERT, tls.cert_file)
            if tls.key_file:
                handle.setopt(pycurl.SSLKEY, tls.key_file)
        return handle
