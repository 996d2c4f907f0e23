"""Which Pods each Service selects, kept up to date from the changes (an index, no API calls).

The Endpoints and EndpointSlice controllers ask it for the Pods of one Service instead of
scanning every Pod of the namespace, and for the Services a changed Pod concerns instead of
matching every Service's selector against it: with 1,000 Pods that is the difference between
a write costing microseconds or milliseconds.

``SyncMemo`` lets both controllers skip a Service write that cannot change what they compute
(a status write, an annotation): the Service's inputs are those of its last complete sync, no
member Pod changed and nobody else wrote the objects that sync left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mock_k8s.selectors import selector_matches
from mock_k8s.watch import Change

Key = tuple[str, str]  # (namespace, name)


class ServiceMembers:
    def __init__(self) -> None:
        self._selectors: dict[str, dict[str, dict[str, str]]] = {}  # ns -> service -> selector
        self._members: dict[Key, set[str]] = {}  # service -> pod names
        self._pod_labels: dict[Key, dict[str, str]] = {}  # pod -> labels
        # (namespace, labels) -> the Services selecting them (Pods of a workload share labels)
        self._memo: dict[tuple[str, frozenset[tuple[str, str]]], frozenset[str]] = {}

    def clear(self) -> None:
        self._memo.clear()
        self._selectors.clear()
        self._members.clear()
        self._pod_labels.clear()

    def rebuild(self, services: list[dict[str, Any]], pods: list[dict[str, Any]]) -> None:
        self.clear()
        for pod in pods:
            self._set_pod(pod)
        for svc in services:
            self._set_service(svc)

    def observe(self, ch: Change) -> set[Key]:
        """Update the index; return the Services whose members may have changed."""
        meta = ch.obj.get("metadata") or {}
        ns, name = str(meta.get("namespace") or ""), str(meta.get("name"))
        if ch.key == "services":
            if ch.type == "DELETED":
                self._memo.clear()
                self._selectors.get(ns, {}).pop(name, None)
                self._members.pop((ns, name), None)
            else:
                self._set_service(ch.obj)
            return {(ns, name)}
        if ch.key != "pods":
            return set()
        before = self._services_of(ns, self._pod_labels.get((ns, name)))
        if ch.type == "DELETED":
            self._pod_labels.pop((ns, name), None)
            for svc in before:
                self._members.get((ns, svc), set()).discard(name)
            return {(ns, s) for s in before}
        self._set_pod(ch.obj)
        after = self._services_of(ns, self._pod_labels.get((ns, name)))
        for svc in before - after:
            self._members.get((ns, svc), set()).discard(name)
        for svc in after:
            self._members.setdefault((ns, svc), set()).add(name)
        return {(ns, s) for s in before | after}

    def pods_of(self, namespace: str, service: str) -> list[str]:
        return sorted(self._members.get((namespace, service), ()))

    def _services_of(self, ns: str, labels: dict[str, str] | None) -> set[str]:
        if labels is None:
            return set()
        try:
            memo_key: tuple[str, frozenset[tuple[str, str]]] | None = (
                ns,
                frozenset(labels.items()),
            )
        except TypeError:  # a loaded label value that is not hashable
            memo_key = None
        found = self._memo.get(memo_key) if memo_key is not None else None
        if found is None:
            found = frozenset(
                svc
                for svc, sel in self._selectors.get(ns, {}).items()
                if selector_matches(sel, labels)
            )
            if memo_key is not None:
                self._memo[memo_key] = found
        return set(found)

    def _set_pod(self, pod: dict[str, Any]) -> None:
        meta = pod.get("metadata") or {}
        labels = meta.get("labels")
        self._pod_labels[(str(meta.get("namespace") or ""), str(meta.get("name")))] = (
            dict(labels) if isinstance(labels, dict) else {}
        )

    def _set_service(self, svc: dict[str, Any]) -> None:
        meta = svc.get("metadata") or {}
        ns, name = str(meta.get("namespace") or ""), str(meta.get("name"))
        selector = (svc.get("spec") or {}).get("selector")
        if not isinstance(selector, dict) or not selector:
            if name in self._selectors.get(ns, {}):
                self._memo.clear()
            self._selectors.get(ns, {}).pop(name, None)
            self._members.pop((ns, name), None)
            return
        if self._selectors.get(ns, {}).get(name) == selector and (ns, name) in self._members:
            return  # a status write or a label change: the members stay
        self._memo.clear()
        self._selectors.setdefault(ns, {})[name] = dict(selector)
        self._members[(ns, name)] = {
            pod
            for (pns, pod), labels in self._pod_labels.items()
            if pns == ns and selector_matches(selector, labels)
        }


def service_inputs(svc: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """What the Endpoints and EndpointSlice controllers read of a Service (None: it is gone)."""
    if svc is None:
        return None
    meta = svc.get("metadata") or {}
    spec = svc.get("spec") or {}
    return (
        meta.get("uid"),
        meta.get("labels"),
        bool(meta.get("deletionTimestamp")),
        spec.get("selector"),
        spec.get("type"),
        spec.get("ports"),
    )


class SyncMemo:
    """Per Service, the inputs of its last complete sync; the resourceVersions of the
    controller's own writes (so that only other writers' changes to its objects count)."""

    def __init__(self) -> None:
        self._synced: dict[Key, tuple[Any, ...] | None] = {}
        self._own: set[int] = set()

    def clear(self) -> None:
        self._synced.clear()
        self._own.clear()

    def unchanged(self, key: Key, svc: dict[str, Any] | None) -> bool:
        """True when a sync of ``key`` would find everything as its last complete sync left it."""
        return key in self._synced and self._synced[key] == service_inputs(svc)

    def synced(self, key: Key, svc: dict[str, Any] | None, first_rv: int, last_rv: int) -> None:
        """A complete sync read ``svc`` and wrote the resourceVersions first_rv..last_rv."""
        self._own.update(range(first_rv, last_rv + 1))
        if len(self._own) > 100_000:  # own writes are seen in the next round; never many left
            self._own.clear()
        if svc is None:
            self._synced.pop(key, None)  # gone: nothing to remember
        else:
            self._synced[key] = service_inputs(svc)

    def forget(self, key: Key, first_rv: int = 0, last_rv: int = -1) -> None:
        """The next sync of ``key`` runs (an incomplete sync wrote first_rv..last_rv)."""
        self._own.update(range(first_rv, last_rv + 1))
        self._synced.pop(key, None)

    def sync_all(
        self, store: Any, keys: Iterable[Key], forced: set[Key], sync: Callable[[str, str], bool]
    ) -> None:
        """Sync each Service of ``keys``, except one whose write changed nothing the controller
        reads (a status write, an annotation) once its last sync completed and nobody wrote the
        controller's objects since; ``forced``: Services whose member Pods changed."""
        for key in keys:
            if key not in forced and self.unchanged(key, store.get("services", *key)):
                continue
            self.sync(store, key, sync)

    def sync(self, store: Any, key: Key, sync: Callable[[str, str], bool]) -> None:
        """Run ``sync`` (False: a write was refused) and remember what it read and wrote."""
        first_rv = store.rv + 1
        if sync(*key):
            self.synced(key, store.get("services", *key), first_rv, store.rv)
        else:
            self.forget(key, first_rv, store.rv)

    def written(self, rv: int, keys: Iterable[Key]) -> None:
        """An object the controller keeps for the Services ``keys`` was written at ``rv``."""
        if rv in self._own:
            self._own.discard(rv)
            return
        for key in keys:
            self._synced.pop(key, None)
