"""Running mock_k8s on a loopback port in a background thread, and writing a kubeconfig.

``start_server`` binds (port 0 = any free port) and serves the app over HTTP/1.1 on an asyncio
loop in a background thread, through ``wsgi_loop``: keep-alive (client-go, kubectl and the
kubernetes client reuse their connections), no access log. Plain requests run inline on the
server's event loop, and so are watches: they are push streams (``wsgi_loop.Push``) that the
store's writes wake, served on the loop with no thread per watch. Those that may block run in
a thread pool: requests while a fault rule (``delay_ms``) is set, and reads at a
resourceVersion the store has not reached (the server waits for it; a watch does not). Its
handle's ``stop()`` ends open watches and the server. No request handling here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml

from mock_k8s.app import K8sApp, create_app
from wsgi_loop import Handle, serve


def may_block(app: K8sApp) -> Callable[[dict[str, Any]], bool]:
    """``offload(environ)`` for wsgi_loop: True for the requests that may wait."""
    store = app.api.store
    faults = app.faults

    def offload(environ: dict[str, Any]) -> bool:
        query = environ.get("QUERY_STRING", "")
        if "resourceVersion=" in query and not _is_watch(query):
            for name, value in parse_qsl(query):
                if name == "resourceVersion" and value.isdigit() and int(value) > store.rv:
                    return True
        return bool(faults.list())

    return offload


def _is_watch(query: str) -> bool:
    """A watch request (``watch=true``/``1``/``yes``, as the routes read it)."""
    if "watch=" not in query:
        return False
    for name, value in parse_qsl(query):
        if name == "watch":
            return value.strip().lower() in ("true", "1", "yes")
    return False


@dataclass
class RunningServer:
    url: str  # "http://127.0.0.1:<port>"
    port: int
    app: K8sApp
    _server: Handle = field(repr=False)

    def stop(self) -> None:
        self.app.api.store.drop_watches("server stopping")
        self._server.stop()


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
    server = serve(app, host, port, name="mock-k8s", offload=may_block(app))
    app.routes.server_address = f"{host}:{server.port}"
    return RunningServer(server.url, server.port, app, server)


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
