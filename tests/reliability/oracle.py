"""The expected end state, computed from the Services alone, and the check against it.

``expected(services)`` is an independent, deliberately simple oracle for Services without
preferred IPs, CRDs or port conflicts (the shapes the property test and the fault matrix
generate): which VS / VsVip / L4PolicySet / pools must exist (AKO's names) and which Services are
members of which VS. ``assert_converged(world)`` compares the controller and every Service's
status with it: no orphaned or duplicated Avi object, members of one group share one VIP,
distinct groups have distinct VIPs, and no Service shows an address it should not.
It never imports the engine's domain code (an oracle that shares the engine's code shares its bugs).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.support.world import World

CLUSTER = "cluster"
SHARED = "ako.vmware.com/enable-shared-vip"
AVI_TYPES = ("virtualservice", "vsvip", "l4policyset", "pool")


@dataclass
class Expected:
    """Objects by type (names) and VS name -> member Services ``ns/name``."""

    objects: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in AVI_TYPES})
    members: dict[str, set[str]] = field(default_factory=dict)


def _ours(svc: dict[str, Any]) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and spec.get("loadBalancerClass") in (
        None,
        "ako.vmware.com/avi-lb",
    )


def expected(services: list[dict[str, Any]]) -> Expected:
    out = Expected()
    for svc in services:
        if not _ours(svc):
            continue
        meta = svc["metadata"]
        ns, name = meta["namespace"], meta["name"]
        key = ((meta.get("annotations") or {}).get(SHARED) or "").strip()
        base = f"{CLUSTER}--{ns}-{key}" if key else f"{CLUSTER}--{ns}-{name}"
        for obj_type in ("virtualservice", "vsvip", "l4policyset"):
            out.objects[obj_type].add(base)
        for port in svc["spec"].get("ports") or []:
            proto = port.get("protocol", "TCP")
            pool = (
                f"{CLUSTER}--{ns}-{name}-{key}-{proto}-{port['port']}"
                if key
                else f"{CLUSTER}--{ns}-{name}-{proto}-{port['port']}"
            )
            out.objects["pool"].add(pool)
        out.members.setdefault(base, set()).add(f"{ns}/{name}")
    return out


def all_services(world: World) -> list[dict[str, Any]]:
    """Every Service, read namespace by namespace (cluster-wide lists may carry a fault rule)."""
    namespaces = json.loads(world.core.list_namespace(_preload_content=False).data)["items"]
    out: list[dict[str, Any]] = []
    for ns in namespaces:
        name = ns["metadata"]["name"]
        response = world.core.list_namespaced_service(name, _preload_content=False)
        out.extend(json.loads(response.data)["items"])
    return out


def avi_objects(world: World, obj_type: str) -> list[dict[str, Any]]:
    return [
        o for o in world.avi_list(obj_type) if str(o.get("name", "")).startswith(CLUSTER + "--")
    ]


def assert_converged(world: World) -> None:
    """Controller and statuses match ``expected`` of the Services as they are now."""
    services = all_services(world)
    want = expected(services)
    vips: dict[str, str] = {}
    for obj_type in AVI_TYPES:
        names = [str(o["name"]) for o in avi_objects(world, obj_type)]
        dupes = [n for n, count in Counter(names).items() if count > 1]
        assert not dupes, f"duplicated {obj_type}: {dupes}"
        assert set(names) == want.objects[obj_type], (
            f"{obj_type}: orphaned {sorted(set(names) - want.objects[obj_type])}, "
            f"missing {sorted(want.objects[obj_type] - set(names))}"
        )
    for vsvip in avi_objects(world, "vsvip"):
        addrs = [v["ip_address"]["addr"] for v in vsvip.get("vip") or [] if v.get("ip_address")]
        assert len(addrs) == 1, f"VsVip {vsvip['name']} addresses {addrs}"
        vips[str(vsvip["name"])] = addrs[0]
    assert len(set(vips.values())) == len(vips), f"two groups share a VIP: {vips}"
    member_of = {m: vs for vs, members in want.members.items() for m in members}
    for svc in services:
        meta = svc["metadata"]
        ref = f"{meta['namespace']}/{meta['name']}"
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        ips = [i.get("ip") for i in ingress]
        if ref in member_of:
            assert ips == [vips[member_of[ref]]], f"{ref}: status {ips}, VIP {vips[member_of[ref]]}"
        else:
            assert ips == [], f"{ref} is not configured but shows {ips}"
