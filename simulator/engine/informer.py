"""Informers: list then watch one resource type, keep a cache of raw dicts, call a handler.

Per resource: list (records the list's resourceVersion), then watch from it with bookmarks; a
dropped or timed-out watch restarts from the last resourceVersion seen (object or bookmark); a 410
relists and diffs the cache against the new list, emitting synthetic add/update/delete calls. The
handler runs on the informer thread before the informer's resourceVersion moves on, so "caught up
with the server" implies "every change handed to the handler". Handlers must be quick (they only
enqueue keys); it is handed the stored copies (old and new), not the decoded events. The cache
hands out the stored dicts: callers must not mutate them. It keeps each object without
``metadata.managedFields`` (as client-go controllers do with a transform): nothing in the engine
reads them, and they are about half of every Service.

An informer made with ``echoes=True`` (Services: the engine stores its status patches' answers)
tells its watch which versions its store holds; the watch event of such a version is not
decoded (a ``HELD`` event) and is handed to the handler as the stored object, old and new alike.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from simulator.adapters.kube import HELD, Gone, KubeApi, KubeError, Resource
from simulator.engine.compact import compact, compact_like, compact_top

log = logging.getLogger("ako_sim.informer")

Obj = dict[str, Any]
Handler = Callable[[Resource, "Obj | None", "Obj | None"], None]  # (resource, old, new)
IndexFunc = Callable[[Obj], Iterable[str]]


def without_managed_fields(obj: Obj) -> Obj:
    """``obj`` without ``metadata.managedFields`` (a shallow copy; ``obj`` is not changed)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) or "managedFields" not in metadata:
        return obj
    return {**obj, "metadata": {k: v for k, v in metadata.items() if k != "managedFields"}}


def _as_is(value: Any) -> Any:
    return value


def object_key(obj: Obj) -> str:
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace") or ""
    name = metadata.get("name") or ""
    return f"{namespace}/{name}" if namespace else str(name)


def resource_version_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def rv_at_least(current: str, target: str) -> bool:
    """Whether resourceVersion ``current`` is not older than ``target`` (numeric when possible)."""
    if not target:
        return True
    if not current:
        return False
    try:
        return int(current) >= int(target)
    except ValueError:
        return current == target


def _newer(obj: Obj, than: Obj) -> bool:
    """Whether ``obj``'s resourceVersion is newer than ``than``'s (False when not numbers)."""
    try:
        return int(resource_version_of(obj)) > int(resource_version_of(than))
    except ValueError:
        return False


