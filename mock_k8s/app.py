"""The WSGI application factory of mock_k8s: wires API, controllers, control API and faults.

``create_app`` builds a fresh, seeded server state; nothing happens at import time.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from mock_k8s import discovery, errors
from mock_k8s.apiserver import Api, ClusterSettings
from mock_k8s.control import Control
from mock_k8s.controllers.endpointslices import EndpointSliceController
from mock_k8s.controllers.namespaces import NamespaceController
from mock_k8s.controllers.timers import Clock, WorkloadSettings
from mock_k8s.controllers.workloads import WorkloadControllers
from mock_k8s.faults import Faults, fault_body
from mock_k8s.journal import Journal
from mock_k8s.routes import KubeRoutes, error_response, json_response
from mock_k8s.seed import seed

log = logging.getLogger(__name__)
K8S_VERSION_ENV = "AKO_SIM_K8S_VERSION"


def _plain(resp: Response, environ: dict[str, Any]) -> bool:
    """Is ``resp`` a buffered body whose headers werkzeug would send unchanged (a length set,
    no Location to make absolute, a status and method that keep the body)?"""
    status = resp.status_code
    headers = resp.headers
    return (
        not resp.direct_passthrough
        and isinstance(resp.response, list)
        and all(type(chunk) is bytes for chunk in resp.response)
        and status >= 200
        and status not in (204, 304)
        and environ.get("REQUEST_METHOD") != "HEAD"
        and "Content-Length" in headers
        and "Location" not in headers
        and "Content-Location" not in headers
    )


@dataclass
class K8sApp:
    """A WSGI callable serving the Kubernetes API and ``/__mock__/``."""

    api: Api
    routes: KubeRoutes
    control: Control
    faults: Faults
    journal: Journal

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        req = Request(environ)
        resp = self.handle(req)
        if _plain(resp, environ):
            # what werkzeug's Response.__call__ would send, without its per-response header copy
            # and iterator wrappers (a body already in bytes, nothing to correct)
            start_response(resp.status, resp.headers.to_wsgi_list())
            return resp.response  # type: ignore[return-value]
        return resp(environ, start_response)

    def handle(self, req: Request) -> Response:
        if req.path.startswith("/__mock__"):
            try:
                return self.control.handle(req)
            except errors.ApiError as err:
                return error_response(err)
        hit = self.faults.match(req.method, req.path)
        resp: Response
        if hit is not None and hit.delay_s > 0:
            time.sleep(hit.delay_s)  # an injected latency is the point of the rule
        if hit is not None and hit.status is not None:
            resp = json_response(fault_body(hit), hit.status)
        else:
            try:
                resp = self.routes.dispatch(req)
            except errors.ApiError as err:
                resp = error_response(err)
            except Exception as exc:  # bad input must never escape as a crash page
                log.exception("internal error on %s %s", req.method, req.path)
                resp = error_response(
                    errors.ApiError(500, "InternalError", f"Internal error occurred: {exc}")
                )
        self.journal.record(req.method, req.path, req.query_string.decode(), resp.status_code)
        return resp


def create_app(
    seed_value: int = 0,
    *,
    install_ako_crds: bool = True,
    history_limit: int = 50_000,
    server_address: str = "127.0.0.1:0",
    k8s_version: str | None = None,
    kubernetes_service: bool = False,
    workloads: WorkloadSettings | None = None,
    clock: Clock | None = None,
) -> K8sApp:
    api = Api(seed=seed_value, history_limit=history_limit)
    # ``ako-sim up --k8s-version`` reaches the embedded server through the environment
    version = k8s_version or os.environ.get(K8S_VERSION_ENV) or discovery.DEFAULT_K8S_VERSION
    api.cluster = ClusterSettings(discovery.version_info(version), kubernetes_service)
    api.store.listeners.append(api.record)
    api.add_controller(NamespaceController(api))
    api.add_controller(EndpointSliceController(api))
    api.workloads = WorkloadControllers(api, workloads, clock)
    api.workloads.install()
    seed(api, install_ako_crds)
    api.store.compact()
    faults, journal = Faults(), Journal()
    return K8sApp(
        api=api,
        routes=KubeRoutes(api, server_address),
        control=Control(api, faults, journal, install_ako_crds),
        faults=faults,
        journal=journal,
    )
