"""What a shared-VIP group looks like on the controller, engine-independent: the names, the VIP,
the VS's services with their overrides, the pools with their servers and the L4PolicySet's rules,
read from mock_avi's ``/__mock__/state`` with every ref resolved to ``type:name`` (uuids differ
between runs and engines)."""

from __future__ import annotations

import warnings
from typing import Any

import requests

TYPES = ("virtualservice", "vsvip", "pool", "l4policyset")


def avi_state(avi_url: str, auth: tuple[str, str] = ("admin", "admin")) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        answer = requests.get(f"{avi_url}/__mock__/state", auth=auth, verify=False, timeout=10)
    answer.raise_for_status()
    objects: dict[str, Any] = answer.json()["objects"]
    return objects


def _names(state: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for obj_type, objects in state.items():
        for obj in objects if isinstance(objects, list) else []:
            if isinstance(obj, dict) and "uuid" in obj:
                names[str(obj["uuid"])] = f"{obj_type}:{obj.get('name')}"
    return names


def _ref(ref: Any, names: dict[str, str]) -> str | None:
    if not isinstance(ref, str) or not ref:
        return None
    uuid = ref.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return names.get(uuid, ref)


def group_summary(state: dict[str, Any], prefix: str = "cluster--") -> dict[str, Any]:
    """Every object of the four types whose name starts with ``prefix``, summarised."""
    names = _names(state)

    def owned(obj_type: str) -> list[dict[str, Any]]:
        items = [o for o in state.get(obj_type) or [] if str(o.get("name", "")).startswith(prefix)]
        return sorted(items, key=lambda o: str(o["name"]))

    summary: dict[str, Any] = {
        "virtualservice": [
            {
                "name": vs["name"],
                "vsvip": _ref(vs.get("vsvip_ref"), names),
                "network_profile": _ref(vs.get("network_profile_ref"), names),
                "application_profile": _ref(vs.get("application_profile_ref"), names),
                "services": sorted(
                    (
                        (
                            s.get("port"),
                            s.get("port_range_end", s.get("port")),
                            _ref(s.get("override_network_profile_ref"), names) or "",
                        )
                        for s in vs.get("services") or []
                    ),
                    key=str,
                ),
                "l4_policies": [
                    _ref(p.get("l4_policy_set_ref"), names) for p in vs.get("l4_policies") or []
                ],
                "pool": _ref(vs.get("pool_ref"), names),
            }
            for vs in owned("virtualservice")
        ],
        "vsvip": [
            {
                "name": vip["name"],
                "addresses": sorted(
                    str((v.get("ip_address") or {}).get("addr")) for v in vip.get("vip") or []
                ),
            }
            for vip in owned("vsvip")
        ],
        "pool": [
            {
                "name": pool["name"],
                "default_server_port": pool.get("default_server_port"),
                "servers": sorted(
                    (str((s.get("ip") or {}).get("addr")), s.get("port"))
                    for s in pool.get("servers") or []
                ),
                "health_monitors": sorted(
                    str(_ref(h, names)) for h in pool.get("health_monitor_refs") or []
                ),
            }
            for pool in owned("pool")
        ],
        "l4policyset": [
            {
                "name": ps["name"],
                "rules": sorted(
                    (
                        tuple(r["match"]["port"]["ports"]),
                        r["match"]["protocol"]["protocol"],
                        _ref(r["action"]["select_pool"]["pool_ref"], names),
                    )
                    for r in (ps.get("l4_connection_policy") or {}).get("rules") or []
                ),
            }
            for ps in owned("l4policyset")
        ],
    }
    return summary


def owned_names(state: dict[str, Any], prefix: str = "cluster--") -> dict[str, list[str]]:
    return {
        t: sorted(
            str(o["name"]) for o in state.get(t) or [] if str(o.get("name", "")).startswith(prefix)
        )
        for t in TYPES
    }
