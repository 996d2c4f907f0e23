"""Desired Avi payloads for a resolved key (behaviour.md sections 3, 4, 9; ako.md 6-8)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.domain.desired import build
from simulator.domain.grouping import resolve
from simulator.domain.model import (
    BackendProperty,
    DesiredState,
    EndpointSliceView,
    InfraSettingView,
    Key,
    L4RuleView,
    ListenerProperty,
    NodeNetwork,
    NodeView,
    PerformanceLimits,
    ServiceView,
    Settings,
)
from tests.unit.domain.domain_builders import node, slice_, sv, ts

S = Settings()
KEY = Key("default", "shared-vip-key-1", True)
VS = "cluster--default-shared-vip-key-1"
POOL1 = "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80"
POOL2 = "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80"
MARKERS = [
    {"key": "clustername", "values": ["cluster"]},
    {"key": "Namespace", "values": ["default"]},
    {"key": "GatewayName", "values": ["shared-vip-key-1"]},
]


def example(**extra: Any) -> list[ServiceView]:
    """The spec's two Services (80/TCP and 80/UDP, targetPort 8080) with extra fields."""
    return [
        sv(
            "sharedvip-avisvc-lb1",
            key="shared-vip-key-1",
            ts=ts(1),
            ports=[("", 80, "TCP", 8080)],
            **extra,
        ),
        sv(
            "sharedvip-avisvc-lb2",
            key="shared-vip-key-1",
            ts=ts(2),
            ports=[("", 80, "UDP", 8080)],
            **extra,
        ),
    ]


def desired_for(
    services: list[ServiceView],
    key: Key = KEY,
    slices: list[EndpointSliceView] | None = None,
    nodes: list[NodeView] | None = None,
    settings: Settings = S,
    **kwargs: Any,
) -> DesiredState:
    r = resolve(key, services, kwargs.get("infra", {}), kwargs.get("l4rules", {}), settings)
    d = build(r, slices or [], nodes or [], settings)
    assert d is not None
    return d


def pool_payload(svc: str, proto: str, name: str, servers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "created_by": "ako-cluster",
        "tenant_ref": "/api/tenant/?name=admin",
        "cloud_ref": "/api/cloud?name=Default-Cloud",
        "vrf_ref": "/api/vrfcontext?name=global",
        "servers": servers,
        "health_monitor_refs": [f"/api/healthmonitor/?name=System-{proto}"],
        "markers": [
            {"key": "clustername", "values": ["cluster"]},
            {"key": "Namespace", "values": ["default"]},
            {"key": "ServiceName", "values": [svc]},
            {"key": "Port", "values": ["80"]},
            {"key": "Protocol", "values": [proto]},
            {"key": "GatewayName", "values": ["shared-vip-key-1"]},
        ],
    }


def rule(index: int, pool: str, proto: str) -> dict[str, Any]:
    return {
        "name": f"/api/pool?name={pool}",
        "index": index,
        "action": {
            "select_pool": {
                "action_type": "L4_RULE_ACTION_SELECT_POOL",
                "pool_ref": f"/api/pool?name={pool}",
            }
        },
        "match": {
            "port": {"ports": [80], "match_criteria": "IS_IN"},
            "protocol": {"match_criteria": "IS_IN", "protocol": f"PROTOCOL_{proto}"},
        },
    }


