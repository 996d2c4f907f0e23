"""AKO-style cache of the controller objects this engine owns.

Filled at start from the controller (VS, L4PolicySet and pools by ``created_by``; VsVips by name
prefix, since the Avi VsVip model has no ``created_by``), indexed by (type, name) and by the key
that owns each object (``domain.observed.owned_key``, from its markers), and kept current from
every write response. :meth:`AviCache.resync` replaces the content with a fresh listing and
reports the keys whose objects changed or vanished behind the engine's back (drift repair).
Objects are stored as new top-level dicts with interned top-level strings (see ``_stored``).

Thread-safe. It makes no controller calls itself.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from simulator.config import LiveSettings
from simulator.domain.keys import Key
from simulator.domain.model import DesiredState, ObservedState, Settings
from simulator.domain.observed import owned_key

TYPES = ("vsvip", "pool", "l4policyset", "virtualservice")
Obj = dict[str, Any]
Ident = tuple[str, str]  # (type, name)
_intern = sys.intern


def _fingerprint(obj: Mapping[str, Any]) -> tuple[str, str]:
    return (str(obj.get("uuid") or ""), str(obj.get("_last_modified") or ""))


class AviCache:
    """Objects by (type, name) and by owning key."""

    def __init__(self, settings: Settings | LiveSettings) -> None:
        self._live = settings if isinstance(settings, LiveSettings) else LiveSettings(settings)
        self._lock = threading.RLock()
        self._objects: dict[Ident, Obj] = {}
        self._owner: dict[Ident, Key | None] = {}
        self._by_key: dict[Key, set[Ident]] = {}
        self._counts: dict[str, int] = dict.fromkeys(TYPES, 0)  # objects held, by type
        self._seq = 0
        self._touched: dict[Ident, int] = {}
        self.loaded = False

    @property
    def settings(self) -> Settings:
        """The engine's current settings (the holder it shares with the other components)."""
        return self._live.current

    # -- reads ----------------------------------------------------------------------------------
    def get(self, obj_type: str, name: str) -> Obj | None:
        with self._lock:
            return self._objects.get((obj_type, name))

    def owner(self, obj_type: str, name: str) -> Key | None:
        with self._lock:
            return self._owner.get((obj_type, name))

    def owner_keys(self) -> set[Key]:
        """Every key that owns at least one cached object."""
        with self._lock:
            return {key for key, idents in self._by_key.items() if idents}

    def objects_of(self, key: Key) -> list[tuple[str, Obj]]:
        with self._lock:
            return [(t, self._objects[(t, n)]) for (t, n) in sorted(self._by_key.get(key, ()))]

    def count(self) -> dict[str, int]:
        """Objects held, by type (kept as objects come and go: ``/debug/state`` asks often)."""
        with self._lock:
            return dict(self._counts)

    def observed(
        self, key: Key, desired: DesiredState | None
    ) -> tuple[ObservedState, list[tuple[str, Obj]]]:
        """What the controller holds for ``key``, plus extra same-type objects it also owns
        under other names (to delete after the plan; e.g. left over from a naming change)."""
        with self._lock:
            idents = set(self._by_key.get(key, ()))
            wanted: dict[str, set[str]] = {t: set() for t in TYPES}
            if desired is not None:
                wanted["vsvip"].add(desired.vsvip.name)
                wanted["l4policyset"].add(desired.l4policyset.name)
                wanted["virtualservice"].add(desired.virtualservice.name)
                wanted["pool"].update(p.name for p in desired.pools)
                for obj_type, names in wanted.items():
                    for name in names:
                        ident = (obj_type, name)
                        if ident in self._objects and self._owner.get(ident) in (None, key):
                            idents.add(ident)
            singles: dict[str, list[Obj]] = {"vsvip": [], "l4policyset": [], "virtualservice": []}
            pools: dict[str, Mapping[str, Any]] = {}
            for obj_type, name in sorted(idents):
                obj = self._objects.get((obj_type, name))
                if obj is None:
                    continue
                if obj_type == "pool":
                    pools[name] = obj
                else:
                    singles[obj_type].append(obj)
            chosen: dict[str, Obj | None] = {}
            extras: list[tuple[str, Obj]] = []
            for obj_type, objs in singles.items():
                preferred = [o for o in objs if o.get("name") in wanted[obj_type]]
                pick = preferred[0] if preferred else (objs[0] if objs else None)
                chosen[obj_type] = pick
                extras.extend((obj_type, o) for o in objs if o is not pick)
            return (
                ObservedState(
                    vsvip=chosen["vsvip"],
                    pools=pools,
                    l4policyset=chosen["l4policyset"],
                    virtualservice=chosen["virtualservice"],
                ),
                extras,
            )

    def pool_services(self, key: Key) -> set[str]:
        """Names of the Services whose pools the controller holds for ``key``."""
        names: set[str] = set()
        for obj_type, obj in self.objects_of(key):
            if obj_type != "pool":
                continue
            for marker in obj.get("markers") or []:
                if isinstance(marker, Mapping) and marker.get("key") == "ServiceName":
                    values = marker.get("values") or []
                    names.update(str(v) for v in values if isinstance(v, str))
        if not key.shared and self.objects_of(key):
            names.add(key.name)
        return names

    # -- writes ---------------------------------------------------------------------------------
    def put(self, obj_type: str, obj: Mapping[str, Any]) -> None:
        name = obj.get("name")
        if not isinstance(name, str):
            return
        stored = _stored(obj)  # outside the lock: the other workers need it meanwhile
        with self._lock:
            ident = (obj_type, name)
            self._objects[ident] = stored
            self._reindex(ident)
            self._touch(ident)

    def remove(self, obj_type: str, name: str) -> None:
        with self._lock:
            ident = (obj_type, name)
            self._objects.pop(ident, None)
            self._unindex(ident)
            self._touch(ident)

    def load(self, listing: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        """Replace everything with a fresh listing (start-up)."""
        with self._lock:
            self._objects.clear()
            self._owner.clear()
            self._by_key.clear()
            self._counts = dict.fromkeys(TYPES, 0)
            for obj_type, objs in listing.items():
                for obj in objs:
                    self._add_listed(obj_type, obj)
            self.loaded = True

    def resync(
        self, listing: Mapping[str, Iterable[Mapping[str, Any]]], started_seq: int
    ) -> set[Key]:
        """Replace the content with ``listing`` (taken after ``started_seq``); entries written
        since then are kept. Returns the keys whose objects appeared, changed or vanished."""
        with self._lock:
            fresh: dict[Ident, Obj] = {}
            for obj_type, objs in listing.items():
                for obj in objs:
                    name = obj.get("name")
                    if isinstance(name, str) and self._is_ours(obj_type, obj):
                        fresh[(obj_type, name)] = _stored(obj)
            changed: set[Key] = set()
            for ident in set(self._objects) | set(fresh):
                if self._touched.get(ident, 0) > started_seq:
                    continue  # written by a reconcile while we listed: ours is newer
                old = self._objects.get(ident)
                new = fresh.get(ident)
                if old is not None and new is not None and _fingerprint(old) == _fingerprint(new):
                    continue
                if old is not None:
                    owner = self._owner.get(ident)
                    if owner is not None:
                        changed.add(owner)
                if new is None:
                    self._objects.pop(ident, None)
                    self._unindex(ident)
                else:
                    self._objects[ident] = new
                    self._reindex(ident)
                    owner = self._owner.get(ident)
                    if owner is not None:
                        changed.add(owner)
            return changed

    @property
    def seq(self) -> int:
        with self._lock:
            return self._seq

    # -- internals ------------------------------------------------------------------------------
    def _is_ours(self, obj_type: str, obj: Mapping[str, Any]) -> bool:
        if obj_type == "vsvip":
            return owned_key(obj, self._live.current) is not None
        return obj.get("created_by") == self._live.current.created_by

    def _add_listed(self, obj_type: str, obj: Mapping[str, Any]) -> None:
        name = obj.get("name")
        if not isinstance(name, str) or not self._is_ours(obj_type, obj):
            return
        ident = (obj_type, name)
        self._objects[ident] = _stored(obj)
        self._reindex(ident)

    def _touch(self, ident: Ident) -> None:
        self._seq += 1
        self._touched[ident] = self._seq

    def _reindex(self, ident: Ident) -> None:
        self._unindex(ident)
        obj = self._objects.get(ident)
        if obj is None:
            return
        key = owned_key(obj, self._live.current)
        self._owner[ident] = key
        self._counts[ident[0]] = self._counts.get(ident[0], 0) + 1
        if key is not None:
            self._by_key.setdefault(key, set()).add(ident)

    def _unindex(self, ident: Ident) -> None:
        if ident not in self._owner:
            return
        key = self._owner.pop(ident)
        self._counts[ident[0]] -= 1
        if key is not None:
            idents = self._by_key.get(key)
            if idents is not None:
                idents.discard(ident)
                if not idents:
                    del self._by_key[key]


def _stored(obj: Mapping[str, Any]) -> Obj:
    """The copy of ``obj`` the cache keeps (never ``obj`` itself): a new top-level dict whose
    string values are interned; nested values are kept as decoded (orjson already shares the
    strings of repeated keys, and the walk of :func:`compact` over every nested value was ~12%
    of the engine's CPU for a few MB at 10,000 Services)."""
    stored: Obj = {}
    for field, value in obj.items():
        stored[field] = _intern(value) if type(value) is str else value
    return stored
