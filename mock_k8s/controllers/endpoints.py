"""The core/v1 Endpoints controller: one Endpoints object per Service with a selector.

Pods matching the selector that have an IP and are not terminating become ``addresses`` (Ready)
or ``notReadyAddresses`` (not Ready), each with ``ip``, ``nodeName`` and ``targetRef``; the
ports are the Service's with the targetPort resolved (named ports through the Pod's
containerPorts), as ``pkg/controller/endpoint`` groups them: one subset per resolved port set.
A Service without a selector is not managed (its Endpoints belong to the user); deleting the
Service deletes its Endpoints. Writes are skipped when nothing changed.
"""

from __future__ import annotations

from typing import Any

from mock_k8s.controllers.endpointslices import _resolve_port
from mock_k8s.controllers.members import ServiceMembers, SyncMemo
from mock_k8s.controllers.podutil import now_rfc3339, pod_ready
from mock_k8s.errors import ApiError
from mock_k8s.store import clone
from mock_k8s.watch import Change

KEY = "endpoints"
TRIGGER = "endpoints.kubernetes.io/last-change-trigger-time"
MANAGED_BY = "endpoints.kubernetes.io/managed-by"
CONTROLLER = "endpoint-controller"


def _done(write: Any, *args: Any, **kwargs: Any) -> bool:
    """Make one write; False when the API refused it."""
    try:
        write(*args, **kwargs)
    except ApiError:
        return False
    return True


class EndpointsController:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.members = ServiceMembers()
        self.memo = SyncMemo()

    def rebuild(self) -> None:
        self.memo.clear()
        self.members.rebuild(self.api.store.objects("services"), self.api.store.objects("pods"))

    def handle(self, changes: list[Change]) -> None:
        todo: dict[tuple[str, str], None] = {}
        forced: set[tuple[str, str]] = set()  # Services whose member Pods changed
        for ch in changes:
            if ch.key in ("services", "pods"):
                found = self.members.observe(ch)
                for key in found:
                    todo[key] = None
                if ch.key == "pods":
                    forced |= found
            elif ch.key == KEY:
                meta = ch.obj.get("metadata") or {}
                self.memo.written(ch.rv, [(str(meta.get("namespace") or ""), str(meta["name"]))])
        self.memo.sync_all(self.api.store, todo, forced, self._sync)

    def _sync(self, namespace: str, name: str) -> bool:
        """Bring the Service's Endpoints to what its Pods say; False when a write was refused."""
        rt = self.api.registry.lookup("", "v1", "endpoints")
        svc = self.api.store.get("services", namespace, name)
        current = self.api.store.get(KEY, namespace, name)
        spec = (svc or {}).get("spec") or {}
        selector = spec.get("selector")
        if svc is None or svc["metadata"].get("deletionTimestamp"):
            managed = ((current or {}).get("metadata", {}).get("labels") or {}).get(MANAGED_BY)
            if current is not None and managed == CONTROLLER:
                return _done(self.api.delete, rt, namespace, name)
            return True
        if not selector or spec.get("type") == "ExternalName":
            return True
        subsets = self._subsets(namespace, name, spec)
        labels = dict(svc["metadata"].get("labels") or {})
        labels[MANAGED_BY] = CONTROLLER
        if current is not None:
            if (
                current.get("subsets", []) == subsets
                and (current["metadata"].get("labels") or {}) == labels
            ):
                return True
            new = clone(current)
            new["metadata"]["labels"] = labels
            new["metadata"].setdefault("annotations", {})[TRIGGER] = now_rfc3339()
            if subsets:
                new["subsets"] = subsets
            else:
                new.pop("subsets", None)
            return _done(self.api.update, rt, namespace, name, new, expect_rv=False)
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": labels,
                "annotations": {TRIGGER: now_rfc3339()},
            },
        }
        if subsets:
            body["subsets"] = subsets
        return _done(self.api.create, rt, namespace, body)

    def _subsets(self, namespace: str, name: str, spec: dict[str, Any]) -> list[dict[str, Any]]:
        groups: dict[tuple[tuple[str, str, int], ...], dict[str, list[dict[str, Any]]]] = {}
        for pod_name in self.members.pods_of(namespace, name):
            pod = self.api.store.get("pods", namespace, pod_name)
            if pod is None or pod["metadata"].get("deletionTimestamp"):
                continue
            meta = pod["metadata"]
            status = pod.get("status") or {}
            ip = status.get("podIP")
            if not ip or status.get("phase") in ("Succeeded", "Failed"):
                continue
            ports: list[tuple[str, str, int]] = []
            for sp in spec.get("ports") or []:
                resolved = _resolve_port(sp, pod)
                if resolved is not None:
                    ports.append(
                        (str(sp.get("name", "")), str(sp.get("protocol", "TCP")), resolved)
                    )
            address: dict[str, Any] = {
                "ip": ip,
                "targetRef": {
                    "kind": "Pod",
                    "namespace": namespace,
                    "name": meta["name"],
                    "uid": meta.get("uid", ""),
                },
            }
            node = (pod.get("spec") or {}).get("nodeName")
            if node:
                address["nodeName"] = node
            group = groups.setdefault(tuple(sorted(ports)), {"ready": [], "not": []})
            group["ready" if pod_ready(pod) else "not"].append(address)
        subsets = []
        for ports_key, group in sorted(groups.items()):
            subset: dict[str, Any] = {}
            if group["ready"]:
                subset["addresses"] = sorted(group["ready"], key=lambda a: str(a["ip"]))
            if group["not"]:
                subset["notReadyAddresses"] = sorted(group["not"], key=lambda a: str(a["ip"]))
            if ports_key:
                subset["ports"] = [
                    {**({"name": n} if n else {}), "port": p, "protocol": proto}
                    for n, proto, p in ports_key
                ]
            subsets.append(subset)
        return subsets
