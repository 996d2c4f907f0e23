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

from werkzeug.exceptions import ClientDisconnected
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


def _plain(resp: Response, headers: list[tuple[str, str]], environ: dict[str, Any]) -> bool:
    """Is ``resp`` (whose ``headers`` are given as a list) a buffered body whose headers werkzeug
    would send unchanged (a length set, no Location to make absolute, a status and method that
    keep the body)? The names are read in one pass (``in`` on werkzeug's Headers lowercased and
    compared every name of the list, three times)."""
    status = resp.status_code
    if (
        resp.direct_passthrough
        or not isinstance(resp.response, list)
        or status < 200
        or status in (204, 304)
        or environ.get("REQUEST_METHOD") == "HEAD"
        or not all(type(chunk) is bytes for chunk in resp.response)
    ):
        return False
    names = {name.lower() for name, _ in headers}
    return "content-length" in names and "location" not in names and "content-location" not in names


class KubeRequest(Request):
    """werkzeug's Request, reading a body of a given Content-Length with one read of
    ``wsgi.input`` (werkzeug wraps the stream in a LimitedStream and reads it in a loop: a tenth
    of a small write's handling). The same bytes, cached where werkzeug caches them; a body
    that ends before its length is werkzeug's ClientDisconnected, as a LimitedStream raises it.
    Anything else (a server-terminated or chunked stream, a size limit, a stream already
    opened, text or form parsing) goes to werkzeug."""

    def get_data(  # type: ignore[override]
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> bytes | str:
        env = self.environ
        length = env.get("CONTENT_LENGTH")
        if (
            cache
            and not as_text
            and not parse_form_data
            and "_cached_data" not in self.__dict__
            and "stream" not in self.__dict__
            and self.max_content_length is None
            and isinstance(length, str)
            and length.isascii()
            and length.isdigit()
            and "wsgi.input_terminated" not in env
            and "HTTP_TRANSFER_ENCODING" not in env
        ):
            size = int(length)
            stream = env["wsgi.input"]
            data: bytes = stream.read(size) if size else b""
            while len(data) < size:  # a stream may return less than asked for, then the rest
                more = stream.read(size - len(data))
                if not more:
                    raise ClientDisconnected()
                data += more
            self._cached_data = data
            return data
        return super().get_data(cache, as_text, parse_form_data)  # type: ignore[call-overload,no-any-return]


@dataclass
class K8sApp:
    """A WSGI callable serving the Kubernetes API and ``/__mock__/``."""

    api: Api
    routes: KubeRoutes
    control: Control
    faults: Faults
    journal: Journal

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        req = KubeRequest(environ)
        resp = self.handle(req)
        headers = resp.headers.to_wsgi_list()
        if _plain(resp, headers, environ):
            # what werkzeug's Response.__call__ would send, without its per-response header copy
            # and iterator wrappers (a body already in bytes, nothing to correct)
            start_response(resp.status, headers)
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
