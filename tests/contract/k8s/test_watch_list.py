"""Streaming lists (KEP-3157, ``sendInitialEvents=true&resourceVersionMatch=NotOlderThan``):
synthetic ADDED events for the current state, then a BOOKMARK annotated
``k8s.io/initial-events-end: "true"`` carrying the state's RV, then changes. ``kubectl wait``
(watch-list client on by default) depends on it; the official client reaches it by parameters."""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from steps.support.wait import eventually

from .helpers import lb_service

pytestmark = pytest.mark.contract

END = "k8s.io/initial-events-end"
BLUEPRINT = "kubernetes.io/initial-events-list-blueprint"
VIP = "100.64.196.61"


class Stream:
    """Lines of a watch response read by a thread; ``next()`` waits a bounded time."""

    def __init__(self, resp: Any) -> None:
        self.resp = resp
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.done = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        try:
            for chunk in self.resp.stream(1024, decode_content=False):
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        self.lines.put(json.loads(line))
        finally:
            self.done.set()

    def next(self, timeout: float = 5.0) -> dict[str, Any]:
        return self.lines.get(timeout=timeout)

    def close(self) -> None:
        self.done.wait(timeout=10)
        self.resp.close()


@pytest.fixture
def open_stream(
    core: client.CoreV1Api, control: Callable[..., Any]
) -> Iterator[Callable[..., Stream]]:
    opened: list[Stream] = []

    def open_(**params: Any) -> Stream:
        resp = core.list_namespaced_service("default", watch=True, _preload_content=False, **params)
        opened.append(Stream(resp))
        return opened[-1]

    yield open_
    control("POST", "faults", json={"drop_watches": True})  # the server ends the streams first
    for stream in opened:
        stream.close()


def test_initial_events_then_end_bookmark_then_changes(
    core: client.CoreV1Api, open_stream: Callable[..., Stream]
) -> None:
    for name in ("b", "a"):
        core.create_namespaced_service("default", lb_service(name))
    state_rv = core.list_namespaced_service("default").metadata.resource_version
    stream = open_stream(
        send_initial_events=True,
        resource_version_match="NotOlderThan",
        allow_watch_bookmarks=True,
    )
    first, second, end = stream.next(), stream.next(), stream.next()
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in (first, second)] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
    ]
    assert end["type"] == "BOOKMARK"
    meta = end["object"]["metadata"]
    assert meta["resourceVersion"] == state_rv
    assert meta["annotations"][END] == "true"
    blueprint = json.loads(base64.b64decode(meta["annotations"][BLUEPRINT]))
    assert (blueprint["kind"], blueprint["apiVersion"], blueprint["items"]) == (
        "ServiceList",
        "v1",
        [],
    )
    core.create_namespaced_service("default", lb_service("c"))
    change = stream.next()
    assert (change["type"], change["object"]["metadata"]["name"]) == ("ADDED", "c")
    assert int(change["object"]["metadata"]["resourceVersion"]) > int(state_rv)


def test_initial_events_from_an_exact_rv_send_the_current_state(
    core: client.CoreV1Api, open_stream: Callable[..., Stream]
) -> None:
    old_rv = core.create_namespaced_service("default", lb_service("a")).metadata.resource_version
    core.patch_namespaced_service("a", "default", {"metadata": {"labels": {"x": "y"}}})
    stream = open_stream(
        send_initial_events=True,
        resource_version_match="NotOlderThan",
        allow_watch_bookmarks=True,
        resource_version=old_rv,
    )
    added = stream.next()
    assert added["type"] == "ADDED"
    assert added["object"]["metadata"]["labels"] == {"x": "y"}  # not older than old_rv: newest
    end = stream.next()
    assert end["type"] == "BOOKMARK"
    assert end["object"]["metadata"]["annotations"][END] == "true"
    assert int(end["object"]["metadata"]["resourceVersion"]) > int(old_rv)


def test_send_initial_events_false_starts_at_the_most_recent(
    core: client.CoreV1Api, open_stream: Callable[..., Stream]
) -> None:
    core.create_namespaced_service("default", lb_service("old"))
    stream = open_stream(send_initial_events=False, resource_version_match="NotOlderThan")
    core.create_namespaced_service("default", lb_service("new"))
    event = stream.next()
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "new")


def test_a_legacy_watch_gets_no_end_bookmark(
    core: client.CoreV1Api, open_stream: Callable[..., Stream]
) -> None:
    core.create_namespaced_service("default", lb_service("a"))
    stream = open_stream(allow_watch_bookmarks=True)
    assert stream.next()["type"] == "ADDED"
    core.create_namespaced_service("default", lb_service("b"))
    event = stream.next()
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "b")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"send_initial_events": True},
            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        ),
        (
            {"resource_version_match": "NotOlderThan"},
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        ),
    ],
)
def test_invalid_watch_list_options_are_422(
    core: client.CoreV1Api, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ApiException) as caught:
        core.list_namespaced_service("default", watch=True, _preload_content=False, **params)
    assert caught.value.status == 422
    body = json.loads(caught.value.body)
    assert body["reason"] == "Invalid"
    assert body["message"] == (
        f'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: {message}'
    )


def test_kubectl_wait_with_the_watch_list_client(
    core: client.CoreV1Api,
    kubectl_base: list[str],
    control: Callable[..., Any],
) -> None:
    core.create_namespaced_service("default", lb_service("x"))
    env = {k: v for k, v in os.environ.items() if k != "KUBE_FEATURE_WatchListClient"}
    proc = subprocess.Popen(
        [
            *kubectl_base,
            "wait",
            f"--for=jsonpath={{.status.loadBalancer.ingress[0].ip}}={VIP}",
            "svc/x",
            "--timeout=20s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:

        def watching() -> None:
            assert control("GET", "watches")["open"] >= 1

        eventually(watching, timeout=15)
        patcher = threading.Thread(
            target=core.patch_namespaced_service_status,
            args=("x", "default", {"status": {"loadBalancer": {"ingress": [{"ip": VIP}]}}}),
        )
        patcher.start()
        patcher.join(timeout=10)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out.strip() == "service/x condition met"
    queries = [e["query"] for e in control("GET", "journal") if e["path"].endswith("/services")]
    assert any("sendInitialEvents=true" in q for q in queries), queries  # the watch-list path
