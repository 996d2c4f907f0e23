"""Desired vs observed Avi objects -> the minimum ordered list of controller calls.

Only the fields the desired payload sets are compared (recursively; lists element by element),
so defaults the controller fills in never cause an update. Refs are normalised to (type, name) on
both sides (``observed.normalise_ref``): ``/api/pool?name=p`` equals ``https://h/api/pool/pool-1#p``.
A desired VsVip without ``ip_address`` matches any allocated address. A changed preferred IP or
VIP network cannot be an update (the controller refuses it), so the VsVip and the VS are
re-created. Pure: no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from simulator.domain.model import AviObject, DesiredState, ObservedState, Operation
from simulator.domain.observed import normalise_ref

_EMPTY: tuple[Any, ...] = ([], {}, None)


def matches(desired: Any, observed: Any) -> bool:
    """True when ``observed`` holds every field of ``desired`` with an equal value."""
    # Fast paths for the plain JSON types (most values are equal strings and ints); every other
    # case goes to the general rules of _matches, whose results these keep.
    kind = type(desired)
    if kind is str:
        if type(observed) is str and desired == observed:
            return True
        return isinstance(observed, str) and normalise_ref(desired) == normalise_ref(observed)
    if kind is dict and type(observed) is dict:
        for k, v in desired.items():
            if k not in observed:
                if any(v == e and type(v) is type(e) for e in _EMPTY):
                    continue
                return False
            seen = observed[k]
            value_kind = type(v)
            if value_kind is type(seen) and (value_kind is str or value_kind is int) and v == seen:
                continue
            if not matches(v, seen):
                return False
        return True
    if kind is list and type(observed) is list:
        if len(desired) != len(observed):
            return False
        return all(map(matches, desired, observed))
    if kind is int and type(observed) is int:
        return bool(desired == observed)
    return _matches(desired, observed)


def _matches(desired: Any, observed: Any) -> bool:
    if isinstance(desired, Mapping):
        if not isinstance(observed, Mapping):
            return False
        for k, v in desired.items():
            if k not in observed:
                if any(v == e and type(v) is type(e) for e in _EMPTY):
                    continue
                return False
            if not matches(v, observed[k]):
                return False
        return True
    if isinstance(desired, list | tuple):
        if not isinstance(observed, list | tuple) or len(desired) != len(observed):
            return False
        return all(matches(d, o) for d, o in zip(desired, observed, strict=True))
    if isinstance(desired, str):
        return isinstance(observed, str) and normalise_ref(desired) == normalise_ref(observed)
    if isinstance(desired, bool) or isinstance(observed, bool):
        return isinstance(desired, bool) and isinstance(observed, bool) and desired == observed
    return bool(desired == observed)


def _first_vip(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    vips = obj.get("vip")
    if isinstance(vips, list) and vips and isinstance(vips[0], Mapping):
        return vips[0]
    return {}


def _same_ip(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


def _fixed_ip(vip: Mapping[str, Any]) -> str | None:
    """The address the controller holds for a VIP entry (not its floating IP)."""
    for field_name in ("ip_address", "ip6_address"):
        addr = vip.get(field_name)
        if isinstance(addr, Mapping) and isinstance(addr.get("addr"), str) and addr["addr"]:
            return str(addr["addr"])
    return None


def _vip_must_be_recreated(desired: Mapping[str, Any], observed: Mapping[str, Any]) -> bool:
    want = _first_vip(desired)
    have = _first_vip(observed)
    want_ip = want.get("ip_address")
    if isinstance(want_ip, Mapping) and not _same_ip(str(want_ip.get("addr")), _fixed_ip(have)):
        return True
    want_net = want.get("ipam_network_subnet")
    if isinstance(want_net, Mapping) and "network_ref" in want_net:
        have_net = have.get("ipam_network_subnet")
        have_ref = have_net.get("network_ref") if isinstance(have_net, Mapping) else None
        if not isinstance(have_ref, str) or not matches(want_net["network_ref"], have_ref):
            return True
    return False


def _uuid(obj: Mapping[str, Any]) -> str | None:
    uuid = obj.get("uuid")
    return uuid if isinstance(uuid, str) else None


def _vsvip_update_payload(desired: AviObject, observed: Mapping[str, Any]) -> dict[str, Any]:
    """The desired VsVip, keeping the allocated address so a PUT never moves the VIP."""
    payload = dict(desired.payload)
    want = _first_vip(desired.payload)
    have = _first_vip(observed)
    if want and "ip_address" not in want and isinstance(have.get("ip_address"), Mapping):
        addr = have["ip_address"]
        vip = dict(want)
        vip["ip_address"] = {"addr": addr.get("addr"), "type": addr.get("type", "V4")}
        payload["vip"] = [vip, *list(payload.get("vip", []))[1:]]
    return payload


def _delete(avi_type: str, obj: Mapping[str, Any], name: str) -> Operation:
    return Operation("delete", avi_type, name, None, _uuid(obj))


def _sync(desired: AviObject, observed: Mapping[str, Any] | None, ops: list[Operation]) -> None:
    if observed is None:
        ops.append(Operation("create", desired.type, desired.name, desired.payload))
    elif not matches(desired.payload, observed):
        payload = (
            _vsvip_update_payload(desired, observed)
            if desired.type == "vsvip"
            else dict(desired.payload)
        )
        ops.append(Operation("update", desired.type, desired.name, payload, _uuid(observed)))


def _name(obj: Mapping[str, Any], fallback: str) -> str:
    name = obj.get("name")
    return name if isinstance(name, str) else fallback


def plan(desired: DesiredState | None, observed: ObservedState) -> tuple[Operation, ...]:
    """Operations that turn ``observed`` into ``desired`` (None: delete all), in a safe order.

    Creates/updates: VsVip, pools, L4PolicySet, VS; then deletes: VS, L4PolicySet, pools, VsVip.
    A changed preferred IP re-creates the VsVip: delete VS, delete VsVip, create VsVip, create VS.
    ``observed`` must only hold objects owned by the key (see ``observed.owned_key``): everything
    in it that is not desired is deleted.
    """
    obs_vs = observed.virtualservice
    obs_l4 = observed.l4policyset
    obs_vip = observed.vsvip
    if desired is None:
        ops: list[Operation] = []
        if obs_vs is not None:
            ops.append(_delete("virtualservice", obs_vs, _name(obs_vs, "")))
        if obs_l4 is not None:
            ops.append(_delete("l4policyset", obs_l4, _name(obs_l4, "")))
        for name in sorted(observed.pools):
            ops.append(_delete("pool", observed.pools[name], name))
        if obs_vip is not None:
            ops.append(_delete("vsvip", obs_vip, _name(obs_vip, "")))
        return tuple(ops)

    first: list[Operation] = []
    main: list[Operation] = []
    recreate = obs_vip is not None and _vip_must_be_recreated(desired.vsvip.payload, obs_vip)
    if recreate and obs_vip is not None:
        if obs_vs is not None:
            first.append(
                _delete("virtualservice", obs_vs, _name(obs_vs, desired.virtualservice.name))
            )
        first.append(_delete("vsvip", obs_vip, _name(obs_vip, desired.vsvip.name)))
        _sync(desired.vsvip, None, main)
    else:
        _sync(desired.vsvip, obs_vip, main)
    for pool in desired.pools:
        _sync(pool, observed.pools.get(pool.name), main)
    _sync(desired.l4policyset, obs_l4, main)
    _sync(desired.virtualservice, None if recreate else obs_vs, main)
    wanted = {p.name for p in desired.pools}
    last = [
        _delete("pool", observed.pools[name], name)
        for name in sorted(observed.pools)
        if name not in wanted
    ]
    return tuple(first + main + last)
