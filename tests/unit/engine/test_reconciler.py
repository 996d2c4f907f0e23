"""Reconcile against recording fakes: the exact Avi calls of one pass, zero writes on the next."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from simulator.adapters.avi import Conflict, PermanentError, TransientError, VipAllocationError
from simulator.domain.model import Key, Settings
from simulator.domain.status import CONDITION_TYPE
from simulator.engine.avi_cache import AviCache
from simulator.engine.cluster import InformerCluster, namespace_index, service_name_index
from simulator.engine.events import EventRecorder
from simulator.engine.informer import Store
from simulator.engine.reconciler import Reconciler, RetryLater
from tests.unit.engine.fakes import FakeAvi, FakeKube, service

KEY = Key("default", "shared-vip-key-1", True)
VS = "cluster--default-shared-vip-key-1"
POOL1 = "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80"
POOL2 = "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80"


class World:
    def __init__(self) -> None:
        self.settings = Settings()
        self.services = Store({"namespace": namespace_index})
        self.slices = Store({"namespace": namespace_index, "service": service_name_index})
        self.cluster = InformerCluster(self.services, self.slices, Store(), Store(), Store())
        self.avi = FakeAvi()
        self.kube = FakeKube()
        self.cache = AviCache(self.settings)
        self.recorder = EventRecorder(self.kube)
        self.reconciler = Reconciler(
            self.cluster, self.avi, self.cache, self.kube, self.recorder, self.settings
        )

    def put(self, obj: dict[str, Any]) -> None:
        """Create or update a Service; like the API server, an update keeps the status."""
        current = self.services.get(f"{obj['metadata']['namespace']}/{obj['metadata']['name']}")
        if current is not None:
            obj = dict(obj, status=current.get("status") or {})
        self.services.put(self.kube.add_service(obj))

    def delete(self, name: str, ns: str = "default") -> None:
        self.services.remove(f"{ns}/{name}")
        self.kube.services.pop(f"{ns}/{name}", None)

    def svc(self, name: str, ns: str = "default") -> dict[str, Any]:
        obj = self.services.get(f"{ns}/{name}")
        assert obj is not None
        return obj

    def ips(self, name: str) -> list[str]:
        ingress = (self.svc(name).get("status") or {}).get("loadBalancer", {}).get("ingress") or []
        return [i["ip"] for i in ingress]

    def condition(self, name: str) -> dict[str, Any] | None:
        for cond in (self.svc(name).get("status") or {}).get("conditions") or []:
            if cond["type"] == CONDITION_TYPE:
                return dict(cond)
        return None

    def reset_records(self) -> None:
        self.avi.calls.clear()
        self.kube.writes.clear()

    def reconcile(self, key: Key = KEY) -> None:
        self.reconciler.reconcile(str(key))


@pytest.fixture
def world() -> World:
    return World()


def example_one(world: World, **extra: Any) -> None:
    world.put(service("sharedvip-avisvc-lb1", key="shared-vip-key-1", **extra))
    world.put(
        service(
            "sharedvip-avisvc-lb2",
            key="shared-vip-key-1",
            protocol="UDP",
            created="2024-01-01T00:00:01Z",
            **extra,
        )
    )


def test_first_pass_makes_exactly_the_calls_of_a_new_group(world: World) -> None:
    example_one(world)
    world.reconcile()
    assert world.avi.writes() == [
        ("POST", "vsvip", VS),
        ("POST", "pool", POOL1),
        ("POST", "pool", POOL2),
        ("POST", "l4policyset", VS),
        ("POST", "virtualservice", VS),
    ]
    assert world.ips("sharedvip-avisvc-lb1") == ["100.64.196.61"]
    assert world.ips("sharedvip-avisvc-lb2") == ["100.64.196.61"]
    cond = world.condition("sharedvip-avisvc-lb1")
    assert cond is not None and cond["status"] == "True"
    status_writes = [w for w in world.kube.writes if w[0] == "status"]
    assert [w[1] for w in status_writes] == [
        "default/sharedvip-avisvc-lb1",
        "default/sharedvip-avisvc-lb2",
    ]
    assert status_writes[0][2]["status"]["loadBalancer"] == {
        "ingress": [{"ip": "100.64.196.61", "ipMode": "VIP"}]
    }
    assert world.kube.reasons() == [
        ("sharedvip-avisvc-lb1", "Normal", "Synced"),
        ("sharedvip-avisvc-lb2", "Normal", "Synced"),
    ]
    vs = world.avi.objects[("virtualservice", VS)]
    assert [(s["port"], s.get("override_network_profile_ref")) for s in vs["services"]] == [
        (80, None),
        (80, "https://ctrl/api/networkprofile/networkprofile-sys#System-UDP-Fast-Path"),
    ]


def test_second_pass_writes_nothing(world: World) -> None:
    example_one(world)
    world.reconcile()
    world.reset_records()
    world.reconcile()
    assert world.avi.calls == []
    assert world.kube.writes == []


def test_a_pass_logs_one_line_naming_what_it_did_and_a_converged_pass_none(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    example_one(world)
    with caplog.at_level(logging.INFO, logger="ako_sim.reconciler"):
        world.reconcile()
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert lines == [
        f"{KEY}: Added vsvip {VS}; Added pool {POOL1}; Added pool {POOL2}; "
        f"Added l4policyset {VS}; Added virtualservice {VS}; "
        "Service default/sharedvip-avisvc-lb1 status: 100.64.196.61; "
        "Service default/sharedvip-avisvc-lb2 status: 100.64.196.61"
    ]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ako_sim.reconciler"):
        world.reconcile()
    assert [r for r in caplog.records if r.levelno == logging.INFO] == []


def test_restart_over_converged_state_writes_nothing(world: World) -> None:
    example_one(world)
    world.reconcile()
    # a fresh engine: new cache loaded from the controller, new recorder preloaded
    fresh = World()
    fresh.avi = world.avi
    fresh.kube = world.kube
    fresh.services = world.services
    fresh.cluster = world.cluster
    fresh.cache.load(
        {t: world.avi.list_owned(t) for t in ("vsvip", "pool", "l4policyset", "virtualservice")}
    )
    fresh.recorder = EventRecorder(world.kube)
    fresh.recorder.preload()
    fresh.reconciler = Reconciler(
        fresh.cluster, fresh.avi, fresh.cache, fresh.kube, fresh.recorder, fresh.settings
    )
    world.reset_records()
    fresh.reconcile()
    assert world.avi.writes() == []
    assert world.kube.writes == []


def test_preferred_ip_is_used(world: World) -> None:
    example_one(world, lb_ip="100.64.196.75")
    world.reconcile()
    assert world.ips("sharedvip-avisvc-lb1") == ["100.64.196.75"]
    vsvip = world.avi.objects[("vsvip", VS)]
    assert vsvip["vip"][0]["ip_address"] == {"addr": "100.64.196.75", "type": "V4"}


def test_differing_static_ips_configure_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.put(service("a", key="k", lb_ip="1.1.1.1"))
    world.put(service("b", key="k", lb_ip="2.2.2.2", created="2024-01-01T00:00:01Z"))
    key = Key("default", "k", True)
    with caplog.at_level(logging.ERROR, logger="ako_sim.reconciler"):
        world.reconcile(key)
    assert world.avi.writes() == []
    assert (
        "Service loadBalancerIP is not consistent with Services grouped using shared-vip "
        "annotation. Conflict found for Services [default/a: 1.1.1.1 default/b: 2.2.2.2]"
    ) in caplog.text
    for name in ("a", "b"):
        cond = world.condition(name)
        assert cond is not None and cond["status"] == "False"
        assert cond["reason"] == "SharedVipMisconfigured"
        assert world.ips(name) == []
    assert world.kube.reasons() == [
        ("a", "Warning", "SharedVipMisconfigured"),
        ("b", "Warning", "SharedVipMisconfigured"),
    ]
    world.reset_records()
    world.reconcile(key)
    assert world.kube.writes == [] and world.avi.calls == []


def test_fixing_the_conflict_brings_the_group_back(world: World) -> None:
    world.put(service("a", key="k", lb_ip="100.64.196.80"))
    world.put(service("b", key="k", lb_ip="100.64.196.81", port=81, created="2024-01-01T00:00:01Z"))
    key = Key("default", "k", True)
    world.reconcile(key)
    world.put(service("b", key="k", lb_ip="100.64.196.80", port=81, created="2024-01-01T00:00:01Z"))
    world.reconcile(key)
    assert next(c[:2] for c in world.avi.writes()) == ("POST", "vsvip")
    assert world.ips("a") == world.ips("b") == ["100.64.196.80"]
    cond = world.condition("b")
    assert cond is not None and cond["status"] == "True"


def test_conflict_deletes_an_existing_group_in_reverse_order(world: World) -> None:
    example_one(world)
    world.reconcile()
    world.reset_records()
    world.put(service("sharedvip-avisvc-lb1", key="shared-vip-key-1", lb_ip="100.64.196.90"))
    world.put(
        service(
            "sharedvip-avisvc-lb2",
            key="shared-vip-key-1",
            protocol="UDP",
            created="2024-01-01T00:00:01Z",
            lb_ip="100.64.196.91",
        )
    )
    world.reconcile()
    assert world.avi.writes() == [
        ("DELETE", "virtualservice", VS),
        ("DELETE", "l4policyset", VS),
        ("DELETE", "pool", POOL1),
        ("DELETE", "pool", POOL2),
        ("DELETE", "vsvip", VS),
    ]
    assert world.ips("sharedvip-avisvc-lb1") == [] and world.ips("sharedvip-avisvc-lb2") == []
    reasons = world.kube.reasons()
    assert ("sharedvip-avisvc-lb1", "Normal", "Removed") in reasons
    assert ("sharedvip-avisvc-lb1", "Warning", "SharedVipMisconfigured") in reasons


def test_member_added_keeps_the_vip_and_adds_its_pool(world: World) -> None:
    example_one(world)
    world.reconcile()
    world.reset_records()
    world.put(service("third", key="shared-vip-key-1", port=443, created="2024-01-02T00:00:00Z"))
    world.reconcile()
    assert world.avi.writes() == [
        ("POST", "pool", "cluster--default-third-shared-vip-key-1-TCP-443"),
        ("PUT", "l4policyset", VS),
        ("PUT", "virtualservice", VS),
    ]
    assert world.ips("third") == ["100.64.196.61"]


def test_member_deleted_removes_its_pool_after_the_vs_update(world: World) -> None:
    example_one(world)
    world.reconcile()
    world.reset_records()
    world.delete("sharedvip-avisvc-lb2")
    world.reconcile()
    assert world.avi.writes() == [
        ("PUT", "l4policyset", VS),
        ("PUT", "virtualservice", VS),
        ("DELETE", "pool", POOL2),
    ]


def test_member_turned_clusterip_is_cleared_and_gets_removed(world: World) -> None:
    example_one(world)
    world.reconcile()
    world.reset_records()
    obj = world.svc("sharedvip-avisvc-lb2")
    changed = service(
        "sharedvip-avisvc-lb2",
        key="shared-vip-key-1",
        protocol="UDP",
        type_="ClusterIP",
        created="2024-01-01T00:00:01Z",
    )
    changed["status"] = {
        "conditions": obj["status"]["conditions"]
    }  # type change drops the LB status
    world.services.put(world.kube.add_service(changed))
    world.reconcile()
    assert world.ips("sharedvip-avisvc-lb2") == []
    assert world.condition("sharedvip-avisvc-lb2") is None
    assert ("sharedvip-avisvc-lb2", "Normal", "Removed") in world.kube.reasons()
    assert ("DELETE", "pool", POOL2) in world.avi.writes()


def test_port_conflict_excludes_the_later_member(world: World) -> None:
    world.put(service("first", key="k"))
    world.put(service("second", key="k", created="2024-01-01T00:00:01Z"))
    world.reconcile(Key("default", "k", True))
    assert world.ips("first") == ["100.64.196.61"]
    assert world.ips("second") == []
    cond = world.condition("second")
    assert cond is not None and cond["reason"] == "SharedVipPortConflict"
    assert ("second", "Warning", "SharedVipPortConflict") in world.kube.reasons()


def test_transient_error_keeps_status_and_asks_for_a_fast_retry(world: World) -> None:
    example_one(world)
    world.reconcile()
    world.reset_records()
    world.put(service("third", key="shared-vip-key-1", port=443, created="2024-01-02T00:00:00Z"))
    world.avi.fail_next("POST", "pool", TransientError("HTTP 503", status=503))
    with pytest.raises(RetryLater) as info:
        world.reconcile()
    assert not info.value.slow
    assert world.kube.writes == []
    assert world.ips("sharedvip-avisvc-lb1") == ["100.64.196.61"]
    world.reconcile()
    assert world.ips("third") == ["100.64.196.61"]


def test_vip_allocation_failure_is_pending_with_a_warning_and_a_slow_retry(world: World) -> None:
    example_one(world)
    world.avi.fail_next("POST", "vsvip", VipAllocationError("No available free IPs", status=400))
    with pytest.raises(RetryLater) as info:
        world.reconcile()
    assert info.value.slow
    assert world.avi.writes() == [("POST", "vsvip", VS)]
    cond = world.condition("sharedvip-avisvc-lb1")
    assert cond is not None and cond["reason"] == "VipAllocationFailed"
    assert "No available free IPs" in cond["message"]
    assert ("sharedvip-avisvc-lb1", "Warning", "VipAllocationFailed") in world.kube.reasons()
    world.reconcile()
    assert world.ips("sharedvip-avisvc-lb1") == ["100.64.196.61"]


def test_conflict_on_create_adopts_the_existing_object(world: World) -> None:
    example_one(world)
    vip = {
        "vip_id": "0",
        "auto_allocate_ip": True,
        "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
    }
    world.avi.create("vsvip", {"name": VS, "vip": [vip]})  # made by someone else, no markers
    world.avi.calls.clear()
    with pytest.raises(RetryLater):
        world.reconcile()
    assert world.avi.writes() == [("POST", "vsvip", VS)]
    assert world.cache.get("vsvip", VS) is not None
    world.avi.calls.clear()
    world.reconcile()
    writes = world.avi.writes()
    assert ("POST", "vsvip", VS) not in writes
    assert ("PUT", "vsvip", VS) in writes
    assert world.ips("sharedvip-avisvc-lb1") == ["100.64.196.61"]


def test_permanent_error_asks_for_a_slow_retry(world: World) -> None:
    example_one(world)
    world.avi.fail_next("POST", "virtualservice", PermanentError("bad field", status=400))
    with pytest.raises(RetryLater) as info:
        world.reconcile()
    assert info.value.slow
    assert world.ips("sharedvip-avisvc-lb1") == []


def test_orphans_of_a_key_without_services_are_deleted(world: World) -> None:
    example_one(world)
    world.reconcile()
    world.delete("sharedvip-avisvc-lb1")
    world.delete("sharedvip-avisvc-lb2")
    world.reset_records()
    world.reconcile()
    assert [c[0] for c in world.avi.writes()] == ["DELETE"] * 5
    assert world.avi.objects == {}


def test_annotation_on_a_clusterip_service_is_warned_once(world: World) -> None:
    world.put(service("plain", key="k", type_="ClusterIP"))
    world.reconciler.reconcile("service:default/plain")
    world.reconciler.reconcile("service:default/plain")
    assert world.kube.reasons() == [("plain", "Warning", "SharedVipIgnored")]


def test_dedicated_service_gets_its_own_vs(world: World) -> None:
    world.put(service("solo"))
    world.reconcile(Key("default", "solo", False))
    assert world.avi.writes() == [
        ("POST", "vsvip", "cluster--default-solo"),
        ("POST", "pool", "cluster--default-solo-TCP-80"),
        ("POST", "l4policyset", "cluster--default-solo"),
        ("POST", "virtualservice", "cluster--default-solo"),
    ]
    assert world.ips("solo") == ["100.64.196.61"]


def test_preferred_ip_change_recreates_vsvip_and_records_vip_changed(world: World) -> None:
    example_one(world, lb_ip="100.64.196.75")
    world.reconcile()
    world.reset_records()
    example_one(world, lb_ip="100.64.196.76")
    world.reconcile()
    assert world.avi.writes() == [
        ("DELETE", "virtualservice", VS),
        ("DELETE", "vsvip", VS),
        ("POST", "vsvip", VS),
        ("POST", "virtualservice", VS),
    ]
    assert world.ips("sharedvip-avisvc-lb1") == ["100.64.196.76"]
    assert ("sharedvip-avisvc-lb1", "Normal", "VipChanged") in world.kube.reasons()


def test_conflict_error_class_is_not_swallowed(world: World) -> None:
    example_one(world)
    world.avi.fail_next("POST", "pool", Conflict("exists", status=409))
    with pytest.raises(RetryLater):
        world.reconcile()
    assert world.kube.writes == []
