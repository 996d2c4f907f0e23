"""The topology tree built from Avi objects and Services (``simulator.views.topology``)."""

from __future__ import annotations

import copy
from typing import Any

from simulator.domain.model import Settings
from simulator.domain.observed import ref_parts
from simulator.views.topology import build_topology, render_text
from tests.support import builders

BASE = "http://127.0.0.1:8443/api"
SHARED = "cluster--default-shared-vip-key-1"
POOL_TCP = "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80"
POOL_UDP = "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80"


def markers(ns: str, **extra: str) -> list[dict[str, Any]]:
    found = [
        {"key": "clustername", "values": ["cluster"]},
        {"key": "Namespace", "values": [ns]},
    ]
    return found + [{"key": k, "values": [v]} for k, v in extra.items()]


def ref(obj_type: str, uuid: str, name: str | None = None) -> str:
    return f"{BASE}/{obj_type}/{uuid}" + (f"#{name}" if name else "")


def pool(uuid: str, name: str, service: str, servers: list[str]) -> dict[str, Any]:
    return {
        "uuid": uuid,
        "name": name,
        "created_by": "ako-cluster",
        "markers": markers("default", ServiceName=service, GatewayName="shared-vip-key-1"),
        "default_server_port": 8080,
        "servers": [
            {"ip": {"addr": ip, "type": "V4"}, "port": 8080, "enabled": True} for ip in servers
        ],
    }


def rule(index: int, protocol: str, pool_uuid: str) -> dict[str, Any]:
    return {
        "index": index,
        "enable": True,
        "match": {
            "port": {"ports": [80], "match_criteria": "IS_IN"},
            "protocol": {"protocol": f"PROTOCOL_{protocol}", "match_criteria": "IS_IN"},
        },
        "action": {"select_pool": {"pool_ref": ref("pool", pool_uuid)}},
    }


def shared_objects(*, with_names: bool = True) -> dict[str, list[dict[str, Any]]]:
    """The first spec example as the controller holds it."""
    n = (lambda name: name) if with_names else (lambda name: None)
    vs = {
        "uuid": "vs-1",
        "name": SHARED,
        "created_by": "ako-cluster",
        "markers": markers("default", GatewayName="shared-vip-key-1"),
        "vsvip_ref": ref("vsvip", "vsvip-1", n(SHARED)),
        "network_profile_ref": ref("networkprofile", "np-tcp", n("System-TCP-Proxy")),
        "services": [
            {"port": 80},
            {
                "port": 80,
                "override_network_profile_ref": ref(
                    "networkprofile", "np-udp", n("System-UDP-Fast-Path")
                ),
            },
        ],
        "l4_policies": [{"index": 0, "l4_policy_set_ref": ref("l4policyset", "l4-1")}],
    }
    vsvip = {
        "uuid": "vsvip-1",
        "name": SHARED,
        "markers": markers("default", GatewayName="shared-vip-key-1"),
        "vip": [{"vip_id": "0", "ip_address": {"addr": "100.64.196.61", "type": "V4"}}],
    }
    l4 = {
        "uuid": "l4-1",
        "name": SHARED,
        "created_by": "ako-cluster",
        "markers": markers("default", GatewayName="shared-vip-key-1"),
        "l4_connection_policy": {"rules": [rule(0, "TCP", "pool-t"), rule(1, "UDP", "pool-u")]},
    }
    return {
        "virtualservice": [vs],
        "vsvip": [vsvip],
        "l4policyset": [l4],
        "pool": [
            pool("pool-t", POOL_TCP, "sharedvip-avisvc-lb1", ["10.244.0.5", "10.244.0.6"]),
            pool("pool-u", POOL_UDP, "sharedvip-avisvc-lb2", []),
        ],
    }


def service(
    name: str,
    *,
    key: str | None = "shared-vip-key-1",
    ip: str | None = "100.64.196.61",
    created: str = "2026-01-01T00:00:00Z",
    condition: tuple[str, str, str] | None = ("True", "Synced", ""),
    ns: str = "default",
) -> dict[str, Any]:
    status: dict[str, Any] = {"loadBalancer": {"ingress": [{"ip": ip}] if ip else []}}
    if condition is not None:
        status["conditions"] = [
            {
                "type": "ako.vmware.com/VipAssigned",
                "status": condition[0],
                "reason": condition[1],
                "message": condition[2],
            }
        ]
    return builders.service(
        name, ns=ns, key=key or None, created=created, selector={}, status=status, typed=False
    )


def example_services() -> list[dict[str, Any]]:
    return [
        service("sharedvip-avisvc-lb2", created="2026-01-01T00:00:01Z"),
        service("sharedvip-avisvc-lb1"),
    ]


def test_ref_parts_reads_every_ref_form() -> None:
    assert ref_parts(f"{BASE}/pool/pool-1#web") == ("pool-1", "web")
    assert ref_parts("/api/pool/pool-1") == ("pool-1", None)
    assert ref_parts("/api/pool?name=web") == (None, "web")
    assert ref_parts(None) == (None, None)
    assert ref_parts("") == (None, None)


