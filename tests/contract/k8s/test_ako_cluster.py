"""What the real AKO needs from the cluster (issue 11): networking.k8s.io ingresses and
ingressclasses, coordination.k8s.io leases, AKO's six CRDs, Secret stringData folded into data,
an empty list for every kind a controller knows (404 only for unknown groups such as OpenShift's
routes) and a negotiated /openapi/v2. Checked with the kubernetes client, kubectl and raw HTTP."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from mock_k8s import errors
from mock_k8s.server import RunningServer, start_server
from steps.support.wait import eventually

Kubectl = Callable[..., Any]

# Every list AKO makes at start-up and in steady state (ako-runtime.md), as paths
AKO_LISTS = [
    "/api/v1/services",
    "/api/v1/secrets",
    "/api/v1/configmaps",
    "/api/v1/namespaces",
    "/api/v1/nodes",
    "/api/v1/pods",
    "/api/v1/events",
    "/api/v1/namespaces/avi-system/configmaps",
    "/apis/discovery.k8s.io/v1/endpointslices",
    "/apis/networking.k8s.io/v1/ingresses",
    "/apis/networking.k8s.io/v1/ingressclasses",
    "/apis/coordination.k8s.io/v1/namespaces/avi-system/leases",
    "/apis/apps/v1/namespaces/avi-system/statefulsets",
    "/apis/ako.vmware.com/v1beta1/hostrules",
    "/apis/ako.vmware.com/v1beta1/httprules",
    "/apis/ako.vmware.com/v1beta1/aviinfrasettings",
    "/apis/ako.vmware.com/v1alpha2/l4rules",
    "/apis/ako.vmware.com/v1alpha2/l7rules",
    "/apis/ako.vmware.com/v1alpha2/ssorules",
]

# Kinds of a real cluster a controller may list (beyond AKO's)
OTHER_LISTS = [
    "/api/v1/serviceaccounts",
    "/api/v1/persistentvolumes",
    "/api/v1/persistentvolumeclaims",
    "/api/v1/replicationcontrollers",
    "/api/v1/resourcequotas",
    "/api/v1/limitranges",
    "/api/v1/podtemplates",
    "/apis/networking.k8s.io/v1/networkpolicies",
    "/apis/policy/v1/poddisruptionbudgets",
    "/apis/rbac.authorization.k8s.io/v1/roles",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/apis/rbac.authorization.k8s.io/v1/rolebindings",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    "/apis/storage.k8s.io/v1/storageclasses",
    "/apis/storage.k8s.io/v1/csidrivers",
    "/apis/storage.k8s.io/v1/csinodes",
    "/apis/storage.k8s.io/v1/volumeattachments",
    "/apis/scheduling.k8s.io/v1/priorityclasses",
    "/apis/node.k8s.io/v1/runtimeclasses",
    "/apis/autoscaling/v2/horizontalpodautoscalers",
    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
    "/apis/certificates.k8s.io/v1/certificatesigningrequests",
]


@pytest.mark.parametrize("path", AKO_LISTS + OTHER_LISTS)
def test_every_known_kind_lists(k8s_server: RunningServer, path: str) -> None:
    resp = requests.get(k8s_server.url + path, timeout=10)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"].endswith("List")
    assert isinstance(body["items"], list)
    assert int(body["metadata"]["resourceVersion"]) > 0


def test_unknown_group_is_still_404(k8s_server: RunningServer) -> None:
    """Off OpenShift, routes are not served: AKO expects the 404."""
    resp = requests.get(f"{k8s_server.url}/apis/route.openshift.io/v1/routes", timeout=10)
    assert resp.status_code == 404
    assert resp.json()["reason"] == "NotFound"


def test_discovery_lists_the_new_groups(k8s_server: RunningServer) -> None:
    groups = requests.get(f"{k8s_server.url}/apis", timeout=10).json()["groups"]
    names = {g["name"]: g["preferredVersion"]["version"] for g in groups}
    assert names["networking.k8s.io"] == "v1"
    assert names["coordination.k8s.io"] == "v1"
    assert names["ako.vmware.com"] == "v1beta1"
    res = requests.get(f"{k8s_server.url}/apis/networking.k8s.io/v1", timeout=10).json()
    by_name = {r["name"]: r for r in res["resources"]}
    assert by_name["ingresses"]["shortNames"] == ["ing"]
    assert by_name["ingresses"]["namespaced"] is True
    assert "ingresses/status" in by_name
    assert by_name["ingressclasses"]["namespaced"] is False
    leases = requests.get(f"{k8s_server.url}/apis/coordination.k8s.io/v1", timeout=10).json()
    assert [r["name"] for r in leases["resources"]] == ["leases"]


def _ingress(name: str, host: str, cls: str | None = "avi-lb") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ]
    }
    if cls:
        spec["ingressClassName"] = cls
    meta = {"name": name}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}


def test_ingress_and_ingressclass_with_the_python_client(api_client: client.ApiClient) -> None:
    net = client.NetworkingV1Api(api_client)
    net.create_ingress_class(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IngressClass",
            "metadata": {"name": "avi-lb"},
            "spec": {"controller": "ako.vmware.com/avi-lb"},
        }
    )
    net.create_namespaced_ingress("default", _ingress("web", "web.example.com"))
    classes = net.list_ingress_class()
    assert [c.spec.controller for c in classes.items] == ["ako.vmware.com/avi-lb"]
    ing = net.read_namespaced_ingress("web", "default")
    assert ing.spec.rules[0].host == "web.example.com"
    assert ing.metadata.generation == 1
    # status is a subresource: a main update keeps it, a status patch sets it
    net.patch_namespaced_ingress_status(
        "web", "default", {"status": {"loadBalancer": {"ingress": [{"ip": "100.64.1.2"}]}}}
    )
    net.patch_namespaced_ingress("web", "default", {"status": {"loadBalancer": {}}})
    ing = net.read_namespaced_ingress("web", "default")
    assert ing.status.load_balancer.ingress[0].ip == "100.64.1.2"
    assert ing.metadata.generation == 1


def test_ingress_watch_sees_changes(api_client: client.ApiClient) -> None:
    net = client.NetworkingV1Api(api_client)
    rv = net.list_namespaced_ingress("default").metadata.resource_version
    seen: list[tuple[str, str]] = []

    def consume() -> None:
        w = watch.Watch()
        for ev in w.stream(
            net.list_namespaced_ingress, "default", resource_version=rv, timeout_seconds=5
        ):
            seen.append((ev["type"], ev["object"].metadata.name))
            if len(seen) == 2:
                w.stop()

    t = threading.Thread(target=consume)
    t.start()
    net.create_namespaced_ingress("default", _ingress("a", "a.example.com"))
    net.delete_namespaced_ingress("a", "default")
    t.join(timeout=10)
    assert seen == [("ADDED", "a"), ("DELETED", "a")]


def test_lease_leader_election_flow(api_client: client.ApiClient) -> None:
    """client-go's leader election: GET (404), POST, then PUT with the read resourceVersion."""
    coord = client.CoordinationV1Api(api_client)
    with pytest.raises(ApiException) as exc:
        coord.read_namespaced_lease("ako-lock", "default")
    assert exc.value.status == 404
    body = json.loads(exc.value.body)
    assert body["message"] == errors.MSG_NOT_FOUND.format(
        resource="leases.coordination.k8s.io", name="ako-lock"
    )
    assert body["details"] == {"name": "ako-lock", "group": "coordination.k8s.io", "kind": "leases"}
    spec = {"holderIdentity": "ako-0", "leaseDurationSeconds": 15, "leaseTransitions": 0}
    lease = coord.create_namespaced_lease(
        "default", {"metadata": {"name": "ako-lock"}, "spec": spec}
    )
    assert lease.metadata.generation is None  # upstream sets no generation on Leases
    lease.spec.renew_time = "2026-01-01T00:00:00.000000Z"
    renewed = coord.replace_namespaced_lease("ako-lock", "default", lease)
    assert int(renewed.metadata.resource_version) > int(lease.metadata.resource_version)
    lease.spec.holder_identity = "other"  # a stale resourceVersion: 409
    with pytest.raises(ApiException) as exc:
        coord.replace_namespaced_lease("ako-lock", "default", lease)
    assert exc.value.status == 409


