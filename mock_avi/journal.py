"""The request journal: one entry per API request, in order, with a sequence number.

Entries are ``{seq, time, method, path, query, tenant, status}`` (``path`` without the query
string, which is in ``query``); ``since(n)`` returns those with
``seq > n``. Bounded (oldest entries dropped) so a long run cannot exhaust memory.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any


class Journal:
    def __init__(self, limit: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._seq = 0

    def record(self, method: str, path: str, query: str, tenant: str, status: int) -> int:
        with self._lock:
            self._seq += 1
            self._entries.append(
                {
                    "seq": self._seq,
                    "time": time.time(),
                    "method": method,
                    "path": path,
                    "query": query,
                    "tenant": tenant,
                    "status": status,
                }
            )
            return self._seq

    def since(self, seq: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > seq]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
