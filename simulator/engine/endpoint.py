"""The engine's HTTP endpoint: ``/healthz``, ``/readyz``, ``/metrics``, ``/debug/state``, ``/``.

A plain werkzeug WSGI app (``create_app``) served from a background thread by
:class:`EndpointServer` (port 0 = any free port; the bound port is reported). It only reads the
engine's state through the :class:`EngineView` protocol (both engines, ``simulator.engines``,
implement it); the one write is ``POST /debug/resync`` (re-list the controller now, e.g. after a
snapshot was loaded). The dashboard (``/``, its assets and ``/api/view``) comes from
``simulator.dashboard.routes`` and reads the engine through its own protocol, which
:class:`EngineView` extends.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from simulator.dashboard.data import EngineLike
from simulator.dashboard.routes import DashboardRoutes

log = logging.getLogger("ako_sim.endpoint")


class EngineView(EngineLike, Protocol):
    """What the endpoint reads from the engine (and what the dashboard reads)."""

    @property
    def registry(self) -> CollectorRegistry: ...

    def healthy(self) -> bool: ...

    def ready(self) -> bool: ...

    def state(self) -> dict[str, Any]: ...

    def resync_now(self) -> set[str]: ...


def create_app(engine: EngineView) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """The WSGI app serving one engine's endpoint."""

    dashboard = DashboardRoutes(engine)

    def route(request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path == "/debug/resync" and request.method == "POST":
            changed = sorted(str(k) for k in engine.resync_now())
            return Response(json.dumps({"changed": changed}) + "\n", mimetype="application/json")
        page = dashboard.handle(request)
        if page is not None:
            return page
        if path == "/healthz":
            ok = engine.healthy()
            return Response(
                "ok\n" if ok else "unhealthy\n", status=200 if ok else 503, mimetype="text/plain"
            )
        if path == "/readyz":
            ok = engine.ready()
            return Response(
                "ok\n" if ok else "not ready\n", status=200 if ok else 503, mimetype="text/plain"
            )
        if path == "/metrics":
            return Response(
                generate_latest(engine.registry), mimetype=None, content_type=CONTENT_TYPE_LATEST
            )
        if path == "/debug/state":
            body = json.dumps(engine.state(), indent=2, sort_keys=True, default=str)
            return Response(body + "\n", mimetype="application/json")
        return Response("not found\n", status=404, mimetype="text/plain")

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = route(request)
        except Exception:
            log.exception("endpoint error on %s", request.path)
            response = Response("internal error\n", status=500, mimetype="text/plain")
        result: Iterable[bytes] = response(environ, start_response)
        return result

    return app


class _QuietHandler(WSGIRequestHandler):
    """No access log lines (tests and scripts poll /debug/state often)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class EndpointServer:
    """Serves :func:`create_app` on a daemon thread."""

    def __init__(self, engine: EngineView, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server(
            host, port, create_app(engine), threaded=True, request_handler=_QuietHandler
        )
        self.host = host
        self.port = int(self._server.server_port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="engine-endpoint",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
