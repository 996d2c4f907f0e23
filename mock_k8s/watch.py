"""Watchers: one per open watch request, fed by the store through its own queue.

The store pushes the writes of the watcher's bucket (queued when they match its filter) and,
from its bookmark pulse, the newest global resourceVersion (a bookmark, coalesced); the HTTP
layer drains the queue with a short timeout so ``stop()`` and dropped watches end promptly.
Each event carries the object's JSON encoded once by the store. No HTTP, no encoding here.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mock_k8s.selectors import Matcher


@dataclass(frozen=True)
class Change:
    """One stored write: what the history keeps and watchers receive."""

    rv: int
    key: str  # storage bucket (ResourceType.key)
    type: str  # ADDED / MODIFIED / DELETED
    obj: dict[str, Any]
    old: dict[str, Any] | None
    raw: bytes  # JSON of obj, encoded once

    @property
    def namespace(self) -> str:
        return str(self.obj.get("metadata", {}).get("namespace") or "")


@dataclass
class WatchFilter:
    key: str
    namespace: str | None = None
    label: Matcher | None = None
    field: Matcher | None = None

    def matches(self, obj: dict[str, Any] | None) -> bool:
        if obj is None:
            return False
        meta = obj.get("metadata", {})
        if self.namespace is not None and meta.get("namespace", "") != self.namespace:
            return False
        if self.label is not None and not self.label(meta.get("labels") or {}):
            return False
        return not (self.field is not None and not self.field(obj))

    def translate(self, change: Change) -> str | None:
        """The event type this watcher sees for ``change`` (None: not its business)."""
        if change.key != self.key:
            return None
        new_ok = self.matches(change.obj)
        if change.type == "DELETED":
            return "DELETED" if new_ok else None
        old_ok = self.matches(change.old) if change.old is not None else False
        if new_ok and old_ok:
            return "MODIFIED"
        if new_ok:
            return "ADDED"
        if old_ok:
            return "DELETED"
        return None


@dataclass(eq=False)
class Watcher:
    filter: WatchFilter
    bookmarks: bool
    _events: deque[tuple[str, Change]] = field(default_factory=deque)
    _bookmark_rv: int = 0
    _last_rv: int = 0
    closed: bool = False
    close_reason: str = ""
    _waiting: bool = False  # the consumer is blocked in drain(): a push must wake it
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def push(self, change: Change) -> None:
        """Called by the store under its lock for every write to the watcher's bucket (writes it
        does not see reach it as a bookmark from the store's pulse)."""
        etype = self.filter.translate(change)
        if etype is None:
            return
        with self._cond:
            self._events.append((etype, change))
            self._last_rv = change.rv
            if self._waiting:  # else it drains this with what it finds when it comes back
                self._waiting = False
                self._cond.notify()

    def push_bookmark(self, rv: int) -> None:
        if not self.bookmarks:
            return
        with self._cond:
            if rv > self._last_rv:
                self._bookmark_rv = max(self._bookmark_rv, rv)
                if self._waiting:
                    self._waiting = False
                    self._cond.notify()

    def close(self, reason: str = "closed") -> None:
        with self._cond:
            self.closed = True
            self.close_reason = reason
            self._cond.notify_all()

    def drain(self, timeout: float) -> tuple[list[tuple[str, Change]], int | None]:
        """Wait up to ``timeout`` s; return queued events and a bookmark RV (if one is due)."""
        with self._cond:
            if not self._events and not self._bookmark_rv and not self.closed:
                self._waiting = True
                self._cond.wait(timeout)
                self._waiting = False
            events = list(self._events)
            self._events.clear()
            bookmark: int | None = None
            last = events[-1][1].rv if events else 0
            if self._bookmark_rv and self._bookmark_rv > last:
                bookmark = self._bookmark_rv
            self._bookmark_rv = 0
            return events, bookmark
