"""Builders for raw Kubernetes objects and a fake Avi controller for the domain's unit tests.

``FakeController`` applies ``Operation``s the way the mock controller answers them: refs stored
as ``https://ctrl/api/<type>/<uuid>#<name>``, controller defaults added, a VIP allocated from
100.64.196.61 upwards, and it refuses what the real controller refuses (a dangling ref, deleting a
referenced object, moving a VsVip's address), so an unsafe plan fails loudly.
"""

from __future__ import annotations

import copy
import ipaddress
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from simulator.domain.model import (
    Key,
    ObservedState,
    Operation,
    ServiceView,
    Settings,
)
from simulator.domain.observed import normalise_ref, owned_key
from tests.support import builders

Port = tuple[str, int, str] | tuple[str, int, str, int | str] | tuple[str, int, str, int | str, int]


def service(
    name: str,
    *,
    ns: str = "default",
    key: str | None = None,
    type_: str = "LoadBalancer",
    ports: Sequence[Port] = (("", 80, "TCP"),),
    ts: str = "2024-01-01T00:00:00Z",
    lb_ip: str | None = None,
    ip_annotation: str | None = None,
    lb_class: str | None = None,
    infra: str | None = None,
    l4rule: str | None = None,
    deleting: bool = False,
    etp: str | None = None,
) -> dict[str, Any]:
    """A Service (``tests.support.builders``) with this suite's defaults: ports as
    ``(name, port, protocol[, targetPort[, nodePort]])``, targetPort = port when not given."""
    return builders.service(
        name,
        ns=ns,
        key=key,
        ports=[(p[1], p[2], p[3] if len(p) > 3 else p[1], *p[4:]) for p in ports],  # type: ignore[misc]
        port_names=[p[0] for p in ports],
        type_=type_,
        lb_ip=lb_ip,
        ip_annotation=ip_annotation,
        lb_class=lb_class,
        infra=infra,
        l4rule=l4rule,
        etp=etp,
        created=ts,
        uid=f"uid-{ns}-{name}",
        deleting="2024-06-01T00:00:00Z" if deleting else None,
    )


def sv(name: str, **kwargs: Any) -> ServiceView:
    return ServiceView.from_k8s(service(name, **kwargs))


def ts(n: int) -> str:
    """A creationTimestamp n minutes after a fixed origin."""
    return f"2024-01-01T00:{n:02d}:00Z"


def slice_(
    svc: str,
    endpoints: Iterable[tuple[str, bool] | tuple[str, bool, str]],
    *,
    ns: str = "default",
    name: str | None = None,
    ports: Sequence[tuple[str, int, str]] = (("", 8080, "TCP"),),
) -> dict[str, Any]:
    eps = []
    for e in endpoints:
        item: dict[str, Any] = {"addresses": [e[0]], "conditions": {"ready": e[1]}}
        if len(e) > 2:
            item["nodeName"] = e[2]
        eps.append(item)
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name or f"{svc}-abcde",
            "namespace": ns,
            "labels": {"kubernetes.io/service-name": svc},
        },
        "addressType": "IPv4",
        "ports": [{"name": n, "port": p, "protocol": pr} for n, p, pr in ports],
        "endpoints": eps,
    }


def node(name: str, ip: str | None) -> dict[str, Any]:
    addresses = [{"type": "Hostname", "address": name}]
    if ip is not None:
        addresses.append({"type": "InternalIP", "address": ip})
    return {"metadata": {"name": name}, "status": {"addresses": addresses}}


class ControllerError(Exception):
    """What the real controller would answer with a 4xx."""


_SYSTEM_DEFAULTS: dict[str, dict[str, Any]] = {
    "virtualservice": {
        "enabled": True,
        "traffic_enabled": True,
        "weight": 1,
        "flow_dist": "LOAD_AWARE",
        "analytics_profile_ref": "https://ctrl/api/analyticsprofile/ap-1#System-Analytics-Profile",
        "type": "VS_TYPE_NORMAL",
    },
    "pool": {
        "lb_algorithm": "LB_ALGORITHM_LEAST_CONNECTIONS",
        "enabled": True,
        "default_server_port": 80,
        "graceful_disable_timeout": 1,
        "inline_health_monitor": True,
    },
    "vsvip": {},
    "l4policyset": {"is_internal_policy": False},
}


