"""What the real AKO needs around it: its environment and the objects it reads in the cluster.

Pure builders (:func:`ako_environment`, :func:`cluster_objects`) turn the engine settings of
``behaviour.md`` section 1 into AKO's environment variables (the Helm chart's names, see
``reference/ako-runtime.md``) and the manifests of namespace ``avi-system``, Secret
``avi-secret``, ConfigMap ``avi-k8s-config``, Pod ``ako-0`` and the one-replica StatefulSet
``ako``. :func:`apply_objects` creates them through the API server's REST API (create, or
replace when they exist); :func:`check_served` fails clearly when the API server does not serve
a resource AKO's cache sync waits for. Nothing here starts AKO or imports the mocks.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml

from simulator.config import EngineConfig

NAMESPACE = "avi-system"
POD_NAME = "ako-0"
STATEFULSET = "ako"
SECRET = "avi-secret"
CONFIGMAP = "avi-k8s-config"
IMAGE = "ako-under-test:external-binary"

#: resources whose informers AKO waits for at start (a 404 on one blocks its cache sync forever)
WATCHED: tuple[tuple[str, str], ...] = (
    ("/api/v1/services", "services"),
    ("/api/v1/nodes", "nodes"),
    ("/api/v1/namespaces", "namespaces"),
    ("/api/v1/secrets", "secrets"),
    ("/api/v1/configmaps", "configmaps"),
    ("/apis/discovery.k8s.io/v1/endpointslices", "discovery.k8s.io/v1 endpointslices"),
    ("/apis/networking.k8s.io/v1/ingresses", "networking.k8s.io/v1 ingresses"),
    ("/apis/networking.k8s.io/v1/ingressclasses", "networking.k8s.io/v1 ingressclasses"),
    ("/apis/ako.vmware.com/v1beta1/hostrules", "ako.vmware.com/v1beta1 hostrules"),
    ("/apis/ako.vmware.com/v1beta1/httprules", "ako.vmware.com/v1beta1 httprules"),
    ("/apis/ako.vmware.com/v1beta1/aviinfrasettings", "ako.vmware.com/v1beta1 aviinfrasettings"),
    ("/apis/ako.vmware.com/v1alpha2/l4rules", "ako.vmware.com/v1alpha2 l4rules"),
    ("/apis/ako.vmware.com/v1alpha2/l7rules", "ako.vmware.com/v1alpha2 l7rules"),
    ("/apis/ako.vmware.com/v1alpha2/ssorules", "ako.vmware.com/v1alpha2 ssorules"),
)


class AkoSetupError(Exception):
    """A problem with AKO's binary or surroundings, said in one or a few lines."""


def check_binary(path: str | Path) -> Path:
    """The binary as an absolute path; a clear error when it is missing or not executable."""
    binary = Path(path).expanduser()
    if not binary.exists():
        raise AkoSetupError(
            f"AKO binary not found: {binary} (give --ako-binary PATH or AKO_BINARY)"
        )
    if not binary.is_file():
        raise AkoSetupError(f"AKO binary is not a file: {binary}")
    mode = binary.stat().st_mode
    if not mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH) or not os.access(binary, os.X_OK):
        raise AkoSetupError(f"AKO binary is not executable: {binary} (chmod +x it)")
    return binary.resolve()


def controller_address(url: str) -> str:
    """AKO's ``CTRL_IPADDRESS`` (host or host:port) for an HTTPS controller URL."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise AkoSetupError(
            f"AKO talks to the controller over HTTPS only, but the controller is {url} "
            "(start mock-avi with --tls; `ako-sim up --engine ako` does it)"
        )
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return host + (f":{parts.port}" if parts.port else "")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (for ``AKO_API_PORT``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ako_environment(
    config: EngineConfig, *, home: Path, api_port: int, path: str | None = None
) -> dict[str, str]:
    """AKO's whole environment (nothing inherited but ``PATH``): behaviour.md section 1's
    settings under the Helm chart's names, ``HOME`` holding ``.kube/config``, its API port."""
    env = {
        "HOME": str(home),
        "PATH": path if path is not None else os.environ.get("PATH", "/usr/bin:/bin"),
        "CTRL_IPADDRESS": controller_address(config.avi_controller),
        "CTRL_VERSION": "",
        "CLOUD_NAME": config.cloud,
        "CLUSTER_NAME": config.cluster_name,
        "TENANT_NAME": config.tenant,
        "SEG_NAME": config.se_group,
        "VIP_NETWORK_LIST": json.dumps([{"networkName": n} for n in config.vip_networks]),
        "SERVICE_TYPE": config.service_type,
        "DEFAULT_LB_CONTROLLER": str(config.default_lb_controller).lower(),
        "DEFAULT_ING_CONTROLLER": "true",
        "ENABLE_EVH": str(config.enable_evh).lower(),
        "FULL_SYNC_INTERVAL": str(int(config.resync_period)),
        "POD_NAMESPACE": NAMESPACE,
        "POD_NAME": POD_NAME,
        "PRIMARY_AKO_FLAG": "true",
        "ENABLE_RHI": "false",
        "AKO_API_PORT": str(api_port),
        "AUTO_L4_FQDN": "default",
        "CNI_PLUGIN": "",
        "ISTIO_ENABLED": "false",
        "NODE_NETWORK_LIST": "[]",
        "BGP_PEER_LABELS": "[]",
        "BLOCKED_NS_LIST": "[]",
        "PROMETHEUS_ENABLED": "false",
        "AKO_CRD_OPERATOR_ENABLED": "false",
        "MCI_ENABLED": "false",
        "VPC_MODE": "false",
        "FQDN_REUSE_POLICY": "InterNamespaceAllowed",
    }
    if config.vrf != "global":
        env["VRF_NAME"] = config.vrf
    return env


