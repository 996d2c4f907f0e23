"""The cluster's workload machinery in one place: controllers, scheduler, kubelet, GC, timers.

``WorkloadControllers`` is registered with the API like any controller: after every write it
first updates the owner index, then runs, in order, the garbage collector, the Deployment,
ReplicaSet, StatefulSet, DaemonSet and Job controllers, the scheduler, the kubelet and the
Endpoints controller. It also answers the API's delete hook (propagation policies, graceful
Pod deletion) and the control API's node and settings endpoints. With ``settings.enabled``
off, only garbage collection and Endpoints run (nothing makes or runs Pods).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mock_k8s.controllers.daemonsets import DaemonSetController
from mock_k8s.controllers.deployments import DeploymentController
from mock_k8s.controllers.endpoints import EndpointsController
from mock_k8s.controllers.gc import GarbageCollector, OwnerIndex
from mock_k8s.controllers.jobs import JobController
from mock_k8s.controllers.kubelet import Kubelet
from mock_k8s.controllers.podutil import now_rfc3339, set_condition
from mock_k8s.controllers.replicasets import ReplicaSetController
from mock_k8s.controllers.scheduler import Scheduler
from mock_k8s.controllers.statefulsets import StatefulSetController
from mock_k8s.controllers.timers import Clock, Timers, WorkloadSettings
from mock_k8s.errors import ApiError, bad_request, not_found
from mock_k8s.watch import Change

# every bucket the workload controllers, the scheduler and the kubelet read changes of (the
# garbage collector and the owner index see every change)
_WORKLOAD_KEYS = frozenset(
    (
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
        "daemonsets.apps",
        "jobs.batch",
        "pods",
        "nodes",
    )
)
# ... and those the Endpoints controller reads
_ENDPOINTS_KEYS = frozenset(("services", "pods", "endpoints"))


class WorkloadControllers:
    def __init__(
        self, api: Any, settings: WorkloadSettings | None = None, clock: Clock | None = None
    ) -> None:
        self.api = api
        self.settings = settings or WorkloadSettings()
        self._initial = WorkloadSettings(**self.settings.as_dict())
        self.timers = Timers(clock, self.deferred)
        self.owners = OwnerIndex()
        self.gc = GarbageCollector(api, self.owners)
        self.deployments = DeploymentController(self)
        self.replicasets = ReplicaSetController(self)
        self.statefulsets = StatefulSetController(self)
        self.daemonsets = DaemonSetController(self)
        self.jobs = JobController(self)
        self.scheduler = Scheduler(self)
        self.kubelet = Kubelet(self)
        self.endpoints = EndpointsController(api)

    def install(self) -> None:
        """Register with the API: as a controller, and as its delete hook."""
        self.api.add_controller(self)
        self.api.delete_hook = self.on_delete
        self.rebuild()

    # ---- the controller interface ---------------------------------------------------------
    def rebuild(self) -> None:
        """After a reset or a state load: re-index, drop timers, restore the settings."""
        self.settings.update(self._initial.as_dict())
        self.timers.clear()
        self.owners.clear()
        for key in self.api.store.buckets():
            for obj in self.api.store.objects(key):
                self.owners.observe(key, obj, deleted=False)
        self.scheduler.rebuild()
        self.kubelet.rebuild()
        self.endpoints.rebuild()

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold the API lock and run the controllers once, after a batch of timer callbacks
        (1,000 Pods coming Ready together cost one round, not 1,000). Uses the API's own
        re-entrancy flag: writes made inside are queued as during any controller round."""
        api = self.api
        with api.lock:
            if getattr(api, "_in_controllers", False):
                yield
                return
            api._in_controllers = True
            try:
                yield
            finally:
                api._in_controllers = False
                api._run_controllers()

    def handle(self, changes: list[Change]) -> None:
        for ch in changes:
            self.owners.observe(ch.key, ch.obj, ch.type == "DELETED")
        self.gc.handle(changes)
        # the controllers below read nothing else: a batch of Events (or ConfigMaps...) skips
        # their eight loops over it, a batch of Service writes the seven of the workloads
        workload = [ch for ch in changes if ch.key in _WORKLOAD_KEYS]
        if workload and self.settings.enabled:
            self.deployments.handle(workload)
            self.replicasets.handle(workload)
            self.statefulsets.handle(workload)
            self.daemonsets.handle(workload)
            self.jobs.handle(workload)
            self.scheduler.handle(workload)
            self.kubelet.handle(workload)
        endpoints = [ch for ch in changes if ch.key in _ENDPOINTS_KEYS]
        if endpoints:
            self.endpoints.handle(endpoints)

    # ---- the API's delete hook ------------------------------------------------------------
    def on_delete(
        self, rt: Any, current: dict[str, Any], options: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Handle a delete the generic path would get wrong; None lets the API go on."""
        meta = current["metadata"]
        grace = options.get("gracePeriodSeconds")
        if meta.get("deletionTimestamp"):
            if rt.key == "pods" and grace == 0 and not meta.get("finalizers"):
                return dict(self.api.remove(rt, current))  # force: gone now
            return current
        finalizer = self.gc.finalizer_for(current, options)
        if finalizer is not None:
            return dict(self.api.mark_deleting(rt, current, 0, [finalizer]))
        if rt.key == "pods" and self.settings.enabled:
            seconds = self.kubelet.grace_seconds(current, options)
            if seconds is not None:
                return dict(self.api.mark_deleting(rt, current, seconds, []))
        return None

    # ---- helpers for the controllers -------------------------------------------------------
    def event(
        self, obj: dict[str, Any], etype: str, reason: str, message: str, component: str
    ) -> None:
        rt = self.api.registry.lookup("", "v1", "events")
        meta = obj["metadata"]
        now = now_rfc3339()
        body = {
            "metadata": {"generateName": f"{meta['name']}."},
            "involvedObject": {
                "kind": obj.get("kind", ""),
                "namespace": meta.get("namespace", ""),
                "name": meta["name"],
                "uid": meta.get("uid", ""),
                "apiVersion": obj.get("apiVersion", ""),
                "resourceVersion": meta.get("resourceVersion", ""),
            },
            "reason": reason,
            "message": message,
            "type": etype,
            "source": {"component": component},
            "reportingComponent": component,
            "reportingInstance": "",
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        with contextlib.suppress(ApiError):
            self.api.create(rt, str(meta.get("namespace", "")), body)

    # ---- the control API's node endpoints --------------------------------------------------
    def node_summaries(self) -> list[dict[str, Any]]:
        out = []
        pods_by_node: dict[str, int] = {}
        for pod in self.api.store.objects("pods"):
            node = (pod.get("spec") or {}).get("nodeName")
            if node and not pod["metadata"].get("deletionTimestamp"):
                pods_by_node[node] = pods_by_node.get(node, 0) + 1
        for node in self.api.store.objects("nodes"):
            out.append(self._summary(node, pods_by_node.get(node["metadata"]["name"], 0)))
        return out

    @staticmethod
    def _summary(node: dict[str, Any], pods: int) -> dict[str, Any]:
        ready = "Unknown"
        for c in (node.get("status") or {}).get("conditions") or []:
            if isinstance(c, dict) and c.get("type") == "Ready":
                ready = str(c.get("status"))
        addresses = {
            a.get("type"): a.get("address")
            for a in (node.get("status") or {}).get("addresses") or []
            if isinstance(a, dict)
        }
        return {
            "name": node["metadata"]["name"],
            "ready": ready == "True",
            "readyStatus": ready,
            "unschedulable": bool((node.get("spec") or {}).get("unschedulable")),
            "internalIP": addresses.get("InternalIP", ""),
            "podCIDR": (node.get("spec") or {}).get("podCIDR", ""),
            "pods": pods,
        }

    def set_node(self, name: str, body: Any) -> dict[str, Any]:
        """``{"ready": bool, "unschedulable": bool}``: a failing/recovering kubelet, a cordon."""
        if not isinstance(body, dict) or not body:
            raise bad_request('a node change must be a JSON object like {"ready": false}')
        unknown = sorted(set(body) - {"ready", "unschedulable"})
        if unknown:
            raise bad_request(
                f"unknown node field(s): {', '.join(unknown)} (known: ready, unschedulable)"
            )
        for key in ("ready", "unschedulable"):
            if key in body and not isinstance(body[key], bool):
                raise bad_request(f"{key} must be true or false")
        rt = self.api.registry.lookup("", "v1", "nodes")
        with self.api.lock:
            node = self.api.store.get("nodes", "", name)
            if node is None:
                raise not_found("nodes", name)
            if "unschedulable" in body:
                new = copy.deepcopy(node)
                new.setdefault("spec", {})
                if body["unschedulable"]:
                    new["spec"]["unschedulable"] = True
                else:
                    new["spec"].pop("unschedulable", None)
                node = dict(self.api.update(rt, "", name, new, expect_rv=False))
            if "ready" in body:
                new = copy.deepcopy(node)
                status = new.setdefault("status", {})
                now = now_rfc3339()
                if body["ready"]:
                    conds = set_condition(
                        list(status.get("conditions") or []),
                        "Ready",
                        "True",
                        "KubeletReady",
                        "kubelet is posting ready status",
                        now=now,
                    )
                else:
                    conds = set_condition(
                        list(status.get("conditions") or []),
                        "Ready",
                        "Unknown",
                        "NodeStatusUnknown",
                        "Kubelet stopped posting node status.",
                        now=now,
                    )
                for c in conds:
                    if c.get("type") == "Ready":
                        c["lastHeartbeatTime"] = now
                status["conditions"] = conds
                node = dict(self.api.update(rt, "", name, new, status=True, expect_rv=False))
            current = self.api.store.get("nodes", "", name) or node
        pods = sum(
            1
            for p in self.api.store.objects("pods")
            if (p.get("spec") or {}).get("nodeName") == name
        )
        return self._summary(current, pods)


def control_request(wl: WorkloadControllers | None, method: str, path: str, body: Any) -> Any:
    """The control API's workload endpoints.

    - ``GET nodes``: every node with its readiness, cordon, InternalIP, podCIDR and Pod count;
    - ``GET nodes/<name>``, ``POST nodes/<name>`` ``{"ready": false, "unschedulable": true}``:
      one node, or mark it (a failing/recovering kubelet, a cordon);
    - ``GET workloads``, ``PUT workloads`` ``{"ready_delay": 0, ...}``: the timing settings
      (reset restores the ones the server started with).
    """
    if wl is None:
        raise not_found("workloads", "controllers")
    if path == "workloads":
        if method == "GET":
            return {**wl.settings.as_dict(), "pendingTimers": wl.timers.pending()}
        if method == "PUT":
            if not isinstance(body, dict):
                raise bad_request('settings must be a JSON object like {"ready_delay": 0}')
            problems = wl.settings.update(body)
            if problems:
                raise bad_request("; ".join(problems))
            return wl.settings.as_dict()
        raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed on /__mock__/workloads")
    if path == "nodes":
        if method != "GET":
            raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed on /__mock__/nodes")
        return {"nodes": wl.node_summaries()}
    name = path.split("/", 1)[1]
    if not name or "/" in name:
        raise not_found("nodes", name)
    if method == "GET":
        for summary in wl.node_summaries():
            if summary["name"] == name:
                return summary
        raise not_found("nodes", name)
    if method == "POST":
        return wl.set_node(name, body)
    raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed on /__mock__/nodes/{name}")
