"""The Deployment controller: ReplicaSets per pod template, rolling updates, revisions, status.

As kube-controller-manager's: the ReplicaSet of the current template is named
``<deployment>-<pod-template-hash>`` and carries the ``pod-template-hash`` label in its
selector and template; every ReplicaSet has ``deployment.kubernetes.io/revision`` (the new one
takes the next revision, also when an old template comes back: ``rollout undo``), plus
``desired-replicas`` and ``max-replicas``. RollingUpdate follows ``rolling.go``: the new
ReplicaSet grows while all Pods stay within replicas + maxSurge, old ones shrink while
available Pods stay at least replicas - maxUnavailable (unhealthy old Pods go first);
Recreate empties the old ReplicaSets before the new one grows. Old ReplicaSets beyond
``revisionHistoryLimit`` are deleted once empty. Status (observedGeneration, replicas,
updated/ready/available/unavailable, conditions Available and Progressing) is what
``kubectl rollout status`` reads. ``spec.paused`` stops the rollout (scaling still applies).
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from mock_k8s.controllers.podutil import (
    controller_ref,
    now_rfc3339,
    owner_ref,
    resolve_int_or_percent,
    set_condition,
    strip_hash_label,
    template_hash,
)
from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

KEY = "deployments.apps"
RS_KEY = "replicasets.apps"
HASH_LABEL = "pod-template-hash"
ANN_REVISION = "deployment.kubernetes.io/revision"
ANN_DESIRED = "deployment.kubernetes.io/desired-replicas"
ANN_MAX = "deployment.kubernetes.io/max-replicas"
ANN_HISTORY = "deployment.kubernetes.io/revision-history"
RS_SKIP_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", ANN_REVISION)


def revision(rs: dict[str, Any]) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(ANN_REVISION, "0"))
    except ValueError:
        return 0


def _replicas(obj: dict[str, Any]) -> int:
    value = (obj.get("spec") or {}).get("replicas", 1)
    return int(value) if isinstance(value, int) else 1


def _status_int(obj: dict[str, Any], field: str) -> int:
    value = (obj.get("status") or {}).get(field, 0)
    return int(value) if isinstance(value, int) else 0


def surge_and_unavailable(d: dict[str, Any]) -> tuple[int, int]:
    """``MaxSurge`` / ``MaxUnavailable`` of a RollingUpdate Deployment (never both 0)."""
    spec = d.get("spec") or {}
    strategy = spec.get("strategy") or {}
    if strategy.get("type") != "RollingUpdate":
        return 0, 0
    ru = strategy.get("rollingUpdate") or {}
    replicas = _replicas(d)
    surge = resolve_int_or_percent(ru.get("maxSurge", "25%"), replicas, True)
    unavailable = resolve_int_or_percent(ru.get("maxUnavailable", "25%"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, replicas)


class DeploymentController:
    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.api = owner.api

    def handle(self, changes: list[Change]) -> None:
        todo: dict[tuple[str, str], None] = {}
        for ch in changes:
            ns = str(ch.obj["metadata"].get("namespace", ""))
            if ch.key == KEY:
                if ch.type != "DELETED":
                    todo[(ns, str(ch.obj["metadata"]["name"]))] = None
            elif ch.key == "pods" and ch.type == "DELETED":
                # Recreate waits for the old Pods to be gone, not only scaled away
                ref = controller_ref(ch.obj)
                if ref is not None and ref.get("kind") == "ReplicaSet":
                    rs = self.api.store.get(RS_KEY, ns, str(ref.get("name")))
                    owner = controller_ref(rs) if rs else None
                    if owner is not None and owner.get("kind") == "Deployment":
                        todo[(ns, str(owner.get("name")))] = None
            elif ch.key == RS_KEY:
                for obj in (ch.obj, ch.old):
                    ref = controller_ref(obj) if obj else None
                    if ref is not None and ref.get("kind") == "Deployment":
                        todo[(ns, str(ref.get("name")))] = None
        for ns, name in todo:
            self.sync(ns, name)

    # ---- helpers ---------------------------------------------------------------------------
    def _rs_rt(self) -> Any:
        return self.api.registry.lookup("apps", "v1", "replicasets")

    def owned(self, d: dict[str, Any]) -> list[dict[str, Any]]:
        uid = str(d["metadata"].get("uid"))
        out = []
        for key, ns, name in self.owner.owners.of(uid, RS_KEY):
            rs = self.api.store.get(key, ns, name)
            ref = controller_ref(rs) if rs else None
            if rs is not None and ref is not None and ref.get("uid") == uid:
                out.append(rs)
        return out

    def _scale(self, d: dict[str, Any], rs: dict[str, Any], replicas: int) -> dict[str, Any]:
        surge, _ = surge_and_unavailable(d)
        want = _replicas(d)
        ann = dict(rs["metadata"].get("annotations") or {})
        size_changed = _replicas(rs) != replicas
        ann_changed = ann.get(ANN_DESIRED) != str(want) or ann.get(ANN_MAX) != str(want + surge)
        if not size_changed and not ann_changed:
            return rs
        new = copy.deepcopy(rs)
        ann[ANN_DESIRED] = str(want)
        ann[ANN_MAX] = str(want + surge)
        new["metadata"]["annotations"] = ann
        new["spec"]["replicas"] = replicas
        try:
            updated = dict(
                self.api.update(
                    self._rs_rt(),
                    rs["metadata"]["namespace"],
                    rs["metadata"]["name"],
                    new,
                    expect_rv=False,
                )
            )
        except ApiError:
            return rs
        if size_changed:
            verb = "up" if replicas > _replicas(rs) else "down"
            self.owner.event(
                d,
                "Normal",
                "ScalingReplicaSet",
                f"Scaled {verb} replica set {rs['metadata']['name']} from {_replicas(rs)} to "
                f"{replicas}",
                "deployment-controller",
            )
        return updated

    def _new_rs(
        self, d: dict[str, Any], rss: list[dict[str, Any]], max_rev: int
    ) -> tuple[dict[str, Any] | None, bool]:
        """The ReplicaSet of the current template (created when missing) and whether it is new."""
        tmpl = (d.get("spec") or {}).get("template") or {}
        wanted = strip_hash_label(tmpl)
        for rs in rss:
            if strip_hash_label((rs.get("spec") or {}).get("template") or {}) == wanted:
                if revision(rs) <= max_rev:
                    rs = self._set_revision(rs, max_rev + 1)
                return rs, False
        collisions = int((d.get("status") or {}).get("collisionCount", 0) or 0)
        ns, dname = d["metadata"]["namespace"], d["metadata"]["name"]
        for attempt in range(collisions, collisions + 10):
            pth = template_hash(wanted, attempt)
            name = f"{dname}-{pth}"
            if self.api.store.get(RS_KEY, ns, name) is None:
                break
        else:
            return None, False
        rs_tmpl = copy.deepcopy(tmpl)
        rs_tmpl.setdefault("metadata", {})
        rs_tmpl["metadata"]["labels"] = {
            **(rs_tmpl["metadata"].get("labels") or {}),
            HASH_LABEL: pth,
        }
        selector = copy.deepcopy((d.get("spec") or {}).get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pth}
        surge, _ = surge_and_unavailable(d)
        ann = {
            k: v
            for k, v in (d["metadata"].get("annotations") or {}).items()
            if k not in RS_SKIP_ANNOTATIONS
        }
        ann.update(
            {
                ANN_DESIRED: str(_replicas(d)),
                ANN_MAX: str(_replicas(d) + surge),
                ANN_REVISION: str(max_rev + 1),
            }
        )
        body = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": dict(rs_tmpl["metadata"]["labels"]),
                "annotations": ann,
                "ownerReferences": [owner_ref(d)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": (d.get("spec") or {}).get("minReadySeconds", 0),
                "selector": selector,
                "template": rs_tmpl,
            },
        }
        try:
            created = dict(self.api.create(self._rs_rt(), ns, body))
        except ApiError:
            return None, False
        return created, True

    def _set_revision(self, rs: dict[str, Any], rev: int) -> dict[str, Any]:
        new = copy.deepcopy(rs)
        ann = dict(new["metadata"].get("annotations") or {})
        old = ann.get(ANN_REVISION)
        if old:
            history = [h for h in ann.get(ANN_HISTORY, "").split(",") if h] + [old]
            ann[ANN_HISTORY] = ",".join(history)
        ann[ANN_REVISION] = str(rev)
        new["metadata"]["annotations"] = ann
        try:
            return dict(
                self.api.update(
                    self._rs_rt(),
                    rs["metadata"]["namespace"],
                    rs["metadata"]["name"],
                    new,
                    expect_rv=False,
                )
            )
        except ApiError:
            return rs

    # ---- sync ------------------------------------------------------------------------------
    def sync(self, namespace: str, name: str) -> None:
        d = self.api.store.get(KEY, namespace, name)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        rss = self.owned(d)
        wanted = strip_hash_label((d.get("spec") or {}).get("template") or {})
        max_rev = max(
            (
                revision(rs)
                for rs in rss
                if strip_hash_label((rs.get("spec") or {}).get("template") or {}) != wanted
            ),
            default=0,
        )
        new_rs, created = self._new_rs(d, rss, max_rev)
        if new_rs is None:
            return
        olds = [rs for rs in rss if rs["metadata"]["uid"] != new_rs["metadata"]["uid"]]
        spec = d.get("spec") or {}
        replicas = _replicas(d)
        if not spec.get("paused"):
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                self._recreate(d, new_rs, olds, replicas)
            else:
                self._rolling(d, new_rs, olds, replicas)
        elif not any(_replicas(rs) for rs in olds):
            self._scale(d, new_rs, replicas)
        self._cleanup(d)
        self._annotate(
            d, revision(self.api.store.get(RS_KEY, namespace, new_rs["metadata"]["name"]) or new_rs)
        )
        self._status(namespace, name, new_rs["metadata"]["name"], created)

    def _fresh(self, rs: dict[str, Any]) -> dict[str, Any]:
        return self.api.store.get(RS_KEY, rs["metadata"]["namespace"], rs["metadata"]["name"]) or rs

    def _recreate(
        self, d: dict[str, Any], new_rs: dict[str, Any], olds: list[dict[str, Any]], replicas: int
    ) -> None:
        for rs in olds:
            if _replicas(rs):
                self._scale(d, rs, 0)
        for rs in olds:
            for pod in self.owner.replicasets.owned_pods(rs):
                if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                    return  # an old Pod still runs (terminating ones too, as upstream waits)
        self._scale(d, new_rs, replicas)

    def _rolling(
        self, d: dict[str, Any], new_rs: dict[str, Any], olds: list[dict[str, Any]], replicas: int
    ) -> None:
        surge, max_unavailable = surge_and_unavailable(d)
        active_olds = [rs for rs in olds if _replicas(rs) > 0]
        if not active_olds:
            self._scale(d, new_rs, replicas)
            return
        # reconcileNewReplicaSet
        new_count = _replicas(new_rs)
        if new_count > replicas:
            new_rs = self._scale(d, new_rs, replicas)
        elif new_count < replicas:
            current = sum(_replicas(rs) for rs in olds) + new_count
            room = replicas + surge - current
            if room > 0:
                new_rs = self._scale(d, new_rs, new_count + min(room, replicas - new_count))
        # reconcileOldReplicaSets
        olds = [self._fresh(rs) for rs in olds]
        new_rs = self._fresh(new_rs)
        all_count = sum(_replicas(rs) for rs in olds) + _replicas(new_rs)
        min_available = replicas - max_unavailable
        new_unavailable = _replicas(new_rs) - _status_int(new_rs, "availableReplicas")
        max_down = all_count - min_available - new_unavailable
        if max_down <= 0:
            return
        # cleanupUnhealthyReplicas: old Pods that are not available go first
        cleaned = 0
        for rs in sorted(olds, key=lambda r: r["metadata"].get("creationTimestamp", "")):
            if cleaned >= max_down:
                break
            unhealthy = _replicas(rs) - _status_int(rs, "availableReplicas")
            if _replicas(rs) == 0 or unhealthy <= 0:
                continue
            down = min(max_down - cleaned, unhealthy)
            self._scale(d, rs, _replicas(rs) - down)
            cleaned += down
        max_down -= cleaned
        if max_down <= 0:
            return
        # scaleDownOldReplicaSetsForRollingUpdate
        olds = [self._fresh(rs) for rs in olds]
        available = sum(_status_int(rs, "availableReplicas") for rs in olds)
        available += _status_int(self._fresh(new_rs), "availableReplicas")
        total = min(available - min_available, max_down)
        for rs in sorted(olds, key=lambda r: r["metadata"].get("creationTimestamp", "")):
            if total <= 0:
                break
            if _replicas(rs) == 0:
                continue
            down = min(_replicas(rs), total)
            self._scale(d, rs, _replicas(rs) - down)
            total -= down

    def _cleanup(self, d: dict[str, Any]) -> None:
        limit = (d.get("spec") or {}).get("revisionHistoryLimit", 10)
        if not isinstance(limit, int):
            return
        current_tmpl = strip_hash_label((d.get("spec") or {}).get("template") or {})
        rss = self.owned(d)
        olds = [
            rs
            for rs in rss
            if strip_hash_label((rs.get("spec") or {}).get("template") or {}) != current_tmpl
            and not rs["metadata"].get("deletionTimestamp")
        ]
        olds.sort(key=revision)
        extra = len(olds) - limit
        for rs in olds:
            if extra <= 0:
                break
            if _replicas(rs) or _status_int(rs, "replicas"):
                continue
            try:
                self.api.delete(self._rs_rt(), rs["metadata"]["namespace"], rs["metadata"]["name"])
            except ApiError:
                continue
            extra -= 1

    def _annotate(self, d: dict[str, Any], rev: int) -> None:
        current = self.api.store.get(KEY, d["metadata"]["namespace"], d["metadata"]["name"])
        if current is None:
            return
        ann = dict(current["metadata"].get("annotations") or {})
        if ann.get(ANN_REVISION) == str(rev):
            return
        ann[ANN_REVISION] = str(rev)
        new = copy.deepcopy(current)
        new["metadata"]["annotations"] = ann
        rt = self.api.registry.lookup("apps", "v1", "deployments")
        with contextlib.suppress(ApiError):
            self.api.update(
                rt, d["metadata"]["namespace"], d["metadata"]["name"], new, expect_rv=False
            )

    def _status(self, namespace: str, name: str, new_name: str, created: bool) -> None:
        d = self.api.store.get(KEY, namespace, name)
        if d is None:
            return
        rss = self.owned(d)
        new_rs = next((rs for rs in rss if rs["metadata"]["name"] == new_name), None)
        replicas = _replicas(d)
        _, max_unavailable = surge_and_unavailable(d)
        total = sum(_status_int(rs, "replicas") for rs in rss)
        updated = _status_int(new_rs, "replicas") if new_rs else 0
        ready = sum(_status_int(rs, "readyReplicas") for rs in rss)
        available = sum(_status_int(rs, "availableReplicas") for rs in rss)
        old = d.get("status") or {}
        conds = [c for c in old.get("conditions") or [] if isinstance(c, dict)]
        now = now_rfc3339()
        if available >= replicas - max_unavailable:
            conds = set_condition(
                conds,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                now=now,
                update_time=True,
            )
        else:
            conds = set_condition(
                conds,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now=now,
                update_time=True,
            )
        complete = updated == replicas and available == replicas and total == replicas
        if complete:
            reason, msg = (
                "NewReplicaSetAvailable",
                f'ReplicaSet "{new_name}" has successfully progressed.',
            )
        elif created:
            reason, msg = "NewReplicaSetCreated", f'Created new replica set "{new_name}"'
        else:
            reason, msg = "ReplicaSetUpdated", f'ReplicaSet "{new_name}" is progressing.'
        prev = next((c for c in conds if c.get("type") == "Progressing"), None)
        conds = set_condition(conds, "Progressing", "True", reason, msg, now=now, update_time=True)
        if prev is not None and prev.get("reason") == reason and prev.get("message") == msg:
            conds = [prev if c.get("type") == "Progressing" else c for c in conds]
        order = {"Available": 0, "Progressing": 1}
        conds.sort(key=lambda c: order.get(str(c.get("type")), 2))
        status: dict[str, Any] = {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": max(replicas - available, 0),
            "conditions": conds,
        }
        if old.get("collisionCount"):
            status["collisionCount"] = old["collisionCount"]
        for k in (
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
        ):
            if not status[k]:
                del status[k]
        if _same_status(status, old):
            return
        new = copy.deepcopy(d)
        new["status"] = status
        rt = self.api.registry.lookup("apps", "v1", "deployments")
        with contextlib.suppress(ApiError):
            self.api.update(rt, namespace, name, new, status=True, expect_rv=False)


def _same_status(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for condition timestamps (a heartbeat alone is not worth a write)."""

    def strip(s: dict[str, Any]) -> dict[str, Any]:
        out = dict(s)
        out["conditions"] = [
            {k: v for k, v in c.items() if k not in ("lastUpdateTime", "lastTransitionTime")}
            for c in s.get("conditions") or []
        ]
        return out

    return strip(a) == strip(b)
