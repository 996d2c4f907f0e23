"""Desired Avi objects for a resolved key: VsVip, pools, L4PolicySet, VS (behaviour.md 3, 9).

Payloads are the exact JSON bodies to POST/PUT, with refs as name queries like AKO sends them.
Every object carries the markers clustername, Namespace and GatewayName=<key> (shared) or
ServiceName=<svc> (dedicated), so the engine can tell which key owns it; pools also carry
ServiceName, Port and Protocol. ``created_by`` is set on pools, the L4PolicySet and the VS; the
Avi VsVip model has no such field (the controller would refuse it), so the VsVip is owned by its
markers alone. Pure: no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.domain import naming
from simulator.domain.keys import Key
from simulator.domain.model import (
    ENTERPRISE_TIERS,
    AviObject,
    DesiredState,
    EndpointSliceView,
    InfraSettingView,
    L4RuleView,
    NodeView,
    Resolution,
    ServicePort,
    ServiceView,
    Settings,
)

L4_APP_PROFILE = "System-L4-Application"
SSL_APP_PROFILE = "System-SSL-Application"
UDP_PROFILE = "System-UDP-Fast-Path"
SCTP_PROFILE = "System-SCTP-Proxy"
TCP_PROXY_PROFILE = "System-TCP-Proxy"
TCP_FAST_PATH_PROFILE = "System-TCP-Fast-Path"
HEALTH_MONITORS = {"TCP": "System-TCP", "UDP": "System-UDP", "SCTP": "System-SCTP"}


_REF_FORMS = {
    "cloud": "/api/cloud?name=",
    "tenant": "/api/tenant/?name=",
    "vsvip": "/api/vsvip/?name=",
    "pool": "/api/pool?name=",
    "networkprofile": "/api/networkprofile/?name=",
    "applicationprofile": "/api/applicationprofile/?name=",
    "analyticsprofile": "/api/analyticsprofile/?name=",
    "healthmonitor": "/api/healthmonitor/?name=",
    "serviceenginegroup": "/api/serviceenginegroup?name=",
    "vrfcontext": "/api/vrfcontext?name=",
    "network": "/api/network/?name=",
    "l4policyset": "/api/l4policyset/?name=",
}


def ref(avi_type: str, name: str) -> str:
    """A name-query ref in the form AKO uses for each type."""
    form = _REF_FORMS.get(avi_type)
    return (form if form is not None else f"/api/{avi_type}/?name=") + name


def tcp_profile(settings: Settings) -> str:
    return TCP_PROXY_PROFILE if settings.license_tier in ENTERPRISE_TIERS else TCP_FAST_PATH_PROFILE


def network_profile(protocols: set[str], settings: Settings) -> str:
    """The VS network profile for a set of member protocols (section 3)."""
    if "TCP" in protocols:
        return tcp_profile(settings)
    if "UDP" in protocols:
        return UDP_PROFILE
    if "SCTP" in protocols:
        return SCTP_PROFILE
    return tcp_profile(settings)


def _own_profile(protocol: str, settings: Settings) -> str:
    return {"UDP": UDP_PROFILE, "SCTP": SCTP_PROFILE}.get(protocol, tcp_profile(settings))


def _marker(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "values": [value]}


def _owner_markers(key: Key, settings: Settings) -> list[dict[str, Any]]:
    owner = "GatewayName" if key.shared else "ServiceName"
    return [
        _marker("clustername", settings.cluster_name),
        _marker("Namespace", key.namespace),
        _marker(owner, key.name),
    ]


def _ip_entry(addr: str) -> dict[str, str]:
    return {"addr": addr, "type": "V6" if ipaddress.ip_address(addr).version == 6 else "V4"}


def _server_sort(entry: tuple[str, int]) -> tuple[int, int, int]:
    ip = ipaddress.ip_address(entry[0])
    return (ip.version, int(ip), entry[1])


@dataclass(frozen=True)
class _Entry:
    svc: ServiceView
    port: ServicePort
    pool: str

    @property
    def label(self) -> str:
        return f"{self.port.protocol}-{self.port.port}"


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _endpoint_servers(
    svc: ServiceView, port: ServicePort, slices: Sequence[EndpointSliceView]
) -> list[tuple[str, int]]:
    """ClusterIP mode: ready endpoints of the Service's slices (ako.md section 8)."""
    found: set[tuple[str, int]] = set()
    target = port.target_port
    for sl in slices:
        match = next(
            (
                sp
                for sp in sl.ports
                if sp.name == port.name
                or (isinstance(target, int) and sp.port == target and sp.protocol == port.protocol)
            ),
            None,
        )
        if match is None and len(slices) == 1 and len(sl.ports) == 1:
            match = sl.ports[0]
        if match is None:
            continue
        for ep in sl.endpoints:
            if ep.ready and ep.addresses and _valid_ip(ep.addresses[0]):
                found.add((str(ipaddress.ip_address(ep.addresses[0])), match.port))
    return sorted(found, key=_server_sort)


