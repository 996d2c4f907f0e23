"""The simulated kubelet of every node, plus the node-side controllers that go with it
(node IPAM, taints by condition, Pods of a NotReady node marked NotReady, Pod GC of a deleted
node).

A Pod bound to a Ready node gets a pod IP from its node's ``spec.podCIDR`` (the next free
address from .2, as host-local IPAM), ``hostIP``, containerStatuses and the conditions
PodReadyToStartContainers, Initialized, Ready, ContainersReady and PodScheduled; it shows
``ContainerCreating`` until ``ready_delay`` has passed, then Running and Ready. Per-Pod
annotations script failures: ``ako-sim/ready: "never"``, ``ako-sim/ready-after: "<seconds>"``,
``ako-sim/crash-loop: "true"`` (restarts every ``crash_period``, CrashLoopBackOff, never
Ready), ``ako-sim/fail: "true"`` (phase Failed) and ``ako-sim/run-for: "<seconds>"`` (the
container exits 0: Succeeded; a Job's Pods do this after ``job_duration`` by default).

A Pod whose status someone else writes (a test creating a ready Pod in one call, or patching
its status) is left alone from then on: the kubelet only ever continues from the status it
wrote itself. Deleting a Pod it runs is graceful: deletionTimestamp, then gone after
``termination_delay`` (at most the grace period).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from mock_k8s.controllers.podutil import (
    controller_ref,
    node_ready,
    now_rfc3339,
    pod_ready,
    set_condition,
)
from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

ANN_READY = "ako-sim/ready"
ANN_READY_AFTER = "ako-sim/ready-after"
ANN_CRASH = "ako-sim/crash-loop"
ANN_FAIL = "ako-sim/fail"
ANN_RUN_FOR = "ako-sim/run-for"
CLUSTER_CIDR = "10.244.0.0/16"
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
CONDITION_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")


def _seconds(value: Any) -> float | None:
    try:
        out = float(str(value).rstrip("s"))
    except ValueError:
        return None
    return out if out >= 0 else None


@dataclass
class PodRun:
    """What the kubelet knows of one Pod it runs."""

    uid: str
    namespace: str
    name: str
    node: str
    ip: str
    bound_at: float
    stage: str = "creating"  # creating | running | crashed | failed | succeeded
    ready: bool = False
    restarts: int = 0
    started_at: str = ""
    finished_at: str = ""
    last_crash: tuple[str, str] | None = None  # (started, finished) of the last crash
    start_time: str = field(default_factory=now_rfc3339)
    status: dict[str, Any] | None = None  # the last status written (to spot other writers)


class Kubelet:
    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.api = owner.api
        self.runs: dict[str, PodRun] = {}
        self.foreign: set[str] = set()  # uids of Pods whose status others write
        self._used: dict[str, set[str]] = {}  # node -> pod IPs in use
        self._next: dict[str, int] = {}  # node -> the offset to try first
        self._node_ok: dict[str, bool] = {}
        self._marked: set[str] = set()  # foreign Pods marked NotReady by a node failure

    @property
    def settings(self) -> Any:
        return self.owner.settings

    def rebuild(self) -> None:
        self.runs.clear()
        self.foreign.clear()
        self._used.clear()
        self._next.clear()
        self._node_ok.clear()
        self._marked.clear()
        for node in self.api.store.objects("nodes"):
            self._node_ok[node["metadata"]["name"]] = node_ready(node)
        for pod in self.api.store.objects("pods"):
            ip = (pod.get("status") or {}).get("podIP")
            node = (pod.get("spec") or {}).get("nodeName")
            if ip and node:
                self._used.setdefault(node, set()).add(ip)
            if pod["metadata"].get("uid"):
                self.foreign.add(pod["metadata"]["uid"])  # a loaded state: not ours to drive

    # ---- changes ---------------------------------------------------------------------------
    def handle(self, changes: list[Change]) -> None:
        pods: dict[tuple[str, str], None] = {}
        nodes: dict[str, str] = {}
        for ch in changes:
            meta = ch.obj["metadata"]
            if ch.key == "pods":
                if ch.type == "DELETED":
                    self._forget(ch.obj)
                    continue
                if ch.type == "ADDED" and self._given_status(ch.obj):
                    self.foreign.add(str(meta.get("uid")))
                pods[(str(meta.get("namespace", "")), str(meta["name"]))] = None
            elif ch.key == "nodes":
                nodes[str(meta["name"])] = ch.type
        for name, etype in nodes.items():
            self._node_changed(name, etype == "DELETED")
        for ns, name in pods:
            pod = self.api.store.get("pods", ns, name)
            if pod is not None:
                self._pod_changed(pod)

    @staticmethod
    def _given_status(pod: dict[str, Any]) -> bool:
        status = pod.get("status") or {}
        return bool(
            status.get("podIP")
            or status.get("containerStatuses")
            or status.get("phase", "Pending") != "Pending"
        )

    def _forget(self, pod: dict[str, Any]) -> None:
        uid = str(pod["metadata"].get("uid"))
        run = self.runs.pop(uid, None)
        self.foreign.discard(uid)
        self._marked.discard(uid)
        for step in ("start", "ready", "crash", "finish", "stop"):
            self.owner.timers.cancel((uid, step))
        ip = (pod.get("status") or {}).get("podIP") or (run.ip if run else None)
        node = (pod.get("spec") or {}).get("nodeName") or (run.node if run else None)
        if ip and node:
            self._used.get(node, set()).discard(ip)

    def _pod_changed(self, pod: dict[str, Any]) -> None:
        uid = str(pod["metadata"].get("uid"))
        run = self.runs.get(uid)
        if run is not None and run.status is not None and pod.get("status") != run.status:
            del self.runs[uid]  # someone else writes this Pod's status now
            self.foreign.add(uid)
            run = None
        if pod["metadata"].get("deletionTimestamp"):
            if run is not None:
                self._schedule_stop(pod)
            return
        if run is None and uid not in self.foreign and self._startable(pod):
            self.start(pod)

    def _startable(self, pod: dict[str, Any]) -> bool:
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or self._given_status(pod):
            return False
        return self._node_ok.get(node, False)

    def bound(self, namespace: str, name: str) -> None:
        """The scheduler bound this Pod: start it now rather than on the next round."""
        pod = self.api.store.get("pods", namespace, name)
        if pod is not None and str(pod["metadata"].get("uid")) not in self.runs:
            self._pod_changed(pod)

    # ---- running a Pod --------------------------------------------------------------------
    def runs_pod(self, pod: dict[str, Any]) -> bool:
        """The Pod is run by this kubelet (so deleting it is graceful)."""
        return str(pod["metadata"].get("uid")) in self.runs

    def start(self, pod: dict[str, Any]) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        node = str(spec.get("nodeName"))
        ip = self._allocate_ip(node)
        if ip is None:
            return  # the node has no podCIDR yet, or it is full
        uid = str(meta.get("uid"))
        run = PodRun(uid, str(meta.get("namespace", "")), str(meta["name"]), node, ip, self._now())
        self.runs[uid] = run
        delay = self.settings.ready_delay
        if delay <= 0:
            self._started(run, write=False)
            self._write(run)
            return
        self._write(run)
        self._later(delay, run, "start", self._started)

    def _behaviour(self, run: PodRun) -> dict[str, Any]:
        pod = self.api.store.get("pods", run.namespace, run.name) or {}
        ann = (pod.get("metadata") or {}).get("annotations") or {}
        ref = controller_ref(pod) if pod else None
        run_for = _seconds(ann[ANN_RUN_FOR]) if ANN_RUN_FOR in ann else None
        if run_for is None and ref is not None and ref.get("kind") == "Job":
            run_for = self.settings.job_duration
        return {
            "never": str(ann.get(ANN_READY, "")).lower() == "never",
            "ready_after": _seconds(ann[ANN_READY_AFTER]) if ANN_READY_AFTER in ann else None,
            "crash": str(ann.get(ANN_CRASH, "")).lower() in ("true", "1", "yes"),
            "fail": str(ann.get(ANN_FAIL, "")).lower() in ("true", "1", "yes"),
            "run_for": run_for,
        }

    def _started(self, run: PodRun, write: bool = True) -> None:
        how = self._behaviour(run)
        now = now_rfc3339()
        if how["fail"]:
            run.stage, run.started_at, run.finished_at = "failed", now, now
        else:
            run.stage, run.started_at = "running", now
            if how["crash"]:
                if self.settings.crash_period > 0:
                    self._later(self.settings.crash_period, run, "crash", self._crash)
                else:
                    self._crash(run, write=False)
            elif not how["never"]:
                wait = 0.0
                if how["ready_after"] is not None:
                    wait = run.bound_at + how["ready_after"] - self._now()
                if wait <= 0:
                    run.ready = True
                else:
                    self._later(wait, run, "ready", self._became_ready)
            if how["run_for"] is not None and not how["crash"]:
                if how["run_for"] <= 0:
                    self._finish(run, write=False)
                else:
                    self._later(how["run_for"], run, "finish", self._finish)
        if write:
            self._write(run)

    def _became_ready(self, run: PodRun, write: bool = True) -> None:
        if run.stage == "running":
            run.ready = True
        if write:
            self._write(run)

    def _crash(self, run: PodRun, write: bool = True) -> None:
        now = now_rfc3339()
        if run.stage == "running":
            run.last_crash = (run.started_at, now)
            run.stage, run.ready = "crashed", False
            run.restarts += 1
            if self.settings.crash_period > 0:
                self._later(self.settings.crash_period, run, "crash", self._crash)
        elif run.stage == "crashed":
            run.stage, run.started_at = "running", now
            if self.settings.crash_period > 0:
                self._later(self.settings.crash_period, run, "crash", self._crash)
        if write:
            self._write(run)

    def _finish(self, run: PodRun, write: bool = True) -> None:
        if run.stage == "running":
            run.stage, run.ready, run.finished_at = "succeeded", False, now_rfc3339()
            for step in ("ready", "crash"):
                self.owner.timers.cancel((run.uid, step))
        if write:
            self._write(run)

    def _later(self, delay: float, run: PodRun, step: str, fn: Any) -> None:
        uid = run.uid

        def fire() -> None:
            with self.api.lock:
                current = self.runs.get(uid)
                if current is None:
                    return
                pod = self.api.store.get("pods", current.namespace, current.name)
                if pod is None or str(pod["metadata"].get("uid")) != uid:
                    return
                if pod.get("status") != current.status:
                    self.runs.pop(uid, None)
                    self.foreign.add(uid)
                    return
                if pod["metadata"].get("deletionTimestamp"):
                    return
                fn(current)

        self.owner.timers.schedule(delay, (uid, step), fire)

    def _now(self) -> float:
        return float(self.owner.timers.clock.now())

    # ---- status ----------------------------------------------------------------------------
    def _write(self, run: PodRun) -> None:
        pod = self.api.store.get("pods", run.namespace, run.name)
        if pod is None or str(pod["metadata"].get("uid")) != run.uid:
            return
        status = self.status_of(pod, run)
        if status == pod.get("status"):
            run.status = pod.get("status")
            return
        new = {**pod, "status": status}  # the API copies what it stores
        rt = self.api.registry.lookup("", "v1", "pods")
        run.status = status  # controllers may run inside the update: this write is ours
        try:
            stored = self.api.update(rt, run.namespace, run.name, new, status=True, expect_rv=False)
        except ApiError:
            run.status = pod.get("status")
            return
        run.status = stored.get("status")

    def status_of(self, pod: dict[str, Any], run: PodRun) -> dict[str, Any]:
        spec = pod.get("spec") or {}
        old = pod.get("status") or {}
        node_ok = self._node_ok.get(run.node, False)
        containers = [c for c in spec.get("containers") or [] if isinstance(c, dict)]
        digest = hashlib.sha256(run.uid.encode()).hexdigest()
        statuses = []
        unready = []
        for i, c in enumerate(containers):
            name = str(c.get("name", f"c{i}"))
            image = str(c.get("image", ""))
            cid = f"containerd://{hashlib.sha256(f'{digest}/{name}/{run.restarts}'.encode()).hexdigest()}"
            ref = image if "/" in image.split(":")[0] else f"docker.io/library/{image}"
            cs: dict[str, Any] = {
                "name": name,
                "image": ref if ":" in image.rsplit("/", 1)[-1] else f"{ref}:latest",
                "imageID": "",
                "ready": run.ready,
                "restartCount": run.restarts,
                "started": run.stage == "running",
                "lastState": {},
            }
            if run.stage == "creating":
                cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
            else:
                img_digest = hashlib.sha256(image.encode()).hexdigest()
                cs["imageID"] = f"{ref.split(':')[0]}@sha256:{img_digest}"
                cs["containerID"] = cid
                if run.stage == "running":
                    cs["state"] = {"running": {"startedAt": run.started_at}}
                elif run.stage == "crashed":
                    cs["state"] = {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": f"back-off 10s restarting failed container={name} "
                            f"pod={run.name}_{run.namespace}({run.uid})",
                        }
                    }
                else:
                    ok = run.stage == "succeeded"
                    cs["state"] = {
                        "terminated": {
                            "exitCode": 0 if ok else 1,
                            "reason": "Completed" if ok else "Error",
                            "startedAt": run.started_at,
                            "finishedAt": run.finished_at,
                            "containerID": cid,
                        }
                    }
            if run.last_crash is not None:
                cs["lastState"] = {
                    "terminated": {
                        "exitCode": 1,
                        "reason": "Error",
                        "startedAt": run.last_crash[0],
                        "finishedAt": run.last_crash[1],
                        "containerID": cid,
                    }
                }
            if not run.ready:
                unready.append(name)
            statuses.append(cs)
        phase = {
            "creating": "Pending",
            "running": "Running",
            "crashed": "Running",
            "failed": "Failed",
            "succeeded": "Succeeded",
        }[run.stage]
        conds = [c for c in old.get("conditions") or [] if isinstance(c, dict)]
        sandbox = "True" if run.stage in ("creating", "running", "crashed") else "False"
        conds = set_condition(conds, "PodReadyToStartContainers", sandbox)
        conds = set_condition(conds, "Initialized", "True")
        if run.stage in ("succeeded", "failed"):
            reason = "PodCompleted" if run.stage == "succeeded" else "PodFailed"
            conds = set_condition(conds, "Ready", "False", reason)
            conds = set_condition(conds, "ContainersReady", "False", reason)
        elif unready or not containers:
            msg = f"containers with unready status: [{' '.join(unready)}]"
            conds = set_condition(conds, "Ready", "False", "ContainersNotReady", msg)
            conds = set_condition(conds, "ContainersReady", "False", "ContainersNotReady", msg)
        elif not node_ok:
            conds = set_condition(conds, "Ready", "False", "NodeNotReady")
            conds = set_condition(conds, "ContainersReady", "True")
        else:
            conds = set_condition(conds, "Ready", "True")
            conds = set_condition(conds, "ContainersReady", "True")
        conds = set_condition(conds, "PodScheduled", "True")
        order = {t: i for i, t in enumerate(CONDITION_ORDER)}
        conds.sort(key=lambda c: order.get(str(c.get("type")), len(order)))
        host_ip = self._node_ip(run.node)
        status: dict[str, Any] = {
            "phase": phase,
            "conditions": conds,
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}] if host_ip else [],
            "podIP": run.ip,
            "podIPs": [{"ip": run.ip}],
            "startTime": run.start_time,
            "containerStatuses": statuses,
            "qosClass": "BestEffort",
        }
        if not host_ip:
            status.pop("hostIP")
            status.pop("hostIPs")
        return status

    def _node_ip(self, node_name: str) -> str:
        node = self.api.store.get("nodes", "", node_name) or {}
        for a in (node.get("status") or {}).get("addresses") or []:
            if isinstance(a, dict) and a.get("type") == "InternalIP":
                return str(a.get("address", ""))
        return ""

    def _allocate_ip(self, node_name: str) -> str | None:
        """The next free address of the node's podCIDR after the last one given, from .2 (as
        host-local IPAM hands them out); IPv4 or IPv6."""
        node = self.api.store.get("nodes", "", node_name)
        cidr = ((node or {}).get("spec") or {}).get("podCIDR")
        if not cidr:
            return None
        try:
            net = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            return None
        used = self._used.setdefault(node_name, set())
        base = int(net.network_address)
        make = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
        last = min(net.num_addresses - 1, 1 << 16)
        start = self._next.get(node_name, 2)
        for offset in [*range(start, last), *range(2, start)]:
            ip = str(make(base + offset))
            if ip not in used:
                used.add(ip)
                self._next[node_name] = offset + 1
                return ip
        return None

    # ---- deletion --------------------------------------------------------------------------
    def grace_seconds(self, pod: dict[str, Any], options: dict[str, Any]) -> int | None:
        """The grace period of a delete of a Pod this kubelet runs (None: not graceful)."""
        if not self.runs_pod(pod):
            return None
        grace = options.get("gracePeriodSeconds")
        if grace is None:
            grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
        try:
            value = int(grace)
        except (TypeError, ValueError):
            value = 30
        if value <= 0 or self.settings.termination_delay <= 0:
            return None
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            return None
        return value

    def _schedule_stop(self, pod: dict[str, Any]) -> None:
        uid = str(pod["metadata"].get("uid"))
        if self.owner.timers.has((uid, "stop")):
            return
        grace = float(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
        delay = min(self.settings.termination_delay, grace)
        ns, name = str(pod["metadata"].get("namespace", "")), str(pod["metadata"]["name"])
        for step in ("start", "ready", "crash", "finish"):
            self.owner.timers.cancel((uid, step))

        def stop() -> None:
            with self.api.lock:
                current = self.api.store.get("pods", ns, name)
                if current is None or str(current["metadata"].get("uid")) != uid:
                    return
                self._remove(ns, name)

        if delay <= 0:
            self._remove(ns, name)
        else:
            self.owner.timers.schedule(delay, (uid, "stop"), stop)

    def _remove(self, namespace: str, name: str) -> None:
        rt = self.api.registry.lookup("", "v1", "pods")
        with contextlib.suppress(ApiError):
            self.api.delete(rt, namespace, name, {"gracePeriodSeconds": 0})

    # ---- nodes -----------------------------------------------------------------------------
    def _node_changed(self, name: str, deleted: bool) -> None:
        if deleted:
            self._node_ok.pop(name, None)
            self._used.pop(name, None)
            self._next.pop(name, None)
            for pod in self.api.store.objects("pods"):
                if (pod.get("spec") or {}).get("nodeName") == name:
                    meta = pod["metadata"]
                    self._remove(str(meta.get("namespace", "")), str(meta["name"]))
            return
        node = self.api.store.get("nodes", "", name)
        if node is None:
            return
        node = self._node_ipam(node)
        node = self._taints_by_condition(node)
        ok = node_ready(node) and not node["metadata"].get("deletionTimestamp")
        was = self._node_ok.get(name)
        self._node_ok[name] = ok
        if was == ok:
            return
        for pod in self.api.store.objects("pods"):
            if (pod.get("spec") or {}).get("nodeName") != name:
                continue
            uid = str(pod["metadata"].get("uid"))
            run = self.runs.get(uid)
            if run is not None:
                if run.status is not None and pod.get("status") != run.status:
                    continue
                self._write(run)
            elif uid in self.foreign:
                self._mark_foreign(pod, ok)
            elif ok:
                self._pod_changed(pod)

    def _mark_foreign(self, pod: dict[str, Any], node_ok: bool) -> None:
        """Node lifecycle for a Pod the kubelet does not run: Ready False while its node is
        down, back to True when the node returns (only if it was this that set it False)."""
        uid = str(pod["metadata"].get("uid"))
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return
        if not node_ok:
            if not pod_ready(pod):
                return
            self._marked.add(uid)
            value = "False"
        else:
            if uid not in self._marked:
                return
            self._marked.discard(uid)
            value = "True"
        new = copy.deepcopy(pod)
        status = new.setdefault("status", {})
        status["conditions"] = set_condition(list(status.get("conditions") or []), "Ready", value)
        rt = self.api.registry.lookup("", "v1", "pods")
        meta = pod["metadata"]
        with contextlib.suppress(ApiError):
            self.api.update(
                rt,
                str(meta.get("namespace", "")),
                str(meta["name"]),
                new,
                status=True,
                expect_rv=False,
            )

    def _node_ipam(self, node: dict[str, Any]) -> dict[str, Any]:
        """The node IPAM controller: a node without a podCIDR gets the next free /24."""
        spec = node.get("spec") or {}
        if spec.get("podCIDR"):
            return node
        taken = {
            str((n.get("spec") or {}).get("podCIDR"))
            for n in self.api.store.objects("nodes")
            if (n.get("spec") or {}).get("podCIDR")
        }
        for subnet in ipaddress.ip_network(CLUSTER_CIDR).subnets(new_prefix=24):
            if str(subnet) not in taken:
                new = copy.deepcopy(node)
                new.setdefault("spec", {})["podCIDR"] = str(subnet)
                new["spec"]["podCIDRs"] = [str(subnet)]
                rt = self.api.registry.lookup("", "v1", "nodes")
                try:
                    return dict(
                        self.api.update(rt, "", node["metadata"]["name"], new, expect_rv=False)
                    )
                except ApiError:
                    return node
        return node

    def _taints_by_condition(self, node: dict[str, Any]) -> dict[str, Any]:
        """``TaintNodesByCondition``: not-ready / unreachable NoSchedule taints follow Ready."""
        cond = None
        for c in (node.get("status") or {}).get("conditions") or []:
            if isinstance(c, dict) and c.get("type") == "Ready":
                cond = c
        if cond is None:
            return node  # a node that reports no Ready condition is left as it is
        wanted: str | None = None
        if cond.get("status") == "False":
            wanted = TAINT_NOT_READY
        elif cond.get("status") != "True":
            wanted = TAINT_UNREACHABLE
        taints = [t for t in (node.get("spec") or {}).get("taints") or [] if isinstance(t, dict)]
        ours = {TAINT_NOT_READY, TAINT_UNREACHABLE}
        kept = [t for t in taints if t.get("key") not in ours or t.get("key") == wanted]
        if wanted and not any(t.get("key") == wanted for t in kept):
            kept.append({"key": wanted, "effect": "NoSchedule", "timeAdded": now_rfc3339()})
        if kept == taints:
            return node
        new = copy.deepcopy(node)
        new.setdefault("spec", {})["taints"] = kept
        if not kept:
            new["spec"].pop("taints")
        rt = self.api.registry.lookup("", "v1", "nodes")
        try:
            return dict(self.api.update(rt, "", node["metadata"]["name"], new, expect_rv=False))
        except ApiError:
            return node
