"""The mock controller's state: objects, tenants, references, indexes and the write pipeline.

One re-entrant lock guards everything. Lookups by uuid and by (type, name) are dict hits; a
reverse-reference index answers "who refers to X" (delete protection, ``refers_to``) without a
scan; the IPAM index maps addresses to their VsVip. Committed record bodies are never mutated
(writes swap in a new ``Record``), so responses can be rendered outside the lock.
A write either commits completely or raises ``AviError`` before touching any index.
This module knows nothing about HTTP.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_avi import errors, ipam, patching, rules
from mock_avi.errors import (
    AviError,
    BadRequest,
    Conflict,
    Forbidden,
    PreconditionFailed,
    not_found,
    ref_not_found,
)
from mock_avi.object_types import (
    READ_ONLY_FIELDS,
    REF_TARGETS,
    SHARED_TYPES,
    SINGLETONS,
    TYPES,
    TypeSpec,
)
from mock_avi.refs import map_planned, map_refs, parse_ref, stored
from mock_avi.schema import plan, ref_walk

ALL_TENANTS = "*"
ADMIN = "admin"


@dataclass(frozen=True)
class Record:
    type: str
    uuid: str
    tenant: str
    name: str
    cloud: str | None
    body: Mapping[str, Any]
    targets: frozenset[str] = field(default_factory=frozenset)
    # Encoded answers of this version of the object (``render.encoded``): a record never
    # changes, so they stay right until a referenced object is renamed (``Store.names_gen``).
    cache: dict[Any, tuple[int, bytes]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )


@dataclass
class Prepared:
    spec: TypeSpec
    uuid: str
    tenant: str
    cloud: str | None
    body: dict[str, Any]
    targets: frozenset[str]
    vips: dict[str, str] = field(default_factory=dict)


# The bits ``uuid.UUID(int=..., version=4)`` clears and sets (RFC 4122 variant, version 4).
_V4_MASK = ~((0xC000 << 48) | (0xF000 << 64))
_V4_BITS = (0x8000 << 48) | (4 << 76)


def _uuid4_text(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))``, formatted straight from the integer."""
    text = format((bits & _V4_MASK) | _V4_BITS, "032x")
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _model(obj_type: str) -> str:
    spec = TYPES.get(obj_type)
    return spec.model if spec else obj_type


