"""Engine restarts, seen from the engine's insides (behaviour.md section 8, last row).

The behaviour (zero writes on a converged restart, re-creating what was deleted while the
engine was away, the minimum writes for a member that joined, orphans deleted, other clusters'
objects left alone) is told in ``features/lifecycle/restart.feature``. What stays here is what
only this engine can say: its own counters and cache after a restart, and its resync call.
"""

from __future__ import annotations

import pytest

from tests.support.world import EXAMPLES, World

pytestmark = pytest.mark.integration


def test_converged_restart_reconciles_every_key_and_counts_no_write(world: World) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.create("solo", ports=((90, "TCP"),))
    world.create_infra("infra-1", {"seGroup": {"name": "Default-Group"}})
    world.settle()
    seq = world.journal_seq()
    rv_before = world.raw_service("sharedvip-avisvc-lb1")["metadata"]["resourceVersion"]
    engine = world.restart_engine()
    stats = engine.stats()
    assert stats["reconciles"] >= 3, "every key was reconciled after the restart"
    assert world.avi_writes_since(seq) == []
    assert stats["avi_writes"] == 0
    assert stats["k8s_writes"] == 0, stats
    assert world.raw_service("sharedvip-avisvc-lb1")["metadata"]["resourceVersion"] == rv_before
    assert engine.state()["avi_objects"] == {
        "vsvip": 2,
        "pool": 3,
        "l4policyset": 2,
        "virtualservice": 2,
    }


def test_drift_is_repaired_by_a_resync(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    world.avi_delete("virtualservice", "cluster--default-k")
    changed = world.engine.resync_now()
    assert changed == {"shared:default/k"}
    world.settle()
    assert world.avi_names("virtualservice") == ["cluster--default-k"]