def write_home(home: Path, kubeconfig: str | None) -> Path:
    """``home/.kube/config``: a copy of the stack's kubeconfig (AKO reads nothing else)."""
    if not kubeconfig:
        raise AkoSetupError("AKO needs the kubeconfig of the fake API server")
    try:
        text = Path(kubeconfig).read_text(encoding="utf-8")
    except OSError as exc:
        raise AkoSetupError(f"cannot read kubeconfig {kubeconfig}: {exc}") from None
    target = home / ".kube" / "config"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cluster_objects(
    config: EngineConfig, *, leader_election: bool = False, log_level: str = "INFO"
) -> list[tuple[str, dict[str, Any]]]:
    """(collection path, manifest) of everything AKO reads at start, in creation order."""
    labels = {"app.kubernetes.io/name": "ako", "app.kubernetes.io/instance": "ako-sim"}
    meta = {"namespace": NAMESPACE, "labels": labels}
    objects: list[tuple[str, dict[str, Any]]] = [
        (
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        ),
        (
            f"/api/v1/namespaces/{NAMESPACE}/secrets",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": SECRET, **meta},
                "type": "Opaque",
                "data": {"username": _b64(config.avi_user), "password": _b64(config.avi_password)},
            },
        ),
        (
            f"/api/v1/namespaces/{NAMESPACE}/configmaps",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": CONFIGMAP, **meta},
                "data": {
                    "deleteConfig": "false",
                    "logLevel": log_level,
                    "enableEvents": "true",
                    "layer7Only": "false",
                    "noPGForSNI": "false",
                },
            },
        ),
    ]
    pod_spec = {
        "serviceAccountName": "ako-sa",
        "containers": [{"name": "ako", "image": IMAGE}],
    }
    objects.append(  # before the StatefulSet, whose controller would make one of its own
        (
            f"/api/v1/namespaces/{NAMESPACE}/pods",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": POD_NAME, **meta},
                "spec": pod_spec,
            },
        )
    )
    if not leader_election:
        objects.append(
            (
                f"/apis/apps/v1/namespaces/{NAMESPACE}/statefulsets",
                {
                    "apiVersion": "apps/v1",
                    "kind": "StatefulSet",
                    "metadata": {"name": STATEFULSET, **meta},
                    "spec": {
                        "replicas": 1,
                        "serviceName": "ako",
                        "selector": {"matchLabels": labels},
                        "template": {"metadata": {"labels": labels}, "spec": pod_spec},
                    },
                },
            )
        )
    return objects


@dataclass(frozen=True)
class KubeTarget:
    """The API server of a kubeconfig: URL and the headers that authenticate to it."""

    url: str
    headers: Mapping[str, str]
    verify: bool | str = True

    @classmethod
    def from_kubeconfig(cls, path: str) -> KubeTarget:
        try:
            config = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise AkoSetupError(f"cannot read kubeconfig {path}: {exc}") from None
        contexts = {c.get("name"): c.get("context") or {} for c in config.get("contexts") or []}
        context = contexts.get(config.get("current-context")) or next(iter(contexts.values()), {})
        clusters = {c.get("name"): c.get("cluster") or {} for c in config.get("clusters") or []}
        users = {u.get("name"): u.get("user") or {} for u in config.get("users") or []}
        cluster = clusters.get(context.get("cluster")) or next(iter(clusters.values()), {})
        user = users.get(context.get("user")) or {}
        server = cluster.get("server")
        if not isinstance(server, str) or not server:
            raise AkoSetupError(f"kubeconfig {path} names no API server")
        headers = {"Accept": "application/json"}
        if isinstance(user.get("token"), str):
            headers["Authorization"] = f"Bearer {user['token']}"
        verify: bool | str = not cluster.get("insecure-skip-tls-verify", False)
        if isinstance(cluster.get("certificate-authority"), str):
            verify = str(cluster["certificate-authority"])
        return cls(server.rstrip("/"), headers, verify)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return requests.request(
                method,
                self.url + path,
                headers=dict(self.headers),
                verify=self.verify,
                timeout=10,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise AkoSetupError(f"cannot reach the API server at {self.url}: {exc}") from None


def check_served(kube: KubeTarget, paths: Sequence[tuple[str, str]] = WATCHED) -> None:
    """Every resource AKO's start-up sync waits for lists; else say which ones do not."""
    missing = []
    for path, name in paths:
        answer = kube.request("GET", path, params={"limit": "1"})
        if answer.status_code != 200:
            missing.append(f"{name} (GET {path}: HTTP {answer.status_code})")
    if missing:
        raise AkoSetupError(
            "the API server does not serve what AKO waits for at start, so AKO would never "
            "finish its cache sync:\n  " + "\n  ".join(missing)
        )


def apply_objects(kube: KubeTarget, objects: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Create each object, or replace it (same name) when it exists already."""
    for collection, body in objects:
        name = body["metadata"]["name"]
        answer = kube.request("POST", collection, json=body)
        if answer.status_code == 409:
            item = f"{collection}/{name}"
            current = kube.request("GET", item)
            if current.status_code == 200 and body["kind"] not in ("Namespace", "Pod"):
                replacement = json.loads(json.dumps(body))
                version = current.json().get("metadata", {}).get("resourceVersion")
                replacement["metadata"]["resourceVersion"] = version
                answer = kube.request("PUT", item, json=replacement)
            else:
                continue  # a Namespace or Pod that exists is as good as a new one
        if answer.status_code >= 300:
            raise AkoSetupError(
                f"cannot create {body['kind']} {name} for AKO: HTTP {answer.status_code} "
                f"{answer.text[:300]}"
            )
