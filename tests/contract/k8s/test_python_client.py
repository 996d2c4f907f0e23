"""The official kubernetes client against mock_k8s: CRUD, the Service strategy, patches,
optimistic concurrency, validation, custom objects, selectors and paging, events."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from kubernetes import client
from kubernetes.client.rest import ApiException

from mock_k8s.server import RunningServer

from .helpers import lb_service

pytestmark = pytest.mark.contract


def status_of(exc: ApiException) -> dict[str, Any]:
    return json.loads(exc.body)


def condition(ctype: str, status: str, reason: str = "Assigned") -> dict[str, Any]:
    return {
        "type": ctype,
        "status": status,
        "reason": reason,
        "message": f"{ctype} is {status}",
        "lastTransitionTime": "2025-01-01T00:00:00Z",
        "observedGeneration": 1,
    }


def test_create_defaults_allocation_and_create_clears_status(core: client.CoreV1Api) -> None:
    body = lb_service("web")
    body["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
    svc = core.create_namespaced_service("default", body)
    other = core.create_namespaced_service("default", lb_service("web2", port=81))

    assert svc.status.load_balancer.ingress is None
    assert svc.metadata.uid and svc.metadata.creation_timestamp and svc.metadata.resource_version
    assert svc.spec.cluster_ip.startswith("10.") and svc.spec.cluster_ips == [svc.spec.cluster_ip]
    assert svc.spec.ip_families == ["IPv4"] and svc.spec.ip_family_policy == "SingleStack"
    assert svc.spec.external_traffic_policy == "Cluster"
    assert svc.spec.allocate_load_balancer_node_ports is True
    port = svc.spec.ports[0]
    assert 30000 <= port.node_port <= 32767 and port.protocol == "TCP"
    assert port.node_port != other.spec.ports[0].node_port
    assert svc.spec.cluster_ip != other.spec.cluster_ip
    assert int(other.metadata.resource_version) > int(svc.metadata.resource_version)


def test_status_patch_keeps_spec_and_update_keeps_status(core: client.CoreV1Api) -> None:
    core.create_namespaced_service("default", lb_service("web"))
    patched = core.patch_namespaced_service_status(
        "web",
        "default",
        {
            "metadata": {"annotations": {"pool": "a"}},
            "spec": {"type": "ClusterIP"},
            "status": {
                "loadBalancer": {"ingress": [{"ip": "100.64.196.61"}]},
                "conditions": [condition("ako.vmware.com/VipAssigned", "True")],
            },
        },
    )
    assert patched.spec.type == "LoadBalancer"  # status update keeps spec
    assert patched.metadata.annotations == {"pool": "a"}  # ...but metadata applies
    assert patched.status.load_balancer.ingress[0].ip == "100.64.196.61"
    assert patched.status.load_balancer.ingress[0].ip_mode == "VIP"

    # SMP merges conditions by type
    merged = core.patch_namespaced_service_status(
        "web", "default", {"status": {"conditions": [condition("Other", "False", "Nope")]}}
    )
    assert sorted(c.type for c in merged.status.conditions) == [
        "Other",
        "ako.vmware.com/VipAssigned",
    ]

    svc = core.read_namespaced_service("web", "default")
    svc.status = None
    svc.spec.ports[0].target_port = 9090
    updated = core.replace_namespaced_service("web", "default", svc)
    assert updated.status.load_balancer.ingress[0].ip == "100.64.196.61"  # update keeps status
    assert updated.spec.ports[0].target_port == 9090

    cleared = core.patch_namespaced_service_status("web", "default", {"status": None})
    assert cleared.status.load_balancer.ingress is None


def test_noop_patch_does_not_bump_resource_version(core: client.CoreV1Api) -> None:
    core.create_namespaced_service("default", lb_service("web"))
    body = {"status": {"loadBalancer": {"ingress": [{"ip": "100.64.196.61"}]}}}
    first = core.patch_namespaced_service_status("web", "default", body)
    second = core.patch_namespaced_service_status("web", "default", body)
    assert second.metadata.resource_version == first.metadata.resource_version


def test_leaving_load_balancer_drops_type_dependent_fields(core: client.CoreV1Api) -> None:
    core.create_namespaced_service(
        "default",
        lb_service("web", externalTrafficPolicy="Local", loadBalancerClass="ako.vmware.com/avi-lb"),
    )
    svc = core.patch_namespaced_service_status(
        "web", "default", {"status": {"loadBalancer": {"ingress": [{"ip": "100.64.196.61"}]}}}
    )
    assert svc.spec.health_check_node_port
    after = core.patch_namespaced_service("web", "default", {"spec": {"type": "ClusterIP"}})
    assert after.spec.ports[0].node_port is None
    assert after.spec.health_check_node_port is None
    assert after.spec.load_balancer_class is None
    assert after.spec.external_traffic_policy is None
    assert after.status.load_balancer.ingress is None
    assert after.spec.cluster_ip == svc.spec.cluster_ip


def test_json_patch_merge_patch_and_smp_ports(
    core: client.CoreV1Api, k8s_server: RunningServer
) -> None:
    core.create_namespaced_service(
        "default",
        {
            "metadata": {"name": "web"},
            "spec": {
                "ports": [{"name": "a", "port": 80}, {"name": "b", "port": 443}],
                "selector": {"x": "y"},
            },
        },
    )
    # strategic merge: ports merge by port
    smp = core.patch_namespaced_service(
        "web", "default", {"spec": {"ports": [{"port": 443, "targetPort": 8443}]}}
    )
    assert [(p.port, p.target_port) for p in smp.spec.ports] == [(80, 80), (443, 8443)]
    # JSON patch (list body)
    jp = core.patch_namespaced_service(
        "web", "default", [{"op": "add", "path": "/metadata/labels", "value": {"l": "1"}}]
    )
    assert jp.metadata.labels == {"l": "1"}
    # merge patch replaces lists
    resp = requests.patch(
        f"{k8s_server.url}/api/v1/namespaces/default/services/web",
        data=json.dumps({"spec": {"ports": [{"name": "c", "port": 8080}]}}),
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert resp.status_code == 200
    assert [p["port"] for p in resp.json()["spec"]["ports"]] == [8080]


def test_stale_resource_version_conflicts(core: client.CoreV1Api) -> None:
    core.create_namespaced_service("default", lb_service("web"))
    stale = core.read_namespaced_service("web", "default")
    core.patch_namespaced_service("web", "default", {"metadata": {"labels": {"a": "b"}}})
    stale.metadata.labels = {"c": "d"}
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_service("web", "default", stale)
    assert err.value.status == 409
    body = status_of(err.value)
    assert body["reason"] == "Conflict"
    assert body["message"].startswith(
        'Operation cannot be fulfilled on services "web": the object has been modified'
    )


def test_a_status_patch_naming_a_stale_resource_version_conflicts(core: client.CoreV1Api) -> None:
    """The engine's status patches carry the resourceVersion they were computed from: the API
    server refuses one over a newer version (409) and applies one over the current version."""
    core.create_namespaced_service("default", lb_service("web"))
    stale = core.read_namespaced_service("web", "default").metadata.resource_version
    core.patch_namespaced_service("web", "default", {"metadata": {"labels": {"a": "b"}}})
    ingress = {"loadBalancer": {"ingress": [{"ip": "100.64.196.61"}]}}
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_service_status(
            "web", "default", {"metadata": {"resourceVersion": stale}, "status": ingress}
        )
    assert err.value.status == 409
    assert status_of(err.value)["reason"] == "Conflict"
    assert core.read_namespaced_service("web", "default").status.load_balancer.ingress is None
    current = core.read_namespaced_service("web", "default").metadata.resource_version
    patched = core.patch_namespaced_service_status(
        "web", "default", {"metadata": {"resourceVersion": current}, "status": ingress}
    )
    assert patched.status.load_balancer.ingress[0].ip == "100.64.196.61"


def test_not_found_and_already_exists(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as err:
        core.read_namespaced_service("nope", "default")
    assert err.value.status == 404
    assert status_of(err.value)["message"] == 'services "nope" not found'
    core.create_namespaced_service("default", lb_service("web"))
    with pytest.raises(ApiException) as err:
        core.create_namespaced_service("default", lb_service("web"))
    assert err.value.status == 409 and status_of(err.value)["reason"] == "AlreadyExists"


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (
            lambda s: s["metadata"].update(name="Bad_Name"),
            "metadata.name",
            "a DNS-1035 label must consist",
        ),
        (
            lambda s: s["spec"].update(loadBalancerIP="not-an-ip"),
            "spec.loadBalancerIP",
            'Invalid value: "not-an-ip": must be a valid IP address',
        ),
        (lambda s: s["spec"].update(type="Weird"), "spec.type", 'Unsupported value: "Weird"'),
        (
            lambda s: s["spec"]["ports"].append({"name": "x", "port": 80, "protocol": "TCP"}),
            "spec.ports[1]",
            "Duplicate value",
        ),
    ],
)
def test_invalid_services_get_422_with_causes(
    core: client.CoreV1Api, mutate: Any, field: str, fragment: str
) -> None:
    body = lb_service("web")
    body["spec"]["ports"][0]["name"] = "p"
    mutate(body)
    with pytest.raises(ApiException) as err:
        core.create_namespaced_service("default", body)
    assert err.value.status == 422
    status = status_of(err.value)
    assert status["reason"] == "Invalid"
    assert status["message"].startswith(f'Service "{body["metadata"]["name"]}" is invalid: ')
    causes = status["details"]["causes"]
    assert any(c["field"] == field and fragment in c["message"] for c in causes), causes


def test_invalid_ingress_ip_in_status_is_422(core: client.CoreV1Api) -> None:
    core.create_namespaced_service("default", lb_service("web"))
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_service_status(
            "web", "default", {"status": {"loadBalancer": {"ingress": [{"ip": "999.1.1.1"}]}}}
        )
    assert err.value.status == 422
    assert (
        status_of(err.value)["details"]["causes"][0]["field"] == "status.loadBalancer.ingress[0].ip"
    )


def test_garbage_bodies_never_500(k8s_server: RunningServer) -> None:
    url = f"{k8s_server.url}/api/v1/namespaces/default/services"
    bodies = [
        "{not json",
        "[1,2]",
        '{"spec": 5}',
        '{"metadata": {"name": "x"}, "spec": {"ports": [7]}}',
        '{"metadata": {"name": "x", "labels": [1]}, "spec": {"ports": [{"port": "80"}]}}',
        '{"metadata": {"name": "x"}, "spec": {"type": "LoadBalancer", '
        '"ports": [{"port": 1, "nodePort": "z"}]}}',
    ]
    for body in bodies:
        resp = requests.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=10
        )
        assert 400 <= resp.status_code < 500, (body, resp.status_code, resp.text)
        assert resp.json()["kind"] == "Status"
    patch = requests.patch(
        f"{url}/nope",
        data="{}",
        headers={"Content-Type": "application/strategic-merge-patch+json"},
        timeout=10,
    )
    assert patch.status_code == 404


def test_custom_objects_status_subresource_and_415_for_smp(
    custom: client.CustomObjectsApi, k8s_server: RunningServer
) -> None:
    infra = custom.create_cluster_custom_object(
        "ako.vmware.com",
        "v1beta1",
        "aviinfrasettings",
        {
            "apiVersion": "ako.vmware.com/v1beta1",
            "kind": "AviInfraSetting",
            "metadata": {"name": "infra"},
            "spec": {"seGroup": {"name": "SEG-2"}},
            "status": {"status": "Accepted"},
        },
    )
    assert "status" not in infra  # create drops status when the subresource is declared
    got = custom.patch_cluster_custom_object_status(
        "ako.vmware.com", "v1beta1", "aviinfrasettings", "infra", {"status": {"status": "Accepted"}}
    )
    assert got["status"] == {"status": "Accepted"}
    changed = custom.patch_cluster_custom_object(
        "ako.vmware.com",
        "v1beta1",
        "aviinfrasettings",
        "infra",
        {"spec": {"seGroup": {"name": "Default-Group"}}, "status": {"status": "Rejected"}},
    )
    assert changed["status"] == {"status": "Accepted"}  # main resource keeps status
    assert changed["metadata"]["generation"] == 2

    custom.create_namespaced_custom_object(
        "ako.vmware.com",
        "v1alpha2",
        "default",
        "l4rules",
        {
            "apiVersion": "ako.vmware.com/v1alpha2",
            "kind": "L4Rule",
            "metadata": {"name": "r"},
            "spec": {},
        },
    )
    resp = requests.patch(
        f"{k8s_server.url}/apis/ako.vmware.com/v1alpha2/namespaces/default/l4rules/r",
        data=json.dumps({"spec": {"loadBalancerIP": "1.1.1.1"}}),
        headers={"Content-Type": "application/strategic-merge-patch+json"},
        timeout=10,
    )
    assert resp.status_code == 415
    assert resp.json()["reason"] == "UnsupportedMediaType"
    listed = custom.list_namespaced_custom_object(
        "ako.vmware.com", "v1alpha2", "default", "l4rules"
    )
    assert [i["metadata"]["name"] for i in listed["items"]] == ["r"]


def test_crd_created_at_runtime_appears_in_discovery(
    api_client: client.ApiClient, custom: client.CustomObjectsApi
) -> None:
    ext = client.ApiextensionsV1Api(api_client)
    ext.create_custom_resource_definition(
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {
                    "plural": "widgets",
                    "singular": "widget",
                    "kind": "Widget",
                    "shortNames": ["wd"],
                },
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                ],
            },
        }
    )
    groups = client.ApisApi(api_client).get_api_versions()
    assert "example.com" in [g.name for g in groups.groups]
    custom.create_namespaced_custom_object(
        "example.com",
        "v1",
        "default",
        "widgets",
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
    )
    ext.delete_custom_resource_definition("widgets.example.com")
    with pytest.raises(ApiException) as err:
        custom.list_namespaced_custom_object("example.com", "v1", "default", "widgets")
    assert err.value.status == 404


def test_label_field_selectors_and_paging(core: client.CoreV1Api) -> None:
    for i in range(5):
        body = lb_service(f"svc-{i}", port=80 + i)
        body["metadata"]["labels"] = {"tier": "a" if i % 2 else "b"}
        core.create_namespaced_service("default", body)
    assert [
        s.metadata.name
        for s in core.list_namespaced_service("default", label_selector="tier=a").items
    ] == ["svc-1", "svc-3"]
    assert (
        len(core.list_namespaced_service("default", label_selector="tier in (a,b),tier!=a").items)
        == 3
    )
    assert [
        s.metadata.name
        for s in core.list_namespaced_service("default", field_selector="metadata.name=svc-4").items
    ] == ["svc-4"]
    page = core.list_namespaced_service("default", limit=2)
    names = [s.metadata.name for s in page.items]
    while page.metadata._continue:
        page = core.list_namespaced_service("default", limit=2, _continue=page.metadata._continue)
        names += [s.metadata.name for s in page.items]
    assert names == [f"svc-{i}" for i in range(5)]


def test_paging_across_namespaces_whose_names_extend_each_other(core: client.CoreV1Api) -> None:
    """Items come in (namespace, name) order and a continue token resumes after its pair:
    "page-2/a" sorts before "page/z" as text, so a text comparison skipped namespace page-2."""
    for ns in ("page", "page-2", "page0"):
        core.create_namespace({"metadata": {"name": ns}})
        for name in ("a", "z"):
            core.create_namespaced_config_map(ns, {"metadata": {"name": name}, "data": {}})
    pages = [core.list_config_map_for_all_namespaces(limit=1)]
    while pages[-1].metadata._continue:
        token = pages[-1].metadata._continue
        pages.append(core.list_config_map_for_all_namespaces(limit=1, _continue=token))
    seen = [(m.metadata.namespace, m.metadata.name) for page in pages for m in page.items]
    ours = [pair for pair in seen if pair[0].startswith("page") and pair[1] in ("a", "z")]
    assert ours == [(ns, n) for ns in ("page", "page-2", "page0") for n in ("a", "z")]
    assert len(seen) == len(set(seen)) == len(core.list_config_map_for_all_namespaces().items)


def test_pages_without_a_selector_equal_pages_filtered_by_one_that_keeps_everything(
    core: client.CoreV1Api,
) -> None:
    """A list with a limit and no selector gathers only its page; its pages, continue tokens'
    resume points and remainingItemCount are those of the filtering path (a selector that
    matches every object), within a namespace and across namespaces."""
    for ns in ("pg", "pg-1"):
        core.create_namespace({"metadata": {"name": ns}})
        for i in range(7):
            core.create_namespaced_config_map(ns, {"metadata": {"name": f"cm-{i}"}, "data": {}})

    def pages(list_page: Any, **kw: Any) -> list[tuple[list[tuple[str, str]], int | None]]:
        out, token = [], None
        while True:
            page = list_page(limit=3, _continue=token, **kw) if token else list_page(limit=3, **kw)
            names = [(m.metadata.namespace, m.metadata.name) for m in page.items]
            out.append((names, page.metadata.remaining_item_count))
            token = page.metadata._continue
            if not token:
                return out

    plain = pages(lambda **kw: core.list_namespaced_config_map("pg", **kw))
    assert plain == pages(
        lambda **kw: core.list_namespaced_config_map("pg", **kw), label_selector="!absent"
    )
    whole = [("pg", m.metadata.name) for m in core.list_namespaced_config_map("pg").items]
    assert len(whole) == 8  # and the namespace's kube-root-ca.crt
    assert [n for names, _ in plain for n in names] == whole
    assert [left for _, left in plain] == [5, 2, None]
    every = pages(core.list_config_map_for_all_namespaces)
    assert every == pages(core.list_config_map_for_all_namespaces, label_selector="!absent")


def test_events_create_field_selector_and_count_patch(core: client.CoreV1Api) -> None:
    ev = core.create_namespaced_event(
        "default",
        {
            "metadata": {"name": "web.1"},
            "involvedObject": {
                "kind": "Service",
                "namespace": "default",
                "name": "web",
                "uid": "u1",
            },
            "reason": "Synced",
            "message": "ok",
            "type": "Normal",
            "count": 1,
        },
    )
    core.patch_namespaced_event("web.1", "default", {"count": 2})
    found = core.list_namespaced_event(
        "default",
        field_selector="involvedObject.name=web,involvedObject.kind=Service,involvedObject.uid=u1",
    )
    assert [(e.metadata.name, e.count) for e in found.items] == [("web.1", 2)]
    assert ev.first_timestamp is not None
    assert (
        core.list_namespaced_event("default", field_selector="involvedObject.name=other").items
        == []
    )


def test_finalizers_delay_deletion(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map(
        "default", {"metadata": {"name": "cm", "finalizers": ["example.com/hold"]}}
    )
    core.delete_namespaced_config_map("cm", "default")
    held = core.read_namespaced_config_map("cm", "default")
    assert held.metadata.deletion_timestamp is not None
    core.patch_namespaced_config_map(
        "cm", "default", [{"op": "remove", "path": "/metadata/finalizers"}]
    )
    with pytest.raises(ApiException) as err:
        core.read_namespaced_config_map("cm", "default")
    assert err.value.status == 404


def test_endpointslices_follow_ready_pods_with_named_target_ports(
    core: client.CoreV1Api, api_client: client.ApiClient
) -> None:
    core.create_namespaced_service(
        "default",
        {
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]},
        },
    )

    def pod(name: str, ip: str, ready: bool) -> dict[str, Any]:
        return {
            "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {
                "nodeName": "node-1",
                "containers": [
                    {"name": "c", "image": "x", "ports": [{"name": "http", "containerPort": 8080}]}
                ],
            },
            "status": {
                "phase": "Running",
                "podIP": ip,
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            },
        }

    core.create_namespaced_pod("default", pod("p1", "10.244.1.5", True))
    core.create_namespaced_pod("default", pod("p2", "10.244.1.6", False))
    core.create_namespaced_pod(
        "default",
        {**pod("other", "10.244.1.7", True), "metadata": {"name": "other", "labels": {"app": "x"}}},
    )
    slices = (
        client.DiscoveryV1Api(api_client)
        .list_namespaced_endpoint_slice("default", label_selector="kubernetes.io/service-name=web")
        .items
    )
    assert len(slices) == 1
    es = slices[0]
    assert es.address_type == "IPv4" and [p.port for p in es.ports] == [8080]
    assert {(e.addresses[0], e.conditions.ready) for e in es.endpoints} == {
        ("10.244.1.5", True),
        ("10.244.1.6", False),
    }
    core.delete_namespaced_pod("p1", "default")
    es = client.DiscoveryV1Api(api_client).read_namespaced_endpoint_slice(
        es.metadata.name, "default"
    )
    assert [e.addresses[0] for e in es.endpoints] == ["10.244.1.6"]


def test_slices_and_endpoints_follow_service_writes_that_change_them_only(
    core: client.CoreV1Api, api_client: client.ApiClient
) -> None:
    discovery = client.DiscoveryV1Api(api_client)
    core.create_namespaced_service(
        "default",
        {
            "metadata": {"name": "web", "labels": {"tier": "a"}},
            "spec": {
                "type": "LoadBalancer",
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80}],
            },
        },
    )
    core.create_namespaced_pod(
        "default",
        {
            "metadata": {"name": "p1", "labels": {"app": "web"}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "x"}]},
            "status": {
                "phase": "Running",
                "podIP": "10.244.1.5",
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        },
    )

    def state() -> tuple[Any, Any]:
        (es,) = discovery.list_namespaced_endpoint_slice(
            "default", label_selector="kubernetes.io/service-name=web"
        ).items
        return es, core.read_namespaced_endpoints("web", "default")

    es, ep = state()
    assert [e.addresses[0] for e in es.endpoints] == ["10.244.1.5"]
    assert [a.ip for a in ep.subsets[0].addresses] == ["10.244.1.5"]
    # a status write and an annotation change nothing the slices or Endpoints are made of
    core.patch_namespaced_service_status(
        "web", "default", {"status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}}
    )
    core.patch_namespaced_service("web", "default", {"metadata": {"annotations": {"x": "1"}}})
    es2, ep2 = state()
    assert es2.metadata.resource_version == es.metadata.resource_version
    assert ep2.metadata.resource_version == ep.metadata.resource_version
    # someone else edits them: the next Service write, even a status write, puts them back
    discovery.patch_namespaced_endpoint_slice(
        es.metadata.name, "default", {"endpoints": [{"addresses": ["10.9.9.9"]}]}
    )
    core.patch_namespaced_endpoints(
        "web", "default", {"subsets": [{"addresses": [{"ip": "10.9.9.9"}]}]}
    )
    core.patch_namespaced_service_status(
        "web", "default", {"status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.5"}]}}}
    )
    es3, ep3 = state()
    assert [e.addresses[0] for e in es3.endpoints] == ["10.244.1.5"]
    assert [a.ip for a in ep3.subsets[0].addresses] == ["10.244.1.5"]
    # a label or port change reaches both
    svc = core.read_namespaced_service("web", "default")
    svc.metadata.labels = {"tier": "b"}
    svc.spec.ports[0].target_port = 8081
    core.replace_namespaced_service("web", "default", svc)
    es4, ep4 = state()
    assert es4.metadata.labels["tier"] == "b" and ep4.metadata.labels["tier"] == "b"
    assert [p.port for p in es4.ports] == [8081]
    assert [p.port for p in ep4.subsets[0].ports] == [8081]


def test_namespace_deletion_removes_its_objects(core: client.CoreV1Api) -> None:
    core.create_namespace({"metadata": {"name": "team"}})
    core.create_namespaced_service("team", lb_service("web"))
    core.create_namespaced_config_map("team", {"metadata": {"name": "cm"}})
    core.delete_namespace("team")
    with pytest.raises(ApiException) as err:
        core.read_namespace("team")
    assert err.value.status == 404
    assert (
        core.list_service_for_all_namespaces(field_selector="metadata.namespace=team").items == []
    )
    with pytest.raises(ApiException) as err:
        core.create_namespaced_service("team", lb_service("again"))
    assert err.value.status == 404