class Store:
    """All objects of one mock controller."""

    def __init__(self, seed: int | None = 0, check_last_modified: bool = True) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.check_last_modified = check_last_modified
        self._rng = random.Random(seed)
        self.records: dict[str, Record] = {}
        self.by_type: dict[str, dict[str, Record]] = {t: {} for t in TYPES}
        self.by_name: dict[tuple[str, str], dict[str, Record]] = {}
        # (type, tenant uuid) -> records in write order, as in by_type: a tenant's list
        # without a scan of every tenant's objects.
        self.by_tenant: dict[tuple[str, str], dict[str, Record]] = {}
        # Bumped after any rename or delete: answers that show other objects' names
        # (``include_name``) were rendered with the names of their generation.
        self.names_gen = 0
        self.referrers: dict[str, set[str]] = {}
        self.vips: dict[str, str] = {}
        # (first, last) of a static IPv4 range -> an address below which all are held; any
        # release of an address clears it (ipam allocates the lowest free address from there).
        self.ipam_floor: dict[tuple[int, int], int] = {}
        self.system_defaults: set[str] = set()
        self.sysconfig: dict[str, Any] = {}
        self.singletons: dict[str, dict[str, Any]] = {}  # the other singletons, by path
        self._last_modified = 0

    # ----- identity -------------------------------------------------------------------------
    def new_uuid(self, obj_type: str) -> str:
        while True:
            candidate = f"{obj_type}-{_uuid4_text(self._rng.getrandbits(128))}"
            if candidate not in self.records:
                return candidate

    def stamp(self) -> str:
        now = time.time_ns() // 1000
        self._last_modified = max(now, self._last_modified + 1)
        return str(self._last_modified)

    # ----- tenants and visibility -----------------------------------------------------------
    def tenant_context(self, name: str | None, tenant_uuid: str | None) -> str:
        """The tenant uuid a request acts in (``*`` for all); 403 when it does not exist.

        No lock: single dict reads (and a copy of one name's few records) are atomic, and
        every read would otherwise queue behind the write in progress."""
        if tenant_uuid:
            if tenant_uuid == ALL_TENANTS:
                return ALL_TENANTS
            rec = self.records.get(tenant_uuid)
            if rec is None or rec.type != "tenant":
                raise Forbidden(errors.TENANT_MISSING.format(tenant=tenant_uuid))
            return rec.uuid
        name = name or ADMIN
        if name == ALL_TENANTS:
            return ALL_TENANTS
        for rec in list(self.by_name.get(("tenant", name), {}).values()):
            return rec.uuid
        raise Forbidden(errors.TENANT_MISSING.format(tenant=name))

    def visible(self, rec: Record, ctx: str) -> bool:
        """Own tenant, ``*``, or a shared admin object the tenant has no copy of."""
        if ctx == ALL_TENANTS or rec.tenant == ctx:
            return True
        if rec.tenant != ADMIN or rec.type not in SHARED_TYPES:
            return False
        same = self.by_name.get((rec.type, rec.name), {})
        return not any(r.tenant == ctx for r in same.values())

    def copy_on_write(self, rec: Record, ctx: str) -> bool:
        """An edit of a shared admin object from another tenant makes that tenant's copy."""
        return (
            rec.tenant == ADMIN
            and ctx not in (ADMIN, ALL_TENANTS)
            and (rec.type in SHARED_TYPES and TYPES[rec.type].has_tenant)
        )

    def get(self, obj_type: str, uuid: str, ctx: str) -> Record:
        rec = self.records.get(uuid)
        if rec is None or rec.type != obj_type or not self.visible(rec, ctx):
            raise not_found(_model(obj_type))
        return rec

    def writable(self, obj_type: str, uuid: str, ctx: str) -> Record:
        rec = self.get(obj_type, uuid, ctx)
        if ctx not in (ALL_TENANTS, rec.tenant):
            raise not_found(_model(obj_type))
        return rec

    def named(self, obj_type: str, name: str, ctx: str) -> list[Record]:
        """Visible records of a type with an exact name, the context tenant's first."""
        found = [r for r in self.by_name.get((obj_type, name), {}).values() if self.visible(r, ctx)]
        if len(found) > 1:
            found.sort(key=lambda r: r.tenant != ctx)
        return found

    def name_of(self, uuid: str) -> str | None:
        rec = self.records.get(uuid)
        return rec.name if rec else None

    # ----- reference resolution -------------------------------------------------------------
    def resolve(self, field_name: str, ref: str, ctx: str, cloud: str | None) -> str:
        """Any accepted reference form -> stored ``/api/<type>/<uuid>``; 400 when it misses."""
        return stored(*self.target(field_name, ref, ctx, cloud))

    def target(self, field_name: str, ref: str, ctx: str, cloud: str | None) -> tuple[str, str]:
        """``(type, uuid)`` of the object a reference names (``resolve``'s answer, split)."""
        expected = REF_TARGETS.get(field_name)
        parsed = parse_ref(ref)
        if parsed is None or (expected and parsed.type and parsed.type != expected):
            raise self._missed(expected, parsed)
        obj_type = parsed.type or expected
        if parsed.uuid is not None:
            rec = self.records.get(parsed.uuid)
            if rec is None or (obj_type and rec.type != obj_type) or not self.visible(rec, ctx):
                raise self._missed(expected, parsed)
            return rec.type, rec.uuid
        assert obj_type is not None and parsed.name is not None
        same = self.by_name.get((obj_type, parsed.name))
        if same is None:
            raise self._missed(expected, parsed)  # (also a type the mock does not serve)
        if len(same) == 1 and parsed.tenant is None and parsed.cloud is None:
            # the usual case, one object of that name: what ``named`` and the filters give
            for rec in same.values():
                if rec.tenant == ctx or self.visible(rec, ctx):
                    return obj_type, rec.uuid
            raise self._missed(expected, parsed)
        candidates = self.named(obj_type, parsed.name, ctx)
        if parsed.tenant is not None:
            candidates = [r for r in candidates if self._tenant_name(r.tenant) == parsed.tenant]
        if parsed.cloud is not None:
            candidates = [r for r in candidates if self.name_of(r.cloud or "") == parsed.cloud]
        if not candidates:
            raise self._missed(expected, parsed)
        if len(candidates) > 1 and cloud is not None:
            candidates.sort(key=lambda r: r.cloud != cloud)
        return obj_type, candidates[0].uuid

    @staticmethod
    def _missed(expected: str | None, parsed: Any) -> AviError:
        """The 400 of a reference that names nothing (the expected type's model, else the
        reference's own type, else ``Object``)."""
        return ref_not_found(
            _model(expected or (parsed.type if parsed and parsed.type else "Object"))
        )

    def _tenant_name(self, tenant_uuid: str) -> str | None:
        return self.name_of(tenant_uuid)

    # ----- the write pipeline ---------------------------------------------------------------
    def prepare(
        self,
        obj_type: str,
        body: Mapping[str, Any],
        ctx: str,
        existing: Record | None = None,
        forced_uuid: str | None = None,
        keep_stamp: bool = False,
    ) -> Prepared:
        """Validate, fill defaults, resolve refs and run per-type rules; changes nothing."""
        spec = TYPES[obj_type]
        stale = body.get("_last_modified")
        compiled = plan(spec.spec)
        # validate, empty references dropped (``refs.drop_empty_refs``): a fresh copy
        clean: dict[str, Any] = compiled.check(dict(body), "")
        for key in READ_ONLY_FIELDS:
            clean.pop(key, None)
        if (
            existing is not None
            and stale is not None
            and self.check_last_modified
            and (not keep_stamp and stale != existing.body.get("_last_modified"))
        ):
            raise PreconditionFailed(errors.NEED_RELOAD.format(model=spec.model))

        tenant = self._tenant_for(spec, clean, ctx, existing)
        if obj_type == "virtualservice" and "vrf_context_ref" not in clean:
            # A VS without a VRF takes its VsVip's, as the controller does.
            vsvip_ref = clean.get("vsvip_ref")
            if isinstance(vsvip_ref, str):
                vsvip = self.records.get(self.target("vsvip_ref", vsvip_ref, tenant, None)[1])
                if vsvip is not None and isinstance(vsvip.body.get("vrf_context_ref"), str):
                    clean["vrf_context_ref"] = vsvip.body["vrf_context_ref"]
        compiled.fill(clean)
        cloud: str | None = None
        if "cloud_ref" in clean:
            cloud = self.target("cloud_ref", clean["cloud_ref"], tenant, None)[1]
        targets: set[str] = set()

        target = self.target

        def resolve(key: str, ref: str) -> str:
            obj_type, uuid = target(key, ref, tenant, cloud)
            targets.add(uuid)
            return f"/api/{obj_type}/{uuid}"  # stored(obj_type, uuid)

        resolved: dict[str, Any] = map_planned(clean, resolve, ref_walk(spec.spec))
        if spec.has_tenant:
            resolved["tenant_ref"] = stored("tenant", tenant)
            targets.add(tenant)
        uuid = existing.uuid if existing else (forced_uuid or self.new_uuid(obj_type))
        targets.discard(uuid)
        prepared = Prepared(spec, uuid, tenant, cloud, resolved, frozenset(targets))
        # A duplicate name is reported before any type rule (IPAM, ports), as the controller
        # does: a client re-creating an object it already owns gets 409 and can adopt it.
        self._check_duplicate(prepared)
        if obj_type == "vsvip":
            rules.check_vips(prepared.body)
            prepared.vips = ipam.plan(self, prepared, existing)
        elif obj_type == "virtualservice":
            rules.check_ports(self, prepared)
            rules.check_vrf(self, prepared)
        elif obj_type == "pool":
            rules.fill_pool(prepared.body)
        stamp = body.get("_last_modified") if keep_stamp else None
        ordered = {"uuid": uuid, "name": resolved["name"]} if "name" in resolved else {"uuid": uuid}
        ordered.update(resolved)  # the keys already there keep their place
        ordered["uuid"] = uuid
        ordered["_last_modified"] = stamp if isinstance(stamp, str) else self.stamp()
        prepared.body = ordered
        return prepared

    def _tenant_for(
        self, spec: TypeSpec, clean: dict[str, Any], ctx: str, existing: Record | None
    ) -> str:
        if not spec.has_tenant:
            return ADMIN
        ctx_for_ref = existing.tenant if existing is not None else ctx
        ref = clean.pop("tenant_ref", None)
        if ref is None:
            return ctx_for_ref if ctx_for_ref != ALL_TENANTS else ADMIN
        wanted = self.target("tenant_ref", ref, ALL_TENANTS, None)[1]
        if ctx_for_ref not in (ALL_TENANTS, wanted):
            raise BadRequest(errors.TENANT_MISMATCH.format(ref=ref))
        return wanted

    def _check_duplicate(self, p: Prepared) -> None:
        name = p.body.get("name", "")
        if not name:
            return  # a type without names (a job, a backup) has no duplicates by name
        for rec in self.by_name.get((p.spec.type, name), {}).values():
            if rec.uuid != p.uuid and rec.tenant == p.tenant and rec.cloud == p.cloud:
                raise Conflict(
                    errors.ALREADY_EXISTS.format(model=p.spec.model, name=name), obj_name=name
                )

    def commit(self, p: Prepared) -> Record:
        """Store a prepared object (new or replacing the one with the same uuid)."""
        old = self.records.get(p.uuid)
        if old is not None:
            self._unindex(old)
        rec = Record(
            p.spec.type, p.uuid, p.tenant, p.body.get("name", ""), p.cloud, p.body, p.targets
        )
        self.records[rec.uuid] = rec
        self.by_type[rec.type][rec.uuid] = rec
        self.by_name.setdefault((rec.type, rec.name), {})[rec.uuid] = rec
        self.by_tenant.setdefault((rec.type, rec.tenant), {})[rec.uuid] = rec
        for target in rec.targets:
            self.referrers.setdefault(target, set()).add(rec.uuid)
        for addr in p.vips:
            self.vips[addr] = rec.uuid
        if old is not None and old.name != rec.name:
            self.names_gen += 1  # after the swap: a reader of the old generation re-renders
        return rec

    def _unindex(self, rec: Record) -> None:
        del self.records[rec.uuid]
        del self.by_type[rec.type][rec.uuid]
        names = self.by_name[(rec.type, rec.name)]
        del names[rec.uuid]
        if not names:
            del self.by_name[(rec.type, rec.name)]
        self._untenant(rec)
        for target in rec.targets:
            refs = self.referrers.get(target)
            if refs is not None:
                refs.discard(rec.uuid)
                if not refs:
                    del self.referrers[target]
        if rec.type == "vsvip":
            self.ipam_floor.clear()
            for addr in ipam.addresses(rec.body):
                if self.vips.get(addr) == rec.uuid:
                    del self.vips[addr]

    def _untenant(self, rec: Record) -> None:
        owned = self.by_tenant.get((rec.type, rec.tenant))
        if owned is not None:
            owned.pop(rec.uuid, None)
            if not owned:
                del self.by_tenant[(rec.type, rec.tenant)]

    # ----- public write operations ----------------------------------------------------------
    def create(
        self, obj_type: str, body: Mapping[str, Any], ctx: str, forced_uuid: str | None = None
    ) -> Record:
        with self.lock:
            if forced_uuid is not None and forced_uuid in self.records:
                raise Conflict(
                    errors.DUPLICATE_UUID.format(model=_model(obj_type), uuid=forced_uuid)
                )
            return self.commit(self.prepare(obj_type, body, ctx, forced_uuid=forced_uuid))

    def replace(self, obj_type: str, uuid: str, body: Mapping[str, Any], ctx: str) -> Record:
        with self.lock:
            shared = self.get(obj_type, uuid, ctx)
            if self.copy_on_write(shared, ctx):
                return self._tenant_copy(obj_type, body, ctx)
            existing = self.writable(obj_type, uuid, ctx)
            return self.commit(self.prepare(obj_type, body, ctx, existing=existing))

    def _tenant_copy(self, obj_type: str, body: Mapping[str, Any], ctx: str) -> Record:
        mine = {k: v for k, v in body.items() if k not in ("tenant_ref", "uuid", "url")}
        mine.pop("_last_modified", None)
        return self.commit(self.prepare(obj_type, mine, ctx))

    def patch(self, obj_type: str, uuid: str, payload: Any, ctx: str) -> Record:
        with self.lock:
            shared = self.get(obj_type, uuid, ctx)
            cow = self.copy_on_write(shared, ctx)
            existing = shared if cow else self.writable(obj_type, uuid, ctx)
            current = {k: v for k, v in existing.body.items() if k != "_last_modified"}

            def normalise(part: Any) -> Any:
                # An empty ref is left for ``prepare`` to drop ("not set").
                return map_refs(
                    part,
                    lambda k, r: (
                        r if not r.strip() else self.resolve(k, r, existing.tenant, existing.cloud)
                    ),
                )

            body = patching.apply(current, payload, normalise)  # applied to a copy
            body.pop("_last_modified", None)
            if cow:
                return self._tenant_copy(obj_type, body, ctx)
            return self.commit(self.prepare(obj_type, body, ctx, existing=existing))

    def delete(self, obj_type: str, uuid: str, ctx: str) -> None:
        with self.lock:
            rec = self.writable(obj_type, uuid, ctx)
            if rec.uuid in self.system_defaults:
                raise Forbidden(errors.SYSTEM_DEFAULT, obj_name=rec.name)
            users = sorted(
                f"{_model(u.type)} {u.name}"
                for u in (self.records[x] for x in self.referrers.get(rec.uuid, ()))
            )
            if users:
                shown = users if len(users) <= 50 else [*users[:50], "..."]
                raise Forbidden(errors.REFERRED_BY.format(referrers=shown), obj_name=rec.name)
            self._unindex(rec)
            self.names_gen += 1

    # ----- state snapshots ------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {
                "objects": {
                    t: [dict(r.body) for r in recs.values()] for t, recs in self.by_type.items()
                },
                "systemconfiguration": _deep(self.sysconfig),
                "singletons": _deep(self.singletons),
                "system_defaults": sorted(self.system_defaults),
            }

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace everything with ``state`` (the ``dump`` format); 400 and no change if bad."""
        fresh = Store(self.seed, self.check_last_modified)
        fresh._fill(state)
        with self.lock:
            self.records = fresh.records
            self.by_type = fresh.by_type
            self.by_name = fresh.by_name
            self.by_tenant = fresh.by_tenant
            self.names_gen += 1
            self.referrers = fresh.referrers
            self.vips = fresh.vips
            self.ipam_floor = {}
            self.system_defaults = fresh.system_defaults
            self.sysconfig = fresh.sysconfig
            self.singletons = fresh.singletons
            self._rng = fresh._rng
            self._last_modified = max(self._last_modified, fresh._last_modified)

    def _fill(self, state: Mapping[str, Any]) -> None:
        if not isinstance(state, Mapping):
            raise BadRequest(errors.NOT_AN_OBJECT)
        objects = state.get("objects", {})
        if not isinstance(objects, Mapping):
            raise BadRequest(errors.BAD_FILTER.format(param="objects", value=type(objects)))
        unknown = [t for t in objects if t not in TYPES]
        if unknown:
            raise BadRequest(errors.UNKNOWN_TYPE.format(type=unknown[0]))
        pending: list[tuple[str, dict[str, Any]]] = []
        # Pass 1: placeholders, so that references in any order resolve.
        for obj_type in TYPES:
            raws = objects.get(obj_type) or []
            if not isinstance(raws, list):
                raise BadRequest(errors.BAD_FILTER.format(param=f"objects.{obj_type}", value=raws))
            for raw in raws:
                if not isinstance(raw, dict) or not isinstance(raw.get("name", ""), str):
                    raise BadRequest(errors.FIELD_REQUIRED.format(field=f"{obj_type}.name"))
                if not isinstance(raw.get("uuid") or "", str):
                    raise BadRequest(errors.BAD_FILTER.format(param="uuid", value=raw["uuid"]))
                uuid = raw.get("uuid") or self.new_uuid(obj_type)
                if uuid in self.records:
                    raise Conflict(errors.DUPLICATE_UUID.format(model=_model(obj_type), uuid=uuid))
                name = raw.get("name", "")
                placeholder = Record(obj_type, uuid, ADMIN, name, None, {})
                self.records[uuid] = placeholder
                self.by_type[obj_type][uuid] = placeholder
                self.by_name.setdefault((obj_type, name), {})[uuid] = placeholder
                pending.append((uuid, raw))
        # Tenants of every object, from tenant_ref (tenants themselves are in admin).
        tenants: dict[str, str] = {}
        for uuid, raw in pending:
            ref = raw.get("tenant_ref")
            tenants[uuid] = (
                self.target("tenant_ref", ref, ALL_TENANTS, None)[1]
                if isinstance(ref, str) and self.records[uuid].type != "tenant"
                else ADMIN
            )
        for uuid, _raw in pending:
            old = self.records[uuid]
            self.records[uuid] = Record(old.type, uuid, tenants[uuid], old.name, None, {})
            self.by_type[old.type][uuid] = self.records[uuid]
            self.by_name[(old.type, old.name)][uuid] = self.records[uuid]
        # Pass 2: the full write pipeline, object by object.
        for uuid, raw in pending:
            rec = self.records[uuid]
            body = {k: v for k, v in raw.items() if k != "uuid"}
            prepared = self.prepare(rec.type, body, rec.tenant, forced_uuid=uuid, keep_stamp=True)
            self._unindex_placeholder(rec)
            self.commit(prepared)
        defaults = state.get("system_defaults") or []
        if not isinstance(defaults, list) or not all(isinstance(u, str) for u in defaults):
            raise BadRequest(errors.BAD_FILTER.format(param="system_defaults", value=defaults))
        self.system_defaults = {u for u in defaults if u in self.records}
        sysconfig = state.get("systemconfiguration", {})
        self.sysconfig = _deep(check_sysconfig(sysconfig)) if isinstance(sysconfig, Mapping) else {}
        singletons = state.get("singletons") or {}
        if not isinstance(singletons, Mapping) or not all(
            k in SINGLETONS and k != "systemconfiguration" and isinstance(v, Mapping)
            for k, v in singletons.items()
        ):
            raise BadRequest(errors.BAD_FILTER.format(param="singletons", value=singletons))
        self.singletons = {k: _deep(v) for k, v in singletons.items()}

    def _unindex_placeholder(self, rec: Record) -> None:
        if not rec.body:
            del self.records[rec.uuid]
            del self.by_type[rec.type][rec.uuid]
            names = self.by_name[(rec.type, rec.name)]
            del names[rec.uuid]
            if not names:
                del self.by_name[(rec.type, rec.name)]
            self._untenant(rec)

    # ----- singletons -----------------------------------------------------------------------
    def singleton(self, path: str) -> dict[str, Any]:
        """A copy of a singleton's stored body (``{"uuid": "default"}`` when never written)."""
        body: dict[str, Any] = _deep(
            self.sysconfig if path == "systemconfiguration" else self.singletons.get(path)
        ) or {"uuid": "default"}
        return body

    def set_singleton(self, path: str, body: dict[str, Any]) -> None:
        if path == "systemconfiguration":
            self.sysconfig = body
        else:
            self.singletons[path] = body

    # ----- helpers for readers --------------------------------------------------------------
    def of_type(self, obj_type: str, ctx: str) -> list[Record]:
        """Records of a type visible in ``ctx``, in write order (as ``by_type`` holds them)."""
        if ctx == ALL_TENANTS:
            return list(self.by_type[obj_type].values())
        if ctx == ADMIN or obj_type not in SHARED_TYPES:
            # Only the context's own objects are visible: its index, no scan.
            return list(self.by_tenant.get((obj_type, ctx), {}).values())
        return [r for r in self.by_type[obj_type].values() if self.visible(r, ctx)]

    def referrer_records(self, uuid: str) -> list[Record]:
        return [self.records[u] for u in self.referrers.get(uuid, ())]

    def targets_of(self, rec: Record) -> list[Record]:
        return [self.records[u] for u in rec.targets if u in self.records]


def check_sysconfig(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The systemconfiguration fields the mock itself reads must have their types; else 400."""
    portal = body.get("portal_configuration")
    if portal is not None:
        if not isinstance(portal, Mapping):
            raise BadRequest(
                errors.WRONG_TYPE.format(
                    field="portal_configuration", value=portal, expected="an object"
                )
            )
        allow = portal.get("allow_basic_authentication")
        if allow is not None and not isinstance(allow, bool):
            raise BadRequest(
                errors.WRONG_TYPE.format(
                    field="portal_configuration.allow_basic_authentication",
                    value=allow,
                    expected="a boolean",
                )
            )
    tier = body.get("default_license_tier")
    if tier is not None and not isinstance(tier, str):
        raise BadRequest(
            errors.WRONG_TYPE.format(field="default_license_tier", value=tier, expected="a string")
        )
    return body


def _deep(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep(v) for v in value]
    return value


__all__ = ["ADMIN", "ALL_TENANTS", "AviError", "Prepared", "Record", "Store"]
