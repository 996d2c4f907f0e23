"""A Service in one namespace can never join, read or take the VIP of a group in another.

Namespace ``red`` owns group ``k`` with a VIP. Services in ``blue`` use the same key, name
red's VIP as their preferred IP (annotation and ``spec.loadBalancerIP``), and reference an L4Rule
that exists only in ``red`` (an L4Rule is namespaced: blue must not read red's). Red's group must
stay exactly as it was; blue's must never show red's address.
"""

from __future__ import annotations

import pytest

from steps.support.wait import consistently, eventually
from tests.support.world import World

pytestmark = pytest.mark.integration


def test_other_namespace_cannot_join_read_or_take_a_group(world: World) -> None:
    for ns in ("red", "blue"):
        world.create_namespace(ns)
    world.create_l4rule("rule-red", {"loadBalancerIP": "100.64.196.90"}, ns="red")
    rule = {"ako.vmware.com/l4rule": "rule-red"}
    world.create("a", key="k", ns="red", annotations=rule)
    world.create("b", key="k", ns="red", ports=((81, "TCP"),), annotations=rule)
    world.settle()
    assert world.ips("a", ns="red") == ["100.64.196.90"]
    red_vs = world.avi_get("virtualservice", "cluster--red-k")
    assert red_vs is not None

    world.create("x", key="k", ns="blue", ip_annotation="100.64.196.90", ports=((82, "TCP"),))
    world.create("y", key="k", ns="blue", lb_ip="100.64.196.90", ports=((83, "TCP"),))
    world.create("z", key="k2", ns="blue", annotations=rule, ports=((84, "TCP"),))

    def blue_refused() -> None:
        for name in ("x", "y"):
            cond = world.condition(name, ns="blue")
            assert cond is not None and cond["reason"] == "VipAllocationFailed", cond
        assert "L4RuleNotApplied" in world.reasons("z", ns="blue")

    eventually(blue_refused, timeout=10)

    def red_untouched() -> None:
        assert world.ips("a", ns="red") == world.ips("b", ns="red") == ["100.64.196.90"]
        vs = world.avi_get("virtualservice", "cluster--red-k")
        assert vs is not None and vs["uuid"] == red_vs["uuid"]
        assert sorted(s["port"] for s in vs["services"]) == [80, 81], "no blue port joined"
        assert world.ips("x", ns="blue") == world.ips("y", ns="blue") == []
        assert "100.64.196.90" not in world.ips("z", ns="blue")

    consistently(red_untouched, duration=0.5)
    pools = world.avi_names("pool")
    assert not any(p.startswith("cluster--red-x") or p.startswith("cluster--red-y") for p in pools)
    world.delete_service("a", ns="red")
    world.delete_service("b", ns="red")
    eventually(lambda: _assert_ips(world, "x", ["100.64.196.90"]), timeout=15)


def _assert_ips(world: World, name: str, ips: list[str]) -> None:
    assert world.ips(name, ns="blue") == ips
