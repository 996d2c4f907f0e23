"""Field validation as the real API server does it, checked with real kubectl 1.37, the kubernetes
client and raw HTTP: ``fieldValidation`` Strict / Warn / Ignore for unknown and duplicate fields
(Warn when absent), type checks when a body is decoded (nothing stored, no later read broken),
and CRD structural schemas (types, required, enum, pattern, bounds, pruning)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from kubernetes import client

from mock_k8s.server import RunningServer

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
NS_PATH = "/api/v1/namespaces/default"
TYPO_SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {"foo": "bar", "ports": [{"port": 80, "targetPortt": 8080}]},
}
MSG_STRICT = (
    'Service in version "v1" cannot be handled as a Service: strict decoding error: '
    'unknown field "spec.foo", unknown field "spec.ports[0].targetPortt"'
)


def _manifest(tmp_path: Path, obj: dict[str, Any]) -> str:
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(obj))
    return str(path)


def _post(server: RunningServer, path: str, body: Any, **params: str) -> requests.Response:
    data = body if isinstance(body, str) else json.dumps(body)
    return requests.post(
        f"{server.url}{path}",
        params=params,
        data=data,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )


# ---- kubectl apply / create with typos -----------------------------------------------------
def test_apply_strict_refuses_unknown_fields(kubectl: Kubectl, tmp_path: Path) -> None:
    proc = kubectl(
        "apply", "-f", _manifest(tmp_path, TYPO_SERVICE), "--validate=strict", check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{tmp_path / "manifest.yaml"}": '
        + MSG_STRICT
    )
    assert kubectl("get", "svc", "web", check=False).returncode == 1


def test_create_defaults_to_strict(kubectl: Kubectl, tmp_path: Path) -> None:
    proc = kubectl("create", "-f", _manifest(tmp_path, TYPO_SERVICE), check=False)
    assert proc.returncode == 1
    assert MSG_STRICT in proc.stderr


def test_apply_warn_stores_without_the_unknown_fields(
    kubectl: Kubectl, tmp_path: Path, core: client.CoreV1Api
) -> None:
    proc = kubectl("apply", "-f", _manifest(tmp_path, TYPO_SERVICE), "--validate=warn")
    assert proc.stdout.strip() == "service/web created"
    assert 'Warning: unknown field "spec.foo"' in proc.stderr
    assert 'Warning: unknown field "spec.ports[0].targetPortt"' in proc.stderr
    svc = core.read_namespaced_service("web", "default")
    assert svc.spec.ports[0].target_port == 80  # defaulted from port: the typo was dropped
    raw = json.loads(kubectl("get", "svc", "web", "-o", "json").stdout)
    assert "foo" not in raw["spec"] and "targetPortt" not in raw["spec"]["ports"][0]


def test_apply_ignore_is_silent(kubectl: Kubectl, tmp_path: Path) -> None:
    proc = kubectl("apply", "-f", _manifest(tmp_path, TYPO_SERVICE), "--validate=ignore")
    assert proc.stdout.strip() == "service/web created"
    assert "Warning" not in proc.stderr


def test_apply_of_an_existing_object_refuses_the_typo_in_its_patch(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    good = {**TYPO_SERVICE, "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    kubectl("apply", "-f", _manifest(tmp_path, good))
    proc = kubectl("apply", "-f", _manifest(tmp_path, TYPO_SERVICE), check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("The request is invalid: patch: Invalid value: ")
    assert "strict decoding error:" in proc.stderr
    assert 'unknown field "spec.foo"' in proc.stderr
    assert 'unknown field "spec.ports[0].targetPortt"' in proc.stderr
    ports = json.loads(kubectl("get", "svc", "web", "-o", "json").stdout)["spec"]["ports"]
    assert ports[0]["targetPort"] == 8080


# ---- raw HTTP: duplicates, the default directive, a bad directive -------------------------
DUPLICATE_BODY = (
    '{"metadata": {"name": "dup"}, "spec": {"type": "ClusterIP", "type": "NodePort", '
    '"ports": [{"port": 80, "protocol": "TCP", "protocol": "UDP"}], "foo": 1}}'
)


def test_duplicate_fields_strict(k8s_server: RunningServer) -> None:
    resp = _post(k8s_server, f"{NS_PATH}/services", DUPLICATE_BODY, fieldValidation="Strict")
    assert resp.status_code == 400
    body = resp.json()
    assert body["reason"] == "BadRequest"
    assert body["message"] == (
        'Service in version "v1" cannot be handled as a Service: strict decoding error: '
        'duplicate field "spec.type", duplicate field "spec.ports[0].protocol", '
        'unknown field "spec.foo"'
    )


def test_no_directive_means_warn_and_the_last_duplicate_wins(k8s_server: RunningServer) -> None:
    resp = _post(k8s_server, f"{NS_PATH}/services", DUPLICATE_BODY)
    assert resp.status_code == 201
    assert resp.raw.headers.getlist("Warning") == [
        '299 - "duplicate field \\"spec.type\\""',
        '299 - "duplicate field \\"spec.ports[0].protocol\\""',
        '299 - "unknown field \\"spec.foo\\""',
    ]
    spec = resp.json()["spec"]
    assert spec["type"] == "NodePort" and spec["ports"][0]["protocol"] == "UDP"
    assert "foo" not in spec


@pytest.mark.parametrize(
    ("body", "directive"),
    [
        ('{"metadata": {"name": "o"}, "spec": {"ports": {}}}', "Warn"),
        ('{"metadata": {"name": "o", "name": "o"}, "spec": {"ports": {}}}', "Warn"),
        ('{"metadata": {"name": "o", "name": "o"}, "spec": {"ports": {}}}', "Strict"),
        ('{"metadata": {"name": "o"}, "spec": {"ports": {}}}', "Ignore"),
    ],
)
def test_an_object_where_a_list_goes_is_refused_whatever_the_directive(
    k8s_server: RunningServer, body: str, directive: str
) -> None:
    """encoding/json's text, the same with or without a repeated key and for every directive
    (a body read keeping its repeated keys once let an empty object pass as an empty list)."""
    resp = _post(k8s_server, f"{NS_PATH}/services", body, fieldValidation=directive)
    assert resp.status_code == 400
    assert resp.json()["message"] == (
        'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal object '
        "into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort"
    )


def test_an_object_where_a_string_goes_is_named_an_object(k8s_server: RunningServer) -> None:
    body = '{"metadata": {"name": {}, "labels": {}, "labels": {}}}'
    resp = _post(k8s_server, f"{NS_PATH}/configmaps", body)
    assert resp.status_code == 400
    assert resp.json()["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
        "object into Go struct field ObjectMeta.metadata.name of type string"
    )


def test_an_unknown_directive_is_refused(k8s_server: RunningServer) -> None:
    resp = _post(
        k8s_server, f"{NS_PATH}/configmaps", {"metadata": {"name": "c"}}, fieldValidation="Bogus"
    )
    assert resp.status_code == 422
    assert resp.json()["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Bogus": '
        'supported values: "", "Ignore", "Strict", "Warn"'
    )


def test_merge_patch_with_an_unknown_field(k8s_server: RunningServer) -> None:
    assert _post(k8s_server, f"{NS_PATH}/configmaps", {"metadata": {"name": "c"}}).ok
    url = f"{k8s_server.url}{NS_PATH}/configmaps/c"
    headers = {"Content-Type": "application/merge-patch+json"}
    patch = json.dumps({"data": {"a": "1"}, "dataa": {"b": "2"}})
    strict = requests.patch(
        url, params={"fieldValidation": "Strict"}, data=patch, headers=headers, timeout=10
    )
    assert strict.status_code == 422
    message = strict.json()["message"]
    assert message.startswith(' "" is invalid: patch: Invalid value: "{')
    assert message.endswith('": strict decoding error: unknown field "dataa"')
    warn = requests.patch(
        url, params={"fieldValidation": "Warn"}, data=patch, headers=headers, timeout=10
    )
    assert warn.status_code == 200
    assert warn.raw.headers.getlist("Warning") == ['299 - "unknown field \\"dataa\\""']
    assert warn.json()["data"] == {"a": "1"} and "dataa" not in warn.json()


# ---- the four malformed bodies of the issue --------------------------------------------------
MALFORMED = [
    (
        "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
        {"metadata": {"name": "bad"}, "addressType": "IPv4", "endpoints": "x"},
        'EndpointSlice in version "v1" cannot be handled as a EndpointSlice: json: cannot '
        "unmarshal string into Go struct field EndpointSlice.endpoints of type []v1.Endpoint",
    ),
    (
        f"{NS_PATH}/pods",
        {
            "metadata": {"name": "bad"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            "status": {"containerStatuses": [{"name": "c", "restartCount": "abc"}]},
        },
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go '
        "struct field ContainerStatus.status.containerStatuses.restartCount of type int32",
    ),
    (
        "/api/v1/namespaces",
        {"metadata": {"name": "bad"}, "status": "x"},
        'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal '
        "string into Go struct field Namespace.status of type v1.NamespaceStatus",
    ),
    (
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        {
            "metadata": {"name": "bads.example.com"},
            "spec": {
                "group": "example.com",
                "names": {"plural": "bads", "kind": "Bad"},
                "scope": "Namespaced",
                "versions": "x",
            },
        },
        'CustomResourceDefinition in version "v1" cannot be handled as a '
        "CustomResourceDefinition: json: cannot unmarshal string into Go struct field "
        "CustomResourceDefinitionSpec.spec.versions of type "
        "[]v1.CustomResourceDefinitionVersion",
    ),
]


@pytest.mark.parametrize(("path", "body", "message"), MALFORMED, ids=lambda v: str(v)[:30])
def test_a_malformed_body_is_refused_and_nothing_is_stored(
    k8s_server: RunningServer, path: str, body: dict[str, Any], message: str
) -> None:
    for directive in ("Strict", "Warn", "Ignore"):
        resp = _post(k8s_server, path, body, fieldValidation=directive)
        assert resp.status_code == 400, resp.text
        assert resp.json()["reason"] == "BadRequest"
        assert resp.json()["message"] == message
    name = body["metadata"]["name"]
    assert requests.get(f"{k8s_server.url}{path}/{name}", timeout=10).status_code == 404
    assert requests.get(f"{k8s_server.url}{path}", timeout=10).status_code == 200


def test_malformed_status_writes_are_refused_and_typed_reads_still_work(
    k8s_server: RunningServer, core: client.CoreV1Api, api_client: client.ApiClient
) -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    assert _post(k8s_server, f"{NS_PATH}/pods", pod).status_code == 201
    url = f"{k8s_server.url}{NS_PATH}/pods/p/status"
    patch = {"status": {"containerStatuses": [{"name": "c", "restartCount": "abc"}]}}
    resp = requests.patch(
        url,
        data=json.dumps(patch),
        timeout=10,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert resp.status_code == 422
    assert resp.json()["message"].endswith(
        '": json: cannot unmarshal string into Go struct field '
        "ContainerStatus.status.containerStatuses.restartCount of type int32"
    )
    ns_url = f"{k8s_server.url}/api/v1/namespaces/default/status"
    current = requests.get(f"{k8s_server.url}/api/v1/namespaces/default", timeout=10).json()
    resp = requests.put(
        ns_url,
        data=json.dumps({**current, "status": "x"}),
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert "cannot unmarshal string into Go struct field Namespace.status" in resp.json()["message"]
    # typed clients decode every list
    assert [p.metadata.name for p in core.list_namespaced_pod("default").items] == ["p"]
    assert core.list_namespace().items
    client.DiscoveryV1Api(api_client).list_namespaced_endpoint_slice("default")
    client.ApiextensionsV1Api(api_client).list_custom_resource_definition()


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        (
            "ports",
            [{"port": "80"}],
            "json: cannot unmarshal string"
            " into Go struct field ServicePort.spec.ports.port of type int32",
        ),
        (
            "ports",
            [{"port": 1.5}],
            "json: cannot unmarshal number 1.5"
            " into Go struct field ServicePort.spec.ports.port of type int32",
        ),
        (
            "ports",
            [{"port": 80, "targetPort": True}],
            "json: cannot unmarshal bool into Go value of type int32",
        ),
        (
            "selector",
            {"app": 1},
            "json: cannot unmarshal number"
            " into Go struct field ServiceSpec.spec.selector of type string",
        ),
        (
            "clusterIPs",
            "10.0.0.1",
            "json: cannot unmarshal string"
            " into Go struct field ServiceSpec.spec.clusterIPs of type []string",
        ),
    ],
)
def test_type_errors_in_a_service(
    k8s_server: RunningServer, field: str, value: Any, detail: str
) -> None:
    body = {"metadata": {"name": "t"}, "spec": {"ports": [{"port": 80}], field: value}}
    resp = _post(k8s_server, f"{NS_PATH}/services", body)
    assert resp.status_code == 400
    assert resp.json()["message"] == (
        f'Service in version "v1" cannot be handled as a Service: {detail}'
    )


# ---- custom resources: structural schema ---------------------------------------------------
WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["replicas"],
                                "properties": {
                                    "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
                                    "mode": {"type": "string", "enum": ["fast", "slow"]},
                                    "code": {
                                        "type": "string",
                                        "pattern": "^[a-z]+$",
                                        "minLength": 2,
                                        "maxLength": 5,
                                    },
                                    "tags": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": 2,
                                        "items": {"type": "string"},
                                    },
                                    "extra": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}
WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"


@pytest.fixture
def widgets(k8s_server: RunningServer) -> str:
    resp = _post(k8s_server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)
    assert resp.status_code == 201, resp.text
    return WIDGETS


def _widget(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("spec", "cause"),
    [
        (
            {"replicas": "two"},
            'spec.replicas: Invalid value: "string": spec.replicas in body must be of type '
            'integer: "string"',
        ),
        ({}, "spec.replicas: Required value"),
        (
            {"replicas": 0},
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or "
            "equal to 1",
        ),
        (
            {"replicas": 11},
            "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal "
            "to 10",
        ),
        (
            {"replicas": 1, "mode": "medium"},
            'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"',
        ),
        (
            {"replicas": 1, "code": "ab1"},
            "spec.code: Invalid value: \"ab1\": spec.code in body should match '^[a-z]+$'",
        ),
        (
            {"replicas": 1, "code": "a"},
            'spec.code: Invalid value: "a": spec.code in body should be at least 2 chars long',
        ),
        ({"replicas": 1, "code": "abcdef"}, "spec.code: Too long: may not be more than 5 bytes"),
        (
            {"replicas": 1, "tags": []},
            "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items",
        ),
        (
            {"replicas": 1, "tags": ["a", "b", "c"]},
            "spec.tags: Too many: 3: must have at most 2 items",
        ),
        (
            {"replicas": 1, "tags": [1]},
            'spec.tags[0]: Invalid value: "integer": spec.tags[0] in body must be of type string: '
            '"integer"',
        ),
    ],
)
def test_schema_violations_are_422(
    k8s_server: RunningServer, widgets: str, spec: dict[str, Any], cause: str
) -> None:
    resp = _post(k8s_server, widgets, _widget(spec))
    assert resp.status_code == 422, resp.text
    assert resp.json()["message"] == f'Widget.example.com "w" is invalid: {cause}'
    assert requests.get(f"{k8s_server.url}{widgets}/w", timeout=10).status_code == 404


def test_unknown_fields_are_pruned_unless_preserved(
    k8s_server: RunningServer, widgets: str, custom: client.CustomObjectsApi
) -> None:
    spec = {"replicas": 2, "colour": "red", "extra": {"anything": {"goes": 1}}}
    strict = _post(k8s_server, widgets, _widget(spec), fieldValidation="Strict")
    assert strict.status_code == 400
    assert strict.json()["message"] == (
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: '
        'unknown field "spec.colour"'
    )
    resp = _post(k8s_server, widgets, _widget(spec))
    assert resp.status_code == 201
    assert resp.raw.headers.getlist("Warning") == ['299 - "unknown field \\"spec.colour\\""']
    stored = custom.get_namespaced_custom_object("example.com", "v1", "default", "widgets", "w")
    assert stored["spec"] == {"replicas": 2, "extra": {"anything": {"goes": 1}}}


def test_kubectl_apply_of_a_custom_resource_with_a_typo(
    kubectl: Kubectl, widgets: str, tmp_path: Path
) -> None:
    proc = kubectl(
        "apply", "-f", _manifest(tmp_path, _widget({"replicas": 1, "replicaz": 2})), check=False
    )
    assert proc.returncode == 1
    assert (
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: '
        'unknown field "spec.replicaz"'
    ) in proc.stderr
    proc = kubectl("apply", "-f", _manifest(tmp_path, _widget({"replicas": 20})), check=False)
    assert proc.returncode == 1
    assert (
        'The Widget "w" is invalid: spec.replicas: Invalid value: 20: spec.replicas in body '
        "should be less than or equal to 10"
    ) in proc.stderr


def test_a_required_field_of_the_model_is_a_422(k8s_server: RunningServer) -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"image": "nginx"}]}}
    resp = _post(k8s_server, f"{NS_PATH}/pods", pod)
    assert resp.status_code == 422
    assert resp.json()["message"] == 'Pod "p" is invalid: spec.containers[0].name: Required value'
    assert resp.json()["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": "spec.containers[0].name",
        }
    ]
