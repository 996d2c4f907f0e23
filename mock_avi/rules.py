"""Per-type write rules beyond the schema: VS service ports and pool server defaults.

``check_ports`` rejects a VirtualService whose ``services`` overlap on (port, protocol), within
itself or with another VS on the same VsVip. The protocol of a service entry comes from its
``override_network_profile_ref``, else the VS ``network_profile_ref`` (profile type TCP_* ->
TCP, UDP_* -> UDP, SCTP_* -> SCTP). Reads the store, never writes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mock_avi import errors
from mock_avi.errors import BadRequest
from mock_avi.models import PROTOCOL_OF_PROFILE
from mock_avi.refs import split_stored

if TYPE_CHECKING:
    from mock_avi.store import Prepared, Store

Listener = tuple[int, int, str]  # first port, last port, protocol


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


def fill_pool(body: dict[str, Any]) -> None:
    """Server defaults that depend on other fields (hostname defaults to the address)."""
    for server in body.get("servers", []) or []:
        server.setdefault("hostname", server["ip"]["addr"])