def test_kubectl_prints_the_upstream_columns(
    kubectl: Kubectl, api_client: client.ApiClient
) -> None:
    net = client.NetworkingV1Api(api_client)
    net.create_ingress_class(
        {
            "metadata": {"name": "avi-lb"},
            "spec": {
                "controller": "ako.vmware.com/avi-lb",
                "parameters": {
                    "apiGroup": "ako.vmware.com",
                    "kind": "AviInfraSetting",
                    "name": "infra",
                },
            },
        }
    )
    net.create_namespaced_ingress("default", _ingress("web", "web.example.com"))
    net.create_namespaced_ingress("default", _ingress("any", "", cls=None))
    client.CoordinationV1Api(api_client).create_namespaced_lease(
        "default", {"metadata": {"name": "lock"}, "spec": {"holderIdentity": "ako-0"}}
    )
    out = kubectl("get", "ingress").stdout.splitlines()
    assert out[0].split() == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert rows["web"][1:4] == ["avi-lb", "web.example.com", "80"]
    assert rows["any"][1:4] == ["<none>", "*", "80"]
    out = kubectl("get", "ingressclass").stdout.splitlines()
    assert out[0].split() == ["NAME", "CONTROLLER", "PARAMETERS", "AGE"]
    params = "AviInfraSetting.ako.vmware.com/infra"
    assert out[1].split()[:3] == ["avi-lb", "ako.vmware.com/avi-lb", params]
    out = kubectl("get", "lease").stdout.splitlines()
    assert out[0].split() == ["NAME", "HOLDER", "AGE"]
    assert out[1].split()[:2] == ["lock", "ako-0"]


