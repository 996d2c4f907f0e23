"""The engine SIGKILLed half-way through a change, then restarted: nothing lost, nothing twice.

The engine runs as its own process (``python -m simulator engine``) against the session mocks
(the in-process engine is stopped first). A fault rule stalls the change at a chosen point: the
Services' status PATCH (every Avi write done, no status written) or the VirtualService POST
(VsVip and pools created, the VS not). Once the journals show the engine stuck there it is
killed with SIGKILL (no clean-up of any kind), the fault is lifted and a fresh engine starts.
It must adopt what the dead one created, finish the change, create no object twice and leave no
orphan (``oracle.assert_converged``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from steps.support.wait import eventually
from tests.reliability.oracle import assert_converged
from tests.support.world import World

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # processes: started first under xdist


def _spawn(world: World, log: Path) -> subprocess.Popen[bytes]:
    stack = world.stack
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulator",
                "engine",
                "--kubeconfig",
                str(stack.kubeconfig),
                "--avi-controller",
                stack.avi_url,
                "--port",
                "0",
                "--resync-period",
                "0",
                "--log-level",
                "WARNING",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


@pytest.fixture
def engine_process(world: World, tmp_path: Path) -> Iterator[Any]:
    """``start()`` runs an engine process; every one started is killed at the end."""
    procs: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "engine.log"
    world.stack.stop_engine()

    def start() -> subprocess.Popen[bytes]:
        proc = _spawn(world, log)
        procs.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)


def _k8s_journal(world: World, since: int = 0) -> list[dict[str, Any]]:
    rsp = requests.get(
        f"{world.stack.k8s_url}/__mock__/journal", params={"since": since}, timeout=5
    )
    rsp.raise_for_status()
    return list(rsp.json())


def _created(world: World, since: int) -> Counter[str]:
    return Counter(
        e["path"].split("/")[2]
        for e in world.journal(since)
        if e["method"] == "POST" and e["status"] == 201 and e["path"].startswith("/api/")
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL


def _change(world: World) -> None:
    world.create("a", key="k")
    world.create("b", key="k", ports=((81, "TCP"),))
    world.create("solo", ports=((90, "TCP"),))


def test_killed_between_avi_writes_and_status_write(world: World, engine_process: Any) -> None:
    seq = world.journal_seq()
    world.k8s_fault(method="PATCH", path="/status$", status=503)  # every status write fails
    _change(world)
    proc = engine_process()

    def stuck_at_status() -> None:
        assert _created(world, seq)["virtualservice"] == 2, "both VSs created"
        refused = [e for e in _k8s_journal(world) if e["method"] == "PATCH" and e["status"] == 503]
        assert refused, "status writes refused"

    eventually(stuck_at_status, timeout=20)
    _kill(proc)
    assert world.ips("a") == world.ips("solo") == [], "the dead engine wrote no status"
    world.clear_faults()
    engine_process()
    eventually(lambda: assert_converged(world), timeout=20, interval=0.1)
    assert _created(world, seq) == Counter(
        {"vsvip": 2, "pool": 3, "l4policyset": 2, "virtualservice": 2}
    ), "nothing created twice"


def test_killed_between_two_avi_writes(world: World, engine_process: Any) -> None:
    seq = world.journal_seq()
    world.avi_fault(method="POST", path="^/api/virtualservice", status=503)  # VS never made
    _change(world)
    proc = engine_process()

    def stuck_at_vs() -> None:
        created = _created(world, seq)
        assert created["vsvip"] == 2 and created["pool"] == 3 and created["l4policyset"] == 2
        failed = [e for e in world.journal(seq) if e["status"] == 503]
        assert len(failed) >= 2, "VS creation refused"

    eventually(stuck_at_vs, timeout=20)
    _kill(proc)
    world.clear_faults()
    world.delete_service("b")  # the change moves on while no engine runs
    engine_process()
    eventually(lambda: assert_converged(world), timeout=20, interval=0.1)
    created = _created(world, seq)
    assert created["vsvip"] == 2 and created["pool"] == 3, "adopted, not created again"
    assert created["virtualservice"] == 2


def test_in_process_restart_mid_change_with_a_stalled_status_write(world: World) -> None:
    """Same as above for the in-process engine (stop without draining, then start)."""
    seq = world.journal_seq()
    world.k8s_fault(method="PATCH", path="/status$", status=503)
    _change(world)
    eventually(lambda: _assert_created(world, seq, "virtualservice", 2), timeout=10)
    world.stack.stop_engine()
    world.clear_faults()
    world.restart_engine()
    eventually(lambda: assert_converged(world), timeout=10)
    assert _created(world, seq)["vsvip"] == 2


def _assert_created(world: World, seq: int, obj_type: str, count: int) -> None:
    assert _created(world, seq)[obj_type] == count
