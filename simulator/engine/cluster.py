"""Read access to the Kubernetes state the reconciler needs, over the informer caches.

Raw dicts come from the stores; parsed domain views are memoised per (object, resourceVersion) so
reconciling many keys of one namespace does not re-parse every Service each time. Reads only:
the one write-ish call, :meth:`InformerCluster.note_service`, folds a status-patch response into
the cache when it is newer than what the watch delivered so far.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
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


class _ViewMemo:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: dict[str, tuple[str, int, Any]] = {}

    def get(self, obj: Obj, parse: Any) -> Any:
        key = object_key(obj)
        rv = resource_version_of(obj)
        with self._lock:
            hit = self._views.get(key)
            if hit is not None and hit[0] == rv and hit[1] == id(obj):
                return hit[2]
        view = parse(obj)
        with self._lock:
            self._views[key] = (rv, id(obj), view)
            if len(self._views) > 200_000:
                self._views.clear()
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
        self._memo = _ViewMemo()
        self._slice_memo = _ViewMemo()

    def service(self, namespace: str, name: str) -> Obj | None:
        return self._services.get(f"{namespace}/{name}")

    def service_views(self, namespace: str) -> list[ServiceView]:
        return [
            self._memo.get(obj, ServiceView.from_k8s)
            for obj in self._services.by_index("namespace", namespace)
        ]

    def all_service_views(self) -> list[ServiceView]:
        return [self._memo.get(obj, ServiceView.from_k8s) for obj in self._services.values()]

    def endpoint_slice_views(
        self, namespace: str, services: Iterable[str]
    ) -> list[EndpointSliceView]:
        views: list[EndpointSliceView] = []
        for name in services:
            for obj in self._slices.by_index("service", f"{namespace}/{name}"):
                views.append(self._slice_memo.get(obj, EndpointSliceView.from_k8s))
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
            self._services.put(obj, shared=False)