# ---- AKO's CRDs ------------------------------------------------------------------------------
AKO_CRDS = {
    "aviinfrasettings.ako.vmware.com": ("Cluster", ["v1beta1"]),
    "l4rules.ako.vmware.com": ("Namespaced", ["v1alpha2"]),
    "hostrules.ako.vmware.com": ("Namespaced", ["v1alpha1", "v1beta1"]),
    "httprules.ako.vmware.com": ("Namespaced", ["v1alpha1", "v1beta1"]),
    "l7rules.ako.vmware.com": ("Namespaced", ["v1alpha2"]),
    "ssorules.ako.vmware.com": ("Namespaced", ["v1alpha2"]),
}


def test_ako_crds_are_installed(api_client: client.ApiClient) -> None:
    ext = client.ApiextensionsV1Api(api_client)
    crds = {c.metadata.name: c for c in ext.list_custom_resource_definition().items}
    for name, (scope, versions) in AKO_CRDS.items():
        crd = crds[name]
        assert crd.spec.scope == scope
        assert [v.name for v in crd.spec.versions] == versions
        storage = [v for v in crd.spec.versions if v.storage]
        assert len(storage) == 1 and storage[0].subresources.status is not None
        established = {c.type: c.status for c in crd.status.conditions}
        assert established["Established"] == "True"


def test_hostrule_status_and_kubectl_columns(
    custom: client.CustomObjectsApi, kubectl: Kubectl
) -> None:
    body = {
        "apiVersion": "ako.vmware.com/v1beta1",
        "kind": "HostRule",
        "metadata": {"name": "hr"},
        "spec": {"virtualhost": {"fqdn": "web.example.com", "enableVirtualHost": True}},
    }
    gv = ("ako.vmware.com", "v1beta1")
    custom.create_namespaced_custom_object(*gv, "default", "hostrules", body)
    status = {"status": {"status": "Accepted"}}
    custom.patch_namespaced_custom_object_status(*gv, "default", "hostrules", "hr", status)
    out = kubectl("get", "hr").stdout.splitlines()
    assert out[0].split() == ["NAME", "HOST", "STATUS", "AGE"]
    assert out[1].split()[:3] == ["hr", "web.example.com", "Accepted"]
    for short in ("httprule", "l7rule", "ssorule"):
        assert kubectl("get", short).stderr.strip() == "No resources found in default namespace."


def test_no_ako_crds_installs_none() -> None:
    server = start_server(port=0, install_ako_crds=False)
    try:
        resp = requests.get(f"{server.url}/apis/ako.vmware.com/v1beta1/hostrules", timeout=10)
        assert resp.status_code == 404
    finally:
        server.stop()


