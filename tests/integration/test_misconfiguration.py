"""Misconfigured groups (behaviour.md sections 2, 5, 6): nothing configured, and the way back."""

from __future__ import annotations

import logging

import pytest

from tests.support.world import World

pytestmark = pytest.mark.integration

AKO_LINE = (
    "Service loadBalancerIP is not consistent with Services grouped using shared-vip annotation. "
    "Conflict found for Services [default/a: 100.64.196.80 default/b: 100.64.196.81]"
)


def test_differing_static_vips_configure_nothing_until_fixed(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ako_sim"):
        world.create("a", key="k", lb_ip="100.64.196.80")
        world.create("b", key="k", lb_ip="100.64.196.81", ports=((80, "UDP"),))
        world.settle()
    assert AKO_LINE in caplog.text
    assert world.avi_names("virtualservice") == []
    assert world.avi_names("vsvip") == []
    for name in ("a", "b"):
        assert world.ips(name) == [], "kubectl shows <pending>"
        cond = world.condition(name)
        assert cond is not None
        assert (cond["status"], cond["reason"]) == ("False", "SharedVipMisconfigured")
        assert "100.64.196.80" in cond["message"] and "100.64.196.81" in cond["message"]
        warnings = [e for e in world.events(name) if e[1] == "SharedVipMisconfigured"]
        assert warnings and warnings[0][0] == "Warning"

    world.create("b", key="k", lb_ip="100.64.196.80", ports=((80, "UDP"),))
    world.settle()
    assert world.avi_names("virtualservice") == ["cluster--default-k"]
    assert world.ips("a") == world.ips("b") == ["100.64.196.80"]
    cond = world.condition("b")
    assert cond is not None and cond["status"] == "True"


def test_conflict_on_a_configured_group_deletes_it_and_deleting_the_culprit_restores_it(
    world: World,
) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    assert world.ips("a") == ["100.64.196.61"]
    world.create("c", key="k", ports=((82, "TCP"),), lb_ip="100.64.196.99")
    world.create("d", key="k", ports=((83, "TCP"),), lb_ip="100.64.196.98")
    world.settle()
    assert world.avi_names("virtualservice") == []
    assert world.avi_names("pool") == []
    assert world.ips("a") == []
    assert "Removed" in world.reasons("a")
    world.delete_service("d")
    world.settle()
    assert world.ips("a") == world.ips("c") == ["100.64.196.99"]


def test_foreign_load_balancer_class_flags_the_group(world: World) -> None:
    world.create("a", key="k")
    manifest_b = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "b",
            "namespace": "default",
            "annotations": {"ako.vmware.com/enable-shared-vip": "k"},
        },
        "spec": {
            "type": "LoadBalancer",
            "loadBalancerClass": "example.com/other",
            "ports": [{"port": 81, "targetPort": 8080}],
            "selector": {"app": "b"},
        },
    }
    world.apply(manifest_b)
    world.settle()
    assert world.avi_names("virtualservice") == []
    cond = world.condition("a")
    assert cond is not None and cond["reason"] == "SharedVipMisconfigured"


def test_port_conflict_leaves_the_later_member_out(world: World) -> None:
    world.create("first", key="k")
    world.settle()
    world.create("second", key="k", ports=((80, "TCP"), (443, "TCP")))
    world.settle()
    assert world.ips("first") == ["100.64.196.61"]
    assert world.ips("second") == []
    cond = world.condition("second")
    assert cond is not None and cond["reason"] == "SharedVipPortConflict"
    [event] = [e for e in world.events("second") if e[1] == "SharedVipPortConflict"]
    assert event[0] == "Warning" and "80/TCP" in event[2] and "default/first" in event[2]
    vs = world.avi_get("virtualservice", "cluster--default-k")
    assert vs is not None and [s["port"] for s in vs["services"]] == [80]
    world.delete_service("first")
    world.settle()
    assert world.ips("second") == ["100.64.196.61"]


def test_same_port_different_protocols_do_not_conflict(world: World) -> None:
    world.create("dns-tcp", key="dns", ports=((53, "TCP"),))
    world.create("dns-udp", key="dns", ports=((53, "UDP"),))
    world.settle()
    assert world.ips("dns-tcp") == world.ips("dns-udp") == ["100.64.196.61"]


def test_annotation_on_a_clusterip_service_is_ignored_with_a_warning(world: World) -> None:
    world.create("plain", key="k", type_="ClusterIP")
    world.settle()
    assert world.avi_names("virtualservice") == []
    assert [e[:2] for e in world.events("plain")] == [("Warning", "SharedVipIgnored")]


def test_same_key_in_two_namespaces_makes_two_groups(world: World) -> None:
    world.create_namespace("red")
    world.create("a", key="k")
    world.create("a", key="k", ns="red")
    world.settle()
    assert world.avi_names("virtualservice") == ["cluster--default-k", "cluster--red-k"]
    assert world.ips("a") != world.ips("a", ns="red")
