"""Turning stored records into API responses: URLs, ``#name`` refs, fields, inventory views.

Stored refs are host-less (``/api/<type>/<uuid>``); here they get the request's base URL and,
when asked, ``#<name>``. Reads records (immutable) and names; never changes the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mock_avi.models import TYPES
from mock_avi.refs import map_refs, split_stored
from mock_avi.store import Record, Store

ALWAYS = ("url", "uuid", "name")


def render(
    store: Store,
    rec: Record,
    base: str,
    include_name: bool = False,
    fields: Iterable[str] | None = None,
    skip_default: bool = False,
) -> dict[str, Any]:
    def ref_url(_key: str, ref: str) -> str:
        if not ref.startswith("/api/"):
            return ref
        if include_name:
            name = store.name_of(ref.rsplit("/", 1)[1])
            if name is not None:
                return f"{base}{ref}#{name}"
        return base + ref

    url = f"{base}/api/{rec.type}/{rec.uuid}"
    if include_name and rec.name:
        url += "#" + rec.name
    out: dict[str, Any] = {"url": url}
    out.update(map_refs(rec.body, ref_url))
    if skip_default:
        defaults = TYPES[rec.type].spec.defaults
        for key, value in defaults.items():
            if key in out and not key.endswith("_ref") and out[key] == value:
                del out[key]
    if fields is not None:
        wanted = set(fields) | set(ALWAYS)
        out = {k: v for k, v in out.items() if k in wanted}
    return out


def inventory(store: Store, rec: Record, base: str, include_name: bool = False) -> dict[str, Any]:
    """An ``<type>-inventory`` entry: the config, and the runtime where the mock keeps one."""
    if rec.type == "virtualservice":
        return _vs_inventory(store, rec, base, include_name)
    return {
        "uuid": rec.uuid,
        "url": f"{base}/api/{rec.type}-inventory/{rec.uuid}",
        "config": render(store, rec, base, include_name),
    }


def _vs_inventory(store: Store, vs: Record, base: str, include_name: bool) -> dict[str, Any]:
    """A ``virtualservice-inventory`` entry: config, oper status and VIP summary."""
    config = render(store, vs, base, include_name)
    enabled = bool(vs.body.get("enabled", True))
    state = "OPER_UP" if enabled else "OPER_DISABLED"
    oper = {"state": state, "reason": [], "reason_code": "SYSERR_SUCCESS" if enabled else ""}
    vip_summary: list[dict[str, Any]] = []
    vsvip_ref = vs.body.get("vsvip_ref")
    if isinstance(vsvip_ref, str):
        vsvip = store.records.get(split_stored(vsvip_ref)[1])
        for vip in (vsvip.body.get("vip", []) if vsvip else []) or []:
            entry: dict[str, Any] = {
                "vip_id": vip.get("vip_id"),
                "oper_status": dict(oper),
                "num_se_assigned": 1 if enabled else 0,
                "percent_ses_up": 100 if enabled else 0,
            }
            if vip.get("ip_address"):
                entry["ip_address"] = dict(vip["ip_address"])
            vip_summary.append(entry)
    pools = sorted(f"{base}/api/pool/{t.uuid}" for t in _pools_of(store, vs))
    return {
        "uuid": vs.uuid,
        "url": f"{base}/api/virtualservice-inventory/{vs.uuid}",
        "config": config,
        "runtime": {
            "oper_status": oper,
            "vip_summary": vip_summary,
            "percent_ses_up": 100 if enabled else 0,
        },
        "pools": pools,
        "health_score": {"health_score": 100.0 if enabled else 0.0},
    }


def _pools_of(store: Store, vs: Record) -> list[Record]:
    pools = []
    for target in store.targets_of(vs):
        if target.type == "pool":
            pools.append(target)
        elif target.type == "l4policyset":
            pools.extend(t for t in store.targets_of(target) if t.type == "pool")
    return pools


def render_singleton(body: Mapping[str, Any], base: str, path: str) -> dict[str, Any]:
    return {"url": f"{base}/api/{path}", **body}
