"""Informer event handlers: turn watch events into queue keys, and nothing else.

- Service: the key(s) it belongs to now plus the key(s) it had before (remembered per Service),
  and ``service:ns/name`` when it needs per-Service chores (annotation on a non-LoadBalancer,
  a stale condition). Events that do not change the resourceVersion are ignored.
- EndpointSlice: the keys of its Service.
- Node: every key, in NodePort mode only, when a node appears, goes or changes address.
- Namespace being deleted: the keys of its Services and of its Avi objects.
- AviInfraSetting / L4Rule: its own validation key (when its spec changed) and every key whose
  Services reference it.
Handlers run on informer threads and must stay quick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from simulator.adapters.kube import Resource
from simulator.config import LiveSettings
from simulator.domain import grouping
from simulator.domain.keys import InfraKey, Key, L4RuleKey, ServiceKey
from simulator.domain.model import (
    INFRA_ANNOTATION,
    SERVICE_NAME_LABEL,
    NodeView,
    ServiceView,
    Settings,
)
from simulator.domain.status import CONDITION_TYPE
from simulator.engine.informer import Store, object_key, resource_version_of

Obj = dict[str, Any]


def _meta(obj: Obj | None) -> dict[str, Any]:
    return (obj or {}).get("metadata") or {}


def _spec_changed(old: Obj | None, new: Obj | None) -> bool:
    if old is None or new is None:
        return True
    return (
        old.get("spec") != new.get("spec")
        or _meta(old).get("generation") != _meta(new).get("generation")
        or _meta(old).get("annotations") != _meta(new).get("annotations")
    )


def _has_condition(obj: Obj) -> bool:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(isinstance(c, dict) and c.get("type") == CONDITION_TYPE for c in conditions)


class EventRouter:
    """Routes informer events to queue keys."""

    def __init__(
        self,
        enqueue: Callable[[Iterable[str]], None],
        settings: Settings | LiveSettings,
        services: Store,
        avi_keys: Callable[[], Iterable[Key]] = lambda: (),
        view_of: Callable[[Obj], ServiceView] = ServiceView.from_k8s,
    ) -> None:
        self._enqueue = enqueue
        self._live = settings if isinstance(settings, LiveSettings) else LiveSettings(settings)
        self._services = services
        self._avi_keys = avi_keys
        self._view_of = view_of  # the engine's memoised parse (InformerCluster.service_view)
        self._lock = threading.Lock()
        self._last_keys: dict[str, tuple[Key, ...]] = {}
        self._handlers: dict[str, Callable[[Obj | None, Obj | None], None]] = {
            "services": self.on_service,
            "endpointslices": self.on_endpointslice,
            "nodes": self.on_node,
            "namespaces": self.on_namespace,
            "aviinfrasettings": self.on_infra,
            "l4rules": self.on_l4rule,
        }

    @property
    def settings(self) -> Settings:
        """The engine's current settings (the holder it shares with the other components)."""
        return self._live.current

    # -- dispatch -------------------------------------------------------------------------------
    def handle(self, resource: Resource, old: Obj | None, new: Obj | None) -> None:
        if old is not None and new is not None:
            rv = resource_version_of(new)
            if rv and rv == resource_version_of(old):
                return
        handler = self._handlers.get(resource.name)
        if handler is not None:
            handler(old, new)

    def all_keys(self) -> set[Key]:
        with self._lock:
            return {key for keys in self._last_keys.values() for key in keys}

    def service_keys(self, ref: str) -> tuple[Key, ...]:
        with self._lock:
            return self._last_keys.get(ref, ())

    # -- handlers -------------------------------------------------------------------------------
    def on_service(self, old: Obj | None, new: Obj | None) -> None:
        ref = object_key(new or old or {})
        if new is None:
            with self._lock:
                before = self._last_keys.pop(ref, ())
            self._emit(before)
            return
        view = self._view_of(new)
        now = grouping.keys_for_service(view, self.settings)
        with self._lock:
            before = self._last_keys.get(ref, ())
            if now:
                self._last_keys[ref] = now
            else:
                self._last_keys.pop(ref, None)
        keys = [str(k) for k in dict.fromkeys((*now, *before))]
        if grouping.ignored_annotation_warning(view) is not None or (
            not now and _has_condition(new)
        ):
            keys.append(str(ServiceKey(view.namespace, view.name)))
        self._enqueue(keys)

    def on_endpointslice(self, old: Obj | None, new: Obj | None) -> None:
        names: set[str] = set()
        for obj in (old, new):
            if obj is None:
                continue
            labels = _meta(obj).get("labels") or {}
            service = labels.get(SERVICE_NAME_LABEL)
            if isinstance(service, str) and service:
                names.add(f"{_meta(obj).get('namespace') or ''}/{service}")
        keys: list[Key] = []
        for ref in sorted(names):
            keys.extend(self.service_keys(ref))
        self._emit(keys)

    def on_node(self, old: Obj | None, new: Obj | None) -> None:
        if self.settings.service_type != "NodePort":
            return
        if old is not None and new is not None and NodeView.from_k8s(old) == NodeView.from_k8s(new):
            return
        self._emit(self.all_keys())

    def on_namespace(self, old: Obj | None, new: Obj | None) -> None:
        if new is not None and not _meta(new).get("deletionTimestamp"):
            return
        namespace = str(_meta(new or old).get("name") or "")
        keys = {k for k in self.all_keys() if k.namespace == namespace}
        keys.update(k for k in self._avi_keys() if k.namespace == namespace)
        self._emit(keys)

    def on_infra(self, old: Obj | None, new: Obj | None) -> None:
        name = str(_meta(new or old).get("name") or "")
        keys: list[str] = []
        if new is not None and _spec_changed(old, new):
            keys.append(str(InfraKey(name)))
        for obj in self._services.values():
            annotations = _meta(obj).get("annotations") or {}
            if annotations.get(INFRA_ANNOTATION) == name:
                keys.extend(str(k) for k in self.service_keys(object_key(obj)))
        self._enqueue(list(dict.fromkeys(keys)))

    def on_l4rule(self, old: Obj | None, new: Obj | None) -> None:
        metadata = _meta(new or old)
        namespace = str(metadata.get("namespace") or "")
        name = str(metadata.get("name") or "")
        keys: list[str] = []
        if new is not None and _spec_changed(old, new):
            keys.append(str(L4RuleKey(namespace, name)))
        for view in (self._view_of(obj) for obj in self._services.values()):
            if view.l4rule_ref == (namespace, name):
                keys.extend(str(k) for k in self.service_keys(view.ref))
        self._enqueue(list(dict.fromkeys(keys)))

    def _emit(self, keys: Iterable[Key]) -> None:
        self._enqueue([str(k) for k in dict.fromkeys(keys)])
