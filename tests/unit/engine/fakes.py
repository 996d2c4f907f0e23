"""Fakes for the engine's unit tests: a recording Avi adapter and a recording Kubernetes adapter.

``FakeAvi`` answers like a controller (uuid, url refs with ``#name``, a VIP allocated from
100.64.196.61 upwards, 409 on a duplicate name) and records every call. ``FakeKube`` applies
merge patches to Services it holds, bumps resourceVersions and records every write. Failures are
injected per (method, type) with ``fail_next``.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from typing import Any

from simulator.adapters.avi import AviError, Conflict, NotFound
from simulator.adapters.kube import KubeError, ListResult, Resource
from tests.support import builders

Call = tuple[str, str, str]  # (method, type, name)


def _to_url(value: Any, names_to_uuid: dict[tuple[str, str], str]) -> Any:
    if isinstance(value, str) and value.startswith("/api/") and "?name=" in value:
        obj_type = value[len("/api/") :].split("?")[0].strip("/")
        name = value.split("?name=", 1)[1]
        uuid = names_to_uuid.get((obj_type, name), f"{obj_type}-seed")
        return f"https://ctrl/api/{obj_type}/{uuid}#{name}"
    if isinstance(value, Mapping):
        return {k: _to_url(v, names_to_uuid) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_url(v, names_to_uuid) for v in value]
    return value


class FakeAvi:
    """A recording stand-in for :class:`simulator.adapters.avi.AviSdkClient`."""

    def __init__(self, tier: str = "ENTERPRISE") -> None:
        self.tier = tier
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.failures: dict[tuple[str, str], list[AviError]] = {}
        self.existing_names: dict[str, set[str]] = {}  # type -> names that exist (lookups)
        self._ids = itertools.count(1)
        self._ips = (f"100.64.196.{n}" for n in itertools.count(61))
        self._uuids: dict[tuple[str, str], str] = {}

    # -- test helpers ---------------------------------------------------------------------------
    def fail_next(self, method: str, obj_type: str, error: AviError, times: int = 1) -> None:
        self.failures.setdefault((method, obj_type), []).extend([error] * times)

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c[0] in ("POST", "PUT", "DELETE")]

    def _maybe_fail(self, method: str, obj_type: str) -> None:
        queue = self.failures.get((method, obj_type))
        if queue:
            raise queue.pop(0)

    def _store(self, obj_type: str, payload: Mapping[str, Any], uuid: str) -> dict[str, Any]:
        obj = _to_url(copy.deepcopy(dict(payload)), self._uuids)
        obj["uuid"] = uuid
        obj["url"] = f"https://ctrl/api/{obj_type}/{uuid}#{payload['name']}"
        obj["_last_modified"] = str(next(self._ids))
        obj.setdefault("tenant_ref", "https://ctrl/api/tenant/admin#admin")
        if obj_type == "vsvip":
            vip = obj["vip"][0]
            if "ip_address" not in vip:
                vip["ip_address"] = {"addr": next(self._ips), "type": "V4"}
        if obj_type == "pool":
            obj.setdefault("lb_algorithm", "LB_ALGORITHM_LEAST_CONNECTIONS")
        self.objects[(obj_type, str(payload["name"]))] = obj
        self._uuids[(obj_type, str(payload["name"]))] = uuid
        return copy.deepcopy(obj)

    # -- AviApi ---------------------------------------------------------------------------------
    def license_tier(self) -> str:
        self.calls.append(("GET", "systemconfiguration", ""))
        return self.tier

    def list_owned(self, obj_type: str) -> list[dict[str, Any]]:
        self.calls.append(("GET", obj_type, "*"))
        return [copy.deepcopy(o) for (t, _), o in sorted(self.objects.items()) if t == obj_type]

    def get(self, obj_type: str, uuid: str) -> dict[str, Any]:
        self.calls.append(("GET", obj_type, uuid))
        for (t, _), obj in self.objects.items():
            if t == obj_type and obj["uuid"] == uuid:
                return copy.deepcopy(obj)
        raise NotFound(f"{obj_type} not found", status=404)

    def get_by_name(self, obj_type: str, name: str) -> dict[str, Any] | None:
        self.calls.append(("GET", obj_type, name))
        self._maybe_fail("GET", obj_type)
        obj = self.objects.get((obj_type, name))
        if obj is not None:
            return copy.deepcopy(obj)
        if name in self.existing_names.get(obj_type, set()):
            return {"name": name, "uuid": f"{obj_type}-x"}
        return None

    def create(self, obj_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        name = str(payload["name"])
        self.calls.append(("POST", obj_type, name))
        self._maybe_fail("POST", obj_type)
        if (obj_type, name) in self.objects:
            raise Conflict(f"{obj_type} {name} already exists", status=409)
        return self._store(obj_type, payload, f"{obj_type}-{next(self._ids)}")

    def update(self, obj_type: str, uuid: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        name = str(payload["name"])
        self.calls.append(("PUT", obj_type, name))
        self._maybe_fail("PUT", obj_type)
        old = self.objects.get((obj_type, name))
        if old is None or old["uuid"] != uuid:
            raise NotFound(f"{obj_type} not found", status=404)
        if obj_type == "vsvip":
            payload = copy.deepcopy(dict(payload))
            payload["vip"][0].setdefault("ip_address", old["vip"][0]["ip_address"])
        return self._store(obj_type, payload, uuid)

    def delete(self, obj_type: str, uuid: str) -> None:
        for (t, name), obj in list(self.objects.items()):
            if t == obj_type and obj["uuid"] == uuid:
                self.calls.append(("DELETE", obj_type, name))
                self._maybe_fail("DELETE", obj_type)
                del self.objects[(t, name)]
                return
        self.calls.append(("DELETE", obj_type, uuid))
        raise NotFound(f"{obj_type} not found", status=404)


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
