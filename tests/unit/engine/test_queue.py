"""The work queue with a fake clock: de-duplication, one worker per key, per-key backoff."""

from __future__ import annotations

import threading

import pytest

from simulator.engine.queue import Backoff, FakeClock, ShutDown, WorkQueue


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(clock: FakeClock) -> WorkQueue:
    return WorkQueue(clock=clock, backoff=Backoff(base=0.005, cap=10.0, slow_min=1.0, slow_max=5.0))


def drain(queue: WorkQueue) -> list[str]:
    keys = []
    while (key := queue.get_nowait()) is not None:
        keys.append(key)
        queue.done(key)
    return keys


def test_a_key_is_queued_once(queue: WorkQueue) -> None:
    queue.add("a")
    queue.add("b")
    queue.add("a")
    assert queue.depth() == 2
    assert drain(queue) == ["a", "b"]
    assert queue.idle()


def test_a_key_readded_while_processing_is_processed_again_after(queue: WorkQueue) -> None:
    queue.add("a")
    key = queue.get_nowait()
    assert key == "a"
    queue.add("a")
    assert queue.get_nowait() is None, "never handed to a second worker while in flight"
    assert queue.in_flight() == ["a"]
    queue.done("a")
    assert queue.get_nowait() == "a"


def test_backoff_grows_per_key_and_is_capped(queue: WorkQueue, clock: FakeClock) -> None:
    delays = [queue.retry("k") for _ in range(15)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert delays[-1] == 10.0
    assert queue.failures("k") == 15
    assert queue.retry("other") == 0.005, "backoff is per key"


def test_retry_waits_for_its_due_time(queue: WorkQueue, clock: FakeClock) -> None:
    queue.add("k")
    key = queue.get_nowait()
    assert key == "k"
    queue.retry("k")
    queue.retry("k")  # second failure: 10 ms
    queue.done("k")
    assert queue.get_nowait() is None
    assert queue.idle(), "a key waiting for its retry does not make the queue busy"
    [info] = queue.retrying()
    assert info.key == "k" and info.failures == 2 and info.due_in == pytest.approx(0.005)
    clock.advance(0.004)
    assert queue.get_nowait() is None
    clock.advance(0.002)
    assert queue.get_nowait() == "k"


def test_forget_resets_the_backoff(queue: WorkQueue) -> None:
    queue.retry("k")
    queue.retry("k")
    queue.forget("k")
    assert queue.failures("k") == 0
    assert queue.retry("k") == 0.005


def test_slow_lane_for_vip_allocation_failures(queue: WorkQueue, clock: FakeClock) -> None:
    assert [queue.retry("k", slow=True) for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    [info] = queue.retrying()
    assert info.slow


def test_an_event_supersedes_a_pending_retry(queue: WorkQueue, clock: FakeClock) -> None:
    queue.retry("k", slow=True)
    assert queue.get_nowait() is None
    queue.add("k")
    assert queue.get_nowait() == "k"
    assert queue.retrying() == []


def test_blocking_get_wakes_up_when_a_key_arrives() -> None:
    queue = WorkQueue()
    got: list[str | None] = []
    worker = threading.Thread(target=lambda: got.append(queue.get(timeout=5)))
    worker.start()
    queue.add("x")
    worker.join(5)
    assert got == ["x"]


def test_blocking_get_waits_for_a_delayed_key() -> None:
    queue = WorkQueue()
    queue.add_after("later", 0.02)
    assert queue.get(timeout=5) == "later"


def test_get_times_out_without_keys() -> None:
    assert WorkQueue().get(timeout=0.01) is None


def test_shutdown_releases_blocked_workers() -> None:
    queue = WorkQueue()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            queue.get()
        except ShutDown as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    queue.shutdown()
    thread.join(5)
    assert not thread.is_alive()
    assert len(errors) == 1


def test_many_workers_never_share_a_key() -> None:
    queue = WorkQueue()
    active: set[str] = set()
    lock = threading.Lock()
    clashes: list[str] = []
    processed: list[str] = []

    def worker() -> None:
        while True:
            try:
                key = queue.get(timeout=0.2)
            except ShutDown:
                return
            if key is None:
                return
            with lock:
                if key in active:
                    clashes.append(key)
                active.add(key)
            with lock:
                active.discard(key)
                processed.append(key)
            queue.done(key)

    for round_ in range(50):
        for key in ("a", "b", "c"):
            queue.add(key)
        if round_ == 0:
            threads = [threading.Thread(target=worker) for _ in range(4)]
            for t in threads:
                t.start()
    for t in threads:
        t.join(5)
    assert clashes == []
    assert set(processed) == {"a", "b", "c"}
    assert queue.idle()
