"""Garbage collection by ownerReferences: background, foreground and orphan deletion.

``OwnerIndex`` follows every write: which objects exist (by uid) and which objects name which
owner. ``GarbageCollector`` then acts as the kube-controller-manager's collector does:
- **Background** (the default): once the owner is gone, dependents none of whose owners still
  exist are deleted (themselves in the background).
- **Foreground**: the owner waits, with a deletionTimestamp and the ``foregroundDeletion``
  finalizer, until its dependents are gone (they are deleted in the foreground too); then the
  finalizer is removed and the owner goes.
- **Orphan**: the ``orphan`` finalizer; dependents lose their reference to the owner, then the
  finalizer is removed.
The policy comes from DeleteOptions (``propagationPolicy``, or the legacy ``orphanDependents``).
Never deletes an object that has no ownerReferences.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
Ident = tuple[str, str, str]  # (bucket key, namespace, name)


class OwnerIndex:
    def __init__(self) -> None:
        self.alive: dict[str, Ident] = {}
        self.dependents: dict[str, set[Ident]] = {}
        self._refs: dict[Ident, tuple[str, ...]] = {}

    def clear(self) -> None:
        self.alive.clear()
        self.dependents.clear()
        self._refs.clear()

    def observe(self, key: str, obj: dict[str, Any], deleted: bool) -> None:
        meta = obj.get("metadata") or {}
        ident = (key, str(meta.get("namespace") or ""), str(meta.get("name")))
        uid = meta.get("uid")
        old_refs = self._refs.pop(ident, ())
        for owner in old_refs:
            deps = self.dependents.get(owner)
            if deps is not None:
                deps.discard(ident)
                if not deps:
                    del self.dependents[owner]
        if deleted:
            if uid:
                self.alive.pop(uid, None)
            return
        if uid:
            self.alive[uid] = ident
        refs = tuple(
            str(r["uid"])
            for r in meta.get("ownerReferences") or []
            if isinstance(r, dict) and r.get("uid")
        )
        if refs:
            self._refs[ident] = refs
            for owner in refs:
                self.dependents.setdefault(owner, set()).add(ident)

    def of(self, owner_uid: str, key: str | None = None) -> list[Ident]:
        return sorted(i for i in self.dependents.get(owner_uid, ()) if key is None or i[0] == key)


class GarbageCollector:
    def __init__(self, api: Any, owners: OwnerIndex) -> None:
        self.api = api
        self.owners = owners

    # ---- the delete hook's part: which finalizer a policy adds ------------------------------
    def finalizer_for(self, current: dict[str, Any], options: dict[str, Any]) -> str | None:
        policy = options.get("propagationPolicy")
        if policy is None and options.get("orphanDependents") is True:
            policy = "Orphan"
        if policy not in ("Foreground", "Orphan"):
            return None
        uid = current["metadata"].get("uid", "")
        if not self.owners.of(uid):
            return None  # nothing depends on it: deleted at once, as upstream ends up doing
        return FOREGROUND if policy == "Foreground" else ORPHAN

    # ---- the controller --------------------------------------------------------------------
    def handle(self, changes: list[Change]) -> None:
        gone: list[str] = []
        waiting: list[Ident] = []
        for ch in changes:
            meta = ch.obj.get("metadata") or {}
            if ch.type == "DELETED":
                if meta.get("uid"):
                    gone.append(str(meta["uid"]))
                for r in meta.get("ownerReferences") or []:
                    owner = (
                        self.owners.alive.get(str(r.get("uid"))) if isinstance(r, dict) else None
                    )
                    if owner is not None:
                        waiting.append(owner)  # an owner in foreground deletion may finish now
            elif meta.get("deletionTimestamp") and set(meta.get("finalizers") or ()) & {
                FOREGROUND,
                ORPHAN,
            }:
                waiting.append((ch.key, str(meta.get("namespace") or ""), str(meta["name"])))
        for uid in gone:
            for ident in self.owners.of(uid):
                self._collect(ident)
        for ident in dict.fromkeys(waiting):
            self._finish(ident)

    def _rt(self, key: str) -> Any:
        return self.api.registry.by_key(key)

    def _collect(self, ident: Ident) -> None:
        """A dependent whose owner went away: delete it when no owner of it is left."""
        key, ns, name = ident
        obj = self.api.store.get(key, ns, name)
        rt = self._rt(key)
        if obj is None or rt is None or obj["metadata"].get("deletionTimestamp"):
            return
        refs = [r for r in obj["metadata"].get("ownerReferences") or [] if isinstance(r, dict)]
        if any(str(r.get("uid")) in self.owners.alive for r in refs):
            return
        with contextlib.suppress(ApiError):
            self.api.delete(rt, ns, name, {"propagationPolicy": "Background"})

    def _finish(self, ident: Ident) -> None:
        key, ns, name = ident
        obj = self.api.store.get(key, ns, name)
        rt = self._rt(key)
        if obj is None or rt is None or not obj["metadata"].get("deletionTimestamp"):
            return
        finalizers = list(obj["metadata"].get("finalizers") or [])
        uid = str(obj["metadata"].get("uid"))
        if ORPHAN in finalizers:
            for dep in self.owners.of(uid):
                self._drop_reference(dep, uid)
            finalizers.remove(ORPHAN)
        elif FOREGROUND in finalizers:
            deps = self.owners.of(uid)
            for dep in deps:
                self._delete_foreground(dep)
            if any(self.api.store.get(*d) is not None for d in self.owners.of(uid)):
                return
            finalizers.remove(FOREGROUND)
        else:
            return
        new = copy.deepcopy(obj)
        new["metadata"]["finalizers"] = finalizers
        if not finalizers:
            new["metadata"].pop("finalizers", None)
        with contextlib.suppress(ApiError):
            self.api.update(rt, ns, name, new, expect_rv=False)

    def _delete_foreground(self, ident: Ident) -> None:
        key, ns, name = ident
        obj = self.api.store.get(key, ns, name)
        rt = self._rt(key)
        if obj is None or rt is None or obj["metadata"].get("deletionTimestamp"):
            return
        with contextlib.suppress(ApiError):
            self.api.delete(rt, ns, name, {"propagationPolicy": "Foreground"})

    def _drop_reference(self, ident: Ident, owner_uid: str) -> None:
        key, ns, name = ident
        obj = self.api.store.get(key, ns, name)
        rt = self._rt(key)
        if obj is None or rt is None:
            return
        new = copy.deepcopy(obj)
        refs = [
            r
            for r in new["metadata"].get("ownerReferences") or []
            if not (isinstance(r, dict) and str(r.get("uid")) == owner_uid)
        ]
        if refs:
            new["metadata"]["ownerReferences"] = refs
        else:
            new["metadata"].pop("ownerReferences", None)
        with contextlib.suppress(ApiError):
            self.api.update(rt, ns, name, new, expect_rv=False)
