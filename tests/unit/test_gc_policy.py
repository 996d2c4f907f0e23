"""simulator.gc_policy: survivors of full collections frozen, all unfrozen once doubled, and
cyclic garbage among frozen objects freed in the end, young collections made rarer (real gc, in
a child process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from simulator.gc_policy import FreezeSurvivors


class FakeCollector:
    """``freeze()`` makes every live object permanent; ``unfreeze()`` none."""

    def __init__(self) -> None:
        self.alive = 0
        self.frozen = 0
        self.calls: list[str] = []

    def freeze(self) -> None:
        self.frozen = self.alive
        self.calls.append("freeze")

    def unfreeze(self) -> None:
        self.frozen = 0
        self.calls.append("unfreeze")

    def get_freeze_count(self) -> int:
        return self.frozen


def full_collection(policy: FreezeSurvivors, collector: FakeCollector, alive: int) -> None:
    collector.alive = alive
    policy("start", {"generation": 2})
    policy("stop", {"generation": 2, "collected": 0, "uncollectable": 0})


def test_survivors_are_frozen_until_the_frozen_set_doubles_then_all_are_walked_again() -> None:
    collector = FakeCollector()
    policy = FreezeSurvivors(collector)
    full_collection(policy, collector, 100)
    assert (collector.frozen, policy.walked, policy.full_walks) == (100, 100, 1)
    full_collection(policy, collector, 150)  # < twice the last walk: stays frozen
    assert (collector.frozen, policy.walked, policy.full_walks) == (150, 100, 1)
    full_collection(policy, collector, 200)  # doubled: unfrozen, the next one walks all
    assert collector.frozen == 0 and collector.calls[-1] == "unfreeze"
    full_collection(policy, collector, 210)
    assert (collector.frozen, policy.walked, policy.full_walks) == (210, 210, 2)


def test_young_collections_and_start_phases_change_nothing() -> None:
    collector = FakeCollector()
    policy = FreezeSurvivors(collector)
    collector.alive = 50
    for generation in (0, 1):
        policy("stop", {"generation": generation})
    policy("start", {"generation": 2})
    assert collector.calls == [] and policy.full_walks == 0


CHILD = textwrap.dedent(
    """
    import gc, weakref
    from simulator.gc_policy import THRESHOLDS, install

    policy = install()
    assert install() is policy and gc.callbacks.count(policy) == 1
    assert gc.get_threshold() == THRESHOLDS, gc.get_threshold()

    class Node:
        pass

    node = Node()
    node.me = node  # a cycle: only the cyclic collector can free it
    ref = weakref.ref(node)
    gc.collect()  # a full walk: the node survives, and is frozen
    assert gc.get_freeze_count() > 0 and policy.full_walks == 1
    del node
    gc.collect()
    assert ref() is not None, "frozen: not walked"
    grown = [[] for _ in range(2 * gc.get_freeze_count())]
    gc.collect()  # the frozen set doubled: unfrozen
    assert gc.get_freeze_count() == 0
    gc.collect()  # a full walk again: the cycle is freed
    assert ref() is None and policy.full_walks == 2
    print("ok")
    """
)


def test_with_the_real_collector_frozen_cyclic_garbage_is_freed_once_the_heap_doubles() -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "ok"
