"""IPAM for VsVips: pick or check each VIP's address inside a network's static VIP ranges.

``plan`` runs inside the store's write pipeline: it fills ``vip[].ip_address`` (and the
``ipam_network_subnet``) of a prepared VsVip and returns the addresses it will hold, raising
``BadRequest`` when an address is taken, out of range, exhausted, or would change on an
existing VsVip. It never writes to the store; the store commits the returned addresses.

``auto_allocate_ip_type`` chooses the families: ``V4_ONLY`` (the default) an IPv4
``ip_address``; ``V6_ONLY`` an IPv6 ``ip6_address`` only (never IPv4: no v6 range left is
``No free IP available``); ``V4_V6`` one of each. IPv6 addresses come from the v6 static ranges
of the same networks (``ipam_network_subnet.subnet6`` records the prefix).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mock_avi import errors
from mock_avi.errors import BadRequest
from mock_avi.refs import split_stored, stored

if TYPE_CHECKING:
    from mock_avi.store import Prepared, Record, Store

VIP_RANGE_TYPES = ("STATIC_IPS_FOR_VIP_AND_SE", "STATIC_IPS_FOR_VIP")


def addresses(body: Mapping[str, Any]) -> list[str]:
    """IPv4 and IPv6 addresses a stored VsVip body holds."""
    out = []
    for vip in body.get("vip", []) or []:
        for field in ("ip_address", "ip6_address"):
            addr = (vip.get(field) or {}).get("addr")
            if addr:
                out.append(addr)
    return out


def _ranges(
    network: Mapping[str, Any], version: int = 4
) -> Iterator[tuple[int, int, Mapping[str, Any]]]:
    """(first, last, prefix) of every static VIP range of one IP version of a network body."""
    for subnet in network.get("configured_subnets", []) or []:
        prefix = subnet.get("prefix", {})
        for entry in subnet.get("static_ip_ranges", []) or []:
            if entry.get("type", VIP_RANGE_TYPES[0]) in VIP_RANGE_TYPES:
                yield _span(entry.get("range", {}), prefix, version)
        for rng in subnet.get("static_ranges", []) or []:
            yield _span(rng, prefix, version)


def _span(
    rng: Mapping[str, Any], prefix: Mapping[str, Any], version: int = 4
) -> tuple[int, int, Mapping[str, Any]]:
    try:
        first = _address_int(rng["begin"]["addr"], version)
        last = _address_int(rng["end"]["addr"], version)
    except (KeyError, ValueError, TypeError):
        return (1, 0, prefix)
    return (first, last, prefix)


_PARSED: dict[tuple[str, int], int] = {}


def _address_int(text: Any, version: int) -> int:
    """``int(IPv4Address(text))`` (``IPv6Address`` for 6), each valid text parsed once: a
    network's range bounds are read again on every allocation. Raises as ``ipaddress`` does."""
    key = (text, version)
    found = _PARSED.get(key)  # an unhashable text raises TypeError, as ipaddress would
    if found is None or type(text) is not str:
        kind = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
        found = int(kind(text))
        if type(text) is str and len(_PARSED) < 4096:
            _PARSED[key] = found
    return found


def _networks(store: Store, prepared: Prepared, vip: Mapping[str, Any]) -> list[Record]:
    ref = (vip.get("ipam_network_subnet") or {}).get("network_ref") or vip.get("network_ref")
    if ref:
        return [store.records[split_stored(ref)[1]]]
    cloud = store.records.get(prepared.cloud or "")
    if cloud is None or not cloud.body.get("ipam_provider_ref"):
        return []
    profile = store.records.get(split_stored(cloud.body["ipam_provider_ref"])[1])
    if profile is None:
        return []
    internal = profile.body.get("internal_profile", {}) or {}
    refs = [u.get("nw_ref") for u in internal.get("usable_networks", []) or []]
    refs += internal.get("usable_network_refs", []) or []
    nets = [store.records[split_stored(r)[1]] for r in refs if r]
    if profile.body.get("allocate_ip_in_vrf"):
        vrf = prepared.body.get("vrf_context_ref")
        nets = [n for n in nets if n.body.get("vrf_context_ref") == vrf]
    return nets


