"""Watchers: one per open watch request, fed by the store through its own queue.

The store pushes the writes of the watcher's bucket (queued when they match its filter) and,
from its bookmark pulse, the newest global resourceVersion (a bookmark, coalesced). A consumer
either blocks in ``drain`` (with a short timeout, so ``stop()`` and dropped watches end
promptly), or registers a ``listen`` callback that each push calls, and takes what is queued
with ``take`` (the HTTP layer's push streams, served on the server's loop). A queue beyond
``max_queued`` events closes the watcher as too slow (what kube-apiserver does to a watcher
that falls too far behind) and calls ``on_overflow``. Each event carries the object's JSON
encoded once by the store, and ``Change.frames`` keeps each event line built from it once
for all watchers. No HTTP, no encoding here.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
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
    # what the HTTP layer builds from raw once for every watcher (by event type)
    frames: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

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


class Watcher:
    """One open watch: a queue of events and a coalesced bookmark, drained by the HTTP layer.

    ``push`` takes no lock: it appends to the queue (a deque's append is atomic) and wakes the
    consumer only when it is blocked in ``drain``, by releasing a one-permit lock (a
    ``threading.Condition`` took its lock on both sides and allocated a lock per wait; while a
    woken consumer waited for the GIL holding that lock, the writer's push blocked behind it).
    The orders that make this safe: ``push`` appends before it looks at ``_waiting``, ``drain``
    sets ``_waiting`` before it looks at the queue, so one of the two sees the other (a wake
    that crosses a drain only leaves a spare permit: the next drain returns at once, empty).
    The bookmark fields keep a small lock of their own (their pushes are the rare ones)."""

    __slots__ = (
        "_bookmark_rv",
        "_events",
        "_last_rv",
        "_mark_lock",
        "_notify",
        "_taken_rv",
        "_waiting",
        "_wake",
        "bookmarks",
        "close_reason",
        "closed",
        "filter",
        "max_queued",
        "on_overflow",
    )

    def __init__(self, filter: WatchFilter, bookmarks: bool) -> None:
        self.filter = filter
        self.bookmarks = bookmarks
        self._events: deque[tuple[str, Change]] = deque()
        self._bookmark_rv = 0
        self._last_rv = 0
        self._taken_rv = 0  # (consumer) the RV of the last event taken
        self.closed = False
        self.close_reason = ""
        self._waiting = False  # the consumer is blocked in drain(): a push must wake it
        self._wake = threading.Lock()  # held: no permit; released: the consumer may go on
        self._wake.acquire()
        self._mark_lock = threading.Lock()
        self._notify: Callable[[], None] | None = None
        self.max_queued: int | None = None  # None: no bound
        self.on_overflow: Callable[[], None] | None = None

    def listen(self, notify: Callable[[], None]) -> None:
        """Call ``notify()`` (from the pushing thread) whenever something is queued or the
        watcher closes, instead of waking a ``drain``; the listener then calls ``take``. What
        was queued before is the listener's to take now."""
        self._notify = notify

    def _signal(self) -> None:
        notify = self._notify
        if notify is not None:
            notify()
            return
        if self._waiting:  # else it drains what is queued when it comes back
            self._waiting = False
            try:  # noqa: SIM105 (contextlib.suppress costs a context manager per wake)
                self._wake.release()
            except RuntimeError:  # another signal gave the permit first
                pass

    def push(self, change: Change) -> None:
        """Called by the store under its lock for every write to the watcher's bucket (writes it
        does not see reach it as a bookmark from the store's pulse)."""
        if self.closed:
            return
        etype = self.filter.translate(change)
        if etype is None:
            return
        if self.max_queued is not None and len(self._events) >= self.max_queued:
            self._overflow()
            return
        self._last_rv = change.rv
        self._events.append((etype, change))
        self._signal()

    def _overflow(self) -> None:
        self.close("too slow")
        callback = self.on_overflow
        if callback is not None:
            callback()

    def push_bookmark(self, rv: int) -> None:
        if not self.bookmarks:
            return
        with self._mark_lock:
            if rv <= self._last_rv or rv <= self._bookmark_rv:
                return
            self._bookmark_rv = rv
        self._signal()

    def close(self, reason: str = "closed") -> None:
        self.close_reason = reason
        self.closed = True
        self._waiting = True  # wake it whether or not it is waiting now
        self._signal()

    def _idle(self) -> bool:
        return not self._events and not self._bookmark_rv and not self.closed

    def drain(self, timeout: float) -> tuple[list[tuple[str, Change]], int | None]:
        """Wait up to ``timeout`` s; return queued events and a bookmark RV (if one is due)."""
        if self._idle():
            self._waiting = True
            if self._idle():
                self._wake.acquire(timeout=timeout)
            self._waiting = False
        return self.take()

    def take(self) -> tuple[list[tuple[str, Change]], int | None]:
        """Queued events and a bookmark RV (if one is due), at once."""
        # the bookmark first: every event at or below its RV is queued before it was set; one
        # set after this look waits for the next take, and is dropped if an event taken now
        # (pushed after it was set) is already beyond it
        marked = 0
        if self._bookmark_rv:
            with self._mark_lock:
                marked, self._bookmark_rv = self._bookmark_rv, 0
        queue = self._events
        events = [queue.popleft() for _ in range(len(queue))]
        if events:
            self._taken_rv = events[-1][1].rv
        return events, marked if marked and marked > self._taken_rv else None
