"""Fakes for the engine's unit tests: the recording Kubernetes adapter (``FakeKube``), the
Service builder with this suite's defaults, and (re-exported) the one fake Avi controller,
``tests.support.fake_avi.FakeAvi``. ``FakeKube`` applies merge patches to Services it holds,
bumps resourceVersions and records every write.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from simulator.adapters.kube import KubeError, ListResult, Resource
from tests.support import builders
from tests.support.fake_avi import FakeAvi

__all__ = ["FakeAvi", "FakeKube", "merge_patch", "service"]

Call = tuple[str, str, str]  # (method, type, name)


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


class FakeKube:
    """A recording stand-in for :class:`simulator.adapters.kube.KubeClient` (writes only)."""

    def __init__(self) -> None:
        self.services: dict[str, dict[str, Any]] = {}
        self.writes: list[tuple[str, str, Any]] = []  # (kind, target, body)
        self.events: list[dict[str, Any]] = []
        self.rv = 100
        self.fail_status: KubeError | None = None

    def add_service(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.rv += 1
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self.services[f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"] = obj
        return obj

    def list_objects(self, resource: Resource) -> ListResult:
        return ListResult([], str(self.rv))

    def server_resource_version(self) -> str:
        return str(self.rv)

    def patch_service_status(
        self, namespace: str, name: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        if self.fail_status is not None:
            raise self.fail_status
        self.writes.append(("status", f"{namespace}/{name}", copy.deepcopy(dict(body))))
        current = self.services.get(f"{namespace}/{name}")
        if current is None:
            raise KubeError("not found", status=404)
        updated = merge_patch(current, body)
        self.rv += 1
        updated["metadata"] = dict(updated["metadata"], resourceVersion=str(self.rv))
        self.services[f"{namespace}/{name}"] = updated
        return copy.deepcopy(updated)

    def list_events(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.events)

    def create_event(self, namespace: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self.writes.append(("event", f"{namespace}/{body['involvedObject']['name']}", dict(body)))
        self.events.append(copy.deepcopy(dict(body)))
        return dict(body)

    def patch_event(self, namespace: str, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self.writes.append(("event_patch", f"{namespace}/{name}", dict(body)))
        for event in self.events:
            if event["metadata"]["name"] == name:
                event.update(body)
                return dict(event)
        raise KubeError("not found", status=404)

    def patch_custom_status(
        self, resource: Resource, namespace: str | None, name: str, status: Mapping[str, Any]
    ) -> dict[str, Any]:
        self.writes.append(("crd_status", f"{namespace or ''}/{name}", dict(status)))
        return {}

    def reasons(self) -> list[tuple[str, str, str]]:
        """(service, type, reason) of every recorded event, in order."""
        return [(e["involvedObject"]["name"], e["type"], e["reason"]) for e in self.events]


def service(
    name: str,
    *,
    key: str | None = None,
    ns: str = "default",
    port: int = 80,
    protocol: str = "TCP",
    lb_ip: str | None = None,
    ip_annotation: str | None = None,
    type_: str = "LoadBalancer",
    created: str = "2024-01-01T00:00:00Z",
    uid: str | None = None,
) -> dict[str, Any]:
    """A Service as the API server returns it (``tests.support.builders``): one port to
    targetPort 8080 / nodePort 31000, the avi-server selector, generation 1, empty status."""
    return builders.service(
        name,
        ns=ns,
        key=key,
        ports=((port, protocol, 8080, 31000),),
        type_=type_,
        lb_ip=lb_ip,
        ip_annotation=ip_annotation,
        selector={"app": "avi-server"},
        created=created,
        uid=uid or f"uid-{name}",
        generation=1,
        status={"loadBalancer": {}},
    )
