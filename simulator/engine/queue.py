"""The work queue of reconcile keys (controller-runtime's shape, with an injectable clock).

- Keys only, de-duplicated: a key waiting in the queue is queued once; a key re-added while a
  worker processes it is processed again after that worker calls :meth:`WorkQueue.done`.
- A key is never handed to two workers at once.
- Failures are retried with per-key exponential backoff (fast lane) or a bounded slow delay (slow
  lane, e.g. VIP allocation failures); :meth:`WorkQueue.forget` resets a key after a success.
- Workers block on a condition variable until the next item is due; nothing here sleeps for a
  fixed time and no reconcile code ever sleeps.

It knows nothing about Kubernetes or Avi.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds; tests inject a fake one."""

    def now(self) -> float: ...


class MonotonicClock:
    """The real clock."""

    def now(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to (for unit tests)."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


@dataclass(frozen=True)
class Backoff:
    """Retry delays: ``base * 2**(failures-1)`` capped at ``cap``; the slow lane grows from
    ``slow_min`` to ``slow_max``."""

    base: float = 0.005
    cap: float = 10.0
    slow_min: float = 1.0
    slow_max: float = 5.0

    def delay(self, failures: int, slow: bool) -> float:
        exponent = max(failures - 1, 0)
        if slow:
            return float(min(self.slow_min * (2 ** min(exponent, 16)), self.slow_max))
        return float(min(self.base * (2 ** min(exponent, 32)), self.cap))


@dataclass(frozen=True)
class RetryInfo:
    """A key waiting for its next attempt."""

    key: str
    due_in: float
    failures: int
    slow: bool


class ShutDown(Exception):
    """Raised by :meth:`WorkQueue.get` once the queue is shut down."""


class WorkQueue:
    """A de-duplicating, rate-limited queue of string keys. Thread-safe."""

    def __init__(self, clock: Clock | None = None, backoff: Backoff | None = None) -> None:
        self._clock: Clock = clock or MonotonicClock()
        self._backoff = backoff or Backoff()
        self._cond = threading.Condition()
        self._ready: deque[str] = deque()
        self._queued: set[str] = set()
        self._processing: set[str] = set()
        self._dirty: set[str] = set()
        self._delayed: dict[str, float] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._seq = 0
        self._failures: dict[str, int] = {}
        self._slow: dict[str, bool] = {}
        self._shutdown = False
        self.adds_total = 0

    # -- producers ------------------------------------------------------------------------------
    def add(self, key: str) -> None:
        """Queue ``key`` now (a pending delayed retry of it is superseded)."""
        with self._cond:
            self._add_locked(key)

    def add_many(self, keys: Iterable[str]) -> None:
        """Queue several keys now."""
        with self._cond:
            for key in keys:
                self._add_locked(key)

    def add_after(self, key: str, delay: float) -> None:
        """Queue ``key`` once ``delay`` seconds have passed (an earlier due time wins)."""
        if delay <= 0:
            self.add(key)
            return
        with self._cond:
            if self._shutdown or key in self._queued:
                return
            due = self._clock.now() + delay
            current = self._delayed.get(key)
            if current is not None and current <= due:
                return
            self._delayed[key] = due
            self._seq += 1
            heapq.heappush(self._heap, (due, self._seq, key))
            self._cond.notify()

    def retry(self, key: str, *, slow: bool = False) -> float:
        """Count a failure of ``key`` and queue it after its backoff; returns the delay."""
        with self._cond:
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
            self._slow[key] = slow
        delay = self._backoff.delay(failures, slow)
        self.add_after(key, delay)
        return delay

    def forget(self, key: str) -> None:
        """Reset the failure count of ``key`` (after a successful reconcile)."""
        with self._cond:
            self._failures.pop(key, None)
            self._slow.pop(key, None)

    def failures(self, key: str) -> int:
        with self._cond:
            return self._failures.get(key, 0)

    # -- consumers ------------------------------------------------------------------------------
    def get(self, timeout: float | None = None) -> str | None:
        """Block until a key is due and hand it out (marked in flight); ``None`` on timeout.

        Raises :class:`ShutDown` once :meth:`shutdown` was called.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if self._shutdown:
                    raise ShutDown()
                self._promote_due_locked()
                key = self._pop_ready_locked()
                if key is not None:
                    return key
                wait = self._next_due_in_locked()
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return None
                    wait = remaining if wait is None else min(wait, remaining)
                self._cond.wait(wait)

    def get_nowait(self) -> str | None:
        """The next due key, or ``None`` (never blocks; used with a fake clock)."""
        with self._cond:
            if self._shutdown:
                raise ShutDown()
            self._promote_due_locked()
            return self._pop_ready_locked()

    def done(self, key: str) -> None:
        """The worker finished ``key``; if it was re-added meanwhile, queue it again."""
        with self._cond:
            self._processing.discard(key)
            if key in self._dirty:
                self._dirty.discard(key)
                self._delayed.pop(key, None)
                if key not in self._queued:
                    self._queued.add(key)
                    self._ready.append(key)
                self._cond.notify()
            self._cond.notify_all()

    def wake(self) -> None:
        """Re-check due times now (after a fake clock moved)."""
        with self._cond:
            self._cond.notify_all()

    def shutdown(self) -> None:
        with self._cond:
            self._shutdown = True
            self._cond.notify_all()

    # -- introspection --------------------------------------------------------------------------
    def depth(self) -> int:
        """Keys ready to be processed (retries waiting for their time excluded)."""
        with self._cond:
            self._promote_due_locked()
            return len(self._ready) + len(self._dirty - self._queued)

    def in_flight(self) -> list[str]:
        with self._cond:
            return sorted(self._processing)

    def retrying(self) -> list[RetryInfo]:
        with self._cond:
            now = self._clock.now()
            return [
                RetryInfo(
                    key=key,
                    due_in=max(due - now, 0.0),
                    failures=self._failures.get(key, 0),
                    slow=self._slow.get(key, False),
                )
                for key, due in sorted(self._delayed.items(), key=lambda item: item[1])
            ]

    def idle(self) -> bool:
        """Nothing ready and nothing in flight (delayed retries do not count)."""
        with self._cond:
            self._promote_due_locked()
            return not self._ready and not self._processing and not self._dirty

    def __len__(self) -> int:
        return self.depth()

    # -- internals ------------------------------------------------------------------------------
    def _add_locked(self, key: str) -> None:
        if self._shutdown:
            return
        self.adds_total += 1
        self._delayed.pop(key, None)
        if key in self._processing:
            self._dirty.add(key)
            return
        if key in self._queued:
            return
        self._queued.add(key)
        self._ready.append(key)
        self._cond.notify()

    def _pop_ready_locked(self) -> str | None:
        while self._ready:
            key = self._ready.popleft()
            self._queued.discard(key)
            if key in self._processing:  # cannot happen via add(); defensive
                self._dirty.add(key)
                continue
            self._processing.add(key)
            return key
        return None

    def _promote_due_locked(self) -> None:
        now = self._clock.now()
        while self._heap and self._heap[0][0] <= now:
            due, _, key = heapq.heappop(self._heap)
            if self._delayed.get(key) != due:
                continue  # superseded entry
            del self._delayed[key]
            if key in self._processing:
                self._dirty.add(key)
            elif key not in self._queued:
                self._queued.add(key)
                self._ready.append(key)

    def _next_due_in_locked(self) -> float | None:
        while self._heap:
            due, _, key = self._heap[0]
            if self._delayed.get(key) != due:
                heapq.heappop(self._heap)
                continue
            return max(due - self._clock.now(), 0.0)
        return None