def _node_servers(
    svc: ServiceView,
    port: ServicePort,
    nodes: Sequence[NodeView],
    slices: Sequence[EndpointSliceView],
) -> list[tuple[str, int]]:
    """NodePort mode: node InternalIPs x nodePort (Local policy: nodes with ready endpoints)."""
    if port.node_port is None:
        return []
    hosting: set[str] | None = None
    if svc.external_traffic_policy == "Local":
        hosting = {ep.node_name for sl in slices for ep in sl.endpoints if ep.ready}
    found = {
        (str(ipaddress.ip_address(n.internal_ip)), port.node_port)
        for n in nodes
        if n.internal_ip and _valid_ip(n.internal_ip) and (hosting is None or n.name in hosting)
    }
    return sorted(found, key=_server_sort)


def _pool_payload(
    entry: _Entry,
    key: Key,
    servers: list[tuple[str, int]],
    resolution: Resolution,
    settings: Settings,
) -> dict[str, Any]:
    proto = entry.port.protocol
    markers = [
        _marker("clustername", settings.cluster_name),
        _marker("Namespace", key.namespace),
        _marker("ServiceName", entry.svc.name),
        _marker("Port", str(entry.port.port)),
        _marker("Protocol", proto),
    ]
    if key.shared:
        markers.append(_marker("GatewayName", key.name))
    payload: dict[str, Any] = {
        "name": entry.pool,
        "created_by": settings.created_by,
        "tenant_ref": ref("tenant", settings.tenant),
        "cloud_ref": ref("cloud", settings.cloud),
        "vrf_ref": ref("vrfcontext", settings.vrf),
        "servers": [{"ip": _ip_entry(ip), "port": p} for ip, p in servers],
        "health_monitor_refs": [ref("healthmonitor", HEALTH_MONITORS.get(proto, "System-TCP"))],
        "markers": markers,
    }
    infra = resolution.infra
    if infra is not None and infra.node_networks:
        payload["placement_networks"] = _placement_networks(infra)
    if resolution.l4rule is not None:
        payload.update(_backend_overrides(resolution.l4rule, entry.port.port, proto))
    return payload


def _placement_networks(infra: InfraSettingView) -> list[dict[str, Any]]:
    """The AviInfraSetting's node networks (the first CIDR of each as its subnet)."""
    placements: list[dict[str, Any]] = []
    for net in infra.node_networks:
        placement: dict[str, Any] = {"network_ref": ref("network", net.name)}
        if net.cidrs:
            try:
                cidr = ipaddress.ip_network(net.cidrs[0], strict=False)
            except ValueError:
                cidr = None
            if cidr is not None:
                placement["subnet"] = {
                    "ip_addr": _ip_entry(str(cidr.network_address)),
                    "mask": cidr.prefixlen,
                }
        placements.append(placement)
    return placements


def _backend_overrides(rule: L4RuleView, port: int, protocol: str) -> dict[str, Any]:
    """Pool fields an L4Rule's backendProperties set for this port/protocol (the first match)."""
    for bp in rule.backend_properties:
        if bp.port != port or bp.protocol != protocol:
            continue
        found: dict[str, Any] = {}
        if bp.lb_algorithm is not None:
            found["lb_algorithm"] = bp.lb_algorithm
        if bp.health_monitor_refs is not None:
            found["health_monitor_refs"] = [
                ref("healthmonitor", hm) for hm in bp.health_monitor_refs
            ]
        if bp.enabled is not None:
            found["enabled"] = bp.enabled
        if bp.min_servers_up is not None:
            found["min_servers_up"] = bp.min_servers_up
        return found
    return {}


