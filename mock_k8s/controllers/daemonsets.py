"""The DaemonSet controller: one Pod per node that can run it.

A node qualifies when it matches the template's nodeSelector / required node affinity and
its NoSchedule/NoExecute taints are tolerated, counting the tolerations upstream adds to every
daemon Pod (not-ready, unreachable, disk/memory/pid pressure, unschedulable, network
unavailable), so a cordoned or NotReady node keeps its daemon Pod as in a real cluster. Each
Pod is pinned with required node affinity on ``metadata.name`` (the scheduler binds it) and
owned by the DaemonSet; Pods on nodes that no longer qualify, or extra ones, are deleted.
Status: desired/current/ready/available/updated numbers and observedGeneration.
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
from mock_k8s.controllers.scheduler import matches_node, untolerated_taint
from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

KEY = "daemonsets.apps"
HASH_LABEL = "controller-revision-hash"
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
# the taints by condition are NoSchedule here: tolerate those too
DAEMON_TOLERATIONS += [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoSchedule"},
]


class DaemonSetController:
    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.api = owner.api

    def handle(self, changes: list[Change]) -> None:
        todo = owners_to_sync(changes, KEY, "DaemonSet")
        nodes_changed = any(ch.key == "nodes" for ch in changes)
        if nodes_changed:
            for ds in self.api.store.objects(KEY):
                todo[(str(ds["metadata"].get("namespace", "")), str(ds["metadata"]["name"]))] = None
        for ns, name in todo:
            self.sync(ns, name)

    @staticmethod
    def _pod_template(ds: dict[str, Any]) -> dict[str, Any]:
        tmpl = copy.deepcopy((ds.get("spec") or {}).get("template") or {})
        spec = tmpl.setdefault("spec", {})
        tolerations = list(spec.get("tolerations") or [])
        for t in DAEMON_TOLERATIONS:
            if t not in tolerations:
                tolerations.append(dict(t))
        spec["tolerations"] = tolerations
        return tmpl

    def _target(self, node: dict[str, Any], tmpl: dict[str, Any]) -> bool:
        probe = {"metadata": {}, "spec": tmpl.get("spec") or {}}
        if node["metadata"].get("deletionTimestamp"):
            return False
        return matches_node(probe, node) and untolerated_taint(probe, node) is None

    def sync(self, namespace: str, name: str) -> None:
        ds = self.api.store.get(KEY, namespace, name)
        if ds is None:
            return
        uid = str(ds["metadata"].get("uid"))
        tmpl = self._pod_template(ds)
        revision = template_hash((ds.get("spec") or {}).get("template") or {})
        by_node: dict[str, list[dict[str, Any]]] = {}
        for key, ns, pname in self.owner.owners.of(uid, "pods"):
            pod = self.api.store.get(key, ns, pname)
            ref = controller_ref(pod) if pod else None
            if pod is None or ref is None or ref.get("uid") != uid or not pod_active(pod):
                continue
            by_node.setdefault(self._pinned(pod), []).append(pod)
        pod_rt = self.api.registry.lookup("", "v1", "pods")
        targets = [
            n["metadata"]["name"] for n in self.api.store.objects("nodes") if self._target(n, tmpl)
        ]
        if not ds["metadata"].get("deletionTimestamp"):
            for node in targets:
                pods = by_node.get(node, [])
                stale = [
                    p
                    for p in pods
                    if (p["metadata"].get("labels") or {}).get(HASH_LABEL) != revision
                ]
                for pod in pods[1:] + ([p for p in pods[:1] if p in stale]):
                    with contextlib.suppress(ApiError):
                        self.api.delete(pod_rt, namespace, pod["metadata"]["name"])
                if not pods or pods[0] in stale:
                    body = self._pod(ds, tmpl, node, revision)
                    with contextlib.suppress(ApiError):
                        self.api.create(pod_rt, namespace, body)
            for node, pods in by_node.items():
                if node in targets:
                    continue
                for pod in pods:
                    with contextlib.suppress(ApiError):
                        self.api.delete(pod_rt, namespace, pod["metadata"]["name"])
        self._status(namespace, name, targets, revision)

    @staticmethod
    def _pinned(pod: dict[str, Any]) -> str:
        spec = pod.get("spec") or {}
        if spec.get("nodeName"):
            return str(spec["nodeName"])
        terms = (
            ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
                "requiredDuringSchedulingIgnoredDuringExecution"
            )
            or {}
        ).get("nodeSelectorTerms") or []
        for term in terms:
            for f in term.get("matchFields") or []:
                if f.get("key") == "metadata.name" and f.get("values"):
                    return str(f["values"][0])
        return ""

    @staticmethod
    def _pod(ds: dict[str, Any], tmpl: dict[str, Any], node: str, revision: str) -> dict[str, Any]:
        pod = pod_from_template(
            tmpl,
            ds,
            generate_name=f"{ds['metadata']['name']}-",
            extra_labels={
                HASH_LABEL: revision,
                "pod-template-generation": str(ds["metadata"].get("generation", 1)),
            },
        )
        pod["spec"]["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchFields": [
                                {"key": "metadata.name", "operator": "In", "values": [node]}
                            ]
                        }
                    ]
                }
            }
        }
        return pod

    def _status(self, namespace: str, name: str, targets: list[str], revision: str) -> None:
        ds = self.api.store.get(KEY, namespace, name)
        if ds is None:
            return
        uid = str(ds["metadata"].get("uid"))
        scheduled: dict[str, dict[str, Any]] = {}
        for key, ns, pname in self.owner.owners.of(uid, "pods"):
            pod = self.api.store.get(key, ns, pname)
            if pod is not None and pod_active(pod):
                node = (pod.get("spec") or {}).get("nodeName")
                if node:
                    scheduled[str(node)] = pod
        on_target = [n for n in targets if n in scheduled]
        ready = sum(1 for n in on_target if pod_ready(scheduled[n]))
        updated = sum(
            1
            for n in on_target
            if (scheduled[n]["metadata"].get("labels") or {}).get(HASH_LABEL) == revision
        )
        status: dict[str, Any] = {
            "currentNumberScheduled": len(on_target),
            "numberMisscheduled": len([n for n in scheduled if n not in targets]),
            "desiredNumberScheduled": len(targets),
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
            "updatedNumberScheduled": updated,
            "numberAvailable": ready,
            "numberUnavailable": len(targets) - ready,
        }
        for k in ("updatedNumberScheduled", "numberAvailable", "numberUnavailable"):
            if not status[k]:
                del status[k]
        if status == ds.get("status"):
            return
        new = copy.deepcopy(ds)
        new["status"] = status
        rt = self.api.registry.lookup("apps", "v1", "daemonsets")
        with contextlib.suppress(ApiError):
            self.api.update(rt, namespace, name, new, status=True, expect_rv=False)
