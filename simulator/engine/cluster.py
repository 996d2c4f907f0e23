"""Read access to the Kubernetes state the reconciler needs, over the informer caches.

Raw dicts come from the stores; parsed domain views are memoised per object so reconciling many
keys of one namespace does not re-parse every Service each time (the same stored object is one
look-up by identity): a view is parsed again only when the parts of the object it reads changed
(a status-only update, the status patch's answer and its watch event keep the view they had).
Reads only: the one write-ish call, :meth:`InformerCluster.note_service`, folds a status-patch
response into the cache when it is newer than what the watch delivered so far.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from simulator.domain.model import (
    SERVICE_NAME_LABEL,
    EndpointSliceView,
    InfraSettingView,
    L4RuleView,
    NodeView,
    ServiceView,
)
from simulator.engine.informer import Store, object_key, resource_version_of

Obj = dict[str, Any]


class ClusterState(Protocol):
    """What the reconciler reads (the informer caches, or a fake in unit tests)."""

    def service(self, namespace: str, name: str) -> Obj | None: ...

    def service_views(self, namespace: str) -> list[ServiceView]: ...

    def service_view(self, obj: Obj) -> ServiceView: ...

    def all_service_views(self) -> list[ServiceView]: ...

    def endpoint_slice_views(
        self, namespace: str, services: Iterable[str]
    ) -> list[EndpointSliceView]: ...

    def node_views(self) -> list[NodeView]: ...

    def infra_settings(self) -> dict[str, InfraSettingView]: ...

    def l4rules(self) -> dict[tuple[str, str], L4RuleView]: ...

    def note_service(self, obj: Obj) -> None: ...


def namespace_index(obj: Obj) -> list[str]:
    return [str((obj.get("metadata") or {}).get("namespace") or "")]


def service_name_index(obj: Obj) -> list[str]:
    metadata = obj.get("metadata") or {}
    labels = metadata.get("labels") or {}
    name = labels.get(SERVICE_NAME_LABEL)
    if not isinstance(name, str) or not name:
        return []
    return [f"{metadata.get('namespace') or ''}/{name}"]


def service_inputs(obj: Obj) -> tuple[Any, ...]:
    """Every part of a Service that ``ServiceView.from_k8s`` reads (equal parts: equal views)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return (metadata, obj.get("spec"))
    return (
        metadata.get("namespace"),
        metadata.get("name"),
        metadata.get("uid"),
        metadata.get("creationTimestamp"),
        metadata.get("annotations"),
        metadata.get("deletionTimestamp"),
        obj.get("spec"),
    )


def slice_inputs(obj: Obj) -> tuple[Any, ...]:
    """Every part of an EndpointSlice that ``EndpointSliceView.from_k8s`` reads."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return (metadata, obj.get("ports"), obj.get("endpoints"))
    return (
        metadata.get("namespace"),
        metadata.get("name"),
        metadata.get("labels"),
        obj.get("ports"),
        obj.get("endpoints"),
    )


class _ViewMemo:
    """The last view parsed per object key, with the object it came from and the parts of it
    the parser reads: the same object (identity) is a hit, and so is another version whose read
    parts are equal (compared as plain values, far cheaper than a parse; the API server's typed
    JSON never alternates ``1``, ``1.0`` and ``true`` in one field). The identity hit is one
    look-up by ``id`` without the lock: the entry holds the object itself (its id cannot be
    reused meanwhile), and the stores' objects are never changed once stored."""

    _LIMIT = 200_000

    def __init__(self, parse: Callable[[Obj], Any], inputs: Callable[[Obj], tuple[Any, ...]]):
        self._parse = parse
        self._inputs = inputs
        self._lock = threading.Lock()
        self._views: dict[str, tuple[Obj, tuple[Any, ...], Any]] = {}  # key -> (obj, inputs, view)
        self._by_id: dict[int, tuple[Obj, Any]] = {}  # id(obj) -> (obj, view), obj in _views

    def get(self, obj: Obj) -> Any:
        same = self._by_id.get(id(obj))
        if same is not None and same[0] is obj:
            return same[1]
        key = object_key(obj)
        with self._lock:
            hit = self._views.get(key)
        inputs = self._inputs(obj)
        view = hit[2] if hit is not None and hit[1] == inputs else self._parse(obj)
        with self._lock:
            current = self._views.get(key)
            if current is not None:
                self._by_id.pop(id(current[0]), None)
            if len(self._views) >= self._LIMIT:
                self._views.clear()
                self._by_id.clear()
            self._views[key] = (obj, inputs, view)
            self._by_id[id(obj)] = (obj, view)
        return view


class InformerCluster:
    """:class:`ClusterState` over the informer stores."""

    def __init__(
        self,
        services: Store,
        endpointslices: Store,
        nodes: Store,
        infra: Store,
        l4rules: Store,
    ) -> None:
        self._services = services
        self._slices = endpointslices
        self._nodes = nodes
        self._infra = infra
        self._l4rules = l4rules
        self._memo = _ViewMemo(ServiceView.from_k8s, service_inputs)
        self._ns_lock = threading.Lock()
        self._ns_views: dict[str, tuple[int, list[ServiceView]]] = {}
        self._slice_memo = _ViewMemo(EndpointSliceView.from_k8s, slice_inputs)

    def service(self, namespace: str, name: str) -> Obj | None:
        return self._services.get(f"{namespace}/{name}")

    def service_view(self, obj: Obj) -> ServiceView:
        """The view of a Service object (memoised: see :class:`_ViewMemo`)."""
        view: ServiceView = self._memo.get(obj)
        return view

    def service_views(self, namespace: str) -> list[ServiceView]:
        """The views of the namespace's Services (by name), kept per namespace until one of its
        Services changes."""
        version = self._services.index_version("namespace", namespace)
        with self._ns_lock:
            hit = self._ns_views.get(namespace)
        if hit is not None and hit[0] == version:
            return list(hit[1])
        version, objs = self._services.by_index_versioned("namespace", namespace)
        get = self._memo.get
        views = [get(obj) for obj in objs]
        with self._ns_lock:
            current = self._ns_views.get(namespace)
            if current is None or current[0] < version:
                self._ns_views[namespace] = (version, views)
        return list(views)

    def all_service_views(self) -> list[ServiceView]:
        get = self._memo.get
        return [get(obj) for obj in self._services.values()]

    def endpoint_slice_views(
        self, namespace: str, services: Iterable[str]
    ) -> list[EndpointSliceView]:
        views: list[EndpointSliceView] = []
        for name in services:
            for obj in self._slices.by_index("service", f"{namespace}/{name}"):
                views.append(self._slice_memo.get(obj))
        return views

    def node_views(self) -> list[NodeView]:
        return [NodeView.from_k8s(obj) for obj in self._nodes.values()]

    def infra_settings(self) -> dict[str, InfraSettingView]:
        views = (InfraSettingView.from_k8s(obj) for obj in self._infra.values())
        return {view.name: view for view in views}

    def l4rules(self) -> dict[tuple[str, str], L4RuleView]:
        views = (L4RuleView.from_k8s(obj) for obj in self._l4rules.values())
        return {(view.namespace, view.name): view for view in views}

    def note_service(self, obj: Obj) -> None:
        key = object_key(obj)
        current = self._services.get(key)
        if current is None:
            return
        try:
            newer = int(resource_version_of(obj)) > int(resource_version_of(current))
        except ValueError:
            newer = False
        if newer:  # the watch delivers the same version moments later: no compact copy
            # only_newer: the informer may have stored a newer version since the look above
            self._services.put(obj, shared=False, only_newer=True)
