"""Kubernetes Events on Services, de-duplicated like client-go's recorder.

The same (object, type, reason, message) bumps ``count`` and ``lastTimestamp`` of the existing
Event instead of creating a new one. ``once=True`` records an Event only if no identical one
exists yet (used for warnings that are not tied to a state transition). Existing Events of this
component are loaded at start so that a restarted engine neither duplicates nor re-bumps them.

With ``background=True`` (the engine) :meth:`EventRecorder.record` only queues the Event (a
bounded queue: a full queue makes the caller wait) and one thread of its own writes the queue in
order, with the same de-duplication; :meth:`EventRecorder.idle` tells whether everything queued
is written, :meth:`EventRecorder.stop` drains the queue and ends the thread. Reconciles then never
wait for an Event write.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.adapters.kube import KubeApi, KubeError
from simulator.domain.status import utc_now_text

log = logging.getLogger("ako_sim.events")

COMPONENT = "ako-sim"

Identity = tuple[str, str, str, str, str]  # (namespace, uid or name, type, reason, message)
MAX_PENDING = 1024


@dataclass(frozen=True)
class ObjectRef:
    """The object an Event is about."""

    namespace: str
    name: str
    uid: str = ""
    kind: str = "Service"
    api_version: str = "v1"

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ObjectRef:
        metadata = obj.get("metadata") or {}
        return cls(
            namespace=str(metadata.get("namespace") or "default"),
            name=str(metadata.get("name") or ""),
            uid=str(metadata.get("uid") or ""),
            kind=str(obj.get("kind") or "Service"),
            api_version=str(obj.get("apiVersion") or "v1"),
        )


_now = utc_now_text


class EventRecorder:
    """Writes core/v1 Events through :class:`KubeApi`; counts its writes."""

    def __init__(
        self,
        kube: KubeApi,
        *,
        on_write: Callable[[str], None] | None = None,
        background: bool = False,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._kube = kube
        self._lock = threading.Lock()
        self._known: dict[Identity, tuple[str, int]] = {}  # identity -> (event name, count)
        self._on_write = on_write
        self._seq = 0
        self._background = background
        self._max_pending = max(1, max_pending)
        self._pending: deque[tuple[ObjectRef, str, str, str, bool]] = deque()
        self._unfinished = 0  # queued or being written
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- background writing ---------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread (``background`` recorders only; idempotent)."""
        if not self._background or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._flush_loop, name="engine-events", daemon=True)
        self._thread.start()

    def idle(self) -> bool:
        """True when every queued Event has been written (or given up)."""
        with self._cond:
            return self._unfinished == 0

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued (within ``timeout``), then end the writer thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _flush_loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending:
                    return
                ref, event_type, reason, message, once = self._pending.popleft()
                self._cond.notify_all()  # room in the queue
            try:
                self._write(ref, event_type, reason, message, once)
            except KubeError as exc:
                log.warning("cannot record event %s on %s: %s", reason, ref.name, exc)
            except Exception:
                log.exception("recording event %s on %s failed", reason, ref.name)
            finally:
                with self._cond:
                    self._unfinished -= 1
                    self._cond.notify_all()

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
        """Record an Event; returns whether anything was written (queued, in the background).
        Raises KubeError (synchronous recorders only; the writer thread logs failures)."""
        if not self._background:
            return self._write(ref, event_type, reason, message, once)
        with self._cond:
            while len(self._pending) >= self._max_pending and not self._stopping:
                self._cond.wait(0.1)
            if self._stopping:
                log.debug("engine stopping: event %s on %s not recorded", reason, ref.name)
                return False
            self._pending.append((ref, event_type, reason, message, once))
            self._unfinished += 1
            self._cond.notify_all()
        return True

    def _write(
        self, ref: ObjectRef, event_type: str, reason: str, message: str, once: bool
    ) -> bool:
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
