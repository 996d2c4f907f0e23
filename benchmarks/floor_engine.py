"""The watching floor's engine: the least an engine must do in the scale run, as its own process.

The plain floor (:func:`benchmarks.scale.run_floor`) is handed each group by the script that
creates it. An engine is not: it learns of each Service from a watch, and the spec gives each
configured member a Normal Event ``Synced`` beside its status (``spec/behaviour.md`` section 7).
This process does exactly that and nothing more, so that ``engine / watching floor`` shows what
an engine adds beyond the work any engine must cause:

- one watch on Services (all namespaces, from ``--resource-version``), each event decoded;
- the workload rebuilt from ``--n`` (the benchmark's fixed seed), so that a group is known to be
  complete once its last member is seen (an engine cannot know that: this is a floor);
- per complete group, on ``--workers`` threads, the plain floor's REST calls (VsVip, pools,
  L4PolicySet, VS, each member's status) and one Event per member, with the engine's body.

It prints ``watching`` once its watch is open, then ``done`` once every group is configured,
and exits when its standard input closes (the benchmark reads its CPU seconds first).

    python -m benchmarks.floor_engine --k8s URL --avi URL --kubeconfig PATH --n N
        --resource-version RV [--workers 4]
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
from typing import Any

import orjson

from benchmarks import lean_http
from benchmarks.harness import RestCalls
from benchmarks.scale import floor_group, floor_vs_name
from benchmarks.workload import Group, build

EVENT_COMPONENT = "ako-sim"
WATCH_TIMEOUT_S = 3600


def event_body(namespace: str, name: str, uid: str, vs: str, seq: int) -> dict[str, Any]:
    """The engine's Event for a configured member (``simulator/engine/events.py``'s fields)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.{seq:016x}", "namespace": namespace},
        "involvedObject": {
            "kind": "Service",
            "apiVersion": "v1",
            "namespace": namespace,
            "name": name,
            "uid": uid,
        },
        "reason": "Synced",
        "message": f"Added virtualservice {vs} for {name}",
        "type": "Normal",
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "source": {"component": EVENT_COMPONENT},
        "reportingComponent": EVENT_COMPONENT,
    }


class FloorEngine:
    """Groups the watched Services and configures each group once it is complete."""

    def __init__(self, calls: RestCalls, groups: list[Group], workers: int) -> None:
        self._calls = calls
        self._waiting: dict[str, tuple[Group, set[str]]] = {}
        self._group_of: dict[str, str] = {}
        for group in groups:
            ident = f"{group.namespace}/{group.names[0]}"
            self._waiting[ident] = (group, set(group.names))
            for name in group.names:
                self._group_of[f"{group.namespace}/{name}"] = ident
        self._uids: dict[str, str] = {}
        self._work: queue.Queue[Group | None] = queue.Queue()
        self._left = len(groups)
        self._lock = threading.Lock()
        self._seq = 0
        self.done = threading.Event()
        self.errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._worker, name=f"floor-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()
        if not groups:
            self.done.set()

    def seen(self, line: bytes) -> None:
        """One watch line: an ADDED Service may complete its group."""
        if not line.strip():
            return
        event = orjson.loads(line)
        if event.get("type") != "ADDED":
            return
        meta = (event.get("object") or {}).get("metadata") or {}
        ref = f"{meta.get('namespace')}/{meta.get('name')}"
        ident = self._group_of.get(ref)
        if ident is None:
            return
        self._uids[ref] = str(meta.get("uid") or "")
        group, missing = self._waiting[ident]
        missing.discard(str(meta.get("name")))
        if not missing:
            del self._waiting[ident]
            self._work.put(group)

    def _worker(self) -> None:
        while True:
            group = self._work.get()
            if group is None:
                return
            try:
                self._configure(group)
            except BaseException as exc:  # reported by main()
                self.errors.append(exc)
                self.done.set()
                return
            with self._lock:
                self._left -= 1
                if self._left == 0:
                    self.done.set()

    def _configure(self, group: Group) -> None:
        vips = floor_group(self._calls, group)
        vs = floor_vs_name(group)
        for ref in vips:
            namespace, name = ref.split("/", 1)
            with self._lock:
                self._seq += 1
                seq = self._seq
            self._calls.k8s_call(
                "POST",
                f"/api/v1/namespaces/{namespace}/events",
                event_body(namespace, name, self._uids.get(ref, ""), vs, seq),
            )

    def stop(self) -> None:
        for _ in self._threads:
            self._work.put(None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k8s", required=True)
    parser.add_argument("--avi", required=True)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--resource-version", required=True)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    calls = RestCalls(args.k8s, args.avi, args.kubeconfig)
    engine = FloorEngine(calls, build(args.n).groups, args.workers)
    conn = lean_http.Connection(args.k8s, calls.headers(args.k8s), timeout=WATCH_TIMEOUT_S + 100)
    target = (
        f"/api/v1/services?watch=1&resourceVersion={args.resource_version}"
        f"&timeoutSeconds={WATCH_TIMEOUT_S}"
    )
    lines = conn.stream("GET", target)
    print("watching", flush=True)

    def follow() -> None:
        try:
            for line in lines:
                engine.seen(line)
                if engine.done.is_set():
                    return
        except (lean_http.HttpError, OSError, ValueError) as exc:
            engine.errors.append(exc)
            engine.done.set()

    threading.Thread(target=follow, name="floor-watch", daemon=True).start()
    engine.done.wait()
    engine.stop()
    print(f"error: {engine.errors[0]!r}" if engine.errors else "done", flush=True)
    sys.stdin.read()  # the benchmark reads this process's CPU seconds, then closes it
    conn.abort()
    calls.close()
    return 1 if engine.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