class FakeController:
    """An in-memory controller that stores what a GET with include_name would return."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._next_ip = int(ipaddress.ip_address("100.64.196.61"))
        self.calls: list[tuple[str, str, str]] = []

    # refs -------------------------------------------------------------------------------
    def _url_ref(self, value: str) -> str:
        norm = normalise_ref(value)
        if not isinstance(norm, tuple):
            return value
        avi_type, name = norm
        if avi_type in ("pool", "vsvip", "l4policyset", "virtualservice"):
            target = self.objects.get((avi_type, name))
            if target is None:
                raise ControllerError(f"{avi_type} object not found: {name}")
            return str(target["url"])
        return f"https://ctrl/api/{avi_type}/{avi_type}-sys#{name}"

    def _resolve(self, value: Any, key: str = "") -> Any:
        if isinstance(value, Mapping):
            return {k: self._resolve(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, key) for v in value]
        if isinstance(value, str) and (key.endswith("_ref") or key.endswith("_refs")):
            return self._url_ref(value)
        return value

    def _refs_of(self, obj: Any) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        if isinstance(obj, Mapping):
            for k, v in obj.items():
                if k.endswith("_ref") and isinstance(v, str):
                    norm = normalise_ref(v)
                    if isinstance(norm, tuple):
                        found.add(norm)
                else:
                    found |= self._refs_of(v)
        elif isinstance(obj, list):
            for v in obj:
                found |= self._refs_of(v)
        return found

    # writes -----------------------------------------------------------------------------
    def _store(self, avi_type: str, payload: Mapping[str, Any], uuid: str) -> dict[str, Any]:
        name = str(payload["name"])
        obj = copy.deepcopy(_SYSTEM_DEFAULTS[avi_type])
        obj.update(self._resolve(copy.deepcopy(dict(payload))))
        obj["uuid"] = uuid
        obj["url"] = f"https://ctrl/api/{avi_type}/{uuid}#{name}"
        obj["_last_modified"] = str(next(self._ids) * 1000)
        obj.setdefault("tenant_ref", "https://ctrl/api/tenant/admin#admin")
        if avi_type == "virtualservice":
            for entry in obj.get("services", []):
                entry.setdefault("port_range_end", entry["port"])
                entry.setdefault("enable_ssl", False)
        if avi_type == "pool":
            for server in obj.get("servers", []):
                server.setdefault("enabled", True)
                server.setdefault("ratio", 1)
                server.setdefault("hostname", server["ip"]["addr"])
        return obj

    def _vip(self, obj: dict[str, Any], previous: Mapping[str, Any] | None) -> None:
        vip = obj["vip"][0]
        old = previous["vip"][0]["ip_address"]["addr"] if previous else None
        if "ip_address" in vip:
            addr = vip["ip_address"]["addr"]
            if old is not None and addr != old:
                raise ControllerError("If a new preferred IP is needed, please recreate the VIP")
            held = {
                o["vip"][0]["ip_address"]["addr"]
                for (t, n), o in self.objects.items()
                if t == "vsvip" and n != obj["name"]
            }
            if addr in held:
                raise ControllerError(f"IP {addr} is in use")
        elif old is not None:
            vip["ip_address"] = {"addr": old, "type": "V4"}
        else:
            vip["ip_address"] = {"addr": str(ipaddress.ip_address(self._next_ip)), "type": "V4"}
            self._next_ip += 1
        vip.setdefault("enabled", True)
        vip["ipam_network_subnet"]["subnet"] = {
            "ip_addr": {"addr": "100.64.196.0", "type": "V4"},
            "mask": 24,
        }

    def apply(self, ops: Iterable[Operation]) -> None:
        for op in ops:
            self.calls.append((op.action, op.type, op.name))
            ident = (op.type, op.name)
            if op.action == "create":
                if ident in self.objects:
                    raise ControllerError(f"{op.name} already exists")
                assert op.payload is not None
                obj = self._store(op.type, op.payload, f"{op.type}-{next(self._ids)}")
                if op.type == "vsvip":
                    self._vip(obj, None)
                self.objects[ident] = obj
            elif op.action == "update":
                current = self.objects.get(ident)
                if current is None or current["uuid"] != op.uuid:
                    raise ControllerError(f"{op.type} object not found")
                assert op.payload is not None
                obj = self._store(op.type, op.payload, current["uuid"])
                if op.type == "vsvip":
                    self._vip(obj, current)
                self.objects[ident] = obj
            else:
                current = self.objects.get(ident)
                if current is None or current["uuid"] != op.uuid:
                    raise ControllerError(f"{op.type} object not found")
                users = [n for (t, n), o in self.objects.items() if ident in self._refs_of(o)]
                if users:
                    raise ControllerError(f"Cannot delete, object is referred by: {users}")
                del self.objects[ident]

    # reads ------------------------------------------------------------------------------
    def observed(self, key: Key, settings: Settings) -> ObservedState:
        mine = {
            ident: obj for ident, obj in self.objects.items() if owned_key(obj, settings) == key
        }

        def one(avi_type: str) -> dict[str, Any] | None:
            return next((o for (t, _), o in mine.items() if t == avi_type), None)

        return ObservedState(
            vsvip=one("vsvip"),
            pools={n: o for (t, n), o in mine.items() if t == "pool"},
            l4policyset=one("l4policyset"),
            virtualservice=one("virtualservice"),
        )

    def vip(self, name: str) -> str:
        return str(self.objects[("vsvip", name)]["vip"][0]["ip_address"]["addr"])

    def names(self, avi_type: str) -> list[str]:
        return sorted(n for t, n in self.objects if t == avi_type)
