"""The one fake Avi controller of the unit tests: in memory, recording, as strict as the real one.

:class:`FakeAvi` is both the engine's Avi adapter (``simulator.adapters.avi.AviApi``: the
reconciler and cache tests) and a target for the domain's plans (:meth:`FakeAvi.apply` runs a
list of ``Operation`` through the same create/update/delete). It answers the way the mock
controller does: refs stored as ``https://ctrl/api/<type>/<uuid>#<name>``, controller defaults
added, a VIP allocated from 100.64.196.61 upwards; and it refuses what the real controller
refuses (a duplicate name: 409; a dangling ref; deleting a referenced object; moving a VsVip's
address or taking one in use), so an unsafe plan or reconcile fails loudly. Every call is
recorded as ``(method, type, name)``; failures are injected per (method, type) with
:meth:`FakeAvi.fail_next`. Nothing here talks to a server.
"""

from __future__ import annotations

import copy
import ipaddress
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from simulator.adapters.avi import (
    AviError,
    Conflict,
    NotFound,
    PermanentError,
    VipAllocationError,
)
from simulator.domain.model import Key, ObservedState, Operation, Settings
from simulator.domain.observed import normalise_ref, owned_key

Call = tuple[str, str, str]  # (method, type, name)

#: what a refused call raises (the adapter's error hierarchy)
ControllerError = AviError

#: the object types whose refs must name an existing object (the others are seeded)
OWNED_TYPES = ("pool", "vsvip", "l4policyset", "virtualservice")

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
    "l4policyset": {"is_internal_policy": False},
}