def _subnet(prefix: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ip_addr": dict(prefix.get("ip_addr", {})),
        "mask": prefix.get("mask", 32),
    }


def plan(store: Store, prepared: Prepared, existing: Record | None) -> dict[str, str]:
    """Fill the VIP addresses of ``prepared`` in place; return {address: vip_id}."""
    vips: list[dict[str, Any]] = prepared.body.get("vip", []) or []
    for index, vip in enumerate(vips):
        vip.setdefault("vip_id", str(index))
    ids = [v["vip_id"] for v in vips]
    if len(set(ids)) != len(ids):
        raise BadRequest(errors.VIP_ID_CHANGE)
    old: dict[str, str] = {}
    old6: dict[str, str] = {}
    if existing is not None:
        for vip in existing.body.get("vip", []) or []:
            addr = (vip.get("ip_address") or {}).get("addr")
            if addr:
                old[vip.get("vip_id", "")] = addr
            addr6 = (vip.get("ip6_address") or {}).get("addr")
            if addr6:
                old6[vip.get("vip_id", "")] = addr6
        if old and set(ids) != {v.get("vip_id") for v in existing.body.get("vip", [])}:
            raise BadRequest(errors.VIP_ID_CHANGE + ". " + errors.VIP_RECREATE)
    held: dict[str, str] = {}
    for vip in vips:
        _plan_v6(store, prepared, vip, old6, held)
    for vip in vips:
        vip_id = vip["vip_id"]
        requested = (vip.get("ip_address") or {}).get("addr")
        if _keep_address(vip, "ip_address", "V4", old, held):
            continue
        auto = bool(vip.get("auto_allocate_ip"))
        if requested is None and vip.get("auto_allocate_ip_type") == "V6_ONLY":
            continue  # never an IPv4 address for V6_ONLY (its IPv6 one is planned above)
        if requested is None:
            if not auto:
                if vip.get("ip6_address"):
                    continue
                raise BadRequest(errors.VIP_NEEDS_ADDRESS.format(index=ids.index(vip_id)))
            addr, prefix, net = _allocate(store, prepared, vip, held)
        else:
            addr, prefix, net = _check_requested(store, prepared, vip, requested, auto, held)
        vip["ip_address"] = {"addr": addr, "type": "V4"}
        if net is not None:
            subnet = vip.setdefault("ipam_network_subnet", {})
            subnet.setdefault("network_ref", stored("network", net.uuid))
            if prefix:
                subnet.setdefault("subnet", _subnet(prefix))
        held[addr] = vip_id
    return held


def _keep_address(
    vip: dict[str, Any], field: str, family: str, old: Mapping[str, str], held: dict[str, str]
) -> bool:
    """An updated VsVip keeps the address its VIP already has in ``field`` (asking for another
    one is refused); whether the VIP had one."""
    vip_id = vip["vip_id"]
    if vip_id not in old:
        return False
    requested = (vip.get(field) or {}).get("addr")
    if requested is not None and requested != old[vip_id]:
        raise BadRequest(errors.VIP_IP_CHANGE.format(vip_id=vip_id, old=old[vip_id], new=requested))
    vip[field] = {"addr": old[vip_id], "type": family}
    held[old[vip_id]] = vip_id
    return True