def test_spec_example_1_exact_payloads() -> None:
    slices = [
        EndpointSliceView.from_k8s(
            slice_("sharedvip-avisvc-lb1", [("10.244.0.5", True), ("10.244.0.4", True)])
        ),
        EndpointSliceView.from_k8s(
            slice_("sharedvip-avisvc-lb2", [("10.244.0.6", True)], ports=[("", 8080, "UDP")])
        ),
    ]
    d = desired_for(example(), slices=slices)
    assert d.key == KEY
    assert d.member_names == ("sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2")
    assert (d.vsvip.type, d.vsvip.name) == ("vsvip", VS)
    assert d.vsvip.payload == {
        "name": VS,
        "tenant_ref": "/api/tenant/?name=admin",
        "cloud_ref": "/api/cloud?name=Default-Cloud",
        "vrf_context_ref": "/api/vrfcontext?name=global",
        "east_west_placement": False,
        "vip": [
            {
                "vip_id": "0",
                "auto_allocate_ip": True,
                "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
            }
        ],
        "markers": MARKERS,
    }
    assert [(p.type, p.name) for p in d.pools] == [("pool", POOL1), ("pool", POOL2)]
    assert d.pools[0].payload == pool_payload(
        "sharedvip-avisvc-lb1",
        "TCP",
        POOL1,
        [
            {"ip": {"addr": "10.244.0.4", "type": "V4"}, "port": 8080},
            {"ip": {"addr": "10.244.0.5", "type": "V4"}, "port": 8080},
        ],
    )
    assert d.pools[1].payload == pool_payload(
        "sharedvip-avisvc-lb2",
        "UDP",
        POOL2,
        [{"ip": {"addr": "10.244.0.6", "type": "V4"}, "port": 8080}],
    )
    assert (d.l4policyset.type, d.l4policyset.name) == ("l4policyset", VS)
    assert d.l4policyset.payload == {
        "name": VS,
        "created_by": "ako-cluster",
        "tenant_ref": "/api/tenant/?name=admin",
        "markers": MARKERS,
        "l4_connection_policy": {"rules": [rule(0, POOL1, "TCP"), rule(1, POOL2, "UDP")]},
    }
    assert (d.virtualservice.type, d.virtualservice.name) == ("virtualservice", VS)
    assert d.virtualservice.payload == {
        "name": VS,
        "created_by": "ako-cluster",
        "cloud_ref": "/api/cloud?name=Default-Cloud",
        "tenant_ref": "/api/tenant/?name=admin",
        "vsvip_ref": f"/api/vsvip/?name={VS}",
        "application_profile_ref": "/api/applicationprofile/?name=System-L4-Application",
        "network_profile_ref": "/api/networkprofile/?name=System-TCP-Proxy",
        "se_group_ref": "/api/serviceenginegroup?name=Default-Group",
        "vrf_context_ref": "/api/vrfcontext?name=global",
        "services": [
            {"port": 80, "port_range_end": 80, "enable_ssl": False, "enable_http2": False},
            {
                "port": 80,
                "port_range_end": 80,
                "enable_ssl": False,
                "enable_http2": False,
                "override_network_profile_ref": "/api/networkprofile/?name=System-UDP-Fast-Path",
            },
        ],
        "l4_policies": [{"l4_policy_set_ref": f"/api/l4policyset/?name={VS}", "index": 0}],
        "markers": MARKERS,
    }


@pytest.mark.parametrize(
    "extra",
    [{"lb_ip": "100.64.196.75"}, {"ip_annotation": "100.64.196.75"}],
    ids=["example-2-spec-ip", "example-3-annotation"],
)
def test_spec_examples_2_and_3_request_the_preferred_ip(extra: dict[str, str]) -> None:
    d = desired_for(example(**extra))
    assert d.vsvip.payload["vip"] == [
        {
            "vip_id": "0",
            "auto_allocate_ip": True,
            "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
            "ip_address": {"addr": "100.64.196.75", "type": "V4"},
        }
    ]
    assert [p.name for p in d.pools] == [POOL1, POOL2]


def test_ipv6_preferred_ip() -> None:
    d = desired_for([sv("a", key="k", lb_ip="fd00::10")], key=Key("default", "k", True))
    assert d.vsvip.payload["vip"][0]["ip_address"] == {"addr": "fd00::10", "type": "V6"}


TCP_PROXY = "/api/networkprofile/?name=System-TCP-Proxy"
TCP_FAST = "/api/networkprofile/?name=System-TCP-Fast-Path"
UDP = "/api/networkprofile/?name=System-UDP-Fast-Path"
SCTP = "/api/networkprofile/?name=System-SCTP-Proxy"


