"""The ReplicaSet controller: keeps ``spec.replicas`` Pods of each ReplicaSet, and its status.

Pods are made from the template (``generateName: <rs>-``, a controller ownerReference to the
ReplicaSet); extra Pods go in upstream's order (``ActivePods``: unscheduled before scheduled,
Pending before Running, not Ready before Ready, more restarts first, newest first). Pods that
are terminating or finished do not count. Status: replicas, fullyLabeledReplicas,
readyReplicas, availableReplicas (minReadySeconds is not simulated: Ready is available) and
observedGeneration. Runs inside the write that triggered it, through the API object.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from mock_k8s.controllers.podutil import (
    controller_ref,
    owners_to_sync,
    pod_active,
    pod_from_template,
    pod_ready,
)
from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

KEY = "replicasets.apps"


def deletion_rank(pod: dict[str, Any]) -> tuple[Any, ...]:
    """Sort key: the Pods to delete first come first (upstream ``ActivePods.Less``)."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(str(status.get("phase")), 1)
    restarts = sum(
        int(c.get("restartCount", 0))
        for c in status.get("containerStatuses") or []
        if isinstance(c, dict)
    )
    created = str(pod["metadata"].get("creationTimestamp", ""))
    return (
        1 if spec.get("nodeName") else 0,
        phase_rank,
        1 if pod_ready(pod) else 0,
        -restarts,
        tuple(-ord(ch) for ch in created),  # newer first
        pod["metadata"]["name"],
    )


class ReplicaSetController:
    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.api = owner.api

    def handle(self, changes: list[Change]) -> None:
        for ns, name in owners_to_sync(changes, KEY, "ReplicaSet"):
            self.sync(ns, name)

    def owned_pods(self, rs: dict[str, Any]) -> list[dict[str, Any]]:
        uid = str(rs["metadata"].get("uid"))
        out = []
        for key, ns, name in self.owner.owners.of(uid, "pods"):
            pod = self.api.store.get(key, ns, name)
            ref = controller_ref(pod) if pod else None
            if pod is not None and ref is not None and ref.get("uid") == uid:
                out.append(pod)
        return out

    def sync(self, namespace: str, name: str) -> None:
        rs = self.api.store.get(KEY, namespace, name)
        if rs is None:
            return
        spec = rs.get("spec") or {}
        pods = self.owned_pods(rs)
        active = [p for p in pods if pod_active(p)]
        if not rs["metadata"].get("deletionTimestamp"):
            want = int(spec.get("replicas", 1))
            if len(active) < want:
                pod_rt = self.api.registry.lookup("", "v1", "pods")
                for _ in range(want - len(active)):
                    body = pod_from_template(
                        spec.get("template") or {}, rs, generate_name=f"{name}-"
                    )
                    try:
                        active.append(self.api.create(pod_rt, namespace, body))
                    except ApiError:
                        break
            elif len(active) > want:
                pod_rt = self.api.registry.lookup("", "v1", "pods")
                doomed = sorted(active, key=deletion_rank)[: len(active) - want]
                for pod in doomed:
                    try:
                        self.api.delete(pod_rt, namespace, pod["metadata"]["name"])
                    except ApiError:
                        continue
                active = [p for p in self.owned_pods(rs) if pod_active(p)]
        self._status(rs, active)

    def _status(self, rs: dict[str, Any], active: list[dict[str, Any]]) -> None:
        current = self.api.store.get(
            KEY, rs["metadata"].get("namespace", ""), rs["metadata"]["name"]
        )
        if current is None:
            return
        labels = ((current.get("spec") or {}).get("template") or {}).get("metadata") or {}
        tlabels = labels.get("labels") or {}
        ready = sum(1 for p in active if pod_ready(p))
        status: dict[str, Any] = {
            "replicas": len(active),
            "fullyLabeledReplicas": sum(
                1
                for p in active
                if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in tlabels.items())
            ),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": current["metadata"].get("generation", 1),
        }
        for k in ("readyReplicas", "availableReplicas", "fullyLabeledReplicas"):
            if not status[k]:
                del status[k]
        if status == current.get("status"):
            return
        new = copy.deepcopy(current)
        new["status"] = status
        rt = self.api.registry.lookup("apps", "v1", "replicasets")
        with contextlib.suppress(ApiError):
            self.api.update(
                rt,
                current["metadata"].get("namespace", ""),
                current["metadata"]["name"],
                new,
                status=True,
                expect_rv=False,
            )