def _plan_v6(
    store: Store,
    prepared: Prepared,
    vip: dict[str, Any],
    old6: Mapping[str, str],
    held: dict[str, str],
) -> None:
    """The IPv6 address of one VIP: kept, checked or allocated (``V6_ONLY`` and ``V4_V6``)."""
    vip_id = vip["vip_id"]
    requested = (vip.get("ip6_address") or {}).get("addr")
    if _keep_address(vip, "ip6_address", "V6", old6, held):
        return
    if requested is not None:
        try:
            requested = str(ipaddress.IPv6Address(requested))
        except ValueError:
            raise BadRequest(
                errors.IP_INVALID.format(field="vip.ip6_address.addr", addr=requested)
            ) from None
        holder = _holder(store, requested, prepared.uuid, held)
        if holder is not None:
            raise BadRequest(errors.IP_HELD.format(addr=requested, holder=holder))
        held[requested] = vip_id
        return
    wants_v6 = vip.get("auto_allocate_ip_type") in ("V6_ONLY", "V4_V6")
    if not (wants_v6 and vip.get("auto_allocate_ip")):
        return
    networks = _networks(store, prepared, vip)
    if not networks:
        raise BadRequest(errors.NO_IPAM_NETWORK)
    for net in networks:
        for first, last, prefix in sorted(_ranges(net.body, 6), key=lambda r: r[0]):
            for value in range(first, min(last, first + 65535) + 1):
                addr = str(ipaddress.IPv6Address(value))
                if _holder(store, addr, prepared.uuid, held) is None:
                    vip["ip6_address"] = {"addr": addr, "type": "V6"}
                    subnet = vip.setdefault("ipam_network_subnet", {})
                    subnet.setdefault("network_ref", stored("network", net.uuid))
                    if prefix:
                        subnet.setdefault("subnet6", _subnet(prefix))
                    held[addr] = vip_id
                    return
    raise BadRequest(errors.NO_FREE_IP)


def _holder(store: Store, addr: str, own: str, held: Mapping[str, str]) -> str | None:
    holder = store.vips.get(addr)
    if holder is not None and holder != own:
        return store.name_of(holder) or holder
    if addr in held:
        return store.name_of(own) or "this VsVip"
    return None


def _allocate(
    store: Store, prepared: Prepared, vip: Mapping[str, Any], held: Mapping[str, str]
) -> tuple[str, Mapping[str, Any] | None, Record | None]:
    networks = _networks(store, prepared, vip)
    if not networks:
        raise BadRequest(errors.NO_IPAM_NETWORK)
    for net in networks:
        for first, last, prefix in sorted(_ranges(net.body), key=lambda r: r[0]):
            # A new VsVip starts past the addresses known held (Store.ipam_floor), so the
            # N-th allocation does not test the N-1 before it; still the lowest free one.
            new = prepared.uuid not in store.records
            start = max(first, store.ipam_floor.get((first, last), first)) if new else first
            for value in range(start, last + 1):
                addr = socket.inet_ntoa(value.to_bytes(4, "big"))  # str(IPv4Address(value))
                if _holder(store, addr, prepared.uuid, held) is None:
                    if new:
                        store.ipam_floor[(first, last)] = value
                    return addr, prefix, net
    raise BadRequest(errors.NO_FREE_IP)


def _check_requested(
    store: Store,
    prepared: Prepared,
    vip: Mapping[str, Any],
    requested: str,
    auto: bool,
    held: Mapping[str, str],
) -> tuple[str, Mapping[str, Any] | None, Record | None]:
    try:
        value = int(ipaddress.IPv4Address(requested))
    except ValueError:
        raise BadRequest(
            errors.IP_INVALID.format(field="vip.ip_address.addr", addr=requested)
        ) from None
    holder = _holder(store, requested, prepared.uuid, held)
    if holder is not None:
        raise BadRequest(errors.IP_HELD.format(addr=requested, holder=holder))
    networks = _networks(store, prepared, vip)
    if not auto and not networks:
        return requested, None, None
    if not networks:
        raise BadRequest(errors.NO_IPAM_NETWORK)
    for net in networks:
        for first, last, prefix in _ranges(net.body):
            if first <= value <= last:
                return requested, prefix, net
    if not auto:
        return requested, None, None
    names = ", ".join(n.name for n in networks)
    raise BadRequest(errors.IP_OUT_OF_RANGE.format(addr=requested, networks=names))
