"""Running mock_k8s on a loopback port in a background thread, and writing a kubeconfig.

``start_server`` binds (port 0 = any free port), serves with one thread per request (watches
are long-lived streams) and returns a handle whose ``stop()`` ends open watches and the server.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn

import yaml
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mock_k8s.app import K8sApp, create_app


class _QuietHandler(WSGIRequestHandler):
    """No access log lines on stderr (the control API has a journal)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class RunningServer:
    url: str  # "http://127.0.0.1:<port>"
    port: int
    app: K8sApp
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self.app.api.store.drop_watches("server stopping")
        self._server.shutdown()
        self._server.server_close()
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
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    if isinstance(server, ThreadingMixIn):
        server.daemon_threads = True  # an open watch never keeps the process alive
    real_port = server.socket.getsockname()[1]
    app.routes.server_address = f"{host}:{real_port}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="mock-k8s", daemon=True
    )
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
