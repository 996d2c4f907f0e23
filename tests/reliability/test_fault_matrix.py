"""Fault matrix (issue 8): inject a production fault mid-change, assert the right end state.

Rows already covered by ``tests/integration/test_faults.py`` and ``test_restart.py`` are not
repeated (docs/reliability.md maps every row to its test). These add the harder variants: faults
on every write type at once during a multi-group change, a timed-out write that the controller did
apply (so the retry meets 409 and must adopt, not duplicate), 401 / 409 / 412 on updates and
deletes, real IPAM exhaustion then freeing, watch re-opens refused during a change, and objects
edited or planted on the controller behind the engine's back. Every row ends with
``assert_converged``: no orphaned or duplicated Avi object and no Service with a wrong status.
"""

from __future__ import annotations

from typing import Any

import pytest

from steps.support.wait import eventually
from tests.reliability.oracle import assert_converged
from tests.support.world import World

pytestmark = pytest.mark.integration

AVI_WRITES = "^/api/(vsvip|pool|l4policyset|virtualservice)"


def _converges(world: World, timeout: float = 15.0) -> None:
    eventually(lambda: assert_converged(world), timeout=timeout, interval=0.05)


def _statuses(world: World, since: int, status: int) -> int:
    return sum(1 for e in world.journal(since) if e["status"] == status)


def _mixed_change(world: World) -> None:
    """Two shared groups, a dedicated Service, then a member moves and one leaves."""
    world.create("a", key="k1")
    world.create("b", key="k1", ports=((81, "TCP"),))
    world.create("c", key="k2", ports=((53, "UDP"),))
    world.create("solo", ports=((90, "TCP"),))
    world.create("b", key="k2", ports=((81, "TCP"),))
    world.delete_service("a")


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_burst_on_every_write_type(world: World, status: int) -> None:
    seq = world.journal_seq()
    for method in ("POST", "PUT", "DELETE"):
        world.avi_fault(method=method, path=AVI_WRITES, status=status, times=2)
        world.avi_fault(method=method, path=AVI_WRITES, status=status, times=1, after=3)
    _mixed_change(world)
    _converges(world)
    assert _statuses(world, seq, status) >= 6, "the injected errors reached the engine"


def test_timed_out_write_that_the_controller_applied_is_adopted_not_duplicated(
    world: World,
) -> None:
    world.restart_engine(avi_timeout=0.3)
    try:
        seq = world.journal_seq()
        world.avi_fault(method="POST", path="^/api/pool", delay_ms=700, times=1)
        world.avi_fault(method="POST", path="^/api/virtualservice", delay_ms=700, times=1)
        world.create("a", key="k")
        world.create("b", key="k", ports=((81, "TCP"),))
        _converges(world)
        created = [
            e["path"] for e in world.journal(seq) if e["method"] == "POST" and e["status"] == 201
        ]
        assert created.count("/api/pool") == 2, "each pool created once (the slow one adopted)"
        assert created.count("/api/virtualservice") == 1
    finally:
        world.restart_engine()
    _converges(world)


