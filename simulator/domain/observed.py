"""Reading Avi objects as the controller returns them: VIPs, refs and markers, in one place.

The engine (status, diff, the Avi cache's ownership), the views (topology, dashboard) and the
BDD drivers all read these facts from GET/POST bodies; they import them from here.

VIP rule, as AKO reads a VsVip (``AviVsVipCacheAdd`` then ``GetIPAddrsFromCache``): over all
``vip[]`` entries, the floating IPs (``floating_ip``, only where ``auto_allocate_floating_ip`` is
true) when there are any; otherwise the IPv4 ``ip_address`` then the IPv6 ``ip6_address``. AKO
also skips the address family ``auto_allocate_ip_type`` excludes (``V4_ONLY`` is its default);
here that field is honoured when the body has it, and a body without it (not as the controller
returns it) gives whatever address it holds. The address AKO writes into a Service's status is
the first of these.

Refs come in three forms: a name query (``/api/pool?name=p``, as AKO sends them), a URL with
``#name`` (GET with ``include_name``) and the stored ``/api/<type>/<uuid>`` form.

Markers are ``[{"key": k, "values": [v, ...]}]``; the first value of the first marker of a key
counts. Pure: no I/O, standard library only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulator.domain.keys import Key
from simulator.domain.model import Settings

V4_TYPES = frozenset({"V4_ONLY", "V4_V6"})
V6_TYPES = frozenset({"V6_ONLY", "V4_V6"})

_REF = re.compile(
    r"^(?:https?://[^/]+)?/api/(?P<type>[A-Za-z0-9_-]+)/?"
    r"(?:\?(?P<query>[^#]*)|(?P<uuid>[^/?#]+)/?(?:#(?P<name>.*))?)$"
)


def _map(value: Any) -> Mapping[str, Any]:
    # a dict first: the ABC check of isinstance(value, Mapping) costs several times more
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _addr(vip: Mapping[str, Any], field_name: str) -> str | None:
    addr = _map(vip.get(field_name)).get("addr")
    return addr if isinstance(addr, str) and addr else None


# -- VIPs -----------------------------------------------------------------------------------


def vip_addresses(vsvip: Any) -> list[str]:
    """Every address of a VsVip, in the order AKO reports them (see the module docstring)."""
    floating: list[str] = []
    fixed: list[str] = []
    v6: list[str] = []
    for raw in _list(_map(vsvip).get("vip")):
        vip = _map(raw)
        ip_type = vip.get("auto_allocate_ip_type")
        if vip.get("auto_allocate_floating_ip") is True and (fip := _addr(vip, "floating_ip")):
            floating.append(fip)
        if (ip_type is None or ip_type in V4_TYPES) and (addr := _addr(vip, "ip_address")):
            fixed.append(addr)
        if (ip_type is None or ip_type in V6_TYPES) and (addr := _addr(vip, "ip6_address")):
            v6.append(addr)
    found = floating or fixed + v6
    return list(dict.fromkeys(found))


def vip_of(vsvip: Any) -> str | None:
    """The address a Service shows for this VsVip (the first of :func:`vip_addresses`)."""
    addresses = vip_addresses(vsvip)
    return addresses[0] if addresses else None


# -- refs -----------------------------------------------------------------------------------


def ref_parts(ref: Any) -> tuple[str | None, str | None]:
    """(uuid, name) named by a ref: ``.../api/<type>/<uuid>[#name]`` or ``/api/<type>?name=x``."""
    if not isinstance(ref, str) or not ref:
        return (None, None)
    body, _, fragment = ref.partition("#")
    parts = urlsplit(body)
    names = parse_qs(parts.query).get("name")
    if names:
        return (None, names[0])
    segments = [s for s in parts.path.split("/") if s]
    uuid = segments[-1] if len(segments) >= 3 and segments[-3] == "api" else None
    return (uuid, fragment or None)


@functools.lru_cache(maxsize=1 << 16)
def normalise_ref(value: str) -> str | tuple[str, str]:
    """``(type, name)`` for a ref (name query or URL with ``#name``), ``(type, "uuid:<uuid>")``
    for a bare URL; other strings unchanged. Remembered for the last 65,536 strings: the same
    refs (tenant, cloud, VRF, profiles, pools) are compared on every plan."""
    if "/api/" not in value:
        return value
    m = _REF.match(value)
    if m is None:
        return value
    avi_type = m.group("type")
    query = m.group("query")
    if query is not None:
        for part in query.split("&"):
            if part.startswith("name="):
                return (avi_type, part[len("name=") :])
        return value
    name = m.group("name")
    if name:
        return (avi_type, name)
    return (avi_type, "uuid:" + (m.group("uuid") or ""))


# -- markers and ownership ------------------------------------------------------------------


def markers(obj: Any) -> dict[str, str]:
    """The first value of each marker key."""
    found: dict[str, str] = {}
    for raw in _list(_map(obj).get("markers")):
        marker = _map(raw)
        key = marker.get("key")
        values = _list(marker.get("values"))
        if isinstance(key, str) and values and isinstance(values[0], str):
            found.setdefault(key, values[0])
    return found


def marker(obj: Any, key: str) -> str | None:
    """The first value of the marker ``key``, if the object has one."""
    return markers(obj).get(key)


def owned_key(obj: Any, settings: Settings) -> Key | None:
    """The key an observed Avi object belongs to, from its markers, or None if not ours.

    ``clustername`` must equal the cluster name and ``created_by``, when the object has one
    (the VsVip model has none), must be ``ako-<cluster>``. ``GatewayName`` gives a shared key,
    else ``ServiceName`` a dedicated one.
    """
    if type(obj) is not dict and not isinstance(obj, Mapping):
        return None
    found = markers(obj)
    if found.get("clustername") != settings.cluster_name:
        return None
    created_by = obj.get("created_by")
    if created_by is not None and created_by != settings.created_by:
        return None
    namespace = found.get("Namespace")
    if not namespace:
        return None
    if found.get("GatewayName"):
        return Key(namespace, found["GatewayName"], True)
    if found.get("ServiceName"):
        return Key(namespace, found["ServiceName"], False)
    return None
