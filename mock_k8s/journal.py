"""The request journal of the control API: every API request in order, with its status.

``GET /__mock__/journal[?since=N]`` reads it; ``stats()`` counts requests since start (not
reset with the journal). No Kubernetes semantics, no HTTP here.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Journal:
    limit: int = 10_000
    _entries: deque[dict[str, Any]] = field(default_factory=deque)
    _seq: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _by_method: dict[str, int] = field(default_factory=dict)

    def record(self, method: str, path: str, query: str, status: int) -> None:
        with self._lock:
            self._seq += 1
            self._by_method[method] = self._by_method.get(method, 0) + 1
            self._entries.append(
                {
                    "seq": self._seq,
                    "time": time.time(),
                    "method": method,
                    "path": path,
                    "query": query,
                    "status": status,
                }
            )
            while len(self._entries) > self.limit:
                self._entries.popleft()

    def since(self, seq: int) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self._entries if e["seq"] > seq]

    def stats(self) -> dict[str, Any]:
        """Request counters since start (not reset with the journal): total and by method."""
        with self._lock:
            return {"requests": self._seq, "by_method": dict(self._by_method)}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
