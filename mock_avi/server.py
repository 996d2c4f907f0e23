"""Serving ``create_app(...)`` on a real socket in a background thread.

``start_server`` binds (port 0 = any free port) and serves the Flask app with cheroot's
threaded WSGI server: HTTP/1.1 keep-alive over HTTP and HTTPS alike (idle connections wait in
cheroot's selector, not in a worker thread), TCP_NODELAY, no access log. werkzeug's development
server, used before, answered every request with ``Connection: close``, so each call of a client
(avisdk, AKO's Go SDK) paid a new TCP connection and, over ``--tls``, a TLS handshake.
``--tls`` serves a self-signed certificate made at start (werkzeug's ad-hoc pair).
``AKO_SIM_AVI_VERSION`` sets the controller version reported and enforced
(``/api/initial-data``, ``X-Avi-Version``). No request handling here.
"""

from __future__ import annotations

import logging
import os
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from cryptography.hazmat.primitives import serialization
from werkzeug.serving import generate_adhoc_ssl_pair

from mock_avi.app import create_app
from mock_avi.catalog import version_tuple
from mock_avi.config import MockAviConfig

# The controller version to serve (``30.2.1`` by default), for ``ako-sim mock-avi`` and
# ``ako-sim up`` alike: ``AKO_SIM_AVI_VERSION=22.1.3 ako-sim up``.
VERSION_ENV = "AKO_SIM_AVI_VERSION"

# Worker threads: requests in progress at once (a fault's delay_ms holds one while it waits);
# idle keep-alive connections hold none.
THREADS = 32
# How long cheroot keeps an idle keep-alive connection (and waits on a half-sent request).
# Clients reconnect when the server closes an idle connection; a long timeout makes that rare.
IDLE_TIMEOUT = 75

# Connections waiting to be accepted (cheroot's default, 5, resets clients that connect at once,
# e.g. 50 at the start of a load run; werkzeug's server listened with 128).
LISTEN_BACKLOG = 128

log = logging.getLogger("mock_avi.server")


def merge_leading_slashes(request_line: bytes) -> bytes:
    """``GET //api/initial-data HTTP/1.1`` -> ``GET /api/initial-data HTTP/1.1``.

    AKO's Go SDK asks for ``//api/...`` (its prefix ends with a slash, its paths start with
    one); the controller's web server merges the slashes. cheroot would read ``//api`` as an
    absolute URI's authority and answer 400 before the app sees the request."""
    method, sep, rest = request_line.partition(b" ")
    if not sep or not rest.startswith(b"//"):
        return request_line
    return method + sep + b"/" + rest.lstrip(b"/")


class _Request(cheroot_server.HTTPRequest):
    def read_request_line(self) -> Any:
        rfile = self.rfile
        plain = rfile.readline

        def readline(*args: Any) -> bytes:
            return merge_leading_slashes(plain(*args))

        rfile.readline = readline  # the request line only (and a CRLF before it)
        try:
            return super().read_request_line()  # type: ignore[no-untyped-call]
        finally:
            del rfile.readline


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request


class _Server(wsgi.Server):
    """cheroot's WSGI server with its error log sent to ``logging`` (debug: a client that drops
    a connection or refuses the self-signed certificate is no server error), and requests for
    ``//api/...`` served as ``/api/...``."""

    ConnectionClass = _Connection

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        log.log(logging.DEBUG if level < logging.ERROR else level, "%s", msg, exc_info=traceback)


def _adhoc_tls() -> BuiltinSSLAdapter:
    """A TLS adapter with a fresh self-signed certificate (the files live only while loading)."""
    cert, key = generate_adhoc_ssl_pair(cn="localhost")
    with tempfile.TemporaryDirectory(prefix="mock-avi-tls-") as tmp:
        cert_file, key_file = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        adapter = BuiltinSSLAdapter(str(cert_file), str(key_file))
    context: ssl.SSLContext = adapter.context
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return adapter


@dataclass
class RunningServer:
    url: str
    port: int
    app: flask.Flask
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.stop()
        self._thread.join(timeout=5)


def make_server(
    app: Any, host: str = "127.0.0.1", port: int = 0, *, tls: bool = False
) -> tuple[Any, int]:
    """A bound, prepared cheroot server for ``app`` (any WSGI callable) and its port."""
    server = _Server(
        (host, port),
        app,
        numthreads=THREADS,
        timeout=IDLE_TIMEOUT,
        request_queue_size=LISTEN_BACKLOG,
    )
    server.keep_alive_conn_limit = None  # type: ignore[assignment]  # keep all (default: 10)
    server.server_name = "mock-avi"
    if tls:
        server.ssl_adapter = _adhoc_tls()
    server.prepare()  # binds: the real port is known before anything is served
    return server, int(server.bind_addr[1])


def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    user: str = "admin",
    password: str = "admin",
    seed_file: Path | None = None,
    tls: bool = False,
    config: MockAviConfig | None = None,
) -> RunningServer:
    """Serve create_app(...) in a background thread (cheroot, keep-alive, HTTP or HTTPS)."""
    if config is None:
        config = MockAviConfig(user=user, password=password, seed_file=seed_file)
        wanted = os.environ.get(VERSION_ENV, "").strip()
        if wanted:
            version_tuple(wanted)  # ValueError for junk, before anything is served
            config.version = wanted
    app = create_app(config)
    server, bound = make_server(app, host, port, tls=tls)
    scheme = "https" if tls else "http"
    thread = threading.Thread(target=server.serve, name=f"mock-avi-{bound}", daemon=True)
    thread.start()
    return RunningServer(f"{scheme}://{host}:{bound}", bound, app, server, thread)