def _vs_services(
    entries: Sequence[_Entry],
    profile: str,
    mixed: bool,
    rule: L4RuleView | None,
    settings: Settings,
) -> list[dict[str, Any]]:
    ssl_ports = (
        {(lp.port, lp.protocol) for lp in rule.listener_properties if lp.enable_ssl}
        if rule is not None
        else set()
    )
    services: list[dict[str, Any]] = []
    for entry in sorted(entries, key=lambda e: (e.label, e.pool)):
        port = entry.port
        service: dict[str, Any] = {
            "port": port.port,
            "port_range_end": port.port,
            "enable_ssl": (port.port, port.protocol) in ssl_ports,
            "enable_http2": False,
        }
        own = _own_profile(port.protocol, settings)
        if mixed and own != profile:
            service["override_network_profile_ref"] = ref("networkprofile", own)
        services.append(service)
    return services


def _slices_by_service(
    key: Key, endpoint_slices: Sequence[EndpointSliceView]
) -> dict[str, list[EndpointSliceView]]:
    """The key's namespace's slices by the Service they belong to, each list sorted by name."""
    found: dict[str, list[EndpointSliceView]] = {}
    for sl in endpoint_slices:
        if sl.namespace == key.namespace:
            found.setdefault(sl.service_name, []).append(sl)
    for group in found.values():
        group.sort(key=lambda s: s.name)
    return found


def _pools(
    entries: Sequence[_Entry],
    resolution: Resolution,
    endpoint_slices: Sequence[EndpointSliceView],
    nodes: Sequence[NodeView],
    settings: Settings,
) -> list[AviObject]:
    """One pool per member port, servers from endpoints (ClusterIP) or nodes (NodePort)."""
    key = resolution.key
    slices_by_svc = _slices_by_service(key, endpoint_slices)
    sorted_nodes = sorted(nodes, key=lambda n: n.name)
    pools: list[AviObject] = []
    for entry in entries:
        slices = slices_by_svc.get(entry.svc.name, [])
        if settings.service_type == "NodePort":
            servers = _node_servers(entry.svc, entry.port, sorted_nodes, slices)
        else:
            servers = _endpoint_servers(entry.svc, entry.port, slices)
        payload = _pool_payload(entry, key, servers, resolution, settings)
        pools.append(AviObject("pool", entry.pool, payload))
    return pools


def _vsvip_payload(name: str, resolution: Resolution, settings: Settings) -> dict[str, Any]:
    """The VsVip: one auto-allocated VIP on the VIP network (AviInfraSetting's, else the
    engine's), the preferred IP when the group asks for one, BGP peer labels with RHI."""
    infra = resolution.infra
    vip_networks = (infra.vip_networks if infra and infra.vip_networks else None) or (
        settings.vip_networks
    )
    vip: dict[str, Any] = {"vip_id": "0", "auto_allocate_ip": True}
    if vip_networks:
        vip["ipam_network_subnet"] = {"network_ref": ref("network", vip_networks[0])}
    if resolution.preferred_ip is not None:
        vip["ip_address"] = _ip_entry(resolution.preferred_ip)
    payload: dict[str, Any] = {
        "name": name,
        "tenant_ref": ref("tenant", settings.tenant),
        "cloud_ref": ref("cloud", settings.cloud),
        "vrf_context_ref": ref("vrfcontext", settings.vrf),
        "east_west_placement": False,
        "vip": [vip],
        "markers": _owner_markers(resolution.key, settings),
    }
    if _rhi(resolution) and infra is not None and infra.bgp_peer_labels:
        payload["bgp_peer_labels"] = list(infra.bgp_peer_labels)
    return payload


def _rhi(resolution: Resolution) -> bool:
    return bool(resolution.infra is not None and resolution.infra.enable_rhi)


def _l4_rule(index: int, entry: _Entry) -> dict[str, Any]:
    return {
        "name": ref("pool", entry.pool),
        "index": index,
        "action": {
            "select_pool": {
                "action_type": "L4_RULE_ACTION_SELECT_POOL",
                "pool_ref": ref("pool", entry.pool),
            }
        },
        "match": {
            "port": {"ports": [entry.port.port], "match_criteria": "IS_IN"},
            "protocol": {
                "match_criteria": "IS_IN",
                "protocol": f"PROTOCOL_{entry.port.protocol}",
            },
        },
    }


