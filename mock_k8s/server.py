"""Running mock_k8s on a loopback port in a background thread, and writing a kubeconfig.

``start_server`` binds (port 0 = any free port) and serves with cheroot's threaded WSGI server:
HTTP/1.1 keep-alive (client-go, kubectl and the kubernetes client reuse their connections; idle
ones wait in cheroot's selector, not in a worker thread), TCP_NODELAY, no access log. A watch is
a long-lived stream that holds a worker thread: the pool grows when a watch leaves few idle
workers, so watches never starve plain requests. Its handle's ``stop()`` ends open watches and
the server. werkzeug's development server, used before, answered with HTTP/1.0 and a new thread
per connection (each request paid a TCP connection and a thread start: about 3/4 of a GET's CPU).
No request handling here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cheroot import wsgi

from mock_k8s.app import K8sApp, create_app

# Worker threads at start: requests in progress at once, open watches included.
THREADS = 64
# A watch that leaves fewer idle workers than this grows the pool by GROW_BY (in the background).
RESERVE = 16
GROW_BY = 32
# Connections waiting to be accepted (cheroot's default, 5, drops the SYNs of a burst of clients)
BACKLOG = 128
# How long cheroot keeps an idle keep-alive connection (and waits on a half-sent request).
IDLE_TIMEOUT = 75

log = logging.getLogger("mock_k8s.server")


class _Gateway(wsgi.Gateway_10):
    """cheroot's WSGI 1.0 gateway, except that an empty chunk sends the headers at once: a watch
    yields ``b""`` first so that its client sees the watch open before any event."""

    def respond(self) -> None:
        response = self.req.server.wsgi_app(self.env, self.start_response)
        try:
            for chunk in response:
                if chunk:
                    self.write(chunk)
                elif self.started_response:
                    self.req.ensure_headers_sent()
        finally:
            self.req.ensure_headers_sent()
            if hasattr(response, "close"):
                response.close()


class _Server(wsgi.Server):
    """cheroot's WSGI server with its error log sent to ``logging`` (debug: a client that drops
    its connection is no server error)."""

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        log.log(logging.DEBUG if level < logging.ERROR else level, "%s", msg, exc_info=traceback)


class _Pool:
    """Grows cheroot's worker pool when watches hold most of it (cheroot never grows it)."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._growing = threading.Lock()

    def wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            if "watch=" in environ.get("QUERY_STRING", ""):
                self.reserve()
            return app(environ, start_response)

        return serve

    def reserve(self) -> None:
        pool = self._server.requests
        if pool.idle < RESERVE and self._growing.acquire(blocking=False):
            threading.Thread(target=self._grow, name="mock-k8s-grow", daemon=True).start()

    def _grow(self) -> None:
        try:
            if self._server.ready:
                self._server.requests.grow(GROW_BY)
        finally:
            self._growing.release()


@dataclass
class RunningServer:
    url: str  # "http://127.0.0.1:<port>"
    port: int
    app: K8sApp
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self.app.api.store.drop_watches("server stopping")
        self._server.stop()
        self._thread.join(timeout=5)


def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: int = 0,
    install_ako_crds: bool = True,
    k8s_version: str | None = None,
    kubernetes_service: bool = False,
) -> RunningServer:
    app = create_app(
        seed,
        install_ako_crds=install_ako_crds,
        k8s_version=k8s_version,
        kubernetes_service=kubernetes_service,
    )
    server = _Server(
        (host, port), None, numthreads=THREADS, timeout=IDLE_TIMEOUT, request_queue_size=BACKLOG
    )
    server.wsgi_app = _Pool(server).wrap(app)
    server.gateway = _Gateway
    server.keep_alive_conn_limit = None  # type: ignore[assignment]  # every client keeps its connections
    server.shutdown_timeout = 5
    server.server_name = "mock-k8s"
    server.prepare()  # binds: the real port is known before anything is served
    real_port = int(server.bind_addr[1])
    app.routes.server_address = f"{host}:{real_port}"
    thread = threading.Thread(target=server.serve, name=f"mock-k8s-{real_port}", daemon=True)
    thread.start()
    return RunningServer(f"http://{host}:{real_port}", real_port, app, server, thread)


def write_kubeconfig(path: Path, server_url: str, *, context: str = "ako-sim") -> None:
    """A kubeconfig (cluster, user with a token, context, current-context) usable by kubectl and
    kubernetes.config.load_kube_config."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server_url}}],
        "users": [{"name": context, "user": {"token": "ako-sim-token"}}],
        "contexts": [
            {
                "name": context,
                "context": {"cluster": context, "user": context, "namespace": "default"},
            }
        ],
        "current-context": context,
        "preferences": {},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
