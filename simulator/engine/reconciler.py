"""``reconcile(key)``: make the controller and the Services' status match the cluster, once.

One pass: read the informer caches -> ``grouping.resolve`` -> ``desired.build`` -> ``diff.plan``
against the Avi cache -> apply the operations in order (stop at the first failure) -> write each
Service's status (VIP from the VsVip, the ``ako.vmware.com/VipAssigned`` condition) and Events.
Level-triggered and idempotent: a pass over a converged key makes no write at all.

Failures raise :class:`RetryLater` (fast per-key backoff, or the slow lane for VIP allocation and
permanent errors); the work queue schedules the retry. Nothing here sleeps. Transient controller
errors leave the Services' status as it is (behaviour.md section 10).

Queue keys handled here (``simulator.domain.keys``): group keys ``shared:ns/k`` and
``dedicated:ns/svc``, and ``service:ns/svc`` (per-Service chores: the SharedVipIgnored warning
and dropping a stale condition). The status decisions are the domain's (``domain.status.plan``);
this module applies them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from simulator.adapters.avi import (
    AviApi,
    AviError,
    Conflict,
    NotFound,
    PermanentError,
    Precondition,
    TransientError,
    VipAllocationError,
)
from simulator.adapters.kube import KubeApi, KubeError
from simulator.config import LiveSettings
from simulator.domain import desired as desired_mod
from simulator.domain import diff, grouping, naming
from simulator.domain import status as status_mod
from simulator.domain.keys import Key, ServiceKey, parse
from simulator.domain.model import DesiredState, Operation, Resolution, ServiceView, Settings
from simulator.domain.observed import vip_of
from simulator.domain.reasons import (
    NORMAL,
    REASON_REMOVED,
    REASON_SYNCED,
    REASON_VIP_CHANGED,
    WARNING,
)
from simulator.domain.status import (
    StatusPlan,
    Wanted,
    condition_changed,
    current_condition,
    current_ips,
    status_patch,
)
from simulator.engine.avi_cache import AviCache
from simulator.engine.cluster import ClusterState
from simulator.engine.events import EventRecorder, ObjectRef

log = logging.getLogger("ako_sim.reconciler")

DELETE_ORDER = {"virtualservice": 0, "l4policyset": 1, "pool": 2, "vsvip": 3}


class RetryLater(Exception):
    """The key must be reconciled again later (``slow`` = the slow retry lane)."""

    def __init__(self, message: str, *, slow: bool = False, error: str = "retry") -> None:
        super().__init__(message)
        self.slow = slow
        self.error = error


class Reconciler:
    """Reconciles one key at a time (the queue guarantees one worker per key)."""

    def __init__(
        self,
        cluster: ClusterState,
        avi: AviApi,
        cache: AviCache,
        kube: KubeApi,
        recorder: EventRecorder,
        settings: Settings | LiveSettings,
        *,
        on_k8s_write: Callable[[str], None] | None = None,
    ) -> None:
        self.cluster = cluster
        self.avi = avi
        self.cache = cache
        self.kube = kube
        self.recorder = recorder
        self._live = settings if isinstance(settings, LiveSettings) else LiveSettings(settings)
        self._on_k8s_write = on_k8s_write
        self._configured: dict[Key, set[str]] = {}

    @property
    def settings(self) -> Settings:
        """The engine's current settings (the holder it shares with the other components)."""
        return self._live.current

    # -- entry point ----------------------------------------------------------------------------
    def reconcile(self, key_text: str) -> None:
        key = parse(key_text)
        if isinstance(key, ServiceKey):
            self.reconcile_service(key.namespace, key.name)
        elif isinstance(key, Key):
            self.reconcile_key(key)
        else:
            raise ValueError(f"not a key for the reconciler: {key_text!r}")

    # -- groups ---------------------------------------------------------------------------------
    def reconcile_key(self, key: Key) -> None:
        settings = self.settings
        views = self.cluster.service_views(key.namespace)
        resolution = grouping.resolve(
            key, views, self.cluster.infra_settings(), self.cluster.l4rules(), settings
        )
        if resolution.misconfiguration is not None:
            log.error(resolution.misconfiguration.log)
        slices = (
            self.cluster.endpoint_slice_views(key.namespace, [m.name for m in resolution.members])
            if resolution.members
            else []
        )
        nodes = self.cluster.node_views() if settings.service_type == "NodePort" else []
        desired = desired_mod.build(resolution, slices, nodes, settings)
        observed, extras = self.cache.observed(key, desired)
        previous = set(self._configured.get(key, set())) | self.cache.pool_services(key)
        operations = diff.plan(desired, observed)

        notes: list[str] = []  # what this pass changed: one log line at its end
        try:
            self._converge(key, settings, desired, resolution, previous, operations, extras, notes)
        finally:
            if notes:
                log.info("%s: %s", key, "; ".join(notes))

    def _converge(
        self,
        key: Key,
        settings: Settings,
        desired: DesiredState | None,
        resolution: Resolution,
        previous: set[str],
        operations: tuple[Operation, ...],
        extras: list[tuple[str, dict[str, Any]]],
        notes: list[str],
    ) -> None:
        """Apply the operations, then write the members' statuses and Events."""
        vip_failure: str | None = None
        try:
            for op in operations:
                self._apply(op, notes)
            for obj_type, obj in sorted(extras, key=lambda item: DELETE_ORDER[item[0]]):
                self._apply(
                    Operation("delete", obj_type, str(obj.get("name")), None, str(obj.get("uuid"))),
                    notes,
                )
        except VipAllocationError as exc:
            vip_failure = exc.message
            log.error(
                "VIP allocation failed for %s (%s): %s",
                naming.vs_name(key, settings),
                key,
                exc.message,
            )

        vip: str | None = None
        if desired is not None and vip_failure is None:
            vsvip = self.cache.get("vsvip", desired.vsvip.name)
            vip = vip_of(vsvip) if vsvip is not None else None
            if vip is None:
                raise RetryLater(f"{key}: VsVip {desired.vsvip.name} has no address yet")

        plan = status_mod.plan(key, resolution, vip, vip_failure, settings)
        self._left_members(key, resolution, previous, plan)
        self._write_statuses(key, plan, notes)
        self.record_member_warnings(resolution)
        if desired is not None and vip is not None:
            self._configured[key] = set(desired.member_names)
        else:
            self._configured.pop(key, None)
        if vip_failure is not None:
            raise RetryLater(f"{key}: {vip_failure}", slow=True, error="VipAllocationError")

    def forget(self, key: Key) -> None:
        self._configured.pop(key, None)

    # -- Avi operations -------------------------------------------------------------------------
    def _apply(self, op: Operation, notes: list[str]) -> None:
        """Carry out one operation; what it did goes to ``notes`` (logged by the caller)."""
        try:
            if op.action == "create":
                created = self.avi.create(op.type, op.payload or {})
                self.cache.put(op.type, created)
                notes.append(f"Added {op.type} {op.name}")
            elif op.action == "update":
                updated = self.avi.update(op.type, op.uuid or "", op.payload or {})
                self.cache.put(op.type, updated)
                notes.append(f"Updated {op.type} {op.name}")
            else:
                with contextlib.suppress(NotFound):
                    self.avi.delete(op.type, op.uuid or "")
                self.cache.remove(op.type, op.name)
                notes.append(f"Deleted {op.type} {op.name}")
        except VipAllocationError:
            raise
        except Conflict as exc:
            existing = self._refresh(op.type, op.name)
            log.info("%s %s already exists (%s); adopting it", op.type, op.name, exc.message)
            if existing is None:
                raise RetryLater(f"409 for {op.type} {op.name}", error="Conflict") from exc
            raise RetryLater(f"adopted {op.type} {op.name}", error="Conflict") from exc
        except NotFound as exc:
            self.cache.remove(op.type, op.name)
            self._refresh(op.type, op.name)
            raise RetryLater(f"{op.type} {op.name} vanished", error="NotFound") from exc
        except Precondition as exc:
            self._refresh(op.type, op.name)
            raise RetryLater(f"412 for {op.type} {op.name}", error="Precondition") from exc
        except TransientError as exc:
            log.warning("%s %s %s failed: %s", op.action, op.type, op.name, exc.message)
            raise RetryLater(exc.message, error="TransientError") from exc
        except PermanentError as exc:
            log.error(
                "%s %s %s rejected by the controller (HTTP %s): %s",
                op.action,
                op.type,
                op.name,
                exc.status,
                exc.message,
            )
            self._refresh(op.type, op.name)
            raise RetryLater(exc.message, slow=True, error="PermanentError") from exc

    def _refresh(self, obj_type: str, name: str) -> dict[str, Any] | None:
        """Re-read one object from the controller into the cache (best effort)."""
        try:
            obj = self.avi.get_by_name(obj_type, name)
        except AviError as exc:
            log.warning("cannot re-read %s %s: %s", obj_type, name, exc.message)
            return None
        if obj is None:
            self.cache.remove(obj_type, name)
        else:
            self.cache.put(obj_type, obj)
        return obj

    # -- status ---------------------------------------------------------------------------------
    def _left_members(
        self, key: Key, resolution: Resolution, previous: set[str], plan: StatusPlan
    ) -> None:
        claimants = {svc.name for svc in resolution.candidates}
        for name in sorted(previous - claimants - set(plan.wanted)):
            obj = self.cluster.service(key.namespace, name)
            if obj is None:
                continue
            self._event(obj, NORMAL, REASON_REMOVED, f"Removed virtualservice for {name}")
            plan.removed.add(name)
            view = ServiceView.from_k8s(obj)
            if not grouping.keys_for_service(view, self.settings):
                plan.wanted[name] = Wanted(None, None)
            # else: it joined another key, whose reconcile writes its new status

    def _write_statuses(self, key: Key, plan: StatusPlan, notes: list[str]) -> None:
        vs = naming.vs_name(key, self.settings)
        for svc_name in sorted(plan.wanted):
            wanted = plan.wanted[svc_name]
            obj = self.cluster.service(key.namespace, svc_name)
            if obj is None:
                continue
            patch = status_patch(obj, wanted)
            if patch is not None and not self._still_wanted(key, obj, wanted):
                continue  # it moved since this pass read it: its new key's pass writes it
            before_ips = current_ips(obj)
            edge = condition_changed(obj, wanted)
            self._write_status(obj, wanted, notes, patch=patch)
            if wanted.vip is not None and before_ips != [wanted.vip]:
                self._event(obj, NORMAL, REASON_SYNCED, f"Added virtualservice {vs} for {svc_name}")
                if before_ips:
                    self._event(
                        obj,
                        NORMAL,
                        REASON_VIP_CHANGED,
                        f"VIP of virtualservice {vs} changed from {', '.join(before_ips)} "
                        f"to {wanted.vip}",
                    )
            if (
                wanted.vip is None
                and before_ips
                and not wanted.keep_ingress
                and svc_name not in plan.removed
            ):
                self._event(obj, NORMAL, REASON_REMOVED, f"Removed virtualservice for {svc_name}")
            if svc_name in plan.warnings and edge:
                reason, message = plan.warnings[svc_name]
                self._event(obj, WARNING, reason, message)

    def _still_wanted(self, key: Key, obj: dict[str, Any], wanted: Wanted) -> bool:
        """Whether ``wanted`` (planned from the views this pass read at its start) still holds
        for the Service as cached now: it still belongs to ``key``, or it belongs to no key
        and is only being cleared. A Service that moved to another key while this pass talked
        to the controller is that key's to write (its watch event queued that key and this
        one again); writing this key's VIP over it would stick, as the answer of the write is
        folded into the cache and its watch event then changes nothing."""
        keys = grouping.keys_for_service(self.cluster.service_view(obj), self.settings)
        return key in keys if keys else wanted.vip is None

    def _write_status(
        self,
        obj: Mapping[str, Any],
        wanted: Wanted,
        notes: list[str] | None = None,
        *,
        patch: dict[str, Any] | None = None,
    ) -> None:
        """Patch the Service's status if it differs (``patch``: the difference, already
        computed); a changed VIP is noted in ``notes`` (or logged at once without). The patch
        names the resourceVersion it was computed from: if the Service changed on the server
        since (the cache had not seen it yet), the API server refuses it (409) and the key is
        retried over the newer version instead of writing a status planned for the old one."""
        if patch is None:
            patch = status_patch(obj, wanted)
            if patch is None:
                return
        metadata = obj.get("metadata") or {}
        namespace, name = str(metadata.get("namespace")), str(metadata.get("name"))
        rv = metadata.get("resourceVersion")
        if rv:
            patch = {**patch, "metadata": {"resourceVersion": rv}}
        try:
            result = self.kube.patch_service_status(namespace, name, patch)
        except KubeError as exc:
            if exc.status == 404:
                return
            error = "Conflict" if exc.status == 409 else "KubeError"
            raise RetryLater(f"status of {namespace}/{name}: {exc}", error=error) from exc
        self._wrote("service_status")
        ips = [
            str(i.get("ip"))
            for i in ((patch["status"].get("loadBalancer") or {}).get("ingress") or [])
        ]
        if "loadBalancer" in patch["status"]:
            note = f"Service {namespace}/{name} status: {', '.join(ips) or '<pending>'}"
            if notes is None:
                log.info("%s", note)
            else:
                notes.append(note)
        if result:
            self.cluster.note_service(result)

    def _event(
        self,
        obj: Mapping[str, Any],
        event_type: str,
        reason: str,
        message: str,
        *,
        once: bool = False,
    ) -> None:
        ref = ObjectRef.of(obj)
        try:
            self.recorder.record(ref, event_type, reason, message, once=once)
        except KubeError as exc:
            log.warning("cannot record event %s on %s: %s", reason, ref.name, exc)

    def _wrote(self, kind: str) -> None:
        if self._on_k8s_write is not None:
            self._on_k8s_write(kind)

    # -- per-Service chores ---------------------------------------------------------------------
    def reconcile_service(self, namespace: str, name: str) -> None:
        obj = self.cluster.service(namespace, name)
        if obj is None:
            return
        view = ServiceView.from_k8s(obj)
        warning = grouping.ignored_annotation_warning(view)
        if warning is not None:
            self._event(obj, WARNING, warning.reason, warning.message, once=True)
        if not grouping.keys_for_service(view, self.settings) and current_condition(obj):
            self._write_status(obj, Wanted(None, None, keep_ingress=True))

    def record_member_warnings(self, resolution: Resolution) -> None:
        """Informational warnings on configured members (e.g. a rejected AviInfraSetting)."""
        members = {svc.name for svc in resolution.members}
        for warning in resolution.warnings:
            if warning.service.name not in members:
                continue
            obj = self.cluster.service(warning.service.namespace, warning.service.name)
            if obj is not None:
                self._event(obj, WARNING, warning.reason, warning.message, once=True)
