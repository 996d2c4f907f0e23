"""The StatefulSet controller: Pods ``<name>-0`` … ``<name>-(N-1)``, in order, and scale.

With ``podManagementPolicy: OrderedReady`` (the default) Pod i is created only once Pods
0..i-1 are Running and Ready, and scaling down removes the highest ordinal first, one at a
time; ``Parallel`` creates and deletes them all at once. Pods carry
``statefulset.kubernetes.io/pod-name``, ``apps.kubernetes.io/pod-index`` and
``controller-revision-hash``, ``hostname`` and ``subdomain`` (``serviceName``). A changed
template rolls the Pods from the highest ordinal down (RollingUpdate; OnDelete waits for the
user). No PersistentVolumeClaims and no ControllerRevision objects are made.
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
    template_hash,
)
from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

KEY = "statefulsets.apps"
REVISION_LABEL = "controller-revision-hash"


class StatefulSetController:
    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.api = owner.api

    def handle(self, changes: list[Change]) -> None:
        for ns, name in owners_to_sync(changes, KEY, "StatefulSet"):
            self.sync(ns, name)

    def sync(self, namespace: str, name: str) -> None:
        sts = self.api.store.get(KEY, namespace, name)
        if sts is None:
            return
        spec = sts.get("spec") or {}
        uid = str(sts["metadata"].get("uid"))
        replicas = int(spec.get("replicas", 1))
        revision = f"{name}-{template_hash(spec.get('template') or {})}"
        pods: dict[int, dict[str, Any]] = {}
        for key, ns, pname in self.owner.owners.of(uid, "pods"):
            pod = self.api.store.get(key, ns, pname)
            ref = controller_ref(pod) if pod else None
            if pod is None or ref is None or ref.get("uid") != uid:
                continue
            suffix = pname[len(name) + 1 :]
            if pname.startswith(f"{name}-") and suffix.isdigit():
                pods[int(suffix)] = pod
        parallel = spec.get("podManagementPolicy") == "Parallel"
        pod_rt = self.api.registry.lookup("", "v1", "pods")
        if not sts["metadata"].get("deletionTimestamp"):
            for i in range(replicas):
                pod = pods.get(i)
                if pod is None:
                    with contextlib.suppress(ApiError):
                        pods[i] = dict(
                            self.api.create(pod_rt, namespace, self._pod(sts, i, revision))
                        )
                    if not parallel:
                        break
                elif not parallel and not (pod_active(pod) and pod_ready(pod)):
                    break
            extra = sorted((i for i in pods if i >= replicas), reverse=True)
            for i in extra:
                pod = pods[i]
                if not pod["metadata"].get("deletionTimestamp"):
                    with contextlib.suppress(ApiError):
                        self.api.delete(pod_rt, namespace, pod["metadata"]["name"])
                if not parallel:
                    break
            strategy = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
            if strategy == "RollingUpdate" and not extra:
                self._roll(pods, replicas, revision, namespace)
        self._status(namespace, name, revision)

    def _roll(
        self, pods: dict[int, dict[str, Any]], replicas: int, revision: str, namespace: str
    ) -> None:
        current = [
            self.api.store.get("pods", namespace, p["metadata"]["name"]) for p in pods.values()
        ]
        if any(
            p is None or not pod_ready(p) or p["metadata"].get("deletionTimestamp") for p in current
        ):
            return  # one at a time, and only while all are Ready
        for i in sorted((i for i in pods if i < replicas), reverse=True):
            pod = pods[i]
            if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) != revision:
                pod_rt = self.api.registry.lookup("", "v1", "pods")
                with contextlib.suppress(ApiError):
                    self.api.delete(pod_rt, namespace, pod["metadata"]["name"])
                return

    @staticmethod
    def _pod(sts: dict[str, Any], index: int, revision: str) -> dict[str, Any]:
        name = f"{sts['metadata']['name']}-{index}"
        pod = pod_from_template(
            (sts.get("spec") or {}).get("template") or {},
            sts,
            name=name,
            extra_labels={
                "statefulset.kubernetes.io/pod-name": name,
                "apps.kubernetes.io/pod-index": str(index),
                REVISION_LABEL: revision,
            },
        )
        pod["spec"]["hostname"] = name
        service = (sts.get("spec") or {}).get("serviceName")
        if service:
            pod["spec"]["subdomain"] = service
        return pod

    def _status(self, namespace: str, name: str, revision: str) -> None:
        sts = self.api.store.get(KEY, namespace, name)
        if sts is None:
            return
        uid = str(sts["metadata"].get("uid"))
        active = []
        for key, ns, pname in self.owner.owners.of(uid, "pods"):
            pod = self.api.store.get(key, ns, pname)
            if pod is not None and pod_active(pod):
                active.append(pod)
        ready = sum(1 for p in active if pod_ready(p))
        updated = sum(
            1 for p in active if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == revision
        )
        status: dict[str, Any] = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(active),
            "readyReplicas": ready,
            "currentReplicas": updated,
            "updatedReplicas": updated,
            "availableReplicas": ready,
            "currentRevision": revision,
            "updateRevision": revision,
            "collisionCount": 0,
        }
        for k in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if not status[k]:
                del status[k]
        if status == sts.get("status"):
            return
        new = copy.deepcopy(sts)
        new["status"] = status
        rt = self.api.registry.lookup("apps", "v1", "statefulsets")
        with contextlib.suppress(ApiError):
            self.api.update(rt, namespace, name, new, status=True, expect_rv=False)
