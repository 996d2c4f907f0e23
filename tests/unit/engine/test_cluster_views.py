"""The informer cluster's view memo: a Service (or EndpointSlice) is parsed again only when a part
its view reads changed; a status-only update, another copy of the same version and the event
router's parse of the watch object all reuse the view; any read part that changes is seen."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from simulator.domain.model import EndpointSliceView, ServiceView
from simulator.engine import cluster as cluster_mod
from simulator.engine.cluster import InformerCluster, namespace_index, service_name_index
from simulator.engine.informer import Store


def _service(rv: str, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "web",
            "namespace": "ns",
            "uid": "u-1",
            "resourceVersion": rv,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "annotations": {"ako.vmware.com/enable-shared-vip": "k"},
        },
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}], **spec},
        "status": {},
    }


def _slice(rv: str, ready: bool) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "web-1",
            "namespace": "ns",
            "resourceVersion": rv,
            "labels": {"kubernetes.io/service-name": "web"},
        },
        "ports": [{"port": 8080, "protocol": "TCP"}],
        "endpoints": [{"addresses": ["10.1.0.1"], "conditions": {"ready": ready}}],
    }


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    service_parse, slice_parse = ServiceView.from_k8s, EndpointSliceView.from_k8s

    def count_service(obj: Any) -> ServiceView:
        calls.append("service")
        return service_parse(obj)

    def count_slice(obj: Any) -> EndpointSliceView:
        calls.append("slice")
        return slice_parse(obj)

    monkeypatch.setattr(cluster_mod.ServiceView, "from_k8s", count_service)
    monkeypatch.setattr(cluster_mod.EndpointSliceView, "from_k8s", count_slice)
    return calls


def _cluster() -> tuple[InformerCluster, Store, Store]:
    services = Store({"namespace": namespace_index})
    slices = Store({"namespace": namespace_index, "service": service_name_index})
    return InformerCluster(services, slices, Store(), Store(), Store()), services, slices


def test_a_view_is_parsed_again_only_when_what_it_reads_changed(parses: list[str]) -> None:
    cluster, services, _ = _cluster()
    services.put(_service("1"))
    [first] = cluster.service_views("ns")
    assert cluster.service_views("ns") == [first] and parses == ["service"]

    status_only = _service("2")
    status_only["status"] = {"loadBalancer": {"ingress": [{"ip": "100.64.0.10"}]}}
    cluster.note_service(status_only)  # the status patch's answer, then its watch event
    assert cluster.service_views("ns")[0] is first
    services.put(copy.deepcopy(status_only))
    assert cluster.service_views("ns")[0] is first
    assert cluster.service_view(copy.deepcopy(status_only)) is first  # the router's parse
    assert parses == ["service"]

    services.put(_service("3", loadBalancerIP="100.64.0.20"))
    [changed] = cluster.service_views("ns")
    assert changed.load_balancer_ip == "100.64.0.20"
    assert parses == ["service", "service"]

    annotated = _service("4", loadBalancerIP="100.64.0.20")
    annotated["metadata"]["annotations"] = {"ako.vmware.com/enable-shared-vip": "other"}
    services.put(annotated)
    [moved] = cluster.service_views("ns")
    assert moved.shared_vip_value == "other"
    deleting = _service("5", loadBalancerIP="100.64.0.20")
    deleting["metadata"]["annotations"] = annotated["metadata"]["annotations"]
    deleting["metadata"]["deletionTimestamp"] = "2026-01-02T00:00:00Z"
    services.put(deleting)
    assert cluster.service_views("ns")[0].deleting
    assert parses == ["service"] * 4


def test_an_endpoint_slice_view_follows_its_endpoints(parses: list[str]) -> None:
    cluster, _, slices = _cluster()
    slices.put(_slice("1", ready=True))
    [view] = cluster.endpoint_slice_views("ns", ["web"])
    assert view.endpoints[0].ready
    slices.put(_slice("2", ready=True))
    assert cluster.endpoint_slice_views("ns", ["web"]) == [view]
    assert parses == ["slice"]
    slices.put(_slice("3", ready=False))
    [later] = cluster.endpoint_slice_views("ns", ["web"])
    assert not later.endpoints[0].ready
    assert parses == ["slice", "slice"]


def test_a_namespaces_views_follow_every_add_change_and_removal(parses: list[str]) -> None:
    cluster, services, _ = _cluster()
    version = services.index_version("namespace", "ns")
    assert cluster.service_views("ns") == []
    services.put(_service("1"))
    assert services.index_version("namespace", "ns") > version
    [web] = cluster.service_views("ns")
    other = _service("2")
    other["metadata"] = {**other["metadata"], "namespace": "elsewhere"}
    services.put(other)  # another namespace: this one's list is kept as it was
    assert cluster.service_views("ns") == [web] and parses == ["service"]
    second = _service("3")
    second["metadata"] = {**second["metadata"], "name": "api", "uid": "u-2"}
    services.put(second)
    assert [v.name for v in cluster.service_views("ns")] == ["api", "web"]
    services.put(_service("4", loadBalancerIP="100.64.0.30"))
    assert [v.load_balancer_ip for v in cluster.service_views("ns")] == ["", "100.64.0.30"]
    services.remove("ns/api")
    assert [v.name for v in cluster.service_views("ns")] == ["web"]
    views = cluster.service_views("ns")
    views.clear()  # a caller's list is its own
    assert [v.name for v in cluster.service_views("ns")] == ["web"]


def test_the_same_object_is_a_hit_by_identity_and_one_entry_is_kept_per_key(
    parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    service_inputs = cluster_mod.service_inputs

    def count_inputs(obj: Any) -> tuple[Any, ...]:
        reads.append(obj["metadata"]["resourceVersion"])
        return service_inputs(obj)

    monkeypatch.setattr(cluster_mod, "service_inputs", count_inputs)
    cluster, services, _ = _cluster()
    services.put(_service("1"))
    stored = services.get("ns/web")
    assert stored is not None
    view = cluster.service_view(stored)
    assert cluster.service_view(stored) is view and reads == ["1"], "no second look at it"
    copy_of = copy.deepcopy(stored)  # another object, the same read parts: the same view
    assert cluster.service_view(copy_of) is view and reads == ["1", "1"]
    assert cluster.service_view(stored) is view and reads == ["1", "1", "1"]
    services.put(_service("2", loadBalancerIP="100.64.0.40"))
    newer = services.get("ns/web")
    assert newer is not None
    assert cluster.service_view(newer).load_balancer_ip == "100.64.0.40"
    assert parses == ["service", "service"]
    memo = cluster._memo
    assert len(memo._by_id) == len(memo._views) == 1, "only the last object of a key is held"
