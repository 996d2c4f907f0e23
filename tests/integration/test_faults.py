"""Faults (behaviour.md section 10), seen from ako-sim's engine's insides.

What users see under controller and Kubernetes faults (5xx, timeouts, 401, 409, 412, VIP
allocation failures, refused status writes, dropped watches, compacted history) is told in
``features/faults/*.feature``. What stays here is what only this engine can say: its readiness
while the controller refuses connections, and its informers' watch and list counters.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from simulator.config import EngineConfig
from simulator.engine.controller import Engine
from simulator.engines.sim import build_sim_engine
from steps.support.wait import eventually
from tests.support.world import World

pytestmark = pytest.mark.integration


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


def _assert_bootstrap_error(engine: Engine) -> None:
    state = engine.state()
    assert not state["ready"]
    assert state["bootstrap_error"], state
