"""Per-type write rules beyond the schema: VS service ports and VRFs, pool servers, VIP addresses.

``check_ports`` rejects a VirtualService whose ``services`` overlap on (port, protocol), within
itself or with another VS on the same VsVip. The protocol of a service entry comes from its
``override_network_profile_ref``, else the VS ``network_profile_ref`` (profile type TCP_* ->
TCP, UDP_* -> UDP, SCTP_* -> SCTP). Reads the store, never writes it.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mock_avi import errors
from mock_avi.errors import BadRequest
from mock_avi.object_types import PROTOCOL_OF_PROFILE
from mock_avi.refs import split_stored

if TYPE_CHECKING:
    from mock_avi.store import Prepared, Store

Listener = tuple[int, int, str]  # first port, last port, protocol
HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?")


def _protocol(store: Store, ref: str | None) -> str:
    if not ref:
        return "TCP"
    rec = store.records.get(split_stored(ref)[1])
    kind = ((rec.body.get("profile") or {}).get("type", "") if rec else "") or ""
    for prefix, proto in PROTOCOL_OF_PROFILE.items():
        if kind.startswith(prefix):
            return proto
    return "TCP"


def listeners(store: Store, body: Mapping[str, Any]) -> list[Listener]:
    """The (first, last, protocol) of every service entry of a stored VS body."""
    default = _protocol(store, body.get("network_profile_ref"))
    out = []
    for svc in body.get("services", []) or []:
        override = svc.get("override_network_profile_ref")
        proto = _protocol(store, override) if override else default
        out.append((svc["port"], svc.get("port_range_end", svc["port"]), proto))
    return out


def _describe(listener: Listener) -> str:
    first, last, proto = listener
    return f"{first}/{proto}" if first == last else f"{first}-{last}/{proto}"


def check_ports(store: Store, prepared: Prepared) -> None:
    body = prepared.body
    for index, svc in enumerate(body.get("services", []) or []):
        port = svc["port"]
        svc.setdefault("port_range_end", port)
        end = svc["port_range_end"]
        if not 1 <= port <= 65535 or not port <= end <= 65535:
            raise BadRequest(
                errors.WRONG_TYPE.format(
                    field=f"services[{index}]", value=f"{port}-{end}", expected="a port range"
                )
            )
    mine = listeners(store, body)
    name = body["name"]
    ordered = sorted(mine, key=lambda x: (x[2], x[0]))
    for prev, cur in itertools.pairwise(ordered):
        if prev[2] == cur[2] and cur[0] <= prev[1]:
            raise BadRequest(
                errors.PORT_CONFLICT.format(
                    port=_describe(cur)[: _describe(cur).index("/")],
                    protocol=cur[2],
                    vs=name,
                    other="another service of the same virtual service",
                )
            )
    vsvip_ref = body.get("vsvip_ref")
    if not vsvip_ref:
        return
    vsvip_uuid = split_stored(vsvip_ref)[1]
    for other in store.referrer_records(vsvip_uuid):
        if other.type != "virtualservice" or other.uuid == prepared.uuid:
            continue
        for theirs in listeners(store, other.body):
            for ours in mine:
                if ours[2] == theirs[2] and ours[0] <= theirs[1] and theirs[0] <= ours[1]:
                    raise BadRequest(
                        errors.PORT_CONFLICT.format(
                            port=_describe(ours).split("/")[0],
                            protocol=ours[2],
                            vs=name,
                            other=f"virtualservice '{other.name}' ({_describe(theirs)}) "
                            f"on the same VsVip",
                        )
                    )


def check_address(ip: Any, field: str) -> None:
    """An ``IpAddr``: the address must parse, and match its ``type`` (V4, V6; DNS a name)."""
    if not isinstance(ip, Mapping):
        return
    addr, kind = ip.get("addr"), ip.get("type", "V4")
    if not isinstance(addr, str):
        return
    if kind == "DNS":
        if not HOSTNAME.fullmatch(addr):
            raise BadRequest(errors.ADDR_INVALID.format(field=field, addr=addr, kind=kind))
        return
    try:
        parsed = ipaddress.ip_address(addr)
    except ValueError:
        raise BadRequest(errors.ADDR_INVALID.format(field=field, addr=addr, kind=kind)) from None
    if (kind == "V4") != (parsed.version == 4):
        raise BadRequest(errors.ADDR_TYPE_MISMATCH.format(field=field, addr=addr, kind=kind))


def _check_port(value: Any, field: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= 65535:
        raise BadRequest(errors.PORT_RANGE.format(field=field, port=value))


def fill_pool(body: dict[str, Any]) -> None:
    """Checks the controller makes on a pool's servers (addresses, ports, duplicates), then the
    defaults that depend on other fields (hostname defaults to the address)."""
    _check_port(body.get("default_server_port"), "default_server_port")
    seen: set[tuple[str, int]] = set()
    default_port = body.get("default_server_port", 80)
    for index, server in enumerate(body.get("servers", []) or []):
        check_address(server.get("ip"), f"servers[{index}].ip")
        _check_port(server.get("port"), f"servers[{index}].port")
        key = (str(server["ip"].get("addr")), int(server.get("port", default_port)))
        if key in seen:
            raise BadRequest(errors.DUPLICATE_SERVER.format(addr=key[0], port=key[1]))
        seen.add(key)
        server.setdefault("hostname", server["ip"]["addr"])


def check_vips(body: Mapping[str, Any]) -> None:
    for index, vip in enumerate(body.get("vip", []) or []):
        for key in ("ip_address", "ip6_address", "floating_ip", "floating_ip6"):
            check_address(vip.get(key), f"vip[{index}].{key}")
        six = vip.get("ip6_address")
        if isinstance(six, Mapping) and six.get("type", "V6") != "V6":
            raise BadRequest(
                errors.ADDR_TYPE_MISMATCH.format(
                    field=f"vip[{index}].ip6_address", addr=six.get("addr"), kind=six.get("type")
                )
            )


def check_vrf(store: Store, prepared: Prepared) -> None:
    """A VS, its pools and its VsVip must be in one VRF (the controller's own text)."""
    body = prepared.body
    vrf = body.get("vrf_context_ref")
    if not isinstance(vrf, str):
        return
    for ref in _pool_refs(store, body):
        pool = store.records.get(split_stored(ref)[1])
        if pool is not None and pool.body.get("vrf_ref", vrf) != vrf:
            raise BadRequest(errors.VRF_MISMATCH.format(vs=body["name"], pool=pool.name))
    vsvip_ref = body.get("vsvip_ref")
    if isinstance(vsvip_ref, str):
        vsvip = store.records.get(split_stored(vsvip_ref)[1])
        if vsvip is not None and vsvip.body.get("vrf_context_ref", vrf) != vrf:
            raise BadRequest(errors.VRF_MISMATCH_VSVIP.format(vs=body["name"], vsvip=vsvip.name))


def _pool_refs(store: Store, body: Mapping[str, Any]) -> list[str]:
    refs = [body["pool_ref"]] if isinstance(body.get("pool_ref"), str) else []
    for sel in body.get("service_pool_select", []) or []:
        if isinstance(sel.get("service_pool_ref"), str):
            refs.append(sel["service_pool_ref"])
    groups = [body.get("pool_group_ref")] + [
        s.get("service_pool_group_ref") for s in body.get("service_pool_select", []) or []
    ]
    for group_ref in groups:
        if isinstance(group_ref, str):
            group = store.records.get(split_stored(group_ref)[1])
            for member in (group.body.get("members", []) if group else []) or []:
                if isinstance(member.get("pool_ref"), str):
                    refs.append(member["pool_ref"])
    return refs