@pytest.mark.parametrize(
    ("protos", "tier", "vs_profile", "services"),
    [
        (["TCP"], "ENTERPRISE", TCP_PROXY, [("TCP", None)]),
        (["TCP"], "ENTERPRISE_WITH_CLOUD_SERVICES", TCP_PROXY, [("TCP", None)]),
        (["TCP"], "ESSENTIALS", TCP_FAST, [("TCP", None)]),
        (["UDP"], "ENTERPRISE", UDP, [("UDP", None)]),
        (["SCTP"], "ENTERPRISE", SCTP, [("SCTP", None)]),
        (["TCP", "UDP"], "ENTERPRISE", TCP_PROXY, [("TCP", None), ("UDP", UDP)]),
        (["TCP", "UDP"], "ESSENTIALS", TCP_FAST, [("TCP", None), ("UDP", UDP)]),
        (["UDP", "SCTP"], "ENTERPRISE", UDP, [("SCTP", SCTP), ("UDP", None)]),
        (["TCP", "SCTP"], "ENTERPRISE", TCP_PROXY, [("SCTP", SCTP), ("TCP", None)]),
        (["TCP", "SCTP"], "BASIC", TCP_FAST, [("SCTP", SCTP), ("TCP", None)]),
        (
            ["UDP", "TCP", "SCTP"],
            "ENTERPRISE",
            TCP_PROXY,
            [("SCTP", SCTP), ("TCP", None), ("UDP", UDP)],
        ),
    ],
)
def test_network_profile_by_protocol_mix_and_licence(
    protos: list[str], tier: str, vs_profile: str, services: list[tuple[str, str | None]]
) -> None:
    members = [
        sv(f"s{i}", key="k", ts=ts(i), ports=[("", 53, proto)]) for i, proto in enumerate(protos)
    ]
    d = desired_for(members, key=Key("default", "k", True), settings=Settings(license_tier=tier))
    vs = d.virtualservice.payload
    assert vs["network_profile_ref"] == vs_profile
    # services sorted by "<PROTO>-<port>", one per member port
    got = [(s["port"], s.get("override_network_profile_ref")) for s in vs["services"]]
    assert got == [(53, override) for _, override in services]
    pools = {p.payload["markers"][4]["values"][0]: p.payload for p in d.pools}
    for proto in protos:
        assert pools[proto]["health_monitor_refs"] == [f"/api/healthmonitor/?name=System-{proto}"]
    rules = d.l4policyset.payload["l4_connection_policy"]["rules"]
    assert [r["match"]["protocol"]["protocol"] for r in rules] == [f"PROTOCOL_{p}" for p in protos]
    assert [r["index"] for r in rules] == list(range(len(protos)))


def test_services_sorted_by_protocol_port_string() -> None:
    members = [
        sv("a", key="k", ts=ts(1), ports=[("x", 80, "TCP"), ("y", 443, "TCP")]),
        sv("b", key="k", ts=ts(2), ports=[("", 8080, "UDP"), ("", 8080, "SCTP")]),
    ]
    d = desired_for(members, key=Key("default", "k", True))
    ports = [s["port"] for s in d.virtualservice.payload["services"]]
    # SCTP-8080 < TCP-443 < TCP-80 < UDP-8080 (string order, as AKO sorts)
    assert ports == [8080, 443, 80, 8080]
    assert [p.name for p in d.pools] == [
        "cluster--default-a-k-TCP-80",
        "cluster--default-a-k-TCP-443",
        "cluster--default-b-k-UDP-8080",
        "cluster--default-b-k-SCTP-8080",
    ]


def test_dedicated_service_objects_and_markers() -> None:
    key = Key("red", "web", False)
    d = desired_for([sv("web", ns="red", ports=[("", 80, "TCP")])], key=key)
    markers = [
        {"key": "clustername", "values": ["cluster"]},
        {"key": "Namespace", "values": ["red"]},
        {"key": "ServiceName", "values": ["web"]},
    ]
    assert d.virtualservice.name == d.vsvip.name == d.l4policyset.name == "cluster--red-web"
    assert d.virtualservice.payload["markers"] == markers
    assert d.vsvip.payload["markers"] == markers
    assert d.l4policyset.payload["markers"] == markers
    assert [p.name for p in d.pools] == ["cluster--red-web-TCP-80"]
    assert [m["key"] for m in d.pools[0].payload["markers"]] == [
        "clustername",
        "Namespace",
        "ServiceName",
        "Port",
        "Protocol",
    ]


