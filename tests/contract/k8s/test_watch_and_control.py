"""Watch semantics through ``kubernetes.watch.Watch`` and raw streams (RV start modes, prompt
bookmarks, 410 after compaction without reconnect loops, many watchers) and the control API
(reset, state, faults)."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from mock_k8s.server import RunningServer

from .helpers import lb_service

pytestmark = pytest.mark.contract


class RawWatch:
    """A raw watch stream read line by line in a thread (bounded waits for the test)."""

    def __init__(self, url: str, params: dict[str, str]) -> None:
        self.resp = requests.get(url, params={**params, "watch": "true"}, stream=True, timeout=30)
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.done = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.resp.iter_lines():
                if line:
                    self.lines.put(json.loads(line))
        except (requests.RequestException, AttributeError):
            pass
        self.lines.put(None)
        self.done.set()

    def next(self, timeout: float = 5.0) -> dict[str, Any] | None:
        return self.lines.get(timeout=timeout)

    def close(self) -> None:
        self.resp.close()


@pytest.fixture
def raw_watch(k8s_server: RunningServer) -> Iterator[Callable[..., RawWatch]]:
    opened: list[RawWatch] = []

    def open_watch(path: str = "/api/v1/namespaces/default/services", **params: str) -> RawWatch:
        w = RawWatch(k8s_server.url + path, params)
        opened.append(w)
        return w

    yield open_watch
    # the server ends the streams; then closing the client side does not block
    requests.post(f"{k8s_server.url}/__mock__/faults", json={"drop_watches": True}, timeout=10)
    for w in opened:
        w.done.wait(timeout=10)
        w.close()


def test_informer_pattern_exact_rv_and_prompt_bookmarks(
    core: client.CoreV1Api, raw_watch: Callable[..., RawWatch]
) -> None:
    core.create_namespaced_service("default", lb_service("before"))
    listed = core.list_namespaced_service("default")
    w = raw_watch(resourceVersion=listed.metadata.resource_version, allowWatchBookmarks="true")

    created = core.create_namespaced_service("default", lb_service("after", port=81))
    event = w.next()
    assert event is not None and event["type"] == "ADDED"
    assert event["object"]["metadata"]["name"] == "after"  # no synthetic ADDED for "before"
    assert event["object"]["metadata"]["resourceVersion"] == created.metadata.resource_version

    cm = core.create_namespaced_config_map("default", {"metadata": {"name": "unrelated"}})
    # the watcher's RV catches up with the server's through bookmarks (the Service's own
    # EndpointSlice write already produced one)
    bookmarks: list[dict[str, Any]] = []
    while (
        not bookmarks
        or bookmarks[-1]["object"]["metadata"]["resourceVersion"] != cm.metadata.resource_version
    ):
        bookmark = w.next()
        assert bookmark is not None and bookmark["type"] == "BOOKMARK", bookmark
        assert int(bookmark["object"]["metadata"]["resourceVersion"]) <= int(
            cm.metadata.resource_version
        )
        bookmarks.append(bookmark)
    assert bookmarks[-1]["object"]["kind"] == "Service"


def test_watch_without_rv_replays_current_state(
    core: client.CoreV1Api, raw_watch: Callable[..., RawWatch]
) -> None:
    core.create_namespaced_service("default", lb_service("one"))
    w = raw_watch(resourceVersion="0")
    first = w.next()
    assert first is not None and (first["type"], first["object"]["metadata"]["name"]) == (
        "ADDED",
        "one",
    )
    core.delete_namespaced_service("one", "default")
    gone = w.next()
    assert gone is not None and gone["type"] == "DELETED"


def test_label_selector_watch_sees_objects_leave_and_enter(
    core: client.CoreV1Api, raw_watch: Callable[..., RawWatch]
) -> None:
    body = lb_service("web")
    body["metadata"]["labels"] = {"pick": "me"}
    rv = core.create_namespaced_service("default", body).metadata.resource_version
    w = raw_watch(resourceVersion=rv, labelSelector="pick=me")
    core.patch_namespaced_service("web", "default", {"metadata": {"labels": {"pick": "no"}}})
    left = w.next()
    assert left is not None and left["type"] == "DELETED"
    core.patch_namespaced_service("web", "default", {"metadata": {"labels": {"pick": "me"}}})
    back = w.next()
    assert back is not None and back["type"] == "ADDED"


def test_python_watch_recovers_from_compacted_history_by_relisting(
    core: client.CoreV1Api, control: Callable[..., Any]
) -> None:
    old_rv = core.list_namespaced_service("default").metadata.resource_version
    core.create_namespaced_service("default", lb_service("a"))
    control("POST", "faults", json={"compact": True})

    w = watch.Watch()
    with pytest.raises(ApiException) as err:
        for _ in w.stream(core.list_namespaced_service, "default", resource_version=old_rv):
            pytest.fail("no event may come from a compacted resourceVersion")
    assert err.value.status == 410
    assert "too old resource version" in str(err.value)

    # relist, then watch from the fresh RV: works
    fresh = core.list_namespaced_service("default")
    seen: list[str] = []
    w2 = watch.Watch()
    thread = threading.Thread(
        target=lambda: seen.extend(
            e["object"].metadata.name
            for e in w2.stream(
                core.list_namespaced_service,
                "default",
                resource_version=fresh.metadata.resource_version,
                timeout_seconds=5,
            )
            if e["type"] == "ADDED" and not w2.stop()
        ),
        daemon=True,
    )
    thread.start()
    core.create_namespaced_service("default", lb_service("b", port=81))
    thread.join(timeout=10)
    assert seen == ["b"]


def test_no_reconnect_loop_on_410(
    core: client.CoreV1Api, control: Callable[..., Any], raw_watch: Callable[..., RawWatch]
) -> None:
    """A Python Watch resumed from an expired RV makes a handful of requests, then stops."""
    old_rv = core.list_namespaced_service("default").metadata.resource_version
    core.create_namespaced_service("default", lb_service("a"))
    control("POST", "faults", json={"compact": True})
    since = max([e["seq"] for e in control("GET", "journal")] or [0])

    w = watch.Watch()
    errors: list[int] = []

    def run() -> None:
        try:
            for _ in w.stream(core.list_namespaced_service, "default", resource_version=old_rv):
                pass
        except ApiException as exc:
            errors.append(exc.status)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    watches = [
        e for e in control("GET", "journal", params={"since": since}) if "watch=" in e["query"]
    ]
    assert errors == [410]
    assert 1 <= len(watches) <= 3

    # A watch the server drops after compaction resumes from an RV it handed out: no 410.
    fresh = core.list_namespaced_service("default").metadata.resource_version
    control("POST", "faults", json={"compact": True})
    w2 = raw_watch(resourceVersion=fresh, allowWatchBookmarks="true")
    core.create_namespaced_service("default", lb_service("c", port=82))
    event = w2.next()
    assert event is not None and event["type"] == "ADDED"


def test_drop_watches_and_reset_end_streams(
    core: client.CoreV1Api, control: Callable[..., Any], raw_watch: Callable[..., RawWatch]
) -> None:
    rv = core.list_namespaced_service("default").metadata.resource_version
    w = raw_watch(resourceVersion=rv)
    assert control("POST", "faults", json={"drop_watches": True})["dropped"] >= 1
    assert w.next() is None  # stream ended

    w2 = raw_watch(resourceVersion=rv)
    control("POST", "reset")
    assert w2.next() is None
    after = raw_watch(resourceVersion=rv)
    err = after.next()
    assert err is not None and err["type"] == "ERROR" and err["object"]["code"] == 410
    assert int(core.list_namespaced_service("default").metadata.resource_version) > int(rv)


def test_twenty_watchers_all_see_a_write(
    core: client.CoreV1Api, raw_watch: Callable[..., RawWatch]
) -> None:
    rv = core.list_namespaced_service("default").metadata.resource_version
    watchers = [raw_watch(resourceVersion=rv, allowWatchBookmarks="true") for _ in range(20)]
    core.create_namespaced_service("default", lb_service("fanout"))
    for w in watchers:
        event = w.next()
        assert event is not None and event["object"]["metadata"]["name"] == "fanout"
    assert core.read_namespaced_service("fanout", "default").metadata.name == "fanout"


def test_faults_state_and_reset(core: client.CoreV1Api, control: Callable[..., Any]) -> None:
    rule = control(
        "POST",
        "faults",
        json={"method": "GET", "path": r"/services$", "status": 503, "times": 1, "after": 1},
    )
    core.list_namespaced_service("default")  # let through ("after": 1)
    with pytest.raises(ApiException) as err:
        core.list_namespaced_service("default")
    assert err.value.status == 503
    core.list_namespaced_service("default")  # "times": 1 used up
    assert [r["id"] for r in control("GET", "faults")] == [rule["id"]]
    control("DELETE", f"faults/{rule['id']}")
    assert control("GET", "faults") == []

    core.create_namespaced_service("default", lb_service("kept"))
    state = control("GET", "state")
    rv_before = int(state["resourceVersion"])
    control("POST", "reset")
    assert core.list_namespaced_service("default").items == []
    assert {n.metadata.name for n in core.list_namespace().items} == {
        "default",
        "kube-system",
        "kube-public",
    }
    control("PUT", "state", json=state)
    kept = core.read_namespaced_service("kept", "default")
    assert int(kept.metadata.resource_version) > rv_before  # monotonic across loads
    clash = lb_service("clash")
    clash["spec"]["ports"][0]["nodePort"] = kept.spec.ports[0].node_port
    with pytest.raises(ApiException) as err:
        core.create_namespaced_service("default", clash)
    assert err.value.status == 422  # allocations restored with the state
