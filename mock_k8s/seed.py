"""The seeded cluster: namespaces default, kube-system, kube-public (each with its ``default``
ServiceAccount and ``kube-root-ca.crt`` ConfigMap, as every namespace gets them), three Ready
nodes, optionally the ``default/kubernetes`` Service and the AKO CRDs. Deterministic for a given
seed; written through the API like any client would, before any watcher exists.
"""

from __future__ import annotations

import uuid
from typing import Any

from mock_k8s.apiserver import Api
from mock_k8s.resources.crds import ako_crd_manifests

SEED_NAMESPACES = ("default", "kube-system", "kube-public")
NODE_COUNT = 3
KUBERNETES_SERVICE_IP = "10.96.0.1"


def node_manifest(index: int, kubelet_version: str = "v1.31.9") -> dict[str, Any]:
    name = f"node-{index}"
    ident = f"{index:08x}" * 4
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
        },
        "spec": {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"]},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": f"10.0.1.{index}"},
                {"type": "Hostname", "address": name},
            ],
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": "2025-01-01T00:00:00Z",
                    "lastTransitionTime": "2025-01-01T00:00:00Z",
                }
            ],
            "nodeInfo": {
                "machineID": ident,
                "systemUUID": str(uuid.UUID(hex=ident)),
                "bootID": f"{ident[:8]}-0000-4000-8000-{ident[:12]}",
                "kernelVersion": "6.1.0-28-amd64",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://1.7.24",
                "kubeletVersion": kubelet_version,
                "kubeProxyVersion": kubelet_version,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
        },
    }


def kubernetes_service() -> dict[str, Any]:
    """``default/kubernetes``: the API server's Service (first address of the service CIDR)."""
    return {
        "metadata": {
            "name": "kubernetes",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": KUBERNETES_SERVICE_IP,
            "clusterIPs": [KUBERNETES_SERVICE_IP],
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
            "sessionAffinity": "None",
        },
    }


def seed(api: Api, install_ako_crds: bool = True) -> None:
    ns_rt = api.registry.lookup("", "v1", "namespaces")
    node_rt = api.registry.lookup("", "v1", "nodes")
    svc_rt = api.registry.lookup("", "v1", "services")
    assert ns_rt is not None and node_rt is not None and svc_rt is not None
    for ns in SEED_NAMESPACES:
        api.create(ns_rt, "", {"metadata": {"name": ns}})
    kubelet = api.cluster.version_info["gitVersion"]
    for i in range(1, NODE_COUNT + 1):
        api.create(node_rt, "", node_manifest(i, kubelet))
    if api.cluster.kubernetes_service:
        api.create(svc_rt, "default", kubernetes_service())
    if install_ako_crds:
        for crd in ako_crd_manifests():
            api.install_crd(crd)