def _l4policyset_payload(
    name: str, entries: Sequence[_Entry], key: Key, settings: Settings
) -> dict[str, Any]:
    """The L4PolicySet: one rule per member port selecting that port's pool."""
    return {
        "name": name,
        "created_by": settings.created_by,
        "tenant_ref": ref("tenant", settings.tenant),
        "markers": _owner_markers(key, settings),
        "l4_connection_policy": {
            "rules": [_l4_rule(index, entry) for index, entry in enumerate(entries)]
        },
    }


def _profiles(
    rule: L4RuleView | None, network: str, services: Sequence[Mapping[str, Any]]
) -> tuple[str, str]:
    """(application profile, network profile) of the VS: the L4Rule's refs override the
    defaults; an SSL listener turns the default L4 application profile into the SSL one."""
    app_profile = L4_APP_PROFILE
    vs_profile = network
    if rule is not None:
        app_profile = rule.application_profile_ref or app_profile
        vs_profile = rule.network_profile_ref or vs_profile
        if app_profile == L4_APP_PROFILE and any(s["enable_ssl"] for s in services):
            app_profile = SSL_APP_PROFILE
    return app_profile, vs_profile


def _performance_limits(rule: L4RuleView) -> dict[str, Any]:
    limits = rule.performance_limits
    perf: dict[str, Any] = {}
    if limits is not None:
        if limits.max_concurrent_connections is not None:
            perf["max_concurrent_connections"] = limits.max_concurrent_connections
        if limits.max_throughput is not None:
            perf["max_throughput"] = limits.max_throughput
    return perf


def _vs_payload(
    name: str, entries: Sequence[_Entry], resolution: Resolution, settings: Settings
) -> dict[str, Any]:
    """The VS: one service entry per member port (a network profile override where the
    protocols are mixed), the L4PolicySet instead of a pool, the L4Rule's VS properties."""
    infra = resolution.infra
    rule = resolution.l4rule
    protocols = {e.port.protocol for e in entries}
    network = network_profile(protocols, settings)
    services = _vs_services(entries, network, len(protocols) > 1, rule, settings)
    app_profile, vs_profile = _profiles(rule, network, services)
    payload: dict[str, Any] = {
        "name": name,
        "created_by": settings.created_by,
        "cloud_ref": ref("cloud", settings.cloud),
        "tenant_ref": ref("tenant", settings.tenant),
        "vsvip_ref": ref("vsvip", name),
        "application_profile_ref": ref("applicationprofile", app_profile),
        "network_profile_ref": ref("networkprofile", vs_profile),
        "se_group_ref": ref(
            "serviceenginegroup", (infra.se_group if infra else None) or settings.se_group
        ),
        "vrf_context_ref": ref("vrfcontext", settings.vrf),
        "services": services,
        "l4_policies": [{"l4_policy_set_ref": ref("l4policyset", name), "index": 0}],
        "markers": _owner_markers(resolution.key, settings),
    }
    if _rhi(resolution):
        payload["enable_rhi"] = True
    if rule is not None:
        if rule.analytics_profile_ref:
            payload["analytics_profile_ref"] = ref("analyticsprofile", rule.analytics_profile_ref)
        perf = _performance_limits(rule)
        if perf:
            payload["performance_limits"] = perf
    return payload


def build(
    resolution: Resolution,
    endpoint_slices: Sequence[EndpointSliceView],
    nodes: Sequence[NodeView],
    settings: Settings,
) -> DesiredState | None:
    """The objects that must exist for the key, or None when nothing must exist.

    ``endpoint_slices`` may hold slices of any Service: they are matched to members by
    namespace and the ``kubernetes.io/service-name`` label. ``nodes`` are used in NodePort mode.
    """
    if resolution.misconfiguration is not None or not resolution.members:
        return None
    key = resolution.key
    name = naming.vs_name(key, settings)
    entries = [
        _Entry(svc, port, naming.pool_name(key, svc.name, port.protocol, port.port, settings))
        for svc in resolution.members
        for port in svc.ports
    ]
    return DesiredState(
        key=key,
        vsvip=AviObject("vsvip", name, _vsvip_payload(name, resolution, settings)),
        pools=tuple(_pools(entries, resolution, endpoint_slices, nodes, settings)),
        l4policyset=AviObject(
            "l4policyset", name, _l4policyset_payload(name, entries, key, settings)
        ),
        virtualservice=AviObject(
            "virtualservice", name, _vs_payload(name, entries, resolution, settings)
        ),
        member_names=tuple(s.name for s in resolution.members),
    )