def test_shared_vs_is_one_tree_with_both_ports() -> None:
    tree = build_topology(shared_objects(), example_services())
    assert [vs["name"] for vs in tree["virtualservices"]] == [SHARED]
    vs = tree["virtualservices"][0]
    assert vs["group"] == "default/shared-vip-key-1"
    assert vs["vips"] == ["100.64.196.61"]
    assert vs["members"] == ["sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2"]
    assert vs["shared_vip"] is True
    assert vs["problems"] == []
    assert [(p["port"], p["protocol"]) for p in vs["ports"]] == [(80, "TCP"), (80, "UDP")]
    tcp, udp = vs["ports"]
    assert [r["pool"]["name"] for r in tcp["rules"]] == [POOL_TCP]
    assert tcp["rules"][0]["pool"]["servers"] == ["10.244.0.5:8080", "10.244.0.6:8080"]
    assert tcp["rules"][0]["pool"]["service"] == "sharedvip-avisvc-lb1"
    assert [r["pool"]["name"] for r in udp["rules"]] == [POOL_UDP]
    assert tree["vips"] == [
        {
            "ip": "100.64.196.61",
            "virtualservices": [SHARED],
            "services": ["default/sharedvip-avisvc-lb1", "default/sharedvip-avisvc-lb2"],
            "shared": True,
        }
    ]
    assert tree["groups"][0]["state"] == "configured"
    assert tree["flagged"] == []


def test_protocols_are_inferred_from_rules_when_refs_carry_no_names() -> None:
    tree = build_topology(shared_objects(with_names=False), example_services())
    ports = tree["virtualservices"][0]["ports"]
    assert [(p["port"], p["protocol"]) for p in ports] == [(80, "TCP"), (80, "UDP")]
    assert [p["rules"][0]["pool"]["name"] for p in ports] == [POOL_TCP, POOL_UDP]


def test_names_map_gives_protocols_for_stored_refs() -> None:
    objects = shared_objects(with_names=False)
    vs = objects["virtualservice"][0]
    vs["network_profile_ref"] = "/api/networkprofile/np-udp"
    vs["services"] = [{"port": 53}]
    objects["l4policyset"][0]["l4_connection_policy"]["rules"] = []
    tree = build_topology(objects, [], names={"np-udp": "System-UDP-Fast-Path"})
    ports = tree["virtualservices"][0]["ports"]
    assert [(p["port"], p["protocol"]) for p in ports] == [(53, "UDP")]
    assert tree["virtualservices"][0]["problems"] == ["no L4 rule for 53/UDP"]


def test_misconfigured_group_is_flagged_and_has_no_vs() -> None:
    message = "Services of shared-vip group default/shared-vip-key-1 request different IPs"
    services = [
        service(n, ip=None, condition=("False", "SharedVipMisconfigured", message))
        for n in ("sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2")
    ]
    tree = build_topology({}, services)
    assert tree["virtualservices"] == []
    assert tree["flagged"] == ["default/shared-vip-key-1"]
    group = tree["groups"][0]
    assert group["flagged"] is True
    assert group["state"] == "misconfigured"
    assert group["message"] == message
    assert group["virtualservice"] is None
    text = render_text(tree)
    assert "MISCONFIGURED shared-vip group default/shared-vip-key-1" in text
    assert message in text


def test_port_conflict_marks_the_group_partial_not_flagged() -> None:
    services = [
        service("a"),
        service("b", ip=None, condition=("False", "SharedVipPortConflict", "80/TCP held by a")),
    ]
    group = build_topology({}, services)["groups"][0]
    assert group["state"] == "port-conflict"
    assert group["flagged"] is False


def test_group_without_verdict_is_pending() -> None:
    group = build_topology({}, [service("a", ip=None, condition=None)])["groups"][0]
    assert group["state"] == "pending"
    assert group["flagged"] is False


def test_missing_pool_and_unmatched_rule_are_reported() -> None:
    objects = shared_objects()
    objects["pool"] = objects["pool"][:1]
    extra = copy.deepcopy(objects["l4policyset"][0]["l4_connection_policy"]["rules"][0])
    extra["index"] = 2
    extra["match"]["port"]["ports"] = [8080]
    objects["l4policyset"][0]["l4_connection_policy"]["rules"].append(extra)
    vs = build_topology(objects, example_services())["virtualservices"][0]
    assert vs["ports"][1]["rules"][0]["pool"]["missing"] is True
    assert "rule 1 selects a missing pool" in vs["problems"]
    assert "rule 2 matches no service port of the VS" in vs["problems"]
    assert "(MISSING)" in render_text({"virtualservices": [vs], "groups": []})


def test_dedicated_vs_is_not_shared_and_other_clusters_are_not_grouped() -> None:
    objects = shared_objects()
    vs = objects["virtualservice"][0]
    vs["name"] = "cluster--default-web"
    vs["markers"] = markers("default", ServiceName="web")
    lone = service("web", key=None)
    tree = build_topology(objects, [lone])
    only = tree["virtualservices"][0]
    assert only["group"] is None
    assert only["members"] == ["web"]
    assert only["shared_vip"] is False
    assert tree["groups"] == []
    other = build_topology(objects, [lone], Settings(cluster_name="other"))
    assert other["virtualservices"][0]["members"] == []


def test_render_text_draws_vs_vip_ports_rules_pools_servers() -> None:
    text = render_text(build_topology(shared_objects(), example_services()))
    lines = text.splitlines()
    assert lines[0] == f"VS {SHARED}  [shared-vip group default/shared-vip-key-1]"
    assert lines[1] == (
        "└─ VIP 100.64.196.61  shared by 2 Services: sharedvip-avisvc-lb1, sharedvip-avisvc-lb2"
    )
    assert "   ├─ 80/TCP" in lines
    assert "   └─ 80/UDP" in lines
    assert any(line.endswith(f"pool {POOL_TCP} (Service sharedvip-avisvc-lb1)") for line in lines)
    assert any(line.endswith("10.244.0.6:8080") for line in lines)
    assert any(line.endswith("(no servers)") for line in lines)
    assert render_text({"virtualservices": [], "groups": []}) == "No virtual services.\n"