def test_every_object_is_marked_and_created_by_where_the_model_allows() -> None:
    d = desired_for(example())
    for obj in (d.vsvip, d.l4policyset, d.virtualservice, *d.pools):
        assert obj.payload["name"] == obj.name
        assert {"key": "clustername", "values": ["cluster"]} in obj.payload["markers"]
    for obj in (d.l4policyset, d.virtualservice, *d.pools):
        assert obj.payload["created_by"] == "ako-cluster"
    assert "created_by" not in d.vsvip.payload  # not a field of the Avi VsVip model


def test_evh_names_are_hashed_everywhere() -> None:
    d = desired_for(example(), settings=Settings(enable_evh=True))
    names = [d.vsvip.name, d.virtualservice.name, *[p.name for p in d.pools]]
    assert all(n.startswith("cluster--") and len(n) == 49 for n in names)
    assert d.virtualservice.payload["vsvip_ref"] == f"/api/vsvip/?name={d.vsvip.name}"
    rules = d.l4policyset.payload["l4_connection_policy"]["rules"]
    assert rules[0]["action"]["select_pool"]["pool_ref"] == f"/api/pool?name={d.pools[0].name}"


@pytest.mark.parametrize(
    "resolution_kwargs",
    [
        {"lb_ip": ["1.1.1.1", "2.2.2.2"]},  # misconfigured
        {},  # no members
    ],
)
def test_nothing_desired(resolution_kwargs: dict[str, list[str]]) -> None:
    if resolution_kwargs:
        services = [
            sv("a", key="k", ts=ts(1), lb_ip="1.1.1.1"),
            sv("b", key="k", ts=ts(2), lb_ip="2.2.2.2", ports=[("", 81, "TCP")]),
        ]
    else:
        services = [sv("a", key="other")]
    r = resolve(Key("default", "k", True), services, {}, {}, S)
    assert build(r, [], [], S) is None


# --- pool servers ---------------------------------------------------------------------------


def servers_of(d: DesiredState, index: int = 0) -> list[tuple[str, int]]:
    return [(s["ip"]["addr"], s["port"]) for s in d.pools[index].payload["servers"]]


def test_clusterip_servers_are_ready_endpoints_first_address_deduplicated() -> None:
    raw = slice_("a", [("10.0.0.2", True), ("10.0.0.1", True), ("10.0.0.3", False)])
    raw["endpoints"].append({"addresses": ["10.0.0.4", "10.0.0.40"]})  # ready by default
    raw["endpoints"].append({"addresses": ["10.0.0.1"], "conditions": {"ready": True}})
    raw["endpoints"].append({"addresses": [], "conditions": {"ready": True}})
    other = slice_("b", [("10.9.9.9", True)])
    d = desired_for(
        [sv("a", key="k", ports=[("", 80, "TCP", 8080)])],
        key=Key("default", "k", True),
        slices=[EndpointSliceView.from_k8s(raw), EndpointSliceView.from_k8s(other)],
    )
    assert servers_of(d) == [("10.0.0.1", 8080), ("10.0.0.2", 8080), ("10.0.0.4", 8080)]


def test_clusterip_port_matching_by_name_and_target_port() -> None:
    svc = sv(
        "a",
        key="k",
        ports=[("http", 80, "TCP", "web"), ("dns", 53, "UDP", 5353), ("", 9000, "TCP", 9001)],
    )
    raw = slice_(
        "a",
        [("10.0.0.1", True)],
        ports=[("http", 8080, "TCP"), ("dns-alt", 5353, "UDP"), ("", 9001, "TCP")],
    )
    d = desired_for([svc], key=Key("default", "k", True), slices=[EndpointSliceView.from_k8s(raw)])
    assert servers_of(d, 0) == [("10.0.0.1", 8080)]  # by port name
    assert servers_of(d, 1) == [("10.0.0.1", 5353)]  # by targetPort number
    assert servers_of(d, 2) == [("10.0.0.1", 9001)]


