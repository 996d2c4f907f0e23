"""The integration driver shared by the integration, reliability, security and dashboard suites.

Registered as a plugin from the root conftest. ``world`` gives each test a freshly reset stack
(``fresh_stack`` from ``steps.support.stack``) and small verbs over the real clients: the
``kubernetes`` client for Services, CRDs and Events, ``avisdk`` for the controller's objects, the
mocks' control APIs for faults and journals, and the engine's settled state for waiting (never a
fixed sleep).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from simulator.domain.status import CONDITION_TYPE
from simulator.engine.controller import Engine
from simulator.stack import Stack
from steps.support.stack import AVI_AUTH, mock_post
from tests.support import builders

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHARED_VS = "cluster--default-shared-vip-key-1"
AVI_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def service_manifest(
    name: str,
    *,
    key: str | None = None,
    ns: str = "default",
    ports: tuple[tuple[int, str], ...] = ((80, "TCP"),),
    lb_ip: str | None = None,
    ip_annotation: str | None = None,
    type_: str = "LoadBalancer",
    annotations: dict[str, str] | None = None,
    selector: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A Service to create (``tests.support.builders``): ports named ``<proto>-<port>`` to
    targetPort 8080."""
    return builders.service(
        name,
        ns=ns,
        key=key,
        ports=[(port, proto, 8080) for port, proto in ports],
        port_names=lambda p: f"{p[1].lower()}-{p[0]}",
        type_=type_,
        lb_ip=lb_ip,
        ip_annotation=ip_annotation,
        annotations=annotations,
        selector=selector,
    )


