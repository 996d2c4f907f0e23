"""A timeline of a benchmark run: CPU use of each process and progress, sampled every interval.

Shows where a run leaves the machine's cores idle (for example the engine's workers waiting on
the mocks) or where one process is the bottleneck (its share near 100% of one core). Each row
is ``[t_s, done, {process: percent of one core over the interval}]``; ``t_s`` counts from
:meth:`Timeline.start`, ``done`` is what ``progress()`` returned at the sample (VIPs seen);
``bench`` is this process (the benchmark's own clients) unless ``cpu()`` names it.
Reads ``/proc`` through the harness's own ``cpu()``; it never touches what it measures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class Timeline:
    def __init__(
        self,
        cpu: Callable[[], dict[str, float]],
        progress: Callable[[], int],
        interval: float = 1.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._cpu = cpu
        self._clock = clock
        self._progress = progress
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-timeline", daemon=True)
        self.rows: list[list[Any]] = []

    def start(self) -> Timeline:
        self._thread.start()
        return self

    def _sample(self) -> tuple[float, dict[str, float]]:
        cpu = self._cpu()
        cpu.setdefault("bench", time.process_time())
        return self._clock(), cpu

    def _run(self) -> None:
        started, before = self._sample()
        last = started
        while not self._stop.wait(self._interval):
            now, after = self._sample()
            span = now - last
            shares = {
                k: round(100 * (v - before.get(k, 0.0)) / span) for k, v in sorted(after.items())
            }
            self.rows.append([round(now - started, 2), self._progress(), shares])
            last, before = now, after

    def stop(self) -> list[list[Any]]:
        self._stop.set()
        self._thread.join(self._interval + 1)
        return self.rows
