"""Parsing Kubernetes objects into views, keys and settings (simulator.domain.model)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.domain.model import (
    EndpointSliceView,
    InfraSettingView,
    Key,
    L4RuleView,
    NodeView,
    ServicePort,
    ServiceView,
    Settings,
)
from tests.unit.domain.domain_builders import node, service, slice_


def test_settings_defaults_and_derived_names() -> None:
    s = Settings()
    assert (s.cluster_name, s.cloud, s.tenant, s.se_group, s.vrf) == (
        "cluster",
        "Default-Cloud",
        "admin",
        "Default-Group",
        "global",
    )
    assert s.vip_networks == ("vip-network",)
    assert (s.service_type, s.default_lb_controller, s.enable_evh, s.license_tier) == (
        "ClusterIP",
        True,
        False,
        "ENTERPRISE",
    )
    assert Settings(cluster_name="blue").name_prefix == "blue--"
    assert Settings(cluster_name="blue").created_by == "ako-blue"


def test_service_view_parses_the_spec_example() -> None:
    view = ServiceView.from_k8s(
        service(
            "sharedvip-avisvc-lb2",
            key="shared-vip-key-1",
            ports=[("", 80, "UDP", 8080, 31331)],
            lb_ip="100.64.196.75",
            lb_class="ako.vmware.com/avi-lb",
        )
    )
    assert view.namespace == "default"
    assert view.name == "sharedvip-avisvc-lb2"
    assert view.ref == "default/sharedvip-avisvc-lb2"
    assert view.uid == "uid-default-sharedvip-avisvc-lb2"
    assert view.creation_timestamp == "2024-01-01T00:00:00Z"
    assert view.is_load_balancer
    assert view.shared_vip_value == "shared-vip-key-1"
    assert view.load_balancer_ip == "100.64.196.75"
    assert view.preferred_ip == "100.64.196.75"
    assert view.load_balancer_class == "ako.vmware.com/avi-lb"
    assert view.ports == (ServicePort("", 80, "UDP", 8080, 31331),)
    assert dict(view.selector) == {"app": "sharedvip-avisvc-lb2"}
    assert not view.deleting


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ({"port": 80}, ServicePort("", 80, "TCP", 80, None)),
        ({"port": 53, "protocol": "udp"}, ServicePort("", 53, "UDP", 53, None)),
        ({"port": 80, "targetPort": "http", "name": "web"}, ServicePort("web", 80, "TCP", "http")),
        ({"port": 80, "targetPort": 0}, ServicePort("", 80, "TCP", 80, None)),
        ({"port": 80, "nodePort": "x"}, ServicePort("", 80, "TCP", 80, None)),
    ],
)
def test_service_port_defaults(port: dict[str, Any], expected: ServicePort) -> None:
    view = ServiceView.from_k8s({"metadata": {"name": "a"}, "spec": {"ports": [port]}})
    assert view.ports == (expected,)


@pytest.mark.parametrize(
    ("spec_ip", "annotation", "expected"),
    [
        (None, None, None),
        ("10.0.0.1", None, "10.0.0.1"),
        (None, "10.0.0.2", "10.0.0.2"),
        ("10.0.0.1", "10.0.0.2", "10.0.0.1"),  # spec.loadBalancerIP wins
        ("", " ", None),
    ],
)
def test_preferred_ip_precedence(
    spec_ip: str | None, annotation: str | None, expected: str | None
) -> None:
    assert sv_ip(spec_ip, annotation) == expected


def sv_ip(spec_ip: str | None, annotation: str | None) -> str | None:
    return ServiceView.from_k8s(
        service("a", key="k", lb_ip=spec_ip, ip_annotation=annotation)
    ).preferred_ip


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("   ", None), ("k1", "k1"), (" k1", " k1")],
)
def test_blank_shared_vip_annotation_counts_as_absent(
    value: str | None, expected: str | None
) -> None:
    assert ServiceView.from_k8s(service("a", key=value)).shared_vip_value == expected


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [(None, None), ("rule", ("default", "rule")), ("other/rule", ("other", "rule"))],
)
def test_l4rule_annotation_forms(annotation: str | None, expected: tuple[str, str] | None) -> None:
    assert ServiceView.from_k8s(service("a", l4rule=annotation)).l4rule_ref == expected


def test_deleting_and_external_traffic_policy() -> None:
    view = ServiceView.from_k8s(service("a", deleting=True, etp="Local"))
    assert view.deleting
    assert view.external_traffic_policy == "Local"


@pytest.mark.parametrize(
    "obj",
    [
        {},
        {"metadata": None, "spec": []},
        {"metadata": {"name": 5, "annotations": {"a": 1, 2: "b"}}, "spec": {"ports": "x"}},
        {"spec": {"ports": [None, {"port": "80"}, {"port": True}], "type": 7}},
        {"spec": {"loadBalancerClass": 3, "selector": ["a"]}},
    ],
)
def test_odd_service_input_never_raises(obj: dict[str, Any]) -> None:
    view = ServiceView.from_k8s(obj)
    assert view.ports == ()
    assert view.type in ("ClusterIP",)
    assert view.shared_vip_value is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.dictionaries(
        st.sampled_from(["metadata", "spec", "status", "ports", "endpoints"]), json_values
    )
)
def test_every_parser_tolerates_arbitrary_json(obj: dict[str, Any]) -> None:
    ServiceView.from_k8s(obj)
    EndpointSliceView.from_k8s(obj)
    NodeView.from_k8s(obj)
    InfraSettingView.from_k8s(obj)
    L4RuleView.from_k8s(obj)


def test_endpoint_slice_view() -> None:
    raw = slice_("web", [("10.0.0.1", True, "n1"), ("10.0.0.2", False)], ports=[("http", 8080, "")])
    raw["endpoints"].append({"addresses": ["10.0.0.3"]})  # conditions absent: ready
    raw["endpoints"].append(
        {"addresses": ["10.0.0.4"], "conditions": {"ready": False, "terminating": True}}
    )
    view = EndpointSliceView.from_k8s(raw)
    assert (view.namespace, view.name, view.service_name) == ("default", "web-abcde", "web")
    assert [(p.name, p.port, p.protocol) for p in view.ports] == [("http", 8080, "TCP")]
    assert [(e.addresses, e.ready, e.terminating, e.node_name) for e in view.endpoints] == [
        (("10.0.0.1",), True, False, "n1"),
        (("10.0.0.2",), False, False, ""),
        (("10.0.0.3",), True, False, ""),
        (("10.0.0.4",), False, True, ""),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (node("n1", "192.168.0.1"), NodeView("n1", "192.168.0.1")),
        (node("n2", None), NodeView("n2", None)),
        ({"metadata": {"name": "n3"}, "status": {"addresses": "bad"}}, NodeView("n3", None)),
    ],
)
def test_node_view(raw: dict[str, Any], expected: NodeView) -> None:
    assert NodeView.from_k8s(raw) == expected


def test_infra_setting_view() -> None:
    raw = {
        "metadata": {"name": "infra-1"},
        "spec": {
            "seGroup": {"name": "SEG-2"},
            "network": {
                "vipNetworks": [{"networkName": "vip-network-2"}, {"cidr": "x"}],
                "nodeNetworks": [{"networkName": "node-net", "cidrs": ["10.10.0.0/16"]}],
                "enableRhi": True,
                "bgpPeerLabels": ["peer1", 3],
            },
        },
        "status": {"status": "Accepted"},
    }
    view = InfraSettingView.from_k8s(raw)
    assert view.accepted
    assert view.se_group == "SEG-2"
    assert view.vip_networks == ("vip-network-2",)
    assert [(n.name, n.cidrs) for n in view.node_networks] == [("node-net", ("10.10.0.0/16",))]
    assert view.enable_rhi is True
    assert view.bgp_peer_labels == ("peer1",)
    raw["status"] = {"status": "Rejected", "error": "no such SE group"}
    assert not InfraSettingView.from_k8s(raw).accepted


def test_l4rule_view() -> None:
    raw = {
        "metadata": {"name": "rule", "namespace": "red"},
        "spec": {
            "applicationProfileRef": "System-L4-Application",
            "networkProfileRef": "System-TCP-Fast-Path",
            "analyticsProfileRef": "System-Analytics-Profile",
            "performanceLimits": {"maxConcurrentConnections": 100, "maxThroughput": "x"},
            "loadBalancerIP": "100.64.196.90",
            "listenerProperties": [{"port": 80, "protocol": "TCP", "enableSsl": True}],
            "backendProperties": [
                {
                    "port": 80,
                    "protocol": "TCP",
                    "lbAlgorithm": "LB_ALGORITHM_ROUND_ROBIN",
                    "healthMonitorRefs": ["System-Ping"],
                    "enabled": False,
                    "minServersUp": 2,
                },
                {"port": "bad"},
            ],
        },
        "status": {"status": "Accepted"},
    }
    view = L4RuleView.from_k8s(raw)
    assert (view.namespace, view.name, view.accepted) == ("red", "rule", True)
    assert view.application_profile_ref == "System-L4-Application"
    assert view.network_profile_ref == "System-TCP-Fast-Path"
    assert view.analytics_profile_ref == "System-Analytics-Profile"
    assert view.performance_limits is not None
    assert view.performance_limits.max_concurrent_connections == 100
    assert view.performance_limits.max_throughput is None
    assert view.load_balancer_ip == "100.64.196.90"
    assert view.enables_ssl
    assert len(view.backend_properties) == 1
    bp = view.backend_properties[0]
    assert (bp.port, bp.protocol, bp.lb_algorithm, bp.health_monitor_refs) == (
        80,
        "TCP",
        "LB_ALGORITHM_ROUND_ROBIN",
        ("System-Ping",),
    )
    assert (bp.enabled, bp.min_servers_up) == (False, 2)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        (Key("default", "shared-vip-key-1", True), "shared:default/shared-vip-key-1"),
        (Key("red", "web", False), "dedicated:red/web"),
        (Key("red", "a/b", True), "shared:red/a/b"),
    ],
)
def test_key_text_round_trip(key: Key, text: str) -> None:
    assert str(key) == text
    assert Key.parse(text) == key


@pytest.mark.parametrize(
    "text", ["", "shared", "shared:ns", "other:ns/x", "shared:/x", "shared:ns/"]
)
def test_key_parse_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        Key.parse(text)


def test_keys_are_hashable_and_views_compare_by_value() -> None:
    assert len({Key("a", "b", True), Key("a", "b", True), Key("a", "b", False)}) == 2
    assert ServiceView.from_k8s(service("a")) == ServiceView.from_k8s(service("a"))
    assert ServiceView.from_k8s(service("a")) != ServiceView.from_k8s(service("a", key="k"))