# ---- Secrets -----------------------------------------------------------------------------------
def test_secret_string_data_is_folded(core: client.CoreV1Api) -> None:
    """As applied by ako-sim's setup: AKO reads username/password under data (base64)."""
    core.create_namespaced_secret(
        "default",
        {
            "metadata": {"name": "avi-secret"},
            "data": {"username": base64.b64encode(b"old").decode(), "keep": "a2VlcA=="},
            "stringData": {"username": "admin", "password": "s3cret"},
        },
    )
    secret = core.read_namespaced_secret("avi-secret", "default")
    assert secret.type == "Opaque"
    assert secret.string_data is None
    decoded = {k: base64.b64decode(v).decode() for k, v in secret.data.items()}
    assert decoded == {"username": "admin", "password": "s3cret", "keep": "keep"}
    # an update folds too, and the type cannot change
    core.patch_namespaced_secret("avi-secret", "default", {"stringData": {"password": "new"}})
    secret = core.read_namespaced_secret("avi-secret", "default")
    assert base64.b64decode(secret.data["password"]) == b"new"
    with pytest.raises(ApiException) as exc:
        core.patch_namespaced_secret("avi-secret", "default", {"type": "kubernetes.io/tls"})
    assert exc.value.status == 422
    assert errors.MSG_IMMUTABLE in json.loads(exc.value.body)["message"]


def test_secret_bad_base64_is_a_400_and_stores_nothing(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_secret(
            "default", {"metadata": {"name": "bad"}, "data": {"k": "not base64!"}}
        )
    assert exc.value.status == 400
    message = json.loads(exc.value.body)["message"]
    assert message == errors.MSG_DECODE.format(
        kind="Secret", version="v1", detail="illegal base64 data at input byte 3"
    )
    assert [s.metadata.name for s in core.list_namespaced_secret("default").items] == []


def test_kubectl_apply_secret_with_string_data(kubectl: Kubectl, core: client.CoreV1Api) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "avi-secret"},
        "stringData": {"username": "admin"},
    }
    out = kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    assert out.stdout.strip() == "secret/avi-secret created"
    got = kubectl("get", "secret", "avi-secret", "-o", "jsonpath={.data.username}").stdout
    assert base64.b64decode(got) == b"admin"
    listed = kubectl("get", "secret", "avi-secret").stdout.splitlines()
    assert listed[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
    assert listed[1].split()[:3] == ["avi-secret", "Opaque", "1"]


# ---- /openapi/v2 ---------------------------------------------------------------------------------
PROTO = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"


@pytest.mark.parametrize(
    ("accept", "status", "ctype"),
    [
        (PROTO, 200, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"),
        (
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
            200,
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
        ),
        (f"application/json, {PROTO}", 200, "application/json"),
        ("application/json", 200, "application/json"),
        ("*/*", 200, "application/json"),
        ("", 200, "application/json"),
        ("text/html", 406, None),
    ],
)
def test_openapi_v2_negotiation(
    k8s_server: RunningServer, accept: str, status: int, ctype: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    # the first JSON answer builds the whole schema document: slow on a loaded machine
    resp = requests.get(f"{k8s_server.url}/openapi/v2", headers=headers, timeout=120)
    assert resp.status_code == status
    if ctype is not None:
        assert resp.headers["Content-Type"] == ctype
    if ctype == "application/json":
        assert resp.json()["swagger"] == "2.0"


def test_kubectl_apply_of_an_unserved_kind_names_the_kind(kubectl: Kubectl) -> None:
    manifest = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    out = kubectl("apply", "-f", "-", stdin=json.dumps(manifest), check=False)
    assert out.returncode == 1
    assert 'no matches for kind "Widget" in version "example.com/v1"' in out.stderr
    assert "media type" not in out.stderr


def test_python_client_lists_the_new_kinds(api_client: client.ApiClient) -> None:
    assert client.NetworkingV1Api(api_client).list_ingress_for_all_namespaces().items == []
    assert client.CoordinationV1Api(api_client).list_lease_for_all_namespaces().items == []
    eventually(lambda: client.NetworkingV1Api(api_client).list_ingress_class().items == [])
