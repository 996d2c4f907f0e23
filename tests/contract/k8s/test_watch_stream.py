"""Watches served as push streams on the server's loop: the watcher goes when its client does
(raw socket and the kubernetes client's watch with timeoutSeconds), a client that reads
nothing is ended as too slow once it falls the backlog behind while other watchers and the
writer go on, stop() ends open watches properly, and initial events beyond one batch all come,
in order, before the initial-events-end bookmark and the live events; and (no HTTP) a bookmark
set while a take is under way never follows a newer event."""

from __future__ import annotations

import json
import socket
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from kubernetes import client, watch

from mock_k8s import routes
from mock_k8s.server import RunningServer, start_server
from mock_k8s.watch import Change, Watcher, WatchFilter
from steps.support.wait import eventually

pytestmark = pytest.mark.contract

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
# the watches select this test's ConfigMaps only (controllers add kube-root-ca.crt)
MINE = "labelSelector=t%3Dstream"


def holds(value: bool) -> None:
    """For eventually, which polls for an AssertionError."""
    assert value


class Stream:
    """A watch on a raw socket: its chunked body parsed into JSON lines as it is read."""

    def __init__(self, port: int, path: str, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # before connecting: the window the server sees stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        self.buf = b""
        self.body = b""
        self.head = b""
        self.ended = False  # the terminating chunk came

    def _fill(self) -> bool:
        data = self.sock.recv(1 << 20)
        self.buf += data
        return bool(data)

    def events(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` events (fewer if the stream ends)."""
        out: list[dict[str, Any]] = []
        while len(out) < count:
            line, sep, rest = self.body.partition(b"\n")
            if sep:
                self.body = rest
                out.append(json.loads(line))
                continue
            if self.ended or not self._more():
                break
        return out

    def rest(self) -> list[dict[str, Any]]:
        """Every event until the stream ends."""
        return self.events(1 << 30)

    def _more(self) -> bool:
        while True:
            if not self.head:
                head, sep, rest = self.buf.partition(b"\r\n\r\n")
                if sep:
                    assert head.startswith(b"HTTP/1.1 200"), head
                    assert b"transfer-encoding: chunked" in head.lower()
                    self.head, self.buf = head, rest
                    continue
            else:
                size_line, sep, rest = self.buf.partition(b"\r\n")
                if sep:
                    size = int(size_line, 16)
                    if size == 0:
                        self.ended = True
                        return False
                    if len(rest) >= size + 2:
                        self.body += rest[:size]
                        self.buf = rest[size + 2 :]
                        return True
            if not self._fill():
                return False

    def close(self) -> None:
        self.sock.close()


def rv_of(url: str) -> str:
    rsp = requests.get(url + CONFIGMAPS, timeout=10)
    rsp.raise_for_status()
    return str(rsp.json()["metadata"]["resourceVersion"])


def configmap(name: str, size: int = 0) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"t": "stream"}},
        "data": {"x": "y" * size},
    }


@pytest.fixture
def streams() -> Iterator[list[Stream]]:
    opened: list[Stream] = []
    yield opened
    for st in opened:
        st.close()


def test_a_watch_goes_when_its_client_does(
    k8s_server: RunningServer, core: client.CoreV1Api, streams: list[Stream]
) -> None:
    store = k8s_server.app.api.store
    base = store.watcher_count()
    st = Stream(
        k8s_server.port, f"{CONFIGMAPS}?{MINE}&watch=1&resourceVersion={rv_of(k8s_server.url)}"
    )
    streams.append(st)
    eventually(lambda: holds(store.watcher_count() == base + 1))
    core.create_namespaced_config_map("default", configmap("seen"))
    (event,) = st.events(1)
    assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == "seen"
    st.close()
    eventually(lambda: holds(store.watcher_count() == base))


def test_timeout_seconds_ends_the_kubernetes_clients_watch_and_its_watcher(
    k8s_server: RunningServer, core: client.CoreV1Api
) -> None:
    store = k8s_server.app.api.store
    base = store.watcher_count()
    core.create_namespaced_config_map("default", configmap("before"))
    events = list(
        watch.Watch().stream(
            core.list_namespaced_config_map,
            "default",
            label_selector="t=stream",
            timeout_seconds=1,
        )
    )
    assert [e["object"].metadata.name for e in events] == ["before"]  # then it ended
    eventually(lambda: holds(store.watcher_count() == base))


def test_a_client_that_reads_nothing_is_ended_as_too_slow_and_the_others_go_on(
    k8s_server: RunningServer, streams: list[Stream], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "WATCH_BACKLOG", 20)
    store = k8s_server.app.api.store
    base = store.watcher_count()
    path = f"{CONFIGMAPS}?{MINE}&watch=1&resourceVersion={rv_of(k8s_server.url)}"
    slow = Stream(k8s_server.port, path, rcvbuf=4096)
    fast = Stream(k8s_server.port, path)
    streams += [slow, fast]
    eventually(lambda: holds(store.watcher_count() == base + 2))
    names = [f"big-{i:03d}" for i in range(200)]  # 64 KiB each: far beyond socket buffers
    session = requests.Session()
    for i, name in enumerate(names):
        rsp = session.post(k8s_server.url + CONFIGMAPS, json=configmap(name, 65536), timeout=10)
        assert rsp.status_code == 201, rsp.text
        if i % 20 == 19:  # the one that reads keeps up and sees every write in order
            got = [e["object"]["metadata"]["name"] for e in fast.events(20)]
            assert got == names[i - 19 : i + 1]
    eventually(lambda: holds(store.watcher_count() == base + 1))  # the slow one is gone
    seen = [e["object"]["metadata"]["name"] for e in slow.rest()]
    assert slow.ended  # ended properly (its terminating chunk), not cut
    assert 0 < len(seen) < len(names) and seen == names[: len(seen)]  # a prefix: resumable


def test_stop_ends_open_watches_properly() -> None:
    server = start_server(port=0, seed=0)
    try:
        st = Stream(server.port, f"{CONFIGMAPS}?{MINE}&watch=1&resourceVersion={rv_of(server.url)}")
        eventually(lambda: holds(server.app.api.store.watcher_count() == 1))
        server.stop()
        assert st.rest() == [] and st.ended
        st.close()
    finally:
        server.stop()


@pytest.mark.parametrize("watch_list", [True, False])
def test_initial_events_beyond_one_batch_come_in_order_then_live_ones(
    k8s_server: RunningServer,
    streams: list[Stream],
    monkeypatch: pytest.MonkeyPatch,
    watch_list: bool,
) -> None:
    monkeypatch.setattr(routes, "INITIAL_BATCH", 3)
    session = requests.Session()
    names = [f"cm-{i:02d}" for i in range(10)]
    for name in names:
        assert session.post(k8s_server.url + CONFIGMAPS, json=configmap(name), timeout=10).ok
    query = f"{MINE}&watch=1&allowWatchBookmarks=true"
    if watch_list:
        query += "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
    st = Stream(k8s_server.port, f"{CONFIGMAPS}?{query}")
    streams.append(st)
    initial = st.events(len(names) + (1 if watch_list else 0))
    assert [e["object"]["metadata"]["name"] for e in initial[: len(names)]] == names
    assert {e["type"] for e in initial[: len(names)]} == {"ADDED"}
    if watch_list:
        end = initial[-1]
        assert end["type"] == "BOOKMARK"
        assert end["object"]["metadata"]["annotations"][routes.INITIAL_EVENTS_END] == "true"
    assert session.post(k8s_server.url + CONFIGMAPS, json=configmap("live"), timeout=10).ok
    (live,) = st.events(1)
    while live["type"] == "BOOKMARK":
        (live,) = st.events(1)
    assert live["type"] == "ADDED" and live["object"]["metadata"]["name"] == "live"


def test_a_bookmark_set_during_a_take_never_follows_a_newer_event() -> None:
    """The pulse sets a bookmark after ``take`` looked for one, then a write queues a newer
    event that this take hands out: the next take must not send the older bookmark."""

    def change(rv: int) -> Change:
        obj = {"metadata": {"name": f"o{rv}", "namespace": "default"}}
        return Change(rv, "configmaps", "ADDED", obj, None, b"{}")

    watcher = Watcher(WatchFilter(key="configmaps"), bookmarks=True)
    watcher.push(change(4))

    class Interleaved(deque[tuple[str, Change]]):
        hooked = False

        def __len__(self) -> int:
            if not self.hooked:  # between take's look at the bookmark and its pops
                self.hooked = True
                watcher.push_bookmark(5)
                watcher.push(change(6))
            return super().__len__()

    queued = Interleaved(watcher._events)
    watcher._events = queued
    events, mark = watcher.take()
    assert [c.rv for _, c in events] == [4, 6] and mark is None
    assert watcher.take() == ([], None)  # not a BOOKMARK at 5 after the event at 6
