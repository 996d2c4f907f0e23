"""The scheduler: binds each pending Pod to a node, as kube-scheduler's default plugins decide.

Filters, in upstream's words: NodeUnschedulable ("node(s) were unschedulable", a cordoned
node), NodeAffinity ("node(s) didn't match Pod's node affinity/selector": ``nodeSelector`` and
required ``nodeAffinity`` terms with matchExpressions on labels and matchFields on
``metadata.name``), TaintToleration ("node(s) had untolerated taint {key: value}", for
NoSchedule and NoExecute taints; a NotReady node carries ``node.kubernetes.io/unreachable``),
NodeResourcesFit ("Too many pods", past the node's ``allocatable.pods``). Among the nodes left
it spreads: the one with the fewest Pods, then by name. A Pod that fits nowhere stays Pending
with ``PodScheduled=False`` (reason Unschedulable) and a Warning ``FailedScheduling`` Event
with the real scheduler's text, and is tried again whenever a node changes or a Pod goes.
Pods that name a node (``spec.nodeName``) or another scheduler are not touched.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from mock_k8s.controllers.podutil import now_rfc3339, set_condition
from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

R_UNSCHEDULABLE = "node(s) were unschedulable"
R_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
R_TAINT = "node(s) had untolerated taint {{{key}: {value}}}"
R_TOO_MANY = "Too many pods"


def _tolerates(tolerations: list[Any], taint: dict[str, Any]) -> bool:
    for t in tolerations:
        if not isinstance(t, dict):
            continue
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        op = t.get("operator", "Equal")
        if not t.get("key"):
            if op == "Exists":
                return True
            continue
        if t.get("key") != taint.get("key"):
            continue
        if op == "Exists" or str(t.get("value", "")) == str(taint.get("value", "")):
            return True
    return False


def untolerated_taint(pod: dict[str, Any], node: dict[str, Any]) -> dict[str, Any] | None:
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    for taint in (node.get("spec") or {}).get("taints") or []:
        if not isinstance(taint, dict) or taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not _tolerates(tolerations, taint):
            return taint
    return None


def _expr_matches(expr: dict[str, Any], value: str | None) -> bool:
    op = expr.get("operator")
    values = [str(v) for v in expr.get("values") or []]
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and values:
        try:
            a, b = int(value), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def matches_node(pod: dict[str, Any], node: dict[str, Any]) -> bool:
    """nodeSelector and the required nodeAffinity terms (one term of them must match)."""
    spec = pod.get("spec") or {}
    labels = node["metadata"].get("labels") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms")
    if not required:
        return True
    fields = {"metadata.name": node["metadata"]["name"]}
    for term in required:
        if not isinstance(term, dict):
            continue
        exprs = term.get("matchExpressions") or []
        mfields = term.get("matchFields") or []
        if not exprs and not mfields:
            continue
        if all(_expr_matches(e, labels.get(e.get("key"))) for e in exprs) and all(
            _expr_matches(e, fields.get(str(e.get("key")))) for e in mfields
        ):
            return True
    return False


def max_pods(node: dict[str, Any]) -> int:
    """``status.allocatable.pods`` (110, the kubelet's default, when not given)."""
    value = ((node.get("status") or {}).get("allocatable") or {}).get("pods", 110)
    try:
        return int(str(value))
    except ValueError:
        return 110


def filter_reason(pod: dict[str, Any], node: dict[str, Any], pods_on_node: int = 0) -> str | None:
    """Why ``node`` cannot take ``pod`` (upstream's text), or None when it fits."""
    if (node.get("spec") or {}).get("unschedulable"):
        tolerations = (pod.get("spec") or {}).get("tolerations") or []
        cordon = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
        if not _tolerates(tolerations, cordon):
            return R_UNSCHEDULABLE
    if not matches_node(pod, node):
        return R_AFFINITY
    taint = untolerated_taint(pod, node)
    if taint is not None:
        return R_TAINT.format(key=taint.get("key", ""), value=taint.get("value", ""))
    if pods_on_node >= max_pods(node):
        return R_TOO_MANY
    return None


def unschedulable_message(total: int, reasons: dict[str, int]) -> str:
    """``FitError.Error()``: ``0/3 nodes are available: 1 node(s) ..., 2 node(s) ....``"""
    if total == 0:
        return "no nodes available to schedule pods"
    parts = sorted(f"{count} {reason}" for reason, count in reasons.items())
    return (
        f"0/{total} nodes are available: {', '.join(parts)}. preemption: 0/{total} nodes are "
        f"available: {total} Preemption is not helpful for scheduling."
    )


class Scheduler:
    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.api = owner.api
        # Pods that did not fit: (namespace, name) -> message given; retried on node changes
        self._unschedulable: dict[tuple[str, str], str] = {}

    def rebuild(self) -> None:
        self._unschedulable.clear()

    def handle(self, changes: list[Change]) -> None:
        todo: dict[tuple[str, str], None] = {}
        retry = False
        for ch in changes:
            if ch.key == "pods":
                meta = ch.obj["metadata"]
                ident = (str(meta.get("namespace", "")), str(meta["name"]))
                if ch.type == "DELETED":
                    self._unschedulable.pop(ident, None)
                    retry = True  # room on its node
                elif self._wants_node(ch.obj):
                    todo[ident] = None
            elif ch.key == "nodes":
                retry = True
        if retry:
            for ident in self._unschedulable:
                todo[ident] = None
        if not todo:
            return
        nodes = self.api.store.objects("nodes")
        counts = self._pod_counts()
        for ns, name in sorted(todo):
            pod = self.api.store.get("pods", ns, name)
            if pod is None or not self._wants_node(pod):
                self._unschedulable.pop((ns, name), None)
                continue
            self._schedule(pod, nodes, counts)

    @staticmethod
    def _wants_node(pod: dict[str, Any]) -> bool:
        spec = pod.get("spec") or {}
        if spec.get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            return False
        if spec.get("schedulerName", "default-scheduler") != "default-scheduler":
            return False
        return bool((pod.get("status") or {}).get("phase", "Pending") == "Pending")

    def _pod_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for pod in self.api.store.objects("pods"):
            node = (pod.get("spec") or {}).get("nodeName")
            if node and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                counts[node] = counts.get(node, 0) + 1
        return counts

    def _schedule(
        self, pod: dict[str, Any], nodes: list[dict[str, Any]], counts: dict[str, int]
    ) -> None:
        fits: list[dict[str, Any]] = []
        reasons: dict[str, int] = {}
        for node in nodes:
            if node["metadata"].get("deletionTimestamp"):
                continue
            why = filter_reason(pod, node, counts.get(node["metadata"]["name"], 0))
            if why is None:
                fits.append(node)
            else:
                reasons[why] = reasons.get(why, 0) + 1
        ident = (str(pod["metadata"].get("namespace", "")), str(pod["metadata"]["name"]))
        if not fits:
            self._mark_unschedulable(pod, unschedulable_message(len(nodes), reasons))
            return
        best = min(
            fits, key=lambda n: (counts.get(n["metadata"]["name"], 0), n["metadata"]["name"])
        )
        node_name = best["metadata"]["name"]
        self._unschedulable.pop(ident, None)
        rt = self.api.registry.lookup("", "v1", "pods")
        new = {**pod, "spec": {**pod["spec"], "nodeName": node_name}}  # the API copies it
        try:
            self.api.update(rt, ident[0], ident[1], new, expect_rv=False)
        except ApiError:
            return
        counts[node_name] = counts.get(node_name, 0) + 1
        self.owner.kubelet.bound(ident[0], ident[1])

    def _mark_unschedulable(self, pod: dict[str, Any], message: str) -> None:
        ns, name = str(pod["metadata"].get("namespace", "")), str(pod["metadata"]["name"])
        if self._unschedulable.get((ns, name)) == message:
            return
        self._unschedulable[(ns, name)] = message
        rt = self.api.registry.lookup("", "v1", "pods")
        status = copy.deepcopy(pod.get("status") or {})
        status["phase"] = "Pending"
        status["conditions"] = set_condition(
            list(status.get("conditions") or []),
            "PodScheduled",
            "False",
            "Unschedulable",
            message,
            probe_times=True,
        )
        new = copy.deepcopy(pod)
        new["status"] = status
        try:
            self.api.update(rt, ns, name, new, status=True, expect_rv=False)
            self._event(pod, message)
        except ApiError:
            pass

    def _event(self, pod: dict[str, Any], message: str) -> None:
        rt = self.api.registry.lookup("", "v1", "events")
        meta = pod["metadata"]
        now = now_rfc3339()
        body = {
            "metadata": {"generateName": f"{meta['name']}."},
            "involvedObject": {
                "kind": "Pod",
                "namespace": meta.get("namespace", ""),
                "name": meta["name"],
                "uid": meta.get("uid", ""),
                "apiVersion": "v1",
                "resourceVersion": meta.get("resourceVersion", ""),
            },
            "reason": "FailedScheduling",
            "message": message,
            "type": "Warning",
            "source": {"component": "default-scheduler"},
            "reportingComponent": "default-scheduler",
            "reportingInstance": "default-scheduler",
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        with contextlib.suppress(ApiError):
            self.api.create(rt, str(meta.get("namespace", "")), body)
