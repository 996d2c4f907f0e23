"""Every row of behaviour.md section 8 (the restart rows are in test_restart.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.world import World

pytestmark = pytest.mark.integration

GROUP_VS = "cluster--default-k"


def vs_ports(world: World, name: str = GROUP_VS) -> list[tuple[int, str]]:
    vs = world.avi_get("virtualservice", name)
    assert vs is not None, f"no VS {name}"
    rules = world.avi_get("l4policyset", name)
    assert rules is not None
    protos = [
        r["match"]["protocol"]["protocol"][len("PROTOCOL_") :]
        for r in rules["l4_connection_policy"]["rules"]
    ]
    ports = [r["match"]["port"]["ports"][0] for r in rules["l4_connection_policy"]["rules"]]
    assert sorted(s["port"] for s in vs["services"]) == sorted(ports)
    return sorted(zip(ports, protos, strict=True))


def pool_servers(world: World, pool: str) -> list[str]:
    obj = world.avi_get("pool", pool)
    assert obj is not None, f"no pool {pool}"
    return sorted(s["ip"]["addr"] for s in obj.get("servers") or [])


def test_member_added_joins_without_changing_the_vip(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    world.create("b", key="k", ports=((443, "TCP"), (53, "UDP")))
    world.settle()
    assert world.ips("a") == world.ips("b") == ["100.64.196.61"]
    assert vs_ports(world) == [(53, "UDP"), (80, "TCP"), (443, "TCP")]
    assert "cluster--default-b-k-UDP-53" in world.avi_names("pool")


def test_member_deleted_and_last_member_frees_everything(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((443, "TCP"),))
    world.settle()
    world.delete_service("b")
    world.settle()
    assert vs_ports(world) == [(80, "TCP")]
    assert world.avi_names("pool") == ["cluster--default-a-k-TCP-80"]
    world.delete_service("a")
    world.settle()
    for obj_type in ("virtualservice", "vsvip", "l4policyset", "pool"):
        assert world.avi_names(obj_type) == [], obj_type
    world.create("c", key="other")
    world.settle()
    assert world.ips("c") == ["100.64.196.61"], "the VIP was freed"


def test_annotation_value_change_moves_the_service(world: World) -> None:
    world.create("a", key="k1")
    world.create("b", key="k1", ports=((81, "TCP"),))
    world.settle()
    world.create("b", key="k2", ports=((81, "TCP"),))
    world.settle()
    assert world.avi_names("virtualservice") == ["cluster--default-k1", "cluster--default-k2"]
    assert vs_ports(world, "cluster--default-k1") == [(80, "TCP")]
    assert world.ips("a") == ["100.64.196.61"]
    assert world.ips("b") == ["100.64.196.62"]
    world.create("a", key="k2")
    world.settle()
    assert world.avi_names("virtualservice") == ["cluster--default-k2"], "k1 deleted when empty"
    assert world.ips("a") == ["100.64.196.62"]


def test_annotation_removed_and_added_moves_between_group_and_dedicated(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    world.create("b", ports=((81, "TCP"),))  # annotation removed
    world.settle()
    assert world.avi_names("virtualservice") == ["cluster--default-b", GROUP_VS]
    assert world.ips("b") == ["100.64.196.62"]
    assert "Removed" in world.reasons("b")
    world.create("b", key="k", ports=((81, "TCP"),))  # annotation added back
    world.settle()
    assert world.avi_names("virtualservice") == [GROUP_VS]
    assert world.ips("b") == ["100.64.196.61"]


def test_type_change_leaves_and_rejoins(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    world.create("b", key="k", ports=((81, "TCP"),), type_="ClusterIP")
    world.settle()
    assert world.ips("b") == []
    assert world.condition("b") is None
    assert "Removed" in world.reasons("b")
    assert vs_ports(world) == [(80, "TCP")]
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    assert world.ips("b") == ["100.64.196.61"]
    assert vs_ports(world) == [(80, "TCP"), (81, "TCP")]


def test_namespace_deleted_is_like_every_member_deleted(world: World) -> None:
    world.create_namespace("red")
    world.create("a", key="k", ns="red")
    world.create("b", key="k", ns="red", ports=((81, "TCP"),))
    world.create("solo", ns="red", ports=((90, "TCP"),))
    world.settle()
    assert world.avi_names("virtualservice") == ["cluster--red-k", "cluster--red-solo"]
    world.core.delete_namespace("red")
    world.settle()
    for obj_type in ("virtualservice", "vsvip", "l4policyset", "pool"):
        assert world.avi_names(obj_type) == [], obj_type


def _pod(name: str, ip: str, labels: dict[str, str], node: str = "node-1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": {
            "nodeName": node,
            "containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 8080}]}],
        },
        "status": {
            "podIP": ip,
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def _add_pod(world: World, name: str, ip: str, labels: dict[str, str]) -> None:
    body = _pod(name, ip, labels)
    world.core.create_namespaced_pod("default", body)
    world.core.patch_namespaced_pod_status(name, "default", {"status": body["status"]})


def test_endpoint_changes_update_pool_servers(world: World) -> None:
    world.create("a", key="k", selector={"app": "web"})
    world.settle()
    pool = "cluster--default-a-k-TCP-80"
    assert pool_servers(world, pool) == []
    _add_pod(world, "web-1", "10.244.0.11", {"app": "web"})
    world.settle()
    assert pool_servers(world, pool) == ["10.244.0.11"]
    _add_pod(world, "web-2", "10.244.0.12", {"app": "web"})
    world.settle()
    assert pool_servers(world, pool) == ["10.244.0.11", "10.244.0.12"]
    world.core.delete_namespaced_pod("web-1", "default")
    world.settle()
    assert pool_servers(world, pool) == ["10.244.0.12"]


def test_endpoint_change_never_brings_back_a_misconfigured_group(world: World) -> None:
    world.create("a", key="k", lb_ip="100.64.196.80", selector={"app": "web"})
    world.create("b", key="k", lb_ip="100.64.196.81", ports=((81, "TCP"),), selector={"app": "web"})
    world.settle()
    _add_pod(world, "web-1", "10.244.0.11", {"app": "web"})
    world.settle()
    assert world.avi_names("virtualservice") == []
    assert world.ips("a") == []


def test_node_changes_update_pool_servers_in_nodeport_mode(world: World) -> None:
    world.restart_engine(service_type="NodePort")
    try:
        world.create("a", key="k")
        world.settle()
        pool = "cluster--default-a-k-TCP-80"
        before = pool_servers(world, pool)
        assert before, "NodePort mode: one server per node"
        node_port = world.raw_service("a")["spec"]["ports"][0]["nodePort"]
        assert {s["port"] for s in world.avi_get("pool", pool)["servers"]} == {node_port}
        world.core.create_node(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": "node-new"},
                "status": {
                    "addresses": [{"type": "InternalIP", "address": "10.0.9.9"}],
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            }
        )
        world.settle()
        assert pool_servers(world, pool) == sorted([*before, "10.0.9.9"])
    finally:
        world.restart_engine()


def test_infra_setting_change_reconfigures_the_groups_using_it(world: World) -> None:
    world.create_infra("infra-1", {"seGroup": {"name": "Default-Group"}})
    notes = {"aviinfrasetting.ako.vmware.com/name": "infra-1"}
    world.create("a", key="k", annotations=notes)
    world.create("b", key="k", annotations=notes, ports=((81, "TCP"),))
    world.settle()
    assert world.infra("infra-1")["status"]["status"] == "Accepted"
    vs = world.avi_get("virtualservice", GROUP_VS)
    assert vs is not None and vs["se_group_ref"].endswith("#Default-Group")
    world.patch_infra("infra-1", {"seGroup": {"name": "SEG-2"}})
    world.settle()
    vs = world.avi_get("virtualservice", GROUP_VS)
    assert vs is not None and vs["se_group_ref"].endswith("#SEG-2")


def test_l4rule_change_reconfigures_the_groups_using_it(world: World) -> None:
    world.create_l4rule(
        "rule-1",
        {
            "backendProperties": [
                {"port": 80, "protocol": "TCP", "lbAlgorithm": "LB_ALGORITHM_ROUND_ROBIN"}
            ]
        },
    )
    notes = {"ako.vmware.com/l4rule": "rule-1"}
    world.create("a", key="k", annotations=notes)
    world.create("b", key="k", annotations=notes, ports=((81, "TCP"),))
    world.settle()
    assert world.l4rule("rule-1")["status"]["status"] == "Accepted"
    pool = world.avi_get("pool", "cluster--default-a-k-TCP-80")
    assert pool is not None and pool["lb_algorithm"] == "LB_ALGORITHM_ROUND_ROBIN"
    world.custom.patch_namespaced_custom_object(
        "ako.vmware.com",
        "v1alpha2",
        "default",
        "l4rules",
        "rule-1",
        {
            "spec": {
                "backendProperties": [
                    {"port": 80, "protocol": "TCP", "lbAlgorithm": "LB_ALGORITHM_CONSISTENT_HASH"}
                ]
            }
        },
    )
    world.settle()
    pool = world.avi_get("pool", "cluster--default-a-k-TCP-80")
    assert pool is not None and pool["lb_algorithm"] == "LB_ALGORITHM_CONSISTENT_HASH"
