"""Turning stored records into API responses: URLs, ``#name`` refs, fields, inventory views.

Stored refs are host-less (``/api/<type>/<uuid>``); here they get the request's base URL and,
when asked, ``#<name>``. ``encoded`` renders, shapes and encodes an object's answer once per
record version and variant (base URL, ``include_name``, API version) and keeps the bytes on the
record; reads and lists reuse them. Reads records (immutable) and names; never changes the
store's objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mock_avi import versions
from mock_avi.codec import dumps
from mock_avi.health import Health, Runtime
from mock_avi.object_types import SINCE, TYPES
from mock_avi.refs import map_planned
from mock_avi.schema import ref_walk
from mock_avi.store import Record, Store

ALWAYS = ("url", "uuid", "name")
CACHED_VARIANTS = 4  # encoded answers kept per record (base URL x include_name x version)
_NEWEST: dict[str, versions.Version] = {}


def shaping(obj_type: str, version: versions.Version | None) -> versions.Version | None:
    """``version`` when answers of ``obj_type`` must drop fields newer than it, else ``None``
    (the usual case: the requested version knows every field of the type)."""
    if version is None:
        return None
    newest = _NEWEST.get(obj_type)
    if newest is None:
        newest = _NEWEST[obj_type] = max(SINCE.get(obj_type, {}).values(), default=())
    return version if version < newest else None


def encoded(
    store: Store,
    rec: Record,
    base: str,
    include_name: bool,
    version: versions.Version | None,
) -> bytes:
    """The JSON of ``render(...)`` shaped for ``version``: from the record's cache when this
    variant was rendered for the current names generation, else rendered and kept."""
    shape_to = shaping(rec.type, version)
    key = (base, include_name, shape_to)
    generation = store.names_gen if include_name else 0  # read before rendering
    hit = rec.cache.get(key)
    if hit is not None and hit[0] == generation:
        return hit[1]
    body = render(store, rec, base, include_name)
    if shape_to is not None:
        body = versions.shape(rec.type, body, shape_to)
    data = dumps(body)
    if key in rec.cache or len(rec.cache) < CACHED_VARIANTS:
        rec.cache[key] = (generation, data)
    return data


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
    body = rec.body
    if fields is not None:  # only the wanted fields are rendered (a name list: no refs)
        wanted = set(fields) | set(ALWAYS)
        body = {k: v for k, v in body.items() if k in wanted}
    out: dict[str, Any] = {"url": url}
    out.update(map_planned(body, ref_url, ref_walk(TYPES[rec.type].spec)))
    if skip_default:
        defaults = TYPES[rec.type].spec.defaults
        for key, value in defaults.items():
            if key in out and not key.endswith("_ref") and out[key] == value:
                del out[key]
    return out


INVENTORY_SECTIONS = (
    "config",
    "runtime",
    "health_score",
    "pools",
    "poolgroups",
    "virtualservices",
    "app_profile_type",
)


def inventory(
    store: Store,
    rec: Record,
    base: str,
    include_name: bool = False,
    health: Health | None = None,
    include: Iterable[str] | None = None,
) -> dict[str, Any]:
    """An ``<type>-inventory`` entry: the config, and the runtime where the mock keeps one.

    VS, pool and VsVip entries have the Go SDK's shapes (``VsInventory``: ``pools`` and
    ``poolgroups`` as ``[{ref}]``, ``runtime.vip_summary`` one object; ``PoolInventory``;
    ``VsvipInventory``). ``include`` keeps only the named sections (``config`` always stays).
    """
    rt = Runtime(store, health or Health())
    out: dict[str, Any] = {
        "uuid": rec.uuid,
        "url": f"{base}/api/{rec.type}-inventory/{rec.uuid}",
        "config": render(store, rec, base, include_name),
    }
    ref = _ref_url(store, base, include_name)
    if rec.type == "virtualservice":
        state = rt.vs(rec)
        summaries = rt.vip_summaries(rec)
        runtime: dict[str, Any] = {
            "oper_status": state.oper_status(),
            "percent_ses_up": 100 if state.state == "OPER_UP" else 0,
        }
        if summaries:
            runtime["vip_summary"] = summaries[0]
        out["runtime"] = runtime
        out["pools"] = [{"ref": ref(p)} for p in rt.pools_of(rec)]
        out["poolgroups"] = [{"ref": ref(g)} for g in rt.poolgroups_of(rec)]
        out["health_score"] = {"health_score": rt.vs_health(rec)}
        profile_ref = str(rec.body.get("application_profile_ref", ""))
        profile = store.records.get(profile_ref.rsplit("/", 1)[-1])
        if profile is not None and isinstance(profile.body.get("type"), str):
            out["app_profile_type"] = profile.body["type"]
    elif rec.type == "pool":
        out["runtime"] = {"oper_status": rt.pool(rec).oper_status(), **rt.pool_counts(rec)}
        out["health_score"] = {"health_score": rt.pool_health(rec)}
        out["virtualservices"] = [{"ref": ref(v)} for v in _vses_of_pool(store, rt, rec)]
    elif rec.type == "vsvip":
        vses = [r for r in store.referrer_records(rec.uuid) if r.type == "virtualservice"]
        out["config"]["virtualservices"] = [{"ref": ref(v)} for v in vses]
        vips = rec.body.get("vip", []) or []
        states = [rt.vs(v) for v in vses]
        up = any(s.state == "OPER_UP" for s in states)
        best = next((s for s in states if s.state == "OPER_UP"), states[0] if states else None)
        runtime = {
            "vip_id": vips[0].get("vip_id", "0") if vips else "0",
            "num_se_assigned": 1 if up else 0,
            "num_se_requested": 1,
            "percent_ses_up": 100 if up else 0,
        }
        if best is not None:
            runtime["oper_status"] = best.oper_status()
        out["runtime"] = runtime
    if include is not None:
        wanted = set(include) | {"config", "uuid", "url"}
        out = {k: v for k, v in out.items() if k in wanted or k not in INVENTORY_SECTIONS}
    return out


def _vses_of_pool(store: Store, rt: Runtime, pool: Record) -> list[Record]:
    vses = store.by_type["virtualservice"].values()
    return [v for v in vses if any(p.uuid == pool.uuid for p in rt.pools_of(v))]


def _ref_url(store: Store, base: str, include_name: bool) -> Any:
    def ref(rec: Record) -> str:
        url = f"{base}/api/{rec.type}/{rec.uuid}"
        return f"{url}#{rec.name}" if include_name and rec.name else url

    return ref


def join_runtime(store: Store, rec: Record, health: Health) -> dict[str, Any] | None:
    """``join_subresources=runtime``: the runtime a GET of ``<type>/<uuid>/runtime`` gives."""
    rt = Runtime(store, health)
    if rec.type == "virtualservice":
        return rt.vs_runtime(rec)
    if rec.type == "pool":
        return pool_runtime(rt, rec)
    return None


def pool_runtime(rt: Runtime, pool: Record) -> dict[str, Any]:
    return {
        "name": pool.name,
        "uuid": pool.uuid,
        "oper_status": rt.pool(pool).oper_status(),
        **rt.pool_counts(pool),
    }


def server_runtime(rt: Runtime, pool: Record) -> list[dict[str, Any]]:
    out = []
    for server, state in rt.servers(pool):
        port = server.get("port", pool.body.get("default_server_port", 80))
        ip = dict(server.get("ip") or {})
        out.append(
            {
                "server_ip": ip,
                "server_port": port,
                "hostname": server.get("hostname", ip.get("addr", "")),
                "oper_status": state.oper_status(),
                "server_name": f"{ip.get('addr', '')}:{port}",
            }
        )
    return out


def render_singleton(body: Mapping[str, Any], base: str, path: str) -> dict[str, Any]:
    return {"url": f"{base}/api/{path}", **body}