class Store:
    """A thread-safe cache of raw objects by ``ns/name`` with named secondary indexes."""

    def __init__(self, indexes: dict[str, IndexFunc] | None = None) -> None:
        self._lock = threading.RLock()
        self._items: dict[str, Obj] = {}
        self._index_funcs = dict(indexes or {})
        self._indexes: dict[str, dict[str, set[str]]] = {name: {} for name in self._index_funcs}
        # per index and value: the store's write count when that value's objects last changed
        self._index_versions: dict[str, dict[str, int]] = {n: {} for n in self._index_funcs}
        self._writes = 0

    def get(self, key: str) -> Obj | None:
        with self._lock:
            return self._items.get(key)

    def values(self) -> list[Obj]:
        with self._lock:
            return list(self._items.values())

    def names(self) -> list[str]:
        with self._lock:
            return list(self._items)

    def by_index(self, index: str, value: str) -> list[Obj]:
        return self.by_index_versioned(index, value)[1]

    def index_version(self, index: str, value: str) -> int:
        """A number that changes whenever an object of ``by_index(index, value)`` is added,
        replaced or removed (it never comes back to an earlier value)."""
        with self._lock:
            return self._index_versions[index].get(value, 0)

    def by_index_versioned(self, index: str, value: str) -> tuple[int, list[Obj]]:
        """:meth:`index_version` and :meth:`by_index` read at one moment."""
        with self._lock:
            keys = self._indexes[index].get(value, ())
            objs = [self._items[k] for k in sorted(keys) if k in self._items]
            return self._index_versions[index].get(value, 0), objs

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def put(self, obj: Obj, *, shared: bool = True, only_newer: bool = False) -> Obj | None:
        """Store a compact copy of ``obj`` (shared keys and strings, no managedFields); returns
        the old one (see :meth:`replace`)."""
        return self.replace(obj, shared=shared, only_newer=only_newer)[0]

    def replace(
        self, obj: Obj, *, shared: bool = True, only_newer: bool = False
    ) -> tuple[Obj | None, Obj | None]:
        """Store a compact copy of ``obj`` (shared keys and strings, no managedFields); returns
        the old one and the copy stored (None if ``only_newer`` kept the old one). A new object
        has its top level and metadata compacted (:func:`compact_top`); for a new version the
        parts equal to the stored version's are taken from it (a status update changes little
        else) and the others compacted.
        ``shared=False`` does not walk the other parts to share their strings (for an object the
        watch replaces moments later). ``only_newer``: store it only if its resourceVersion is
        newer than the stored one's, decided at the moment of the write (another thread, the
        informer, may store a newer version meanwhile)."""
        obj = without_managed_fields(obj)
        key = object_key(obj)
        with self._lock:
            previous = self._items.get(key)
        if previous is not None:
            obj = compact_like(obj, previous, compact if shared else _as_is)
        elif shared:
            obj = compact_top(obj)
        with self._lock:
            old = self._items.get(key)
            if only_newer and old is not None and not _newer(obj, old):
                return old, None
            self._writes += 1
            if old is not None:
                self._unindex(key, old)
            self._items[key] = obj
            self._index(key, obj)
            return old, obj

    def remove(self, key: str) -> Obj | None:
        with self._lock:
            self._writes += 1
            old = self._items.pop(key, None)
            if old is not None:
                self._unindex(key, old)
            return old

    def _index(self, key: str, obj: Obj) -> None:
        for name, func in self._index_funcs.items():
            for value in func(obj):
                self._indexes[name].setdefault(value, set()).add(key)
                self._index_versions[name][value] = self._writes

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, func in self._index_funcs.items():
            for value in func(obj):
                self._index_versions[name][value] = self._writes
                keys = self._indexes[name].get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del self._indexes[name][value]


