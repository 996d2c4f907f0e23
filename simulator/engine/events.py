"""Kubernetes Events on Services, de-duplicated like client-go's recorder.

The same (object, type, reason, message) bumps ``count`` and ``lastTimestamp`` of the existing
Event instead of creating a new one. ``once=True`` records an Event only if no identical one
exists yet (used for warnings that are not tied to a state transition). Existing Events of this
component are loaded at start so that a restarted engine neither duplicates nor re-bumps them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from simulator.adapters.kube import KubeApi, KubeError

log = logging.getLogger("ako_sim.events")

COMPONENT = "ako-sim"

Identity = tuple[str, str, str, str, str]  # (namespace, uid or name, type, reason, message)


@dataclass(frozen=True)
class ObjectRef:
    """The object an Event is about."""

    namespace: str
    name: str
    uid: str = ""
    kind: str = "Service"
    api_version: str = "v1"

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ObjectRef:
        metadata = obj.get("metadata") or {}
        return cls(
            namespace=str(metadata.get("namespace") or "default"),
            name=str(metadata.get("name") or ""),
            uid=str(metadata.get("uid") or ""),
            kind=str(obj.get("kind") or "Service"),
            api_version=str(obj.get("apiVersion") or "v1"),
        )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventRecorder:
    """Writes core/v1 Events through :class:`KubeApi`; counts its writes."""

    def __init__(self, kube: KubeApi, *, on_write: Callable[[str], None] | None = None) -> None:
        self._kube = kube
        self._lock = threading.Lock()
        self._known: dict[Identity, tuple[str, int]] = {}  # identity -> (event name, count)
        self._on_write = on_write
        self._seq = 0

    def preload(self) -> None:
        """Learn the Events this component already wrote (best effort)."""
        try:
            events = self._kube.list_events()
        except KubeError as exc:
            log.warning("cannot list existing events: %s", exc)
            return
        with self._lock:
            for event in events:
                source = event.get("source") or {}
                if (
                    source.get("component") != COMPONENT
                    and event.get("reportingComponent") != COMPONENT
                ):
                    continue
                involved = event.get("involvedObject") or {}
                ident = (
                    str(involved.get("namespace") or ""),
                    str(involved.get("uid") or involved.get("name") or ""),
                    str(event.get("type") or ""),
                    str(event.get("reason") or ""),
                    str(event.get("message") or ""),
                )
                name = str((event.get("metadata") or {}).get("name") or "")
                count = event.get("count")
                self._known[ident] = (name, count if isinstance(count, int) else 1)

    def forget_all(self) -> None:
        with self._lock:
            self._known.clear()

    def record(
        self, ref: ObjectRef, event_type: str, reason: str, message: str, *, once: bool = False
    ) -> bool:
        """Record an Event; returns whether anything was written. Raises KubeError."""
        ident = (ref.namespace, ref.uid or ref.name, event_type, reason, message)
        with self._lock:
            known = self._known.get(ident)
        if known is not None and once:
            return False
        now = _now()
        if known is not None:
            name, count = known
            try:
                self._kube.patch_event(
                    ref.namespace, name, {"count": count + 1, "lastTimestamp": now}
                )
                self._wrote("event_patch")
                with self._lock:
                    self._known[ident] = (name, count + 1)
                return True
            except KubeError as exc:
                if exc.status != 404:
                    raise
        name = self._new_name(ref.name)
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": ref.namespace},
            "involvedObject": {
                "kind": ref.kind,
                "apiVersion": ref.api_version,
                "namespace": ref.namespace,
                "name": ref.name,
                "uid": ref.uid,
            },
            "reason": reason,
            "message": message,
            "type": event_type,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": COMPONENT,
        }
        self._kube.create_event(ref.namespace, body)
        self._wrote("event_create")
        with self._lock:
            self._known[ident] = (name, 1)
        return True

    def _new_name(self, base: str) -> str:
        with self._lock:
            self._seq += 1
            seq = self._seq
        return f"{base}.{time.time_ns():x}{seq:04x}"[:253]

    def _wrote(self, kind: str) -> None:
        if self._on_write is not None:
            self._on_write(kind)
