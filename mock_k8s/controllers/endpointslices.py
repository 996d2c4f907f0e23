"""The EndpointSlice controller: keeps ``discovery.k8s.io/v1`` slices in step with the Pods that
match each Service's selector.

One slice per (address type, resolved port set), labelled ``kubernetes.io/service-name`` and
managed-by the endpointslice controller; endpoints carry the pod IP, ``conditions.ready`` from
the Pod's Ready condition, ``targetRef`` and ``nodeName``; ports are the Service ports with the
targetPort resolved (named targetPorts through the pod's containerPorts). Slices are updated in
place (matched by address type and ports, else reused), not deleted and re-created. Runs
synchronously after writes, through the API object; never touches slices it does not manage.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mock_k8s.controllers.members import ServiceMembers, SyncMemo
from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

SLICE_KEY = "endpointslices.discovery.k8s.io"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"


def _pod_ready(pod: dict[str, Any]) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def _resolve_port(svc_port: dict[str, Any], pod: dict[str, Any]) -> int | None:
    target = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(target, int):
        return target
    proto = svc_port.get("protocol", "TCP")
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or [] if isinstance(c, dict) else []:
            if (
                isinstance(p, dict)
                and p.get("name") == target
                and p.get("protocol", "TCP") == proto
            ):
                port = p.get("containerPort")
                return port if isinstance(port, int) else None
    return None


def _slice_services(ch: Change) -> list[tuple[str, str]]:
    """The Services a slice change concerns (by its service-name label, before and after)."""
    out = []
    for obj in (ch.old, ch.obj):
        meta = (obj or {}).get("metadata") or {}
        service = (meta.get("labels") or {}).get(SERVICE_NAME)
        if service:
            out.append((str(meta.get("namespace") or ""), str(service)))
    return out


class EndpointSliceController:
    def __init__(self, api: Any) -> None:
        self.api = api
        # (namespace, service) -> names of the slices this controller manages for it
        self._index: dict[tuple[str, str], set[str]] = {}
        self.members = ServiceMembers()
        self.memo = SyncMemo()

    def rebuild(self) -> None:
        """Re-read the managed slices from the store (after a reset or a state load)."""
        self._index.clear()
        self.memo.clear()
        self.members.rebuild(self.api.store.objects("services"), self.api.store.objects("pods"))
        for s in self.api.store.objects(SLICE_KEY):
            self._note(s, deleted=False)

    def _note(self, obj: dict[str, Any], deleted: bool) -> None:
        meta = obj["metadata"]
        labels = meta.get("labels") or {}
        if labels.get(MANAGED_BY) != CONTROLLER or not labels.get(SERVICE_NAME):
            return
        names = self._index.setdefault((meta.get("namespace", ""), labels[SERVICE_NAME]), set())
        if deleted:
            names.discard(meta["name"])
        else:
            names.add(meta["name"])

    def handle(self, changes: list[Change]) -> None:
        todo: set[tuple[str, str]] = set()  # Services written
        forced: set[tuple[str, str]] = set()  # Services whose member Pods changed
        for ch in changes:
            if ch.key == SLICE_KEY:
                if ch.old is not None:
                    self._note(ch.old, deleted=True)
                self._note(ch.obj, deleted=ch.type == "DELETED")
                self.memo.written(ch.rv, _slice_services(ch))
            elif ch.key == "services":
                todo |= self.members.observe(ch)
            elif ch.key == "pods":
                forced |= self.members.observe(ch)
        self.memo.sync_all(self.api.store, sorted(todo | forced), forced, self._sync)

    def _slice_type(self) -> Any:
        return self.api.registry.lookup("discovery.k8s.io", "v1", "endpointslices")

    def _sync(self, namespace: str, name: str) -> bool:
        """Bring the Service's slices to what its Pods say; False when a write was refused."""
        complete = True
        rt = self._slice_type()
        existing: dict[str, dict[str, Any]] = {}
        for slice_name in sorted(self._index.get((namespace, name), set())):
            found = self.api.store.get(SLICE_KEY, namespace, slice_name)
            labels = (found or {}).get("metadata", {}).get("labels") or {}
            if found is not None and labels.get(SERVICE_NAME) == name:
                existing[slice_name] = found
        desired = self._desired(namespace, name)

        # in place, as upstream's reconciler: a desired slice takes the existing slice with the
        # same address type and ports, else any slice left over; only the rest is created or
        # deleted (so a Service going from no endpoints to some keeps its slice and its name)
        def content_key(obj: dict[str, Any]) -> str:
            ports = sorted(str(p) for p in obj.get("ports") or [])
            return f"{obj.get('addressType')}/{ports}"

        unused = dict(existing)
        plan: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        pending: list[dict[str, Any]] = []
        for body in desired.values():
            match = next(
                (n for n, o in unused.items() if content_key(o) == content_key(body)), None
            )
            if match is None:
                pending.append(body)
            else:
                plan.append((body, unused.pop(match)))
        for body in pending:
            reuse = next(iter(sorted(unused)), None)
            plan.append((body, unused.pop(reuse) if reuse is not None else None))
        for body, current in plan:
            try:
                if current is not None:
                    new = dict(current)
                    new["metadata"] = {**current["metadata"], "labels": body["metadata"]["labels"]}
                    new["metadata"]["ownerReferences"] = body["metadata"]["ownerReferences"]
                    for f in ("addressType", "endpoints", "ports"):
                        new[f] = body[f]
                    self.api.update(
                        rt, namespace, current["metadata"]["name"], new, expect_rv=False
                    )
                else:
                    if self.api.store.get(SLICE_KEY, namespace, body["metadata"]["name"]):
                        body["metadata"].pop("name")  # taken: let generateName pick one
                    self.api.create(rt, namespace, body)
            except ApiError:
                complete = False
                continue  # e.g. the namespace is terminating
        for slice_name in unused:
            try:
                self.api.delete(rt, namespace, slice_name)
            except ApiError:
                complete = False
                continue
        return complete

    def _desired(self, namespace: str, name: str) -> dict[str, dict[str, Any]]:
        svc = self.api.store.get("services", namespace, name)
        if svc is None or svc["metadata"].get("deletionTimestamp"):
            return {}
        spec = svc.get("spec") or {}
        selector = spec.get("selector")
        if not selector or spec.get("type") == "ExternalName":
            return {}
        groups: dict[tuple[str, tuple[tuple[str, str, int], ...]], list[dict[str, Any]]] = {}
        for pod_name in self.members.pods_of(namespace, name):
            pod = self.api.store.get("pods", namespace, pod_name)
            if pod is None:
                continue
            meta = pod["metadata"]
            if meta.get("deletionTimestamp"):
                continue
            ip = (pod.get("status") or {}).get("podIP")
            if not ip:
                continue
            ports: list[tuple[str, str, int]] = []
            for sp in spec.get("ports") or []:
                resolved = _resolve_port(sp, pod)
                if resolved is not None:
                    ports.append((sp.get("name", ""), sp.get("protocol", "TCP"), resolved))
            addr_type = "IPv6" if ":" in str(ip) else "IPv4"
            ready = _pod_ready(pod)
            endpoint: dict[str, Any] = {
                "addresses": [ip],
                "conditions": {"ready": ready, "serving": ready, "terminating": False},
                "targetRef": {
                    "kind": "Pod",
                    "namespace": namespace,
                    "name": meta["name"],
                    "uid": meta.get("uid", ""),
                },
            }
            node = (pod.get("spec") or {}).get("nodeName")
            if node:
                endpoint["nodeName"] = node
            groups.setdefault((addr_type, tuple(ports)), []).append(endpoint)
        if not groups:
            # a Service with a selector and no ready pods still gets one empty slice
            ports0 = tuple(
                (sp.get("name", ""), sp.get("protocol", "TCP"), 0) for sp in spec.get("ports") or []
            )
            groups[("IPv4", ports0)] = []
        labels = dict(svc["metadata"].get("labels") or {})
        labels[SERVICE_NAME] = name
        labels[MANAGED_BY] = CONTROLLER
        out: dict[str, dict[str, Any]] = {}
        for (addr_type, slice_ports), endpoints in sorted(groups.items()):
            digest = hashlib.sha1(f"{name}/{addr_type}/{slice_ports}".encode()).hexdigest()
            suffix = "".join("bcdfghjklmnpqrstvwxz2456789"[int(c, 16)] for c in digest[:5])
            slice_name = f"{name}-{suffix}"
            out[slice_name] = {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": slice_name,
                    "namespace": namespace,
                    "labels": labels,
                    "generateName": f"{name}-",
                    "ownerReferences": [
                        {
                            "apiVersion": "v1",
                            "kind": "Service",
                            "name": name,
                            "uid": svc["metadata"].get("uid", ""),
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "addressType": addr_type,
                "endpoints": sorted(
                    endpoints, key=lambda e: (e["addresses"][0], e["targetRef"]["name"])
                ),
                "ports": [
                    {"name": n, "protocol": proto, "port": p if p else None}
                    for n, proto, p in slice_ports
                ]
                if endpoints
                else [],
            }
        return out
