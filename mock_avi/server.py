"""Serving ``create_app(...)`` on a real socket in a background thread.

``start_server`` binds (port 0 = any free port) and serves the Flask app over HTTP/1.1 on an
asyncio loop in a background thread, through ``wsgi_loop``: keep-alive over HTTP and HTTPS
alike, no access log. Requests run inline on the server's event loop, except while a fault
rule is set (its ``delay_ms`` sleeps): then they run in a thread pool, so a delayed request
never holds up the others. werkzeug's development server, used before, answered every request with
``Connection: close``, so each call of a client (avisdk, AKO's Go SDK) paid a new TCP
connection and, over ``--tls``, a TLS handshake. ``--tls`` serves a self-signed certificate
made at start (werkzeug's ad-hoc pair; TLS 1.2 or newer). A path that starts with ``//`` is
served as if it started with one slash, as the controller's web server does (AKO's Go SDK
asks for ``//api/initial-data``). ``AKO_SIM_AVI_VERSION`` sets the controller version reported
and enforced (``/api/initial-data``, ``X-Avi-Version``). No request handling here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
from cryptography.hazmat.primitives import serialization
from werkzeug.serving import generate_adhoc_ssl_pair

from mock_avi.app import create_app
from mock_avi.backend import backend_of
from mock_avi.catalog import version_tuple
from mock_avi.config import MockAviConfig
from wsgi_loop import Handle, serve

# The controller version to serve (``30.2.1`` by default), for ``ako-sim mock-avi`` and
# ``ako-sim up`` alike: ``AKO_SIM_AVI_VERSION=22.1.3 ako-sim up``.
VERSION_ENV = "AKO_SIM_AVI_VERSION"

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


def merge_leading_slashes(path: str) -> str:
    """``//api/initial-data`` -> ``/api/initial-data``.

    AKO's Go SDK asks for ``//api/...`` (its prefix ends with a slash, its paths start with
    one); the controller's web server merges the slashes."""
    if path.startswith("//"):
        return "/" + path.lstrip("/")
    return path


def _merging_slashes(app: WSGIApp) -> WSGIApp:
    def merged(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("//"):
            environ["PATH_INFO"] = merge_leading_slashes(path)
        return app(environ, start_response)

    return merged


class _AdhocTLS:
    """A fresh self-signed certificate and its key, in a private directory that lives as long
    as the server (the server loads them from files)."""

    def __init__(self) -> None:
        cert, key = generate_adhoc_ssl_pair(cn="localhost")
        self._dir = tempfile.TemporaryDirectory(prefix="mock-avi-tls-")
        self.cert_file = Path(self._dir.name, "cert.pem")
        self.key_file = Path(self._dir.name, "key.pem")
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_file.touch(mode=0o600)
        self.key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )

    def cleanup(self) -> None:
        self._dir.cleanup()


class MockAviServer:
    """A served WSGI app and what it needs while it runs (its TLS files)."""

    def __init__(self, handle: Handle, tls: _AdhocTLS | None) -> None:
        self.handle = handle
        self._tls = tls

    def stop(self) -> None:
        self.handle.stop()
        if self._tls is not None:
            self._tls.cleanup()
            self._tls = None


@dataclass
class RunningServer:
    url: str
    port: int
    app: flask.Flask
    _server: MockAviServer = field(repr=False)

    def stop(self) -> None:
        self._server.stop()


def make_server(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    tls: bool = False,
    offload: Callable[[dict[str, Any]], bool] | None = None,
) -> tuple[MockAviServer, int]:
    """``app`` (any WSGI callable) served on ``host:port`` (keep-alive, HTTP or HTTPS, ``//``
    paths merged), and its bound port."""
    adhoc = _AdhocTLS() if tls else None
    try:
        handle = serve(
            _merging_slashes(app),
            host,
            port,
            tls=(adhoc.cert_file, adhoc.key_file) if adhoc else None,
            name="mock-avi",
            offload=offload,
        )
    except BaseException:
        if adhoc is not None:
            adhoc.cleanup()
        raise
    return MockAviServer(handle, adhoc), handle.port


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
    """Serve create_app(...) in a background thread (wsgi_loop, keep-alive, HTTP or HTTPS)."""
    if config is None:
        config = MockAviConfig(user=user, password=password, seed_file=seed_file)
        wanted = os.environ.get(VERSION_ENV, "").strip()
        if wanted:
            version_tuple(wanted)  # ValueError for junk, before anything is served
            config.version = wanted
    app = create_app(config)
    faults = backend_of(app).faults

    def offload(environ: dict[str, Any]) -> bool:
        return bool(faults.list())  # a rule may sleep (delay_ms): keep the loop free

    server, bound = make_server(app, host, port, tls=tls, offload=offload)
    scheme = "https" if tls else "http"
    return RunningServer(f"{scheme}://{host}:{bound}", bound, app, server)
