"""Engine restarts (behaviour.md section 8, last row; ako.md section 15): adopt, repair, clean."""

from __future__ import annotations

import pytest

from tests.support.world import EXAMPLES, SHARED_VS, World

pytestmark = pytest.mark.integration


def test_restart_on_a_converged_cluster_makes_zero_writes(world: World) -> None:
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


def test_restart_recreates_objects_deleted_behind_its_back(world: World) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.settle()
    world.stack.stop_engine()
    world.avi_delete("virtualservice", SHARED_VS)
    world.avi_delete("l4policyset", SHARED_VS)
    world.avi_delete("pool", "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80")
    seq = world.journal_seq()
    world.restart_engine()
    writes = world.avi_writes_since(seq)
    assert [w.split(" ")[0] + " " + w.split("/")[2] for w in writes] == [
        "POST pool",
        "POST l4policyset",
        "POST virtualservice",
    ]
    assert world.ips("sharedvip-avisvc-lb2") == ["100.64.196.61"]


def test_restart_deletes_orphans_of_services_deleted_while_it_was_down(world: World) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.create("solo", ports=((90, "TCP"),))
    world.settle()
    world.stack.stop_engine()
    world.delete_service("sharedvip-avisvc-lb1")
    world.delete_service("sharedvip-avisvc-lb2")
    world.restart_engine()
    assert world.avi_names("virtualservice") == ["cluster--default-solo"]
    assert world.avi_names("vsvip") == ["cluster--default-solo"]
    assert world.avi_names("pool") == ["cluster--default-solo-TCP-90"]


def test_restart_updates_what_changed_while_it_was_down(world: World) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.settle()
    world.stack.stop_engine()
    world.create("third", key="shared-vip-key-1", ports=((443, "TCP"),))
    seq = world.journal_seq()
    world.restart_engine()
    writes = [w.split("/")[2] for w in world.avi_writes_since(seq)]
    assert writes == ["pool", "l4policyset", "virtualservice"]
    assert world.ips("third") == ["100.64.196.61"]


def test_objects_of_another_cluster_are_left_alone(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    world.restart_engine(cluster_name="other")
    assert world.avi_names("virtualservice") == ["cluster--default-k"]
    assert "other--default-k" in {o["name"] for o in world.avi_list("virtualservice")}
    world.restart_engine()


def test_drift_is_repaired_by_a_resync(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    world.avi_delete("virtualservice", "cluster--default-k")
    changed = world.engine.resync_now()
    assert changed == {"shared:default/k"}
    world.settle()
    assert world.avi_names("virtualservice") == ["cluster--default-k"]
