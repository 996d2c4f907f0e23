"""Where the CLI views read from: a running engine's ``/api/view/raw``, or the APIs directly.

:class:`EngineSource` asks the engine (one request; what the dashboard shows).
:class:`DirectSource` reads Services from the API server named by a kubeconfig and, for the
topology, the objects this cluster owns from the Avi controller, as the engine would. Both
return :class:`Inputs` for the pure builders of ``simulator.views``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import requests

from simulator.views.services import parse_time

AVI_TYPES = ("virtualservice", "vsvip", "l4policyset", "pool")
INVENTORY_TYPES = ("virtualservice-inventory", "pool-inventory")


class SourceError(Exception):
    """A source that cannot be read; the message says which and why."""


@dataclass
class Inputs:
    cluster: str
    now: datetime
    services: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)
    avi: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Source(Protocol):
    def read(self, *, avi: bool) -> Inputs: ...


@dataclass(frozen=True)
class EngineSource:
    url: str
    timeout: float = 10.0

    def read(self, *, avi: bool) -> Inputs:
        address = self.url.rstrip("/") + "/api/view/raw"
        try:
            response = requests.get(address, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SourceError(f"cannot reach the engine at {self.url}: {exc}") from None
        if response.status_code != 200:
            raise SourceError(f"GET {address}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise SourceError(f"GET {address}: not JSON (is it an ako-sim engine?)") from None
        now = parse_time(body.get("now")) or datetime.now(UTC)
        return Inputs(
            cluster=str(body.get("cluster") or "cluster"),
            now=now,
            services=list(body.get("services") or []),
            events=list(body.get("events") or []),
            avi={t: list(v) for t, v in (body.get("avi") or {}).items()},
        )


@dataclass(frozen=True)
class DirectSource:
    kubeconfig: str
    avi_controller: str | None = None
    avi_user: str = "admin"
    avi_password: str = "admin"
    cluster: str = "cluster"

    def read(self, *, avi: bool) -> Inputs:
        from simulator.adapters.kube import SERVICES, KubeClient, KubeError

        try:
            kube = KubeClient(self.kubeconfig)
        except Exception as exc:
            raise SourceError(f"cannot use kubeconfig {self.kubeconfig}: {exc}") from None
        try:
            services = kube.list_objects(SERVICES).items
            events = kube.list_events() if avi else []
        except KubeError as exc:
            raise SourceError(f"the API server answered: {exc}") from None
        finally:
            kube.close()
        objects: dict[str, list[dict[str, Any]]] = {}
        if avi:
            objects = self._avi_objects()
        return Inputs(self.cluster, datetime.now(UTC), services, events, objects)

    def _avi_objects(self) -> dict[str, list[dict[str, Any]]]:
        from simulator.adapters.avi import AviError, AviSdkClient

        if not self.avi_controller:
            raise SourceError("reading the controller directly needs --avi-controller")
        client = AviSdkClient(
            self.avi_controller,
            self.avi_user,
            self.avi_password,
            created_by=f"ako-{self.cluster}",
            name_prefix=f"{self.cluster}--",
        )
        try:
            found = {t: client.list_owned(t) for t in AVI_TYPES}
            for inventory in INVENTORY_TYPES:  # health, as the dashboard reads it
                params = {"page_size": 200, "include": "runtime,health_score"}
                found[inventory] = list(client.iter_list(inventory, params))
            return found
        except AviError as exc:
            raise SourceError(f"the controller answered: {exc.message}") from None
        finally:
            client.close()
