"""Daemon worker threads for the requests and response streams that may block.

Threads start on demand (up to ``limit``) and idle ones are reused; a job never waits for a
thread while fewer than ``limit`` run. They are daemon threads, unlike ``concurrent.futures``'
(joined at exit): a watch blocked on a condition must not hold the interpreter open. No HTTP.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("wsgi_loop")

_Job = tuple[Callable[..., None], tuple[Any, ...]] | None


class Pool:
    def __init__(self, name: str, limit: int) -> None:
        self._name = name
        self._limit = limit
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0  # waiting threads not yet promised a job
        self._queued = 0  # jobs waiting for a thread (all ``limit`` busy)
        self._closed = False
        self._warned = False

    @property
    def threads(self) -> int:
        return self._threads

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name}: the thread pool is closed")
            if self._idle:
                self._idle -= 1
            elif self._threads < self._limit:
                self._threads += 1
                threading.Thread(
                    target=self._work, name=f"{self._name}-{self._threads}", daemon=True
                ).start()
            else:
                self._queued += 1
                if not self._warned:
                    self._warned = True
                    log.warning("%s: all %d threads busy, requests wait", self._name, self._limit)
            self._jobs.put((fn, args))

    def close(self) -> None:
        """Idle threads end now, busy ones when their job ends; later submits fail."""
        with self._lock:
            self._closed = True
            for _ in range(self._idle):
                self._jobs.put(None)
            self._idle = 0

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                break
            fn, args = job
            try:
                fn(*args)
            except BaseException:  # a job reports its own errors; this is the last resort
                log.exception("%s: a job failed", self._name)
            job = None
            with self._lock:
                if self._closed:
                    self._threads -= 1
                    return
                if self._queued:
                    self._queued -= 1
                else:
                    self._idle += 1
        with self._lock:
            self._threads -= 1
