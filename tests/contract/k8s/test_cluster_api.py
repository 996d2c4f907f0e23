"""The API groups and server rules of issue 12 that are not workloads: access reviews and the
control API's rules, eviction against PodDisruptionBudgets, ServiceAccounts and the root CA in
every namespace, the default/kubernetes Service, ``/version``, per-kind field selectors, a
resourceVersion on create, list resourceVersion semantics, typed Node lists. Checked with the
kubernetes client (typed APIs, so every answer must decode) and raw HTTP for the exact bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from kubernetes import client
from kubernetes.client.rest import ApiException

from mock_k8s import errors
from mock_k8s.server import RunningServer, start_server


def body_of(exc: ApiException) -> dict[str, Any]:
    return json.loads(exc.body)


def ready_pod(name: str, node: str = "node-1", app: str = "web") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
        "status": {
            "phase": "Running",
            "podIP": "10.244.1.5",
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


# ---- reviews ---------------------------------------------------------------------------------
def test_access_reviews_allow_all_by_default(api_client: client.ApiClient) -> None:
    authz = client.AuthorizationV1Api(api_client)
    review = authz.create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"verb": "delete", "resource": "pods", "namespace": "x"}}}
    )
    assert review.status.allowed is True
    sar = authz.create_subject_access_review(
        {"spec": {"user": "jane", "resourceAttributes": {"verb": "get", "resource": "secrets"}}}
    )
    assert sar.status.allowed is True
    rules = authz.create_self_subject_rules_review({"spec": {"namespace": "default"}})
    assert rules.status.resource_rules[0].verbs == ["*"]
    who = client.AuthenticationV1Api(api_client).create_self_subject_review({})
    assert who.status.user_info.username == "kubernetes-admin"


def test_access_rules_from_the_control_api(
    api_client: client.ApiClient, control: Callable[..., Any]
) -> None:
    control(
        "POST",
        "access",
        json={
            "rules": [
                {"verb": "delete", "resource": "pods", "allowed": False, "reason": "read-only"},
                {"user": "jane", "resource": "secrets", "allowed": False},
            ],
            "user": {"username": "qa", "groups": ["testers"]},
        },
    )
    authz = client.AuthorizationV1Api(api_client)
    denied = authz.create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"verb": "delete", "resource": "pods"}}}
    )
    assert (denied.status.allowed, denied.status.denied, denied.status.reason) == (
        False,
        True,
        "read-only",
    )
    allowed = authz.create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}}
    )
    assert allowed.status.allowed is True
    jane = authz.create_subject_access_review(
        {"spec": {"user": "jane", "resourceAttributes": {"verb": "get", "resource": "secrets"}}}
    )
    assert jane.status.allowed is False
    who = client.AuthenticationV1Api(api_client).create_self_subject_review({})
    assert (who.status.user_info.username, who.status.user_info.groups) == ("qa", ["testers"])


def test_access_control_api_refuses_bad_rules(k8s_server: RunningServer) -> None:
    resp = requests.post(
        f"{k8s_server.url}/__mock__/access", json={"rules": [{"verb": "get"}]}, timeout=10
    )
    assert resp.status_code == 400
    assert "allowed" in resp.json()["message"]


def test_reviews_are_not_stored_or_listed(k8s_server: RunningServer) -> None:
    url = f"{k8s_server.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    assert requests.get(url, timeout=10).status_code == 405
    resp = requests.post(url, json={"spec": {}}, timeout=10)
    assert resp.status_code == 422
    assert "exactly one of nonResourceAttributes or resourceAttributes" in resp.json()["message"]


# ---- eviction and PodDisruptionBudgets -------------------------------------------------------
def test_eviction_deletes_the_pod(api_client: client.ApiClient, core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("default", ready_pod("web-1"))
    core.create_namespaced_pod_eviction(
        "web-1", "default", {"metadata": {"name": "web-1", "namespace": "default"}}
    )
    pods = core.list_namespaced_pod("default").items
    assert all(p.metadata.name != "web-1" or p.metadata.deletion_timestamp for p in pods)


def test_eviction_honours_a_pod_disruption_budget(
    api_client: client.ApiClient, core: client.CoreV1Api
) -> None:
    core.create_namespaced_pod("default", ready_pod("web-1"))
    core.create_namespaced_pod("default", ready_pod("web-2"))
    client.PolicyV1Api(api_client).create_namespaced_pod_disruption_budget(
        "default",
        {
            "metadata": {"name": "web"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
        },
    )
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod_eviction("web-1", "default", {"metadata": {"name": "web-1"}})
    assert exc.value.status == 429
    body = body_of(exc.value)
    assert body["message"] == errors.MSG_PDB_VIOLATION
    assert body["details"]["causes"][0]["message"] == errors.MSG_PDB_NEEDS.format(
        name="web", desired=2, healthy=2
    )
    assert core.read_namespaced_pod("web-1", "default").metadata.deletion_timestamp is None
    # a budget of one pod less lets one go
    client.PolicyV1Api(api_client).patch_namespaced_pod_disruption_budget(
        "web", "default", {"spec": {"minAvailable": 1}}
    )
    core.create_namespaced_pod_eviction("web-1", "default", {"metadata": {"name": "web-1"}})


def test_eviction_of_a_missing_pod_is_404(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod_eviction("nope", "default", {"metadata": {"name": "nope"}})
    assert exc.value.status == 404
    assert body_of(exc.value)["details"] == {"name": "nope", "kind": "pods"}


def test_discovery_lists_pods_eviction(k8s_server: RunningServer) -> None:
    res = requests.get(f"{k8s_server.url}/api/v1", timeout=10).json()["resources"]
    eviction = next(r for r in res if r["name"] == "pods/eviction")
    assert (eviction["group"], eviction["version"], eviction["kind"]) == (
        "policy",
        "v1",
        "Eviction",
    )
    assert eviction["verbs"] == ["create"]


# ---- namespaces get a ServiceAccount and the root CA ----------------------------------------
def test_every_namespace_has_default_sa_and_root_ca(core: client.CoreV1Api) -> None:
    for ns in ("default", "kube-system", "kube-public"):
        assert core.read_namespaced_service_account("default", ns).metadata.name == "default"
        cm = core.read_namespaced_config_map("kube-root-ca.crt", ns)
        assert cm.data["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    core.create_namespace({"metadata": {"name": "team-a"}})
    assert core.read_namespaced_service_account("default", "team-a").secrets is None
    assert "ca.crt" in core.read_namespaced_config_map("kube-root-ca.crt", "team-a").data


def test_kubernetes_service_and_version_options() -> None:
    server = start_server(port=0, k8s_version="1.33", kubernetes_service=True)
    try:
        version = requests.get(f"{server.url}/version", timeout=10).json()
        assert (version["major"], version["minor"], version["gitVersion"]) == ("1", "33", "v1.33.0")
        svc = requests.get(
            f"{server.url}/api/v1/namespaces/default/services/kubernetes", timeout=10
        ).json()
        assert svc["spec"]["clusterIP"] == "10.96.0.1"
        assert svc["spec"]["ports"] == [
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}
        ]
        nodes = requests.get(f"{server.url}/api/v1/nodes", timeout=10).json()["items"]
        assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes} == {"v1.33.0"}
        requests.post(f"{server.url}/__mock__/reset", timeout=10).raise_for_status()
        again = requests.get(f"{server.url}/api/v1/namespaces/default/services", timeout=10)
        assert [s["metadata"]["name"] for s in again.json()["items"]] == ["kubernetes"]
    finally:
        server.stop()
    with pytest.raises(ValueError):
        start_server(port=0, k8s_version="one.thirty")


def test_default_version_is_1_31(k8s_server: RunningServer) -> None:
    version = requests.get(f"{k8s_server.url}/version", timeout=10).json()
    assert (version["major"], version["minor"]) == ("1", "31")


# ---- nodes -----------------------------------------------------------------------------------
def test_typed_client_decodes_nodes(core: client.CoreV1Api) -> None:
    nodes = core.list_node().items
    assert [n.metadata.name for n in nodes] == ["node-1", "node-2", "node-3"]
    info = nodes[0].status.node_info
    assert info.machine_id and info.system_uuid and info.boot_id and info.kube_proxy_version
    assert nodes[0].status.daemon_endpoints.kubelet_endpoint.port == 10250


def test_python_client_lists_every_new_kind(api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(api_client)
    assert len(core.list_service_account_for_all_namespaces().items) == 3
    assert core.list_persistent_volume().items == []
    assert core.list_persistent_volume_claim_for_all_namespaces().items == []
    assert core.list_replication_controller_for_all_namespaces().items == []
    assert core.list_resource_quota_for_all_namespaces().items == []
    assert core.list_limit_range_for_all_namespaces().items == []
    assert core.list_pod_template_for_all_namespaces().items == []
    net = client.NetworkingV1Api(api_client)
    assert net.list_network_policy_for_all_namespaces().items == []
    assert net.list_ingress_for_all_namespaces().items == []
    assert net.list_ingress_class().items == []
    assert client.CoordinationV1Api(api_client).list_lease_for_all_namespaces().items == []
    policy = client.PolicyV1Api(api_client)
    assert policy.list_pod_disruption_budget_for_all_namespaces().items == []
    rbac = client.RbacAuthorizationV1Api(api_client)
    assert rbac.list_role_for_all_namespaces().items == []
    assert rbac.list_cluster_role().items == []
    assert rbac.list_role_binding_for_all_namespaces().items == []
    assert rbac.list_cluster_role_binding().items == []
    assert client.StorageV1Api(api_client).list_storage_class().items == []
    assert client.SchedulingV1Api(api_client).list_priority_class().items == []
    assert client.NodeV1Api(api_client).list_runtime_class().items == []
    hpa = client.AutoscalingV2Api(api_client)
    assert hpa.list_horizontal_pod_autoscaler_for_all_namespaces().items == []
    adm = client.AdmissionregistrationV1Api(api_client)
    assert adm.list_validating_webhook_configuration().items == []
    assert client.CertificatesV1Api(api_client).list_certificate_signing_request().items == []


def test_rbac_objects_round_trip(api_client: client.ApiClient) -> None:
    rbac = client.RbacAuthorizationV1Api(api_client)
    rbac.create_namespaced_role(
        "default",
        {
            "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        },
    )
    rbac.create_namespaced_role_binding(
        "default",
        {
            "metadata": {"name": "read"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [{"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"}],
        },
    )
    binding = rbac.read_namespaced_role_binding("read", "default")
    assert binding.role_ref.name == "reader" and binding.subjects[0].name == "jane"
    assert binding.metadata.generation is None
    assert rbac.read_namespaced_role("reader", "default").rules[0].verbs == ["get", "list"]


# ---- field selectors -----------------------------------------------------------------------
def test_field_selector_on_an_unsupported_field(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as exc:
        core.list_namespaced_pod("default", field_selector="spec.foo=bar")
    assert exc.value.status == 400
    assert body_of(exc.value)["message"] == errors.MSG_FIELD_LABEL.format(label="spec.foo")
    with pytest.raises(ApiException) as exc:
        core.list_namespaced_config_map("default", field_selector="data.x=y")
    assert body_of(exc.value)["message"] == (
        '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )
    # the supported ones still work
    core.create_namespaced_pod("default", ready_pod("web-1", node="node-2"))
    on_node = core.list_pod_for_all_namespaces(field_selector="spec.nodeName=node-2").items
    assert [p.metadata.name for p in on_node] == ["web-1"]
    assert core.list_namespaced_secret("default", field_selector="type!=helm.sh/release.v1")


# ---- resourceVersion rules -------------------------------------------------------------------
def test_resource_version_on_create_is_refused(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map(
            "default", {"metadata": {"name": "cm", "resourceVersion": "12"}, "data": {"a": "b"}}
        )
    assert exc.value.status == 400
    assert body_of(exc.value)["message"] == errors.MSG_RV_ON_CREATE
    assert core.list_namespaced_config_map("default", field_selector="metadata.name=cm").items == []


def test_list_resource_version_match_exact_and_not_older_than(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", {"metadata": {"name": "a"}})
    rv = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", {"metadata": {"name": "b"}})
    core.delete_namespaced_config_map("a", "default")
    names = lambda items: sorted(i.metadata.name for i in items)  # noqa: E731
    exact = core.list_namespaced_config_map(
        "default", resource_version=rv, resource_version_match="Exact"
    )
    assert names(exact.items) == ["a", "kube-root-ca.crt"]
    assert exact.metadata.resource_version == rv
    newest = core.list_namespaced_config_map(
        "default", resource_version=rv, resource_version_match="NotOlderThan"
    )
    assert names(newest.items) == ["b", "kube-root-ca.crt"]


def test_list_resource_version_match_validation(k8s_server: RunningServer) -> None:
    url = f"{k8s_server.url}/api/v1/namespaces/default/configmaps"
    resp = requests.get(url, params={"resourceVersionMatch": "Exact"}, timeout=10)
    assert resp.status_code == 422
    assert resp.json()["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided"
    )
    resp = requests.get(
        url, params={"resourceVersion": "0", "resourceVersionMatch": "Exact"}, timeout=10
    )
    assert resp.status_code == 422
    assert (
        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
        in resp.json()["message"]
    )


def test_list_future_resource_version_is_a_504(k8s_server: RunningServer) -> None:
    url = f"{k8s_server.url}/api/v1/namespaces/default/configmaps"
    current = int(requests.get(url, timeout=10).json()["metadata"]["resourceVersion"])
    resp = requests.get(url, params={"resourceVersion": str(current + 1000)}, timeout=10)
    assert resp.status_code == 504
    body = resp.json()
    assert body["reason"] == "Timeout"
    assert body["message"].startswith(
        f"Timeout: Too large resource version: {current + 1000}, current: "
    )


def test_exact_list_below_the_history_is_410(k8s_server: RunningServer) -> None:
    requests.post(f"{k8s_server.url}/__mock__/faults", json={"compact": True}, timeout=10)
    url = f"{k8s_server.url}/api/v1/namespaces/default/configmaps"
    requests.post(url, json={"metadata": {"name": "x"}}, timeout=10).raise_for_status()
    resp = requests.get(
        url, params={"resourceVersion": "1", "resourceVersionMatch": "Exact"}, timeout=10
    )
    assert resp.status_code == 410
    assert resp.json()["message"] == errors.MSG_LIST_TOO_OLD


def test_not_found_details(k8s_server: RunningServer) -> None:
    resp = requests.get(
        f"{k8s_server.url}/apis/networking.k8s.io/v1/namespaces/default/ingresses/nope",
        timeout=10,
    )
    assert resp.status_code == 404
    assert resp.json()["details"] == {
        "name": "nope",
        "group": "networking.k8s.io",
        "kind": "ingresses",
    }
    assert resp.json()["message"] == 'ingresses.networking.k8s.io "nope" not found'
