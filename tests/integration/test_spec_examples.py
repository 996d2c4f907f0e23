"""The spec's examples, seen from the engine's insides.

What the examples build (the shared VIP on both Services, the VS, its services, L4 rules,
pools and VsVip, the VipAssigned condition and the Synced Events, the kubectl table) is told in
``features/sharing/spec_examples.feature``. What stays here is what only this engine can say: a
second pass over converged keys, queued by hand, reconciles and writes nothing.
"""

from __future__ import annotations

import pytest

from tests.support.world import EXAMPLES, World

pytestmark = pytest.mark.integration


def test_a_second_pass_over_the_examples_writes_nothing(world: World) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.settle()
    seq = world.journal_seq()
    before = world.engine.stats()
    world.engine.queue.add_many(
        ["shared:default/shared-vip-key-1", "service:default/sharedvip-avisvc-lb1"]
    )
    world.settle()
    after = world.engine.stats()
    assert after["reconciles"] >= before["reconciles"] + 2
    assert world.avi_writes_since(seq) == []
    assert after["k8s_writes"] == before["k8s_writes"]