def test_clusterip_single_slice_single_port_matches_unconditionally() -> None:
    raw = slice_("a", [("10.0.0.1", True)], ports=[("other", 7000, "TCP")])
    d = desired_for(
        [sv("a", key="k", ports=[("", 80, "TCP", 8080)])],
        key=Key("default", "k", True),
        slices=[EndpointSliceView.from_k8s(raw)],
    )
    assert servers_of(d) == [("10.0.0.1", 7000)]


def test_clusterip_servers_across_several_slices() -> None:
    slices = [
        EndpointSliceView.from_k8s(slice_("a", [("10.0.0.2", True)], name="a-1")),
        EndpointSliceView.from_k8s(slice_("a", [("10.0.0.1", True)], name="a-2")),
        EndpointSliceView.from_k8s(slice_("a", [("10.0.0.9", True)], ns="blue", name="a-3")),
    ]
    d = desired_for(
        [sv("a", key="k", ports=[("", 80, "TCP", 8080)])],
        key=Key("default", "k", True),
        slices=slices,
    )
    assert servers_of(d) == [("10.0.0.1", 8080), ("10.0.0.2", 8080)]


def test_no_endpoints_gives_an_empty_pool() -> None:
    d = desired_for([sv("a", key="k")], key=Key("default", "k", True))
    assert d.pools[0].payload["servers"] == []


def test_nodeport_servers_are_node_ips_and_node_port() -> None:
    nodes = [
        NodeView.from_k8s(node("n2", "192.168.0.2")),
        NodeView.from_k8s(node("n1", "192.168.0.1")),
        NodeView.from_k8s(node("n3", None)),
    ]
    svc = sv("a", key="k", ports=[("", 80, "TCP", 8080, 31000), ("", 81, "TCP", 8081)])
    d = desired_for(
        [svc],
        key=Key("default", "k", True),
        nodes=nodes,
        settings=Settings(service_type="NodePort"),
    )
    assert servers_of(d, 0) == [("192.168.0.1", 31000), ("192.168.0.2", 31000)]
    assert servers_of(d, 1) == []  # no nodePort allocated


def test_nodeport_local_policy_keeps_nodes_with_ready_endpoints() -> None:
    nodes = [NodeView.from_k8s(node(f"n{i}", f"192.168.0.{i}")) for i in (1, 2, 3)]
    raw = slice_("a", [("10.0.0.1", True, "n2"), ("10.0.0.2", False, "n3")])
    svc = sv("a", key="k", ports=[("", 80, "TCP", 8080, 31000)], etp="Local")
    d = desired_for(
        [svc],
        key=Key("default", "k", True),
        nodes=nodes,
        slices=[EndpointSliceView.from_k8s(raw)],
        settings=Settings(service_type="NodePort"),
    )
    assert servers_of(d) == [("192.168.0.2", 31000)]


# --- section 9: AviInfraSetting and L4Rule --------------------------------------------------


def test_accepted_infra_setting_applies() -> None:
    infra = InfraSettingView(
        "i1",
        accepted=True,
        se_group="SEG-2",
        vip_networks=("vip-network-2",),
        node_networks=(NodeNetwork("node-net", ("10.10.0.0/16",)), NodeNetwork("plain")),
        enable_rhi=True,
        bgp_peer_labels=("peer1",),
    )
    d = desired_for(example(infra="i1"), infra={"i1": infra})
    vs = d.virtualservice.payload
    assert vs["se_group_ref"] == "/api/serviceenginegroup?name=SEG-2"
    assert vs["enable_rhi"] is True
    vip = d.vsvip.payload["vip"][0]
    assert vip["ipam_network_subnet"] == {"network_ref": "/api/network/?name=vip-network-2"}
    assert d.vsvip.payload["bgp_peer_labels"] == ["peer1"]
    for pool in d.pools:
        assert pool.payload["placement_networks"] == [
            {
                "network_ref": "/api/network/?name=node-net",
                "subnet": {"ip_addr": {"addr": "10.10.0.0", "type": "V4"}, "mask": 16},
            },
            {"network_ref": "/api/network/?name=plain"},
        ]


