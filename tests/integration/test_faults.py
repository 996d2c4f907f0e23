"""Faults (behaviour.md section 10) injected through the mocks' fault rules."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from simulator.config import EngineConfig
from simulator.engine.controller import Engine
from simulator.engines.sim import build_sim_engine
from tests.support.stack import mock_post
from tests.support.wait import eventually
from tests.support.world import World

pytestmark = pytest.mark.integration


def faulted(world: World, since: int, method: str, fragment: str, status: int) -> int:
    return sum(
        1
        for e in world.journal(since)
        if e["method"] == method and fragment in e["path"] and e["status"] == status
    )


def test_server_errors_are_retried_until_the_group_is_configured(world: World) -> None:
    seq = world.journal_seq()
    world.avi_fault(method="POST", path="/api/virtualservice", status=503, times=3)
    world.create("a", key="k")
    eventually(lambda: _assert_ips(world, "a", ["100.64.196.61"]), timeout=10)
    assert faulted(world, seq, "POST", "/api/virtualservice", 503) == 3
    assert world.engine.metrics.reconcile_errors.labels(error="TransientError")._value.get() >= 3


def test_transient_errors_keep_the_existing_status(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    seq = world.journal_seq()
    world.avi_fault(method="PUT", path="/api/virtualservice", status=500, times=4)
    world.create("b", key="k", ports=((81, "TCP"),))
    eventually(
        lambda: _assert_faulted(world, seq, "PUT", "/api/virtualservice", 500, 2), timeout=10
    )
    assert world.ips("a") == ["100.64.196.61"], "existing status kept during retries"
    cond = world.condition("a")
    assert cond is not None and cond["status"] == "True"
    eventually(lambda: _assert_ips(world, "b", ["100.64.196.61"]), timeout=10)


def test_expired_session_is_renewed_by_logging_in_again(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    seq = world.journal_seq()
    mock_post(world.stack.avi_url, "sessions/expire", {}, avi=True)
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    assert world.ips("b") == ["100.64.196.61"]
    journal = world.journal(seq)
    assert any(e["status"] == 401 for e in journal)
    assert any(e["path"] == "/login" and e["status"] == 200 for e in journal)


def test_conflict_on_create_adopts_the_existing_object(world: World) -> None:
    vsvip = {
        "name": "cluster--default-k",
        "vip": [
            {
                "vip_id": "0",
                "auto_allocate_ip": True,
                "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
            }
        ],
    }
    rsp = world.avi_api.post("vsvip", data=vsvip)
    assert rsp.status_code == 201, rsp.text
    seq = world.journal_seq()
    world.create("a", key="k")
    eventually(lambda: _assert_ips(world, "a", ["100.64.196.61"]), timeout=10)
    writes = world.avi_writes_since(seq)
    assert writes.count("POST /api/vsvip") == 1, "created once, refused with 409, then adopted"
    assert faulted(world, seq, "POST", "/api/vsvip", 409) == 1
    assert any(w.startswith("PUT /api/vsvip/") for w in writes)
    adopted = world.avi_get("vsvip", "cluster--default-k")
    assert adopted is not None
    assert {"key": "clustername", "values": ["cluster"]} in adopted["markers"]


def test_precondition_failed_is_reread_and_retried(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    seq = world.journal_seq()
    world.avi_fault(
        method="PUT",
        path="/api/virtualservice",
        status=412,
        body={"error": "Need to reload object data VirtualService"},
        times=1,
    )
    world.create("b", key="k", ports=((81, "TCP"),))
    eventually(lambda: _assert_ips(world, "b", ["100.64.196.61"]), timeout=10)
    assert faulted(world, seq, "PUT", "/api/virtualservice", 412) == 1


def test_timeouts_are_retried(world: World) -> None:
    world.restart_engine(avi_timeout=0.3)
    try:
        seq = world.journal_seq()
        world.avi_fault(method="POST", path="/api/vsvip", delay_ms=800, times=1)
        world.create("a", key="k")
        eventually(lambda: _assert_ips(world, "a", ["100.64.196.61"]), timeout=10)
        posts = [
            e for e in world.journal(seq) if e["method"] == "POST" and e["path"] == "/api/vsvip"
        ]
        assert posts, "the controller saw the VsVip creation"
        assert (
            world.engine.metrics.avi_calls.labels(
                method="POST", type="vsvip", status="error"
            )._value.get()
            == 1
        )
    finally:
        world.restart_engine()


def test_refused_connection_keeps_the_engine_unready(world: World, tmp_path: Any) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    config = EngineConfig(
        avi_controller=f"http://127.0.0.1:{closed_port}",
        kubeconfig=str(world.stack.kubeconfig),
        port=0,
        resync_period=0,
    )
    engine = build_sim_engine(config)
    engine.start()
    try:
        eventually(lambda: _assert_bootstrap_error(engine), timeout=5)
        assert requests.get(f"{engine.url}/readyz", timeout=2).status_code == 503
        assert requests.get(f"{engine.url}/healthz", timeout=2).status_code == 200
    finally:
        engine.stop()


def test_preferred_ip_outside_the_ranges_is_a_vip_allocation_failure(world: World) -> None:
    world.create("a", key="k", ip_annotation="10.9.9.9")
    world.create("b", key="k", ip_annotation="10.9.9.9", ports=((81, "TCP"),))
    eventually(lambda: _assert_reason(world, "a", "VipAllocationFailed"), timeout=10)
    eventually(lambda: _assert_reason(world, "b", "VipAllocationFailed"), timeout=10)
    assert world.ips("a") == world.ips("b") == []
    assert ("Warning", "VipAllocationFailed") in [e[:2] for e in world.events("b")]
    assert any(
        r["key"] == "shared:default/k" and r["slow"] for r in world.engine.state()["retrying"]
    )
    world.create("a", key="k", ip_annotation="100.64.196.70")
    world.create("b", key="k", ip_annotation="100.64.196.70", ports=((81, "TCP"),))
    eventually(lambda: _assert_ips(world, "b", ["100.64.196.70"]), timeout=10)


def test_ip_held_by_another_group_is_picked_up_once_freed(world: World) -> None:
    world.create_namespace("red")
    world.create("a", key="k", ip_annotation="100.64.196.75")
    world.settle()
    world.create("x", key="k", ns="red", ip_annotation="100.64.196.75")
    eventually(lambda: _assert_reason(world, "x", "VipAllocationFailed", ns="red"), timeout=10)
    assert world.ips("x", ns="red") == []
    assert world.ips("a") == ["100.64.196.75"], "a group never takes another group's address"
    world.delete_service("a")
    eventually(lambda: _assert_ips(world, "x", ["100.64.196.75"], ns="red"), timeout=12)


def test_no_free_ips_is_retried_slowly_and_recovers(world: World) -> None:
    world.avi_fault(
        method="POST",
        path="/api/vsvip",
        status=400,
        body={"error": "No available free IPs"},
        times=1,
    )
    world.create("a", key="k")
    eventually(lambda: _assert_reason(world, "a", "VipAllocationFailed"), timeout=10)
    cond = world.condition("a")
    assert cond is not None and "No available free IPs" in cond["message"]
    eventually(lambda: _assert_ips(world, "a", ["100.64.196.61"]), timeout=10)


def test_status_write_errors_are_retried(world: World) -> None:
    world.k8s_fault(method="PATCH", path="/services/a/status", status=503, times=2)
    world.create("a", key="k")
    eventually(lambda: _assert_ips(world, "a", ["100.64.196.61"]), timeout=10)


def test_dropped_watches_resume_from_the_last_resource_version(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    watches = {n: i.watches for n, i in world.engine.informers.items()}
    lists = {n: i.lists for n, i in world.engine.informers.items()}
    world.k8s_fault(drop_watches=True)
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    assert world.ips("b") == ["100.64.196.61"]
    assert all(i.watches > watches[n] for n, i in world.engine.informers.items())
    assert {n: i.lists for n, i in world.engine.informers.items()} == lists, "no relist needed"


def test_expired_resource_version_makes_the_informers_relist(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    informer = world.engine.informers["services"]
    lists = informer.lists
    world.k8s_fault(method="GET", path="^/api/v1/services$", status=410, times=1)
    world.k8s_fault(compact=True)
    world.k8s_fault(drop_watches=True)
    world.create("c", key="k", ports=((82, "TCP"),))
    world.delete_service("b")
    world.settle()
    assert informer.lists == lists + 1, "410 -> one relist"
    assert world.ips("c") == ["100.64.196.61"]
    assert "cluster--default-b-k-TCP-81" not in world.avi_names("pool")


def _assert_ips(world: World, name: str, ips: list[str], ns: str = "default") -> None:
    assert world.ips(name, ns) == ips


def _assert_reason(world: World, name: str, reason: str, ns: str = "default") -> None:
    cond = world.condition(name, ns)
    assert cond is not None and cond["reason"] == reason, cond


def _assert_faulted(
    world: World, seq: int, method: str, fragment: str, status: int, n: int
) -> None:
    assert faulted(world, seq, method, fragment, status) >= n


def _assert_bootstrap_error(engine: Engine) -> None:
    state = engine.state()
    assert not state["ready"]
    assert state["bootstrap_error"], state