class World:
    """Verbs over the running stack for one test."""

    def __init__(self, stack: Stack, kube_api: Any, avi_api: Any) -> None:
        self.stack = stack
        self.core = kube_api
        self.avi_api = avi_api
        from kubernetes import client

        self.custom = client.CustomObjectsApi(kube_api.api_client)

    # -- engine ---------------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        engine = self.stack.engine
        assert engine is not None
        return engine

    def settle(self, timeout: float = 10.0) -> None:
        assert self.engine.wait_settled(timeout), f"engine did not settle: {self.engine.state()}"

    def restart_engine(self, **overrides: Any) -> Engine:
        engine = self.stack.restart_engine(**overrides)
        assert engine.wait_ready(10), "restarted engine not ready"
        self.settle()
        return engine

    # -- services -------------------------------------------------------------------------------
    def apply(self, manifest: dict[str, Any]) -> None:
        manifest = copy.deepcopy(manifest)
        ns = manifest["metadata"].get("namespace", "default")
        name = manifest["metadata"]["name"]
        from kubernetes.client.exceptions import ApiException

        try:
            current = self.core.read_namespaced_service(name, ns, _preload_content=False)
        except ApiException as exc:
            if exc.status != 404:
                raise
            self.core.create_namespaced_service(ns, manifest)
            return
        current.release_conn()
        for attempt in range(10):  # the engine writes status concurrently: 409 -> re-read
            try:
                self.core.replace_namespaced_service(
                    name, ns, self._replace_body(name, ns, manifest)
                )
                return
            except ApiException as exc:
                if exc.status != 409 or attempt == 9:
                    raise

    def _replace_body(self, name: str, ns: str, manifest: dict[str, Any]) -> dict[str, Any]:
        raw = self.raw_service(name, ns)
        body = copy.deepcopy(manifest)
        body["metadata"]["resourceVersion"] = raw["metadata"]["resourceVersion"]
        spec = body["spec"]
        old_spec = raw["spec"]
        if spec.get("type", "ClusterIP") == old_spec.get("type") and "clusterIP" in old_spec:
            spec.setdefault("clusterIP", old_spec["clusterIP"])
        if spec.get("type") in ("LoadBalancer", "NodePort") and old_spec.get("type") in (
            "LoadBalancer",
            "NodePort",
        ):
            old_ports = {
                (p["port"], p.get("protocol", "TCP")): p for p in old_spec.get("ports", [])
            }
            for port in spec["ports"]:
                old = old_ports.get((port["port"], port.get("protocol", "TCP")))
                if old and "nodePort" in old:
                    port.setdefault("nodePort", old["nodePort"])
        return body

    def create(self, name: str, **kwargs: Any) -> None:
        self.apply(service_manifest(name, **kwargs))

    def apply_file(self, path: Path) -> list[str]:
        names = []
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                self.apply(doc)
                names.append(doc["metadata"]["name"])
        return names

    def patch_service(self, name: str, body: dict[str, Any], ns: str = "default") -> None:
        self.core.patch_namespaced_service(name, ns, body)

    def delete_service(self, name: str, ns: str = "default") -> None:
        self.core.delete_namespaced_service(name, ns)

    def create_namespace(self, name: str) -> None:
        self.core.create_namespace(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        )

    def raw_service(self, name: str, ns: str = "default") -> dict[str, Any]:
        response = self.core.read_namespaced_service(name, ns, _preload_content=False)
        import json

        return dict(json.loads(response.data))

    def ips(self, name: str, ns: str = "default") -> list[str]:
        status = self.raw_service(name, ns).get("status") or {}
        return [i["ip"] for i in (status.get("loadBalancer") or {}).get("ingress") or []]

    def condition(self, name: str, ns: str = "default") -> dict[str, Any] | None:
        for cond in (self.raw_service(name, ns).get("status") or {}).get("conditions") or []:
            if cond.get("type") == CONDITION_TYPE:
                return dict(cond)
        return None

    def events(self, name: str, ns: str = "default") -> list[tuple[str, str, str]]:
        response = self.core.list_namespaced_event(
            ns, field_selector=f"involvedObject.name={name}", _preload_content=False
        )
        import json

        items = json.loads(response.data).get("items") or []
        return [(e["type"], e["reason"], e["message"]) for e in items]

    def reasons(self, name: str, ns: str = "default") -> list[str]:
        return [reason for _, reason, _ in self.events(name, ns)]

    # -- CRDs -----------------------------------------------------------------------------------
    def create_infra(self, name: str, spec: dict[str, Any]) -> None:
        body = {
            "apiVersion": "ako.vmware.com/v1beta1",
            "kind": "AviInfraSetting",
            "metadata": {"name": name},
            "spec": spec,
        }
        self.custom.create_cluster_custom_object(
            "ako.vmware.com", "v1beta1", "aviinfrasettings", body
        )

    def infra(self, name: str) -> dict[str, Any]:
        return dict(
            self.custom.get_cluster_custom_object(
                "ako.vmware.com", "v1beta1", "aviinfrasettings", name
            )
        )

    def patch_infra(self, name: str, spec: dict[str, Any]) -> None:
        self.custom.patch_cluster_custom_object(
            "ako.vmware.com", "v1beta1", "aviinfrasettings", name, {"spec": spec}
        )

    def create_l4rule(self, name: str, spec: dict[str, Any], ns: str = "default") -> None:
        body = {
            "apiVersion": "ako.vmware.com/v1alpha2",
            "kind": "L4Rule",
            "metadata": {"name": name, "namespace": ns},
            "spec": spec,
        }
        self.custom.create_namespaced_custom_object(
            "ako.vmware.com", "v1alpha2", ns, "l4rules", body
        )

    def l4rule(self, name: str, ns: str = "default") -> dict[str, Any]:
        return dict(
            self.custom.get_namespaced_custom_object(
                "ako.vmware.com", "v1alpha2", ns, "l4rules", name
            )
        )

    # -- controller -----------------------------------------------------------------------------
    def avi_list(self, obj_type: str, **params: Any) -> list[dict[str, Any]]:
        query = {"include_name": "true", "page_size": 200, **params}
        body = self.avi_api.get(obj_type, params=query).json()
        return list(body.get("results") or [])

    def avi_get(self, obj_type: str, name: str) -> dict[str, Any] | None:
        found = self.avi_list(obj_type, name=name)
        return found[0] if found else None

    def avi_names(self, obj_type: str) -> list[str]:
        return sorted(
            o["name"] for o in self.avi_list(obj_type) if o.get("name", "").startswith("cluster--")
        )

    def avi_delete(self, obj_type: str, name: str) -> None:
        obj = self.avi_get(obj_type, name)
        assert obj is not None, f"{obj_type} {name} not found"
        rsp = self.avi_api.delete(f"{obj_type}/{obj['uuid']}")
        assert rsp.status_code == 204, rsp.text

    def journal(self, since: int = 0) -> list[dict[str, Any]]:
        rsp = requests.get(
            f"{self.stack.avi_url}/__mock__/journal",
            params={"since": since},
            auth=AVI_AUTH,
            timeout=5,
        )
        rsp.raise_for_status()
        return list(rsp.json())

    def journal_seq(self) -> int:
        entries = self.journal()
        return max((e["seq"] for e in entries), default=0)

    def avi_writes_since(self, seq: int) -> list[str]:
        return [
            f"{e['method']} {e['path']}"
            for e in self.journal(seq)
            if e["method"] in AVI_WRITE_METHODS and e["path"].startswith("/api/")
        ]

    def avi_fault(self, **rule: Any) -> Any:
        return mock_post(self.stack.avi_url, "faults", rule, avi=True)

    def k8s_fault(self, **rule: Any) -> Any:
        return mock_post(self.stack.k8s_url, "faults", rule)

    def clear_faults(self) -> None:
        requests.delete(f"{self.stack.avi_url}/__mock__/faults", auth=AVI_AUTH, timeout=5)
        requests.delete(f"{self.stack.k8s_url}/__mock__/faults", timeout=5)


@pytest.fixture
def world(fresh_stack: Stack, kube_api: Any, avi_api: Any) -> Iterator[World]:
    w = World(fresh_stack, kube_api, avi_api)
    try:
        yield w
    finally:
        w.clear_faults()
