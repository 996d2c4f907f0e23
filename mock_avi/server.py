"""Serving ``create_app(...)`` on a real socket in a background thread.

``start_server`` binds (port 0 = any free port), starts werkzeug's threaded server with HTTP/1.1
keep-alive and no per-request logging, and returns a ``RunningServer`` with the URL it got.
``--tls`` uses werkzeug's ad-hoc self-signed certificate. ``AKO_SIM_AVI_VERSION`` sets the
controller version reported and enforced (``/api/initial-data``, ``X-Avi-Version``).
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mock_avi.app import create_app
from mock_avi.catalog import version_tuple
from mock_avi.config import MockAviConfig

# The controller version to serve (``30.2.1`` by default), for ``ako-sim mock-avi`` and
# ``ako-sim up`` alike: ``AKO_SIM_AVI_VERSION=22.1.3 ako-sim up``.
VERSION_ENV = "AKO_SIM_AVI_VERSION"


class _QuietHandler(WSGIRequestHandler):
    """Keep-alive, no Nagle delay between header and body writes, no access log."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        return


@dataclass
class RunningServer:
    url: str
    port: int
    app: flask.Flask
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


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
    """Serve create_app(...) in a background thread (werkzeug make_server, threaded=True)."""
    if config is None:
        config = MockAviConfig(user=user, password=password, seed_file=seed_file)
        wanted = os.environ.get(VERSION_ENV, "").strip()
        if wanted:
            version_tuple(wanted)  # ValueError for junk, before anything is served
            config.version = wanted
    app = create_app(config)
    server = make_server(
        host,
        port,
        app,
        threaded=True,
        request_handler=_QuietHandler,
        ssl_context="adhoc" if tls else None,
    )
    server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer
    bound = server.socket.getsockname()[1]
    scheme = "https" if tls else "http"
    thread = threading.Thread(target=server.serve_forever, name=f"mock-avi-{bound}", daemon=True)
    thread.start()
    return RunningServer(f"{scheme}://{host}:{bound}", bound, app, server, thread)
