"""Time for the workload controllers: an injectable clock, one timer thread, and the settings
that say how long simulated things take.

``Timers`` keeps one heap of due callbacks and one daemon thread that runs them (started on the
first timer, so a server that never needs one never has the thread). With a ``ManualClock``
there is no thread at all: ``ManualClock.advance`` runs what has come due, which is how tests
move time without sleeping. A delay of 0 never goes through here: the controllers then act
inside the write that asked for it. Never touches the API itself: callbacks do.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, fields
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class WorkloadSettings:
    """How long simulated things take, in seconds (0 = at once, inside the same write)."""

    enabled: bool = True
    # bound -> containers running and Ready (kwok's pod-ready stage)
    ready_delay: float = 0.5
    # deletionTimestamp -> gone, for a Pod the kubelet runs (capped by its grace period)
    termination_delay: float = 0.3
    # a Job's Pod: Running -> Succeeded
    job_duration: float = 1.0
    # a crash-looping container: time between restarts
    crash_period: float = 2.0

    def update(self, values: dict[str, Any]) -> list[str]:
        """Apply known keys with the right types; return the problems (nothing applied then)."""
        known = {f.name: f.type for f in fields(self)}
        problems: list[str] = []
        staged: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                problems.append(f"unknown setting {key!r} (known: {', '.join(sorted(known))})")
            elif key == "enabled":
                if not isinstance(value, bool):
                    problems.append("enabled must be true or false")
                else:
                    staged[key] = value
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append(f"{key} must be a number of seconds >= 0")
            else:
                staged[key] = float(value)
        if not problems:
            for key, value in staged.items():
                setattr(self, key, value)
        return problems

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Clock:
    """Monotonic seconds."""

    def now(self) -> float:
        return time.monotonic()


class ManualClock(Clock):
    """A clock that moves only when told to (tests); ``advance`` runs the timers come due."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self.timers: Timers | None = None

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
        if self.timers is not None:
            self.timers.run_due()


class Timers:
    """One heap of ``(due, seq, key, callback)``; a key has at most one pending timer."""

    def __init__(
        self,
        clock: Clock | None = None,
        batch: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.clock = clock or Clock()
        # wraps each run of due callbacks (the API defers its controllers to the end of it)
        self.batch = batch or contextlib.nullcontext
        self._heap: list[tuple[float, int, Hashable]] = []
        self._pending: dict[Hashable, tuple[int, Callable[[], None]]] = {}
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False
        if isinstance(self.clock, ManualClock):
            self.clock.timers = self

    def schedule(self, delay: float, key: Hashable, callback: Callable[[], None]) -> None:
        """Run ``callback`` after ``delay`` seconds (replacing a pending timer of ``key``)."""
        with self._cond:
            seq = next(self._seq)
            self._pending[key] = (seq, callback)
            heapq.heappush(self._heap, (self.clock.now() + delay, seq, key))
            if not isinstance(self.clock, ManualClock):
                self._ensure_thread()
            self._cond.notify()

    def cancel(self, key: Hashable) -> None:
        with self._cond:
            self._pending.pop(key, None)

    def has(self, key: Hashable) -> bool:
        with self._cond:
            return key in self._pending

    def clear(self) -> None:
        with self._cond:
            self._pending.clear()
            self._heap.clear()

    def pending(self) -> int:
        with self._cond:
            return len(self._pending)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _pop_due(self) -> list[Callable[[], None]]:
        now = self.clock.now()
        due: list[Callable[[], None]] = []
        while self._heap and self._heap[0][0] <= now:
            _, seq, key = heapq.heappop(self._heap)
            entry = self._pending.get(key)
            if entry is not None and entry[0] == seq:
                del self._pending[key]
                due.append(entry[1])
        return due

    def run_due(self) -> int:
        """Run every callback that is due now (in due order); return how many ran."""
        with self._cond:
            due = self._pop_due()
        if not due:
            return 0
        with self.batch():
            for callback in due:
                try:
                    callback()
                except Exception:  # a timer must never kill the thread
                    log.exception("workload timer failed")
        return len(due)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopped = False
            self._thread = threading.Thread(target=self._loop, name="mock-k8s-timers", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    while self._heap and self._heap[0][2] not in self._pending:
                        heapq.heappop(self._heap)  # cancelled
                    if self._heap and self._heap[0][0] <= self.clock.now():
                        break
                    wait = self._heap[0][0] - self.clock.now() if self._heap else None
                    self._cond.wait(wait)
                if self._stopped:
                    return
            self.run_due()
