"""The seeded cluster: namespaces default, kube-system, kube-public, three Ready nodes and
(optionally) the AKO CRDs. Deterministic for a given seed; written through the API like any
client would, before any watcher exists.
"""

from __future__ import annotations

from typing import Any

from mock_k8s.api import Api
from mock_k8s.resources.crds import ako_crd_manifests

SEED_NAMESPACES = ("default", "kube-system", "kube-public")
NODE_COUNT = 3


def node_manifest(index: int) -> dict[str, Any]:
    name = f"node-{index}"
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
                "kubeletVersion": "v1.31.9",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "kernelVersion": "6.1.0",
                "containerRuntimeVersion": "containerd://1.7.0",
                "architecture": "amd64",
                "operatingSystem": "linux",
            },
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
        },
    }


def seed(api: Api, install_ako_crds: bool = True) -> None:
    ns_rt = api.registry.lookup("", "v1", "namespaces")
    node_rt = api.registry.lookup("", "v1", "nodes")
    assert ns_rt is not None and node_rt is not None
    for ns in SEED_NAMESPACES:
        api.create(ns_rt, "", {"metadata": {"name": ns}})
    for i in range(1, NODE_COUNT + 1):
        api.create(node_rt, "", node_manifest(i))
    if install_ako_crds:
        for crd in ako_crd_manifests():
            api.install_crd(crd)