class FakeAvi:
    """A recording, in-memory controller (see the module docstring)."""

    def __init__(self, tier: str = "ENTERPRISE") -> None:
        self.tier = tier
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.failures: dict[tuple[str, str], list[AviError]] = {}
        self.existing_names: dict[str, set[str]] = {}  # type -> names that exist (lookups)
        self._ids = itertools.count(1)
        self._next_ip = int(ipaddress.ip_address("100.64.196.61"))

    # -- test helpers ---------------------------------------------------------------------------
    def fail_next(self, method: str, obj_type: str, error: AviError, times: int = 1) -> None:
        self.failures.setdefault((method, obj_type), []).extend([error] * times)

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c[0] in ("POST", "PUT", "DELETE")]

    def vip(self, name: str) -> str:
        return str(self.objects[("vsvip", name)]["vip"][0]["ip_address"]["addr"])

    def names(self, avi_type: str) -> list[str]:
        return sorted(n for t, n in self.objects if t == avi_type)

    def observed(self, key: Key, settings: Settings) -> ObservedState:
        """What the controller holds for ``key`` (as a GET with include_name returns it)."""
        mine = {i: o for i, o in self.objects.items() if owned_key(o, settings) == key}

        def one(avi_type: str) -> dict[str, Any] | None:
            return next((o for (t, _), o in mine.items() if t == avi_type), None)

        return ObservedState(
            vsvip=one("vsvip"),
            pools={n: o for (t, n), o in mine.items() if t == "pool"},
            l4policyset=one("l4policyset"),
            virtualservice=one("virtualservice"),
        )

    def apply(self, ops: Iterable[Operation]) -> None:
        """Run a domain plan, call by call, as the engine would."""
        for op in ops:
            if op.action == "create":
                assert op.payload is not None
                self.create(op.type, op.payload)
            elif op.action == "update":
                assert op.payload is not None and op.uuid is not None
                self.update(op.type, op.uuid, op.payload)
            else:
                assert op.action == "delete" and op.uuid is not None, op
                self.delete(op.type, op.uuid)

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
        return self._store(obj_type, payload, f"{obj_type}-{next(self._ids)}", None)

    def update(self, obj_type: str, uuid: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        name = str(payload["name"])
        self.calls.append(("PUT", obj_type, name))
        self._maybe_fail("PUT", obj_type)
        old = self.objects.get((obj_type, name))
        if old is None or old["uuid"] != uuid:
            raise NotFound(f"{obj_type} not found", status=404)
        return self._store(obj_type, payload, uuid, old)

    def delete(self, obj_type: str, uuid: str) -> None:
        for (t, name), obj in list(self.objects.items()):
            if t == obj_type and obj["uuid"] == uuid:
                self.calls.append(("DELETE", obj_type, name))
                self._maybe_fail("DELETE", obj_type)
                users = [n for (_, n), o in self.objects.items() if (t, name) in _refs_of(o)]
                if users:
                    raise PermanentError(
                        f"Cannot delete, object is referred by: {users}", status=400
                    )
                del self.objects[(t, name)]
                return
        self.calls.append(("DELETE", obj_type, uuid))
        raise NotFound(f"{obj_type} not found", status=404)

    # -- internals ------------------------------------------------------------------------------
    def _maybe_fail(self, method: str, obj_type: str) -> None:
        queue = self.failures.get((method, obj_type))
        if queue:
            raise queue.pop(0)

    def _url_ref(self, value: str) -> str:
        norm = normalise_ref(value)
        if not isinstance(norm, tuple):
            return value
        avi_type, name = norm
        if avi_type in OWNED_TYPES:
            target = self.objects.get((avi_type, name))
            if target is None:
                raise PermanentError(f"{avi_type} object not found: {name}", status=400)
            return str(target["url"])
        return f"https://ctrl/api/{avi_type}/{avi_type}-sys#{name}"

    def _resolve(self, value: Any, key: str = "") -> Any:
        if isinstance(value, Mapping):
            return {k: self._resolve(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, key) for v in value]
        if isinstance(value, str) and key.endswith(("_ref", "_refs")):
            return self._url_ref(value)
        return value

    def _store(
        self,
        obj_type: str,
        payload: Mapping[str, Any],
        uuid: str,
        previous: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        name = str(payload["name"])
        obj = copy.deepcopy(_SYSTEM_DEFAULTS.get(obj_type, {}))
        obj.update(self._resolve(copy.deepcopy(dict(payload))))
        obj["uuid"] = uuid
        obj["url"] = f"https://ctrl/api/{obj_type}/{uuid}#{name}"
        obj["_last_modified"] = str(next(self._ids) * 1000)
        obj.setdefault("tenant_ref", "https://ctrl/api/tenant/admin#admin")
        if obj_type == "vsvip":
            self._vip(obj, previous)
        if obj_type == "virtualservice":
            for entry in obj.get("services", []):
                entry.setdefault("port_range_end", entry["port"])
                entry.setdefault("enable_ssl", False)
        if obj_type == "pool":
            for server in obj.get("servers", []):
                server.setdefault("enabled", True)
                server.setdefault("ratio", 1)
                server.setdefault("hostname", server["ip"]["addr"])
        self.objects[(obj_type, name)] = obj
        return copy.deepcopy(obj)

    def _vip(self, obj: dict[str, Any], previous: Mapping[str, Any] | None) -> None:
        vip = obj["vip"][0]
        old = previous["vip"][0]["ip_address"]["addr"] if previous else None
        if "ip_address" in vip:
            addr = vip["ip_address"]["addr"]
            if old is not None and addr != old:
                raise PermanentError(
                    "If a new preferred IP is needed, please recreate the VIP", status=400
                )
            held = {
                o["vip"][0]["ip_address"]["addr"]
                for (t, n), o in self.objects.items()
                if t == "vsvip" and n != obj["name"]
            }
            if addr in held:
                raise VipAllocationError(f"IP {addr} is in use", status=400)
        elif old is not None:
            vip["ip_address"] = {"addr": old, "type": "V4"}
        else:
            vip["ip_address"] = {"addr": str(ipaddress.ip_address(self._next_ip)), "type": "V4"}
            self._next_ip += 1
        vip.setdefault("enabled", True)
        if "ipam_network_subnet" in vip:
            vip["ipam_network_subnet"]["subnet"] = {
                "ip_addr": {"addr": "100.64.196.0", "type": "V4"},
                "mask": 24,
            }


def _refs_of(obj: Any) -> set[tuple[str, str]]:
    """(type, name) of every ``*_ref`` an object holds."""
    found: set[tuple[str, str]] = set()
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if k.endswith("_ref") and isinstance(v, str):
                norm = normalise_ref(v)
                if isinstance(norm, tuple):
                    found.add(norm)
            else:
                found |= _refs_of(v)
    elif isinstance(obj, list):
        for v in obj:
            found |= _refs_of(v)
    return found
