"""Object storage: the global resourceVersion, objects by (bucket, namespace, name), event
history and watch fan-out.

Every write takes the next resourceVersion, is kept in a bounded history (searched by RV to
resume watches; older RVs answer 410 Expired) and is pushed to the open watchers of its bucket
only. Watchers with bookmarks learn of writes they do not see from a bookmark pulse: the first
write after a quiet moment schedules one, ``BOOKMARK_DELAY_S`` later, that brings every such
watcher to the newest RV (one wake-up per watcher per pulse, not one per write).
The store holds plain JSON dicts it never mutates after storing; it knows nothing about HTTP,
validation or kinds.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from mock_k8s.errors import bad_request, expired, expired_list, too_large_resource_version
from mock_k8s.watch import Change, Watcher, WatchFilter

DEFAULT_HISTORY = 50_000
# How long a bookmark pulse gathers writes: the most a watcher waits to learn of writes to
# other buckets (the engine's "caught up" check reads it), and at most 1/this pulses a second.
BOOKMARK_DELAY_S = 0.02
# The pulse thread ends after this long without a write to pulse for (started again on demand).
PULSE_IDLE_S = 5.0


def dumps(obj: Any) -> bytes:
    """Compact JSON as UTF-8 bytes: orjson (several times the stdlib's speed), the stdlib for
    what orjson refuses (integers beyond 64 bits, non-string keys)."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, separators=(",", ":")).encode()


_ATOMS = (str, int, float, bool, type(None))


def clone(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars), about 20x faster than
    ``copy.deepcopy`` (no memo: JSON has no shared references to keep); anything else goes to
    ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {k: clone(v) for k, v in value.items()}
    if kind is list:
        return [clone(v) for v in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


@dataclass(frozen=True)
class Stored:
    obj: dict[str, Any]
    raw: bytes  # JSON of obj, encoded once


class Store:
    def __init__(self, history_limit: int = DEFAULT_HISTORY) -> None:
        self.lock = threading.RLock()
        self.rv = 0
        self._buckets: dict[str, dict[tuple[str, str], Stored]] = {}
        # per bucket, its (namespace, name) keys in order: lists read it instead of sorting the
        # bucket on every request; a write that adds or drops a key forgets it
        self._sorted: dict[str, list[tuple[str, str]]] = {}
        self._history: deque[Change] = deque()
        self._history_limit = history_limit
        self.floor = 0  # a watch from an RV below this answers 410
        self._watchers: dict[str, set[Watcher]] = {}  # by bucket
        self._bookmarked: set[Watcher] = set()  # watchers that asked for bookmarks
        # one long-lived pulse thread, woken by the first write of a quiet moment (a Timer per
        # pulse started a thread every 20 ms of writes: ~6% of a write's CPU)
        self._pulse_due = threading.Event()
        self._pulse_thread: threading.Thread | None = None
        self.listeners: list[Callable[[Change], None]] = []

    # ---- reads ---------------------------------------------------------------------------
    def get(self, key: str, namespace: str, name: str) -> dict[str, Any] | None:
        found = self._buckets.get(key, {}).get((namespace, name))
        return found.obj if found else None

    def get_stored(self, key: str, namespace: str, name: str) -> Stored | None:
        return self._buckets.get(key, {}).get((namespace, name))

    def items(self, key: str, namespace: str | None = None) -> tuple[list[Stored], int]:
        """Objects of a bucket (optionally one namespace), sorted by namespace/name, and the RV."""
        with self.lock:
            bucket = self._buckets.get(key, {})
            keys = self._sorted.get(key)
            if keys is None:
                keys = self._sorted[key] = sorted(bucket)
            if namespace is not None:  # one namespace is one run of the sorted keys
                first = bisect_left(keys, (namespace,))
                keys = keys[first : bisect_left(keys, (namespace + "\0",), first)]
            return [bucket[k] for k in keys], self.rv

    def page(
        self, key: str, namespace: str | None, after: tuple[str, str] | None, limit: int
    ) -> tuple[list[Stored], int, int]:
        """At most ``limit`` objects of ``items(key, namespace)`` that sort after ``after``, the
        RV, and how many more follow them. Only the page is gathered: a list with a limit costs
        its page, not the bucket (client-go's informers and kubectl list in pages)."""
        with self.lock:
            bucket = self._buckets.get(key, {})
            keys = self._sorted.get(key)
            if keys is None:
                keys = self._sorted[key] = sorted(bucket)
            lo, hi = 0, len(keys)
            if namespace is not None:
                lo = bisect_left(keys, (namespace,))
                hi = bisect_left(keys, (namespace + "\0",), lo)
            if after is not None:
                lo = max(lo, bisect_right(keys, after, lo, hi))
            end = min(hi, lo + limit)
            return [bucket[k] for k in keys[lo:end]], self.rv, hi - end

    def items_at(self, key: str, namespace: str | None, rv: int) -> tuple[list[Stored], int]:
        """The bucket as it was at ``rv``, rebuilt by undoing the newer history (410 below the
        history's floor, as a compacted etcd answers)."""
        with self.lock:
            if rv >= self.rv:
                return self.items(key, namespace)
            if rv < self.floor:
                raise expired_list()
            state = dict(self._buckets.get(key, {}))
            for change in reversed(self._history):
                if change.rv <= rv:
                    break
                if change.key != key:
                    continue
                meta = change.obj["metadata"]
                ident = (str(meta.get("namespace") or ""), str(meta["name"]))
                if change.type == "ADDED" or change.old is None:
                    state.pop(ident, None)
                else:
                    state[ident] = Stored(change.old, dumps(change.old))
            keys = sorted(k for k in state if namespace is None or k[0] == namespace)
            return [state[k] for k in keys], rv

    def objects(self, key: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return [s.obj for s in self.items(key, namespace)[0]]

    def buckets(self) -> list[str]:
        with self.lock:
            return list(self._buckets)

    # ---- writes --------------------------------------------------------------------------
    def write(
        self, key: str, etype: str, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Store ``obj`` (ADDED/MODIFIED) or drop it (DELETED) under a new resourceVersion."""
        with self.lock:
            self.rv += 1
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = str(self.rv)
            ident = (str(meta.get("namespace") or ""), str(meta["name"]))
            raw = dumps(obj)
            bucket = self._buckets.setdefault(key, {})
            keys = self._sorted.get(key)  # kept in order as keys come and go, not rebuilt
            if etype == "DELETED":
                if bucket.pop(ident, None) is not None and keys is not None:
                    del keys[bisect_left(keys, ident)]
            else:
                if ident not in bucket and keys is not None:
                    insort(keys, ident)
                bucket[ident] = Stored(obj, raw)
            change = Change(self.rv, key, etype, obj, old, raw)
            self._history.append(change)
            if len(self._history) > self._history_limit:
                dropped = self._history.popleft()
                self.floor = max(self.floor, dropped.rv)
            for w in self._watchers.get(key, ()):
                w.push(change)
            if self._bookmarked and not self._pulse_due.is_set():
                self._pulse_due.set()
                if self._pulse_thread is None:
                    self._pulse_thread = threading.Thread(
                        target=self._pulse_loop, name="mock-k8s-bookmarks", daemon=True
                    )
                    self._pulse_thread.start()
            for listener in self.listeners:
                listener(change)
            return obj

    def load(self, key: str, obj: dict[str, Any]) -> None:
        """Insert without an event (state load / seed before any watcher): still a new RV."""
        with self.lock:
            self.rv += 1
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = str(self.rv)
            ident = (str(meta.get("namespace") or ""), str(meta["name"]))
            self._buckets.setdefault(key, {})[ident] = Stored(obj, dumps(obj))
            self._sorted.pop(key, None)

    def wipe(self) -> None:
        """Forget every object, end every watch and compact the history (RV stays)."""
        with self.lock:
            self._buckets.clear()
            self._sorted.clear()
            self.drop_watches("reset")
            self.compact()

    def compact(self) -> None:
        with self.lock:
            self._history.clear()
            self.floor = self.rv

    def drop_bucket(self, key: str) -> None:
        with self.lock:
            self._buckets.pop(key, None)
            self._sorted.pop(key, None)

    # ---- watch ---------------------------------------------------------------------------
    def open_watch(
        self,
        flt: WatchFilter,
        bookmarks: bool,
        resource_version: str | None,
        send_initial_events: bool | None = None,
    ) -> tuple[Watcher, list[tuple[str, Change | Stored]], int]:
        """Register a watcher; return it with its initial events and the RV they bring it to.

        Legacy watch (``send_initial_events`` None): ``resource_version`` None/""/"0" gives a
        synthetic ADDED for every current object; an exact RV the history after it (410 Expired
        if it is older than the history's floor). Streaming list (KEP-3157, True): the current
        state for any RV not newer than the server's (the caller ends it with the
        initial-events-end bookmark at the returned RV). False: no synthetic events, start at the
        given RV, or at the most recent one when none is given.
        """
        with self.lock:
            watcher = Watcher(flt, bookmarks)
            snapshot = resource_version in (None, "", "0")
            since = self.rv if snapshot else self._parse_rv(resource_version)
            initial: list[tuple[str, Change | Stored]] = []
            if send_initial_events:
                if since > self.rv:
                    raise too_large_resource_version(since, self.rv)
                initial = self._current(flt)
            elif snapshot and send_initial_events is None:
                initial = self._current(flt)
            elif not snapshot:
                initial = self._history_for(watcher, since)
            self._watchers.setdefault(flt.key, set()).add(watcher)
            if bookmarks:
                self._bookmarked.add(watcher)
            return watcher, initial, self.rv

    @staticmethod
    def _parse_rv(resource_version: str | None) -> int:
        try:
            return int(str(resource_version))
        except ValueError:
            raise bad_request(f"invalid resource version: {resource_version}") from None

    def _current(self, flt: WatchFilter) -> list[tuple[str, Change | Stored]]:
        return [
            ("ADDED", stored)
            for stored in self.items(flt.key, flt.namespace)[0]
            if flt.matches(stored.obj)
        ]

    def _history_for(self, watcher: Watcher, since: int) -> list[tuple[str, Change | Stored]]:
        """The changes after ``since`` this watcher sees (410 below the floor), then a bookmark
        when later writes it does not see brought the RV further."""
        if since < self.floor:
            raise expired(str(since), self.floor)
        initial: list[tuple[str, Change | Stored]] = []
        for change in self._replay(since):
            etype = watcher.filter.translate(change)
            if etype is not None:
                initial.append((etype, change))
        if watcher.bookmarks and self.rv > since:
            last = initial[-1][1] if initial else None
            last_rv = last.rv if isinstance(last, Change) else since
            if self.rv > last_rv:
                watcher.push_bookmark(self.rv)
        return initial

    def _replay(self, since: int) -> Iterable[Change]:
        tail: list[Change] = []
        for change in reversed(self._history):
            if change.rv <= since:
                break
            tail.append(change)
        return reversed(tail)

    def close_watch(self, watcher: Watcher) -> None:
        with self.lock:
            self._watchers.get(watcher.filter.key, set()).discard(watcher)
            self._bookmarked.discard(watcher)

    def drop_watches(self, reason: str = "dropped") -> int:
        with self.lock:
            watchers = [w for bucket in self._watchers.values() for w in bucket]
            self._watchers.clear()
            self._bookmarked.clear()
        for w in watchers:
            w.close(reason)
        return len(watchers)

    def watcher_count(self) -> int:
        with self.lock:
            return sum(len(bucket) for bucket in self._watchers.values())

    def bookmark_one(self, watcher: Watcher) -> None:
        """Queue a bookmark with the current RV (after any event already queued)."""
        with self.lock:
            watcher.push_bookmark(self.rv)

    def bookmark_all(self) -> None:
        """A bookmark with the current RV to every bookmark-enabled watcher that is behind it."""
        with self.lock:
            rv = self.rv
            watchers = list(self._bookmarked)
        for w in watchers:
            w.push_bookmark(rv)

    def _pulse_loop(self) -> None:
        """Each pulse: ``BOOKMARK_DELAY_S`` after the write that asked for it, every bookmark
        watcher behind is brought to the newest RV; ends after ``PULSE_IDLE_S`` without one."""
        while True:
            if not self._pulse_due.wait(PULSE_IDLE_S):
                with self.lock:
                    if not self._pulse_due.is_set():
                        self._pulse_thread = None
                        return
                continue
            time.sleep(BOOKMARK_DELAY_S)  # gather the writes of this moment into one pulse
            with self.lock:
                self._pulse_due.clear()
            self.bookmark_all()
