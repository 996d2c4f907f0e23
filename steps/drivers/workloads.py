"""Driver for workloads on the (fake) cluster: Deployments, their Pods, scaling, and nodes
failing and recovering.

Talks REST through :class:`steps.drivers.kube.KubeDriver` (Deployments, the ``scale``
subresource, Pods) and to mock_k8s's control API for node readiness
(``POST /__mock__/nodes/<name>`` ``{"ready": false}``, the simulated kubelet stops posting).
Engine-neutral: it reads and writes the cluster only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from steps.drivers.kube import MERGE_PATCH, KubeDriver

NEVER_READY = "ako-sim/ready"


def _ready(pod: Mapping[str, Any]) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return bool(c.get("status") == "True")
    return False


class WorkloadsDriver:
    def __init__(self, kube: KubeDriver) -> None:
        self.kube = kube

    # -- Deployments ----------------------------------------------------------------------------
    def create_deployment(
        self,
        name: str,
        replicas: int,
        labels: Mapping[str, str],
        port: int,
        namespace: str = "default",
    ) -> None:
        body = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": dict(labels)},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {
                        "containers": [
                            {"name": name, "image": "nginx", "ports": [{"containerPort": port}]}
                        ]
                    },
                },
            },
        }
        self.kube.call("POST", f"/apis/apps/v1/namespaces/{namespace}/deployments", body)

    def scale(self, name: str, replicas: int, namespace: str = "default") -> None:
        self.kube.call(
            "PATCH",
            f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
            {"spec": {"replicas": replicas}},
            MERGE_PATCH,
        )

    def deployment(self, name: str, namespace: str = "default") -> dict[str, Any]:
        return dict(
            self.kube.call("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
        )

    # -- Pods -----------------------------------------------------------------------------------
    def pods(self, selector: str, namespace: str = "default") -> list[dict[str, Any]]:
        body = self.kube.call(
            "GET", f"/api/v1/namespaces/{namespace}/pods", params={"labelSelector": selector}
        )
        return [p for p in body.get("items", []) if not p["metadata"].get("deletionTimestamp")]

    def ready_pod_ips(
        self, selector: str, namespace: str = "default", node: str | None = None
    ) -> list[str]:
        return sorted(
            str(p["status"]["podIP"])
            for p in self.pods(selector, namespace)
            if _ready(p)
            and (p.get("status") or {}).get("podIP")
            and (node is None or p["spec"].get("nodeName") == node)
        )

    def pods_on(self, selector: str, node: str, namespace: str = "default") -> list[dict[str, Any]]:
        return [p for p in self.pods(selector, namespace) if p["spec"].get("nodeName") == node]

    def create_never_ready_pod(
        self, name: str, labels: Mapping[str, str], port: int, namespace: str = "default"
    ) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": dict(labels),
                "annotations": {NEVER_READY: "never"},
            },
            "spec": {
                "containers": [
                    {"name": "app", "image": "nginx", "ports": [{"containerPort": port}]}
                ]
            },
        }
        self.kube.call("POST", f"/api/v1/namespaces/{namespace}/pods", body)

    def pod(self, name: str, namespace: str = "default") -> dict[str, Any]:
        return dict(self.kube.call("GET", f"/api/v1/namespaces/{namespace}/pods/{name}"))

    @staticmethod
    def is_ready(pod: Mapping[str, Any]) -> bool:
        return _ready(pod)

    # -- nodes ----------------------------------------------------------------------------------
    def set_node_ready(self, node: str, ready: bool) -> dict[str, Any]:
        response = requests.post(
            f"{self.kube.url}/__mock__/nodes/{node}", json={"ready": ready}, timeout=10
        )
        if response.status_code >= 400:
            raise AssertionError(
                f"marking node {node} ready={ready}: HTTP {response.status_code} {response.text}"
            )
        return dict(response.json())

    def node_ready(self, node: str) -> bool:
        found = self.kube.call("GET", f"/api/v1/nodes/{node}")
        return _ready(found)
