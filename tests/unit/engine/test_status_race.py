"""A group's pass must not write its VIP onto a Service that moved to another group meanwhile.

The race (features/lifecycle/membership.feature, "Changing the annotation value of the last
member of k1 moves it to k2"): a pass of key-1 reads the namespace's Services (lb2 still a
member), then, while it talks to the controller, lb2 is annotated with key-2, the watch delivers
it and key-2's pass writes key-2's VIP onto lb2. The key-1 pass then wrote key-1's VIP over it;
that write's answer is folded into the cache, so its watch event (same resourceVersion) changes
nothing and key-2 is never reconciled again: lb2 kept the old VIP for good.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from simulator.adapters.kube import KubeError
from simulator.domain.model import Key, ServiceView
from simulator.engine.cluster import InformerCluster
from simulator.engine.informer import Store
from simulator.engine.reconciler import RetryLater
from tests.unit.engine.fakes import FakeKube, merge_patch, service
from tests.unit.engine.test_reconciler import World

KEY1 = Key("default", "key-1", True)
KEY2 = Key("default", "key-2", True)
LB2 = "default/lb2"


def _ips(obj: Mapping[str, Any]) -> list[str]:
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [str(i["ip"]) for i in ingress]


class Server(FakeKube):
    """FakeKube that, like the API server, refuses a patch naming another resourceVersion, and
    runs ``before_patch`` (once) ahead of the first status patch of ``LB2``."""

    def __init__(self) -> None:
        super().__init__()
        self.before_patch: Callable[[], None] | None = None

    def patch_service_status(
        self, namespace: str, name: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        hook, self.before_patch = self.before_patch, None
        if hook is not None and f"{namespace}/{name}" == LB2:
            hook()
        want = (body.get("metadata") or {}).get("resourceVersion")
        current = self.services.get(f"{namespace}/{name}")
        if want and current is not None and want != current["metadata"]["resourceVersion"]:
            raise KubeError("the object has been modified", status=409)
        return super().patch_service_status(namespace, name, body)


@pytest.fixture
def world() -> World:
    world = World()
    world.kube = Server()
    world.recorder._kube = world.kube
    world.reconciler.kube = world.kube
    return world


def _converged_pair(world: World) -> str:
    world.put(service("lb1", key="key-1"))
    world.put(service("lb2", key="key-1", protocol="UDP", created="2024-01-01T00:00:01Z"))
    world.reconcile(KEY1)
    vip = world.ips("lb2")
    assert vip and world.ips("lb1") == vip
    world.delete("lb1")
    return vip[0]


def _annotate_at_server(world: World, value: str) -> dict[str, Any]:
    """The user's edit: lb2's annotation changed on the server (not yet watched)."""
    current = world.kube.services[LB2]
    edited = merge_patch(
        current, {"metadata": {"annotations": {"ako.vmware.com/enable-shared-vip": value}}}
    )
    world.kube.rv += 1
    edited["metadata"]["resourceVersion"] = str(world.kube.rv)
    world.kube.services[LB2] = edited
    return copy.deepcopy(edited)


def _move_and_reconcile_key2(world: World) -> str:
    """lb2 moves to key-2, the watch delivers it, key-2's pass writes its VIP (folded)."""
    world.services.put(_annotate_at_server(world, "key-2"))
    world.reconcile(KEY2)
    vip2 = _ips(world.kube.services[LB2])
    assert vip2
    return vip2[0]


def test_a_pass_does_not_write_its_vip_onto_a_service_that_moved_while_it_ran(
    world: World,
) -> None:
    old_vip = _converged_pair(world)
    moved: list[str] = []
    read_views = world.cluster.service_views

    def views_then_move(namespace: str) -> list[ServiceView]:
        views = read_views(namespace)
        if not moved:  # the key-1 pass has read lb2 as its member; now lb2 moves
            moved.append("")
            moved[0] = _move_and_reconcile_key2(world)
        return views

    world.cluster.service_views = views_then_move  # type: ignore[method-assign]
    world.reconcile(KEY1)
    world.cluster.service_views = read_views  # type: ignore[method-assign]
    assert moved and moved[0] != old_vip
    assert _ips(world.kube.services[LB2]) == [moved[0]]
    world.reconcile(KEY1)  # the move's watch event queued key-1 again: lb2 has left it
    world.reconcile(KEY2)
    assert _ips(world.kube.services[LB2]) == [moved[0]]
    assert world.ips("lb2") == [moved[0]]


def test_a_status_patch_names_the_version_it_was_computed_from(world: World) -> None:
    """lb2 moves on the server (and key-2 writes its VIP) between the read of lb2 and the key-1
    pass's patch: the server refuses the patch and the pass is retried."""
    old_vip = _converged_pair(world)
    moved: list[str] = []

    def move() -> None:
        moved.append(_move_and_reconcile_key2(world))

    # key-1's pass will write lb2's status: make it differ (a stale condition, say)
    obj = copy.deepcopy(world.kube.services[LB2])
    obj["status"] = {"loadBalancer": {}}
    world.kube.services[LB2] = obj
    world.services.put(copy.deepcopy(obj))
    world.kube.before_patch = move  # type: ignore[attr-defined]
    with pytest.raises(RetryLater):
        world.reconcile(KEY1)
    assert moved and moved[0] != old_vip
    assert _ips(world.kube.services[LB2]) == [moved[0]]
    world.reconcile(KEY1)
    assert _ips(world.kube.services[LB2]) == [moved[0]]


def test_note_service_never_puts_an_older_version_over_a_newer_one() -> None:
    services = Store()
    cluster = InformerCluster(services, Store(), Store(), Store(), Store())
    base = service("lb2", key="key-1")
    base["metadata"]["resourceVersion"] = "10"
    services.put(base)
    answer = copy.deepcopy(base)
    answer["metadata"]["resourceVersion"] = "11"
    watched = copy.deepcopy(base)
    watched["metadata"]["resourceVersion"] = "12"
    watched["metadata"]["annotations"]["ako.vmware.com/enable-shared-vip"] = "key-2"
    real_put = services.put

    def put_after_the_watch(obj: dict[str, Any], **options: Any) -> Any:
        # the watch stores rv 12 between note_service's look at rv 10 and its write of rv 11
        if obj["metadata"]["resourceVersion"] == "11":
            real_put(watched)
        return real_put(obj, **options)

    services.put = put_after_the_watch  # type: ignore[method-assign]
    cluster.note_service(answer)
    stored = services.get("default/lb2")
    assert stored is not None
    assert stored["metadata"]["resourceVersion"] == "12"