class Informer:
    """List+watch of one resource on a daemon thread."""

    WATCH_TIMEOUT = 240  # seconds; the server ends the watch, we resume from the last RV
    ERROR_BACKOFF_MAX = 2.0

    def __init__(
        self,
        kube: KubeApi,
        resource: Resource,
        handler: Handler,
        *,
        indexes: dict[str, IndexFunc] | None = None,
        stop: threading.Event | None = None,
        echoes: bool = False,
    ) -> None:
        self.kube = kube
        self.resource = resource
        self.store = Store(indexes)
        self._echoes = echoes  # the store also gets versions from writes' answers
        self._handler = handler
        self._stop = stop or threading.Event()
        self._synced = threading.Event()
        self._rv_lock = threading.Lock()
        self._rv = ""
        self._thread: threading.Thread | None = None
        self._stream: Any = None
        self._stream_lock = threading.Lock()
        self.lists = 0
        self.watches = 0
        self.errors = 0
        self.last_error = ""

    # -- public ---------------------------------------------------------------------------------
    @property
    def resource_version(self) -> str:
        with self._rv_lock:
            return self._rv

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    def wait_synced(self, timeout: float) -> bool:
        return self._synced.wait(timeout)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"informer-{self.resource.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._stream_lock:
            stream = self._stream
        if stream is not None:
            stream.close()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    # -- loop -----------------------------------------------------------------------------------
    def _run(self) -> None:
        need_list = True
        failures = 0
        while not self._stop.is_set():
            try:
                if need_list:
                    self._relist()
                    need_list = False
                self._watch_once()
                failures = 0
            except Gone:
                log.info("%s: resourceVersion %s expired, relisting", self.resource.name, self._rv)
                need_list = True
            except KubeError as exc:
                if self._stop.is_set():
                    break
                failures += 1
                self.errors += 1
                self.last_error = str(exc)
                log.warning("%s: list/watch failed (%s); retrying", self.resource.name, exc)
                if failures > 3:
                    need_list = True
                self._stop.wait(min(0.05 * (2 ** min(failures, 6)), self.ERROR_BACKOFF_MAX))
            except Exception:  # a handler bug must not kill the informer
                self.errors += 1
                log.exception("%s: informer loop error", self.resource.name)
                need_list = True
                self._stop.wait(0.2)

    def _relist(self) -> None:
        result = self.kube.list_objects(self.resource)
        self.lists += 1
        fresh: dict[str, Obj] = {object_key(obj): obj for obj in result.items}
        for key in self.store.names():
            if key not in fresh:
                old = self.store.remove(key)
                if old is not None:
                    self._handler(self.resource, old, None)
        for key, obj in fresh.items():
            old = self.store.get(key)
            if old is not None and resource_version_of(old) == resource_version_of(obj):
                continue
            self._handler(self.resource, *self.store.replace(obj))
        self._set_rv(result.resource_version)
        self._synced.set()

    def _watch_once(self) -> None:
        if self._stop.is_set():
            return
        if self._echoes:
            stream = self.kube.watch(self.resource, self._rv, self.WATCH_TIMEOUT, holds=self._holds)
        else:
            stream = self.kube.watch(self.resource, self._rv, self.WATCH_TIMEOUT)
        self.watches += 1
        with self._stream_lock:
            self._stream = stream
        if self._stop.is_set():
            stream.close()
            return
        try:
            for event in stream:
                if self._stop.is_set():
                    return
                self._apply(event)
        finally:
            with self._stream_lock:
                self._stream = None
            stream.close()

    def _holds(self, metadata: dict[str, str]) -> bool:
        """Whether the store holds this version of this object (``metadata``: name, namespace
        and resourceVersion of a watch event's object)."""
        stored = self.store.get(object_key({"metadata": metadata}))
        return stored is not None and resource_version_of(stored) == metadata["resourceVersion"]

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        obj = event.get("object")
        if not isinstance(obj, dict):
            return
        if kind == "ERROR":
            code = obj.get("code")
            if code == 410:
                raise Gone(str(obj.get("message") or "expired"), status=410)
            raise KubeError(f"watch error: {obj.get('message')}", status=code)
        rv = resource_version_of(obj)
        if kind == "BOOKMARK":
            self._set_rv(rv)
            return
        key = object_key(obj)
        if kind == HELD:  # a version the store held when the watch read it: not decoded
            stored = self.store.get(key)
            if stored is not None:  # (or a newer one, from a write's answer meanwhile)
                self._handler(self.resource, stored, stored)
        elif kind in ("ADDED", "MODIFIED"):
            old = self.store.get(key)
            if old is None or not rv or resource_version_of(old) != rv:
                self._handler(self.resource, *self.store.replace(obj))
            else:  # this very version is stored already (a write's answer, folded in by the
                # cluster state before its watch event came): nothing to store again
                self._handler(self.resource, old, old)
        elif kind == "DELETED":
            old = self.store.remove(key)
            self._handler(self.resource, old if old is not None else obj, None)
        self._set_rv(rv)

    def _set_rv(self, rv: str) -> None:
        if not rv:
            return
        with self._rv_lock:
            try:
                if self._rv and int(rv) < int(self._rv):
                    return
            except ValueError:
                pass
            self._rv = rv


def wait_all_synced(informers: Iterable[Informer], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    for informer in informers:
        if not informer.wait_synced(max(deadline - time.monotonic(), 0.0)):
            return False
    return True
