"""Informer list/watch/relist against a scripted fake API, the event router, status patches."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from simulator.adapters.kube import SERVICES, Gone, KubeError, ListResult, Resource
from simulator.domain.model import Key, Settings
from simulator.domain.status import CONDITION_TYPE, Wanted, status_patch
from simulator.engine.handlers import EventRouter
from simulator.engine.informer import Informer, Store, rv_at_least
from tests.unit.engine.fakes import service


def obj(name: str, rv: int, **extra: Any) -> dict[str, Any]:
    svc = service(name, **extra)
    svc["metadata"]["resourceVersion"] = str(rv)
    return svc


class ScriptedKube:
    """list() answers from ``lists``; watch() replays ``watches`` (events or an exception)."""

    def __init__(
        self, lists: list[ListResult], watches: list[list[dict[str, Any]] | Exception]
    ) -> None:
        self.lists = lists
        self.watches = watches
        self.watch_rvs: list[str] = []
        self.holds: list[Callable[[dict[str, str]], bool] | None] = []
        self.done = threading.Event()

    def list_objects(self, resource: Resource) -> ListResult:
        return self.lists.pop(0)

    def watch(
        self,
        resource: Resource,
        resource_version: str,
        timeout_seconds: int,
        *,
        holds: Callable[[dict[str, str]], bool] | None = None,
    ) -> Any:
        self.watch_rvs.append(resource_version)
        self.holds.append(holds)
        if not self.watches:
            self.done.set()
            raise KubeError("no more scripted watches")
        step = self.watches.pop(0)
        if isinstance(step, Exception):
            raise step

        class Stream:
            def __iter__(self) -> Iterator[dict[str, Any]]:
                return iter(step)

            def close(self) -> None:
                pass

        return Stream()


def run_informer(
    kube: ScriptedKube, *, echoes: bool = False
) -> tuple[Informer, list[tuple[str | None, str | None]]]:
    seen: list[tuple[str | None, str | None]] = []

    def handler(resource: Resource, old: Any, new: Any) -> None:
        def name(o: Any) -> str | None:
            return (
                None if o is None else f"{o['metadata']['name']}@{o['metadata']['resourceVersion']}"
            )

        seen.append((name(old), name(new)))

    informer = Informer(kube, SERVICES, handler, echoes=echoes)  # type: ignore[arg-type]
    informer.start()
    assert kube.done.wait(5)
    informer.stop()
    informer.join(5)
    return informer, seen


def test_list_then_watch_from_the_list_version_and_resume_after_a_drop() -> None:
    kube = ScriptedKube(
        [ListResult([obj("a", 5)], "10")],
        [
            [{"type": "ADDED", "object": obj("b", 11)}],  # then the stream ends (dropped)
            [
                {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "15"}}},
                {"type": "MODIFIED", "object": obj("a", 16)},
                {"type": "DELETED", "object": obj("b", 17)},
            ],
        ],
    )
    informer, seen = run_informer(kube)
    assert kube.watch_rvs[:3] == ["10", "11", "17"]
    assert seen == [(None, "a@5"), (None, "b@11"), ("a@5", "a@16"), ("b@11", None)]
    assert informer.resource_version == "17"
    assert informer.lists == 1
    assert [o["metadata"]["name"] for o in informer.store.values()] == ["a"]


def held(name: str, rv: int) -> dict[str, Any]:
    return {
        "type": "HELD",
        "object": {"metadata": {"name": name, "namespace": "default", "resourceVersion": str(rv)}},
    }


def test_an_echoing_informer_tells_its_watch_what_it_holds_and_keeps_it_for_a_held_event() -> None:
    kube = ScriptedKube(
        [ListResult([obj("a", 5), obj("b", 6)], "10")],
        [[held("a", 5), {"type": "MODIFIED", "object": obj("b", 12)}, held("b", 12)]],
    )
    informer, seen = run_informer(kube, echoes=True)
    holds = kube.holds[0]
    assert holds is not None
    assert holds({"name": "a", "namespace": "default", "resourceVersion": "5"})
    assert not holds({"name": "a", "namespace": "default", "resourceVersion": "4"})
    assert not holds({"name": "a", "namespace": "other", "resourceVersion": "5"})
    # a held event: the stored object, old and new alike; nothing stored again
    assert seen == [(None, "a@5"), (None, "b@6"), ("a@5", "a@5"), ("b@6", "b@12"), ("b@12", "b@12")]
    assert informer.resource_version == "12"
    stored = informer.store.get("default/a")
    assert stored is not None and stored["spec"]["ports"], "the whole object is kept"
    plain = ScriptedKube([ListResult([], "1")], [[]])
    run_informer(plain)
    assert plain.holds[0] is None, "an informer without echoes decodes every event"


def test_the_handler_is_handed_the_stored_copies_not_the_decoded_events() -> None:
    listed = obj("a", 5)
    listed["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    changed = obj("a", 6)
    changed["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    kube = ScriptedKube([ListResult([listed], "10")], [[{"type": "MODIFIED", "object": changed}]])
    handed: list[tuple[Any, Any]] = []
    informer = Informer(kube, SERVICES, lambda r, old, new: handed.append((old, new)))  # type: ignore[arg-type]
    informer.start()
    assert kube.done.wait(5)
    informer.stop()
    informer.join(5)
    (_, first), (before, after) = handed
    assert before is first and after is informer.store.get("default/a")
    assert "managedFields" not in first["metadata"] and "managedFields" not in after["metadata"]
    assert after["metadata"]["resourceVersion"] == "6"


def test_a_held_event_never_replaces_a_newer_stored_version() -> None:
    newer = obj("a", 9)
    kube = ScriptedKube([ListResult([newer], "10")], [[held("a", 7), held("gone", 8)]])
    informer, seen = run_informer(kube, echoes=True)
    assert seen == [(None, "a@9"), ("a@9", "a@9")]
    assert informer.store.get("default/a") == newer
    assert informer.store.get("default/gone") is None


def test_gone_relists_and_emits_the_difference() -> None:
    kube = ScriptedKube(
        [
            ListResult([obj("a", 5), obj("b", 6)], "10"),
            ListResult([obj("a", 5), obj("c", 30)], "31"),
        ],
        [[{"type": "ERROR", "object": {"kind": "Status", "code": 410, "message": "too old"}}]],
    )
    informer, seen = run_informer(kube)
    assert kube.watch_rvs[:2] == ["10", "31"]
    assert seen == [(None, "a@5"), (None, "b@6"), ("b@6", None), (None, "c@30")]
    assert informer.lists == 2
    assert sorted(o["metadata"]["name"] for o in informer.store.values()) == ["a", "c"]


def test_resource_versions_compare_numerically() -> None:
    assert rv_at_least("100", "99")
    assert not rv_at_least("99", "100")
    assert rv_at_least("5", "")
    assert not rv_at_least("", "5")


class Recorder:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, keys: Any) -> None:
        self.keys.extend(keys)


def test_router_enqueues_the_old_and_the_new_key_of_a_service() -> None:
    queued = Recorder()
    router = EventRouter(queued, Settings(), Store())
    router.handle(SERVICES, None, obj("a", 1, key="k1"))
    assert queued.keys == ["shared:default/k1"]
    queued.keys.clear()
    router.handle(SERVICES, obj("a", 1, key="k1"), obj("a", 2, key="k2"))
    assert queued.keys == ["shared:default/k2", "shared:default/k1"]
    queued.keys.clear()
    router.handle(SERVICES, obj("a", 2, key="k2"), obj("a", 3))
    assert queued.keys == ["dedicated:default/a", "shared:default/k2"]
    queued.keys.clear()
    router.handle(SERVICES, obj("a", 3), None)
    assert queued.keys == ["dedicated:default/a"]
    assert router.all_keys() == set()


def test_router_ignores_an_event_that_changes_nothing() -> None:
    queued = Recorder()
    router = EventRouter(queued, Settings(), Store())
    router.handle(SERVICES, obj("a", 7, key="k"), obj("a", 7, key="k"))
    assert queued.keys == []


def test_router_flags_the_annotation_on_a_clusterip_service() -> None:
    queued = Recorder()
    router = EventRouter(queued, Settings(), Store())
    router.handle(SERVICES, None, obj("plain", 1, key="k", type_="ClusterIP"))
    assert queued.keys == ["service:default/plain"]


def test_router_sends_endpointslice_events_to_the_service_key() -> None:
    queued = Recorder()
    services = Store()
    router = EventRouter(queued, Settings(), services)
    router.handle(SERVICES, None, obj("web", 1, key="k"))
    queued.keys.clear()
    slice_ = {
        "metadata": {
            "name": "web-x",
            "namespace": "default",
            "resourceVersion": "2",
            "labels": {"kubernetes.io/service-name": "web"},
        }
    }
    from simulator.adapters.kube import ENDPOINTSLICES, NODES

    router.handle(ENDPOINTSLICES, None, slice_)
    assert queued.keys == ["shared:default/k"]
    queued.keys.clear()
    node = {"metadata": {"name": "n", "resourceVersion": "3"}}
    router.handle(NODES, None, node)
    assert queued.keys == [], "nodes only matter in NodePort mode"
    nodeport = EventRouter(queued, Settings(service_type="NodePort"), services)
    nodeport.handle(SERVICES, None, obj("web", 1, key="k"))
    queued.keys.clear()
    nodeport.handle(NODES, None, node)
    assert queued.keys == [str(Key("default", "k", True))]


def test_status_patch_is_none_when_converged_and_keeps_other_conditions() -> None:
    svc = service("a")
    svc["status"] = {
        "loadBalancer": {"ingress": [{"ip": "1.2.3.4", "ipMode": "VIP"}]},
        "conditions": [{"type": "Other", "status": "True"}],
    }
    wanted = Wanted("1.2.3.4", True, "Synced", "VIP 1.2.3.4")
    patch = status_patch(svc, wanted)
    assert patch is not None and "loadBalancer" not in patch["status"]
    conditions = patch["status"]["conditions"]
    assert [c["type"] for c in conditions] == ["Other", CONDITION_TYPE]
    svc["status"]["conditions"] = conditions
    assert status_patch(svc, wanted) is None
    cleared = status_patch(svc, Wanted(None, None))
    assert cleared == {
        "status": {
            "loadBalancer": {"ingress": None},
            "conditions": [{"type": "Other", "status": "True"}],
        }
    }


def test_an_http_410_on_watch_also_relists() -> None:
    kube = ScriptedKube(
        [ListResult([obj("a", 5)], "10"), ListResult([], "20")],
        [Gone("expired", status=410)],
    )
    informer, seen = run_informer(kube)
    assert seen == [(None, "a@5"), ("a@5", None)]
    assert informer.lists == 2


def test_a_version_already_stored_is_not_stored_again_and_still_handed_on() -> None:
    kube = ScriptedKube(
        [ListResult([obj("a", 5)], "10")],
        [
            [
                {"type": "MODIFIED", "object": obj("a", 5)},
                {"type": "MODIFIED", "object": obj("a", 6)},
            ]
        ],
    )
    seen: list[tuple[str, str, bool]] = []
    informer: Informer

    def handler(resource: Resource, old: Any, new: Any) -> None:
        if old is not None:
            kept = informer.store.get("default/a") is old
            seen.append(
                (old["metadata"]["resourceVersion"], new["metadata"]["resourceVersion"], kept)
            )

    informer = Informer(kube, SERVICES, handler)  # type: ignore[arg-type]
    informer.start()
    assert kube.done.wait(5)
    informer.stop()
    informer.join(5)
    # the same version: the stored object stays; a new one replaces it
    assert seen == [("5", "5", True), ("5", "6", False)]
    stored = informer.store.get("default/a")
    assert stored is not None and stored["metadata"]["resourceVersion"] == "6"