def test_rejected_infra_setting_leaves_defaults() -> None:
    infra = InfraSettingView("i1", accepted=False, se_group="SEG-2", enable_rhi=True)
    d = desired_for(example(infra="i1"), infra={"i1": infra})
    assert d.virtualservice.payload["se_group_ref"] == "/api/serviceenginegroup?name=Default-Group"
    assert "enable_rhi" not in d.virtualservice.payload
    assert "placement_networks" not in d.pools[0].payload
    assert "bgp_peer_labels" not in d.vsvip.payload


def test_accepted_l4rule_applies_to_vs_vsvip_and_matching_pools() -> None:
    rule = L4RuleView(
        "default",
        "r",
        accepted=True,
        application_profile_ref="custom-app",
        network_profile_ref="System-TCP-Fast-Path",
        analytics_profile_ref="System-Analytics-Profile",
        performance_limits=PerformanceLimits(100, None),
        load_balancer_ip="100.64.196.99",
        listener_properties=(ListenerProperty(80, "TCP"), ListenerProperty(80, "UDP")),
        backend_properties=(
            BackendProperty(
                80,
                "TCP",
                lb_algorithm="LB_ALGORITHM_ROUND_ROBIN",
                health_monitor_refs=("System-Ping",),
                enabled=False,
                min_servers_up=1,
            ),
        ),
    )
    d = desired_for(example(l4rule="r"), l4rules={("default", "r"): rule})
    vs = d.virtualservice.payload
    assert vs["application_profile_ref"] == "/api/applicationprofile/?name=custom-app"
    assert vs["network_profile_ref"] == "/api/networkprofile/?name=System-TCP-Fast-Path"
    assert vs["analytics_profile_ref"] == "/api/analyticsprofile/?name=System-Analytics-Profile"
    assert vs["performance_limits"] == {"max_concurrent_connections": 100}
    assert d.vsvip.payload["vip"][0]["ip_address"] == {"addr": "100.64.196.99", "type": "V4"}
    tcp, udp = d.pools
    assert tcp.payload["lb_algorithm"] == "LB_ALGORITHM_ROUND_ROBIN"
    assert tcp.payload["health_monitor_refs"] == ["/api/healthmonitor/?name=System-Ping"]
    assert tcp.payload["enabled"] is False
    assert tcp.payload["min_servers_up"] == 1
    assert "lb_algorithm" not in udp.payload
    assert udp.payload["health_monitor_refs"] == ["/api/healthmonitor/?name=System-UDP"]


def test_backend_properties_apply_to_every_member_pool_of_that_port() -> None:
    rule = L4RuleView(
        "default",
        "r",
        accepted=True,
        backend_properties=(BackendProperty(80, "TCP", lb_algorithm="LB_ALGORITHM_ROUND_ROBIN"),),
    )
    members = [
        sv("a", key="k", ts=ts(1), l4rule="r", ports=[("", 80, "TCP")]),
        sv("b", key="k", ts=ts(2), l4rule="r", ports=[("", 80, "UDP"), ("", 81, "TCP")]),
    ]
    d = desired_for(members, key=Key("default", "k", True), l4rules={("default", "r"): rule})
    algos = [p.payload.get("lb_algorithm") for p in d.pools]
    assert algos == ["LB_ALGORITHM_ROUND_ROBIN", None, None]


def test_ssl_listener_on_a_dedicated_service() -> None:
    rule = L4RuleView(
        "default", "r", accepted=True, listener_properties=(ListenerProperty(443, "TCP", True),)
    )
    d = desired_for(
        [sv("web", l4rule="r", ports=[("", 443, "TCP"), ("", 80, "TCP")])],
        key=Key("default", "web", False),
        l4rules={("default", "r"): rule},
    )
    vs = d.virtualservice.payload
    assert [(s["port"], s["enable_ssl"]) for s in vs["services"]] == [(443, True), (80, False)]
    assert vs["application_profile_ref"] == "/api/applicationprofile/?name=System-SSL-Application"


def test_rejected_l4rule_leaves_defaults() -> None:
    rule = L4RuleView("default", "r", accepted=False, application_profile_ref="custom-app")
    d = desired_for(example(l4rule="r"), l4rules={("default", "r"): rule})
    assert d.virtualservice.payload["application_profile_ref"] == (
        "/api/applicationprofile/?name=System-L4-Application"
    )