def test_unauthorized_mid_run_on_updates_and_deletes(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    seq = world.journal_seq()
    world.avi_fault(method="PUT", path=AVI_WRITES, status=401, times=2)  # writes only
    world.avi_fault(method="DELETE", path=AVI_WRITES, status=401, times=2)
    world.create("c", key="k", ports=((82, "TCP"),))
    world.delete_service("b")
    _converges(world)
    journal = world.journal(seq)
    assert sum(1 for e in journal if e["status"] == 401) == 4
    assert any(e["path"] == "/login" and e["status"] == 200 for e in journal), "logged in again"


def test_conflict_and_precondition_on_updates_and_deletes(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.create("solo", ports=((90, "TCP"),))
    world.settle()
    seq = world.journal_seq()
    world.avi_fault(method="PUT", path="^/api/virtualservice", status=409, times=1)
    world.avi_fault(method="PUT", path="^/api/l4policyset", status=412, times=2)
    world.avi_fault(method="DELETE", path="^/api/pool", status=412, times=1)
    world.avi_fault(method="DELETE", path="^/api/virtualservice", status=409, times=1)
    world.create("c", key="k", ports=((82, "TCP"),))
    world.delete_service("b")
    world.delete_service("solo")
    _converges(world)
    assert _statuses(world, seq, 409) >= 1 and _statuses(world, seq, 412) >= 2


def test_ipam_exhaustion_then_freeing(world: World) -> None:
    """The VIP range really runs out (two addresses), then a freed address is picked up."""
    net = world.avi_get("network", "vip-network")
    assert net is not None
    subnet = net["configured_subnets"][0]
    rng = subnet["static_ip_ranges"][0]["range"]
    rng["begin"]["addr"], rng["end"]["addr"] = "100.64.196.61", "100.64.196.62"
    rsp = world.avi_api.put(f"network/{net['uuid']}", data=net)
    assert rsp.status_code == 200, rsp.text
    world.create("a", key="k1")
    world.create("b", key="k2", ports=((81, "TCP"),))
    world.settle()
    world.create("c", key="k3", ports=((82, "TCP"),))

    def starved() -> None:
        cond = world.condition("c")
        assert cond is not None and cond["reason"] == "VipAllocationFailed", cond
        assert "No available free IPs" in cond["message"]

    eventually(starved, timeout=10)
    assert world.ips("c") == []
    assert sorted(world.ips("a") + world.ips("b")) == ["100.64.196.61", "100.64.196.62"]
    freed = world.ips("a")
    world.delete_service("a")
    eventually(lambda: _assert_ips(world, "c", freed), timeout=15)
    _converges(world)


def test_watch_reopens_refused_during_a_change(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    world.k8s_fault(method="GET", path="^/api/v1/services$", status=503, times=3)
    world.k8s_fault(drop_watches=True)
    world.create("b", key="k", ports=((81, "TCP"),))
    world.create("c", key="other", ports=((82, "TCP"),))
    world.delete_service("a")
    _converges(world)


def test_compaction_and_dropped_watches_during_a_burst_of_changes(world: World) -> None:
    for i in range(4):
        world.create(f"s{i}", key=f"k{i % 2}", ports=((80 + i, "TCP"),))
    world.k8s_fault(compact=True)
    world.k8s_fault(drop_watches=True)
    world.delete_service("s0")
    world.create("s1", key="k0", ports=((81, "TCP"),))
    world.k8s_fault(compact=True)
    world.k8s_fault(drop_watches=True)
    world.create("s4", ports=((90, "TCP"),))
    _converges(world)


def test_status_write_refused_then_accepted(world: World) -> None:
    world.k8s_fault(method="PATCH", path="/status$", status=500, times=4)
    _mixed_change(world)
    _converges(world)


# ----- drift: the controller edited behind the engine's back ------------------------------------
def test_edited_virtual_service_is_repaired(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    vs = world.avi_get("virtualservice", "cluster--default-k")
    assert vs is not None
    vs["services"] = [{"port": 9999}]
    vs["enabled"] = False
    assert world.avi_api.put(f"virtualservice/{vs['uuid']}", data=vs).status_code == 200
    assert world.engine.resync_now() == {"shared:default/k"}
    world.settle()
    repaired = world.avi_get("virtualservice", "cluster--default-k")
    assert repaired is not None and repaired["enabled"] is True
    assert sorted(s["port"] for s in repaired["services"]) == [80, 81]
    _converges(world)


def test_deleted_pool_and_planted_orphan_are_repaired(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    rules = world.avi_get("l4policyset", "cluster--default-k")
    assert rules is not None
    rules["l4_connection_policy"]["rules"] = rules["l4_connection_policy"]["rules"][:1]
    assert world.avi_api.put(f"l4policyset/{rules['uuid']}", data=rules).status_code == 200
    world.avi_delete("pool", "cluster--default-b-k-TCP-81")
    orphan: dict[str, Any] = {
        "name": "cluster--default-gone-k-TCP-70",
        "created_by": "ako-cluster",
        "markers": [
            {"key": "clustername", "values": ["cluster"]},
            {"key": "Namespace", "values": ["default"]},
            {"key": "GatewayName", "values": ["k"]},
        ],
    }
    assert world.avi_api.post("pool", data=orphan).status_code == 201
    world.engine.resync_now()
    _converges(world)


def _assert_ips(world: World, name: str, ips: list[str]) -> None:
    assert world.ips(name) == ips
