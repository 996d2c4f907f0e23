"""``kubectl explain`` (kubectl 1.37, OpenAPI v3) against mock_k8s: the schemas served are the
ones of the kubernetes client's models, so field lists, types and descriptions are real ones.
The served documents are also checked with the OpenAPI validators and for every served kind."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
import requests
from kubernetes.client import models as client_models

from mock_k8s.server import RunningServer

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def test_explain_service_spec_ports(kubectl: Kubectl) -> None:
    out = kubectl("explain", "service.spec.ports").stdout
    assert "KIND:       Service" in out and "VERSION:    v1" in out
    assert "FIELD: ports <[]ServicePort>" in out
    assert "The list of ports that are exposed by this service." in out
    assert "port\t<integer> -required-" in out
    assert "targetPort\t<IntOrString>" in out
    assert "protocol\t<string>" in out
    assert "The IP protocol for this port." in " ".join(out.split())


def test_explain_deployment_spec_template(kubectl: Kubectl) -> None:
    out = kubectl("explain", "deployment.spec.template").stdout
    assert "GROUP:      apps" in out and "KIND:       Deployment" in out
    assert "FIELD: template <PodTemplateSpec>" in out
    assert "PodTemplateSpec describes the data a pod should have when created from a" in out
    assert "metadata\t<ObjectMeta>" in out and "spec\t<PodSpec>" in out


def test_explain_pod_spec_containers_ports(kubectl: Kubectl) -> None:
    out = kubectl("explain", "pod.spec.containers.ports").stdout
    assert "FIELD: ports <[]ContainerPort>" in out
    assert "containerPort\t<integer> -required-" in out
    text = " ".join(out.split())
    assert "List of ports to expose from the container." in text
    assert "Number of port to expose on the pod's IP address." in text


def test_explain_recursive_and_an_unknown_field(kubectl: Kubectl) -> None:
    out = kubectl("explain", "service.spec", "--recursive").stdout
    assert "loadBalancerClass\t<string>" in out and "ports\t<[]ServicePort>" in out
    bad = kubectl("explain", "service.spec.portz", check=False)
    assert bad.returncode != 0
    assert 'field "portz" does not exist' in bad.stderr


def test_explain_a_custom_resource_from_its_crd_schema(kubectl: Kubectl) -> None:
    out = kubectl("explain", "l4rules.spec").stdout
    assert "GROUP:      ako.vmware.com" in out and "KIND:       L4Rule" in out
    assert "loadBalancerIP\t<string>" in out


def test_every_served_kind_has_a_schema_with_its_gvk(k8s_server: RunningServer) -> None:
    index = requests.get(f"{k8s_server.url}/openapi/v3", timeout=30).json()["paths"]
    resources = requests.get(f"{k8s_server.url}/api/v1", timeout=30).json()["resources"]
    assert "api/v1" in index
    missing: list[str] = []
    for path, entry in index.items():
        doc = requests.get(f"{k8s_server.url}{entry['serverRelativeURL']}", timeout=60).json()
        gvks = {
            (g["group"], g["version"], g["kind"])
            for schema in doc["components"]["schemas"].values()
            for g in schema.get("x-kubernetes-group-version-kind", [])
        }
        group_version = path.removeprefix("api/").removeprefix("apis/")
        served = requests.get(f"{k8s_server.url}/{path}", timeout=30).json()["resources"]
        for res in served:
            if "/" in res["name"]:
                continue
            group, _, version = group_version.rpartition("/")
            if (group, version, res["kind"]) not in gvks:
                missing.append(f"{group_version} {res['kind']}")
    assert not missing, missing
    assert any(r["name"] == "services" for r in resources)


def test_v3_documents_are_valid_openapi_and_refs_resolve(k8s_server: RunningServer) -> None:
    from openapi_spec_validator import validate

    index = requests.get(f"{k8s_server.url}/openapi/v3", timeout=30).json()["paths"]
    for path in ("api/v1", "apis/apps/v1", "apis/ako.vmware.com/v1alpha2"):
        if path not in index:
            pytest.skip(f"{path} not served")
        doc = requests.get(f"{k8s_server.url}{index[path]['serverRelativeURL']}", timeout=60).json()
        validate(doc)


def test_v2_document_has_definitions_with_client_descriptions(k8s_server: RunningServer) -> None:
    from openapi_spec_validator import validate

    doc = requests.get(
        f"{k8s_server.url}/openapi/v2", headers={"Accept": "application/json"}, timeout=60
    ).json()
    assert doc["swagger"] == "2.0"
    validate(doc)
    port = doc["definitions"]["io.k8s.api.core.v1.ServicePort"]
    assert port["required"] == ["port"]
    expected = client_models.V1ServicePort.model_fields["port"].description
    assert port["properties"]["port"]["description"] == expected
    svc = doc["definitions"]["io.k8s.api.core.v1.Service"]
    assert svc["x-kubernetes-group-version-kind"] == [
        {"group": "", "kind": "Service", "version": "v1"}
    ]
