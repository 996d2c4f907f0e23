"""How ako-sim's long-running processes (the mocks, the engine, ``up``) run Python's cyclic
garbage collector.

Their heaps grow with the cluster: every stored object, cache entry and informer copy is a tree
of dicts the collector tracks, and CPython makes a full collection each time the long-lived
heap has grown by a quarter, walking every live object again. At N=10,000 Services that is
seconds of CPU per process, almost all of it spent on objects that stay alive.

:func:`install` moves the survivors of each full collection to the permanent generation
(``gc.freeze()``), so the next full collections walk only what is newer. Refcounting frees
acyclic garbage as always, frozen or not; only cyclic garbage among frozen objects waits: once
the frozen set has doubled since the last full walk, it is unfrozen, and the next full
collection walks (and frees) everything. So the held-back garbage is bounded by the heap's
size, and the work of full collections by about twice the final heap instead of about five
times. Process-wide: installed by the commands that serve until shut down, never by the mocks
themselves (they also run inside other processes, such as the tests').

:func:`install` also makes the young collections rarer (:data:`THRESHOLDS`). CPython's default
collects the youngest generation every 700 net allocations and the middle one every 10 of those;
in these servers most allocations are decoded JSON documents that live for one request or one
reconcile, so the default walks each of them several times before refcounting frees it anyway.
"""

from __future__ import annotations

import gc
from typing import Any, Protocol

#: ``gc.set_threshold`` for the serving processes: a young collection every 10,000 net
#: allocations, a middle one every 50 young ones (CPython: 700 and 10); the oldest generation's
#: (10) is CPython's. The collector's share of the engine's samples in the scale run (N=1000,
#: perf) fell from 8-10% to 2-3%; the heap is not larger for it (acyclic garbage never waits).
THRESHOLDS = (10_000, 50, 10)


class _Collector(Protocol):
    """The part of the ``gc`` module the policy uses (a test may pass its own)."""

    def freeze(self) -> None: ...

    def unfreeze(self) -> None: ...

    def get_freeze_count(self) -> int: ...


class FreezeSurvivors:
    """A ``gc.callbacks`` entry: after each full collection, freeze its survivors; unfreeze all
    once the frozen set is twice what the last full walk left."""

    def __init__(self, collector: _Collector = gc) -> None:
        self._gc = collector
        self._full_walk = True  # the next full collection walks every object
        self.walked = 0  # objects frozen after the last full walk
        self.full_walks = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info.get("generation") != 2:
            return
        self._gc.freeze()
        frozen = self._gc.get_freeze_count()
        if self._full_walk:
            self._full_walk = False
            self.walked = frozen
            self.full_walks += 1
        elif frozen >= 2 * max(self.walked, 1):
            self._gc.unfreeze()
            self._full_walk = True


def install() -> FreezeSurvivors:
    """Install the policy and :data:`THRESHOLDS` in this process (once: a second call returns
    the first one)."""
    for callback in gc.callbacks:
        if isinstance(callback, FreezeSurvivors):
            return callback
    gc.set_threshold(*THRESHOLDS)
    policy = FreezeSurvivors()
    gc.callbacks.append(policy)
    return policy
