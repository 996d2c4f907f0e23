"""Benchmark of mock_k8s: listing 10,000 Services (plain JSON and Table) and the delay from a
write to its watch event with 20 watchers open. Prints a table and a JSON line; not a test.

Run: python benchmarks/k8s_list_watch.py [--services 10000] [--watchers 20] [--writes 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from typing import Any

import requests

from mock_k8s.server import start_server

TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def service(i: int) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"svc-{i:05d}",
            "annotations": {"ako.vmware.com/enable-shared-vip": f"k{i % 50}"},
        },
        "spec": {
            "type": "LoadBalancer",
            "allocateLoadBalancerNodePorts": False,
            "ports": [{"port": 80 + (i % 100)}],
            "selector": {"app": f"a{i}"},
        },
    }


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_call(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, default=20)
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()

    server = start_server(port=0)
    base = f"{server.url}/api/v1/namespaces/default/services"
    session = requests.Session()
    try:
        start = time.perf_counter()
        for i in range(args.services):
            session.post(base, json=service(i), timeout=30).raise_for_status()
        create_s = time.perf_counter() - start

        def list_json() -> None:
            body = session.get(base, timeout=60).json()
            assert len(body["items"]) == args.services

        def list_table() -> None:
            body = session.get(base, headers={"Accept": TABLE_ACCEPT}, timeout=60).json()
            assert len(body["rows"]) == args.services

        json_s = time_call(list_json, 3)
        table_s = time_call(list_table, 3)

        rv = session.get(base, params={"limit": "1"}, timeout=30).json()["metadata"][
            "resourceVersion"
        ]
        received: dict[str, list[float]] = {}
        lock = threading.Lock()
        ready = threading.Barrier(args.watchers + 1)
        streams: list[requests.Response] = []

        def watch() -> None:
            resp = requests.get(
                base,
                params={"watch": "true", "resourceVersion": rv, "allowWatchBookmarks": "true"},
                stream=True,
                timeout=60,
            )
            streams.append(resp)
            ready.wait()
            try:
                for line in resp.iter_lines():
                    if not line:
                        continue
                    event = json.loads(line)
                    if event["type"] != "MODIFIED":
                        continue
                    now = time.perf_counter()
                    name = event["object"]["metadata"]["name"]
                    with lock:
                        received.setdefault(name, []).append(now)
            except (requests.RequestException, AttributeError):
                return

        threads = [threading.Thread(target=watch, daemon=True) for _ in range(args.watchers)]
        for t in threads:
            t.start()
        ready.wait()
        sent: dict[str, float] = {}
        for i in range(args.writes):
            name = f"svc-{i:05d}"
            sent[name] = time.perf_counter()
            session.patch(
                f"{base}/{name}/status",
                data=json.dumps(
                    {
                        "status": {
                            "loadBalancer": {
                                "ingress": [{"ip": f"100.64.{i // 250}.{i % 250 + 1}"}]
                            }
                        }
                    }
                ),
                headers={"Content-Type": "application/merge-patch+json"},
                timeout=30,
            ).raise_for_status()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                done = sum(len(v) for v in received.values())
            if done >= args.writes * args.watchers:
                break
            threading.Event().wait(0.05)
        delays_ms = [
            (t - sent[name]) * 1000
            for name, times in received.items()
            for t in times
            if name in sent
        ]
    finally:
        server.stop()

    figures = {
        "services": args.services,
        "create_all_s": round(create_s, 2),
        "list_json_s": round(json_s, 3),
        "list_table_s": round(table_s, 3),
        "watchers": args.watchers,
        "writes": args.writes,
        "events_received": len(delays_ms),
        "delay_ms_p50": round(statistics.median(delays_ms), 2) if delays_ms else None,
        "delay_ms_p95": round(percentile(delays_ms, 95), 2) if delays_ms else None,
        "delay_ms_p99": round(percentile(delays_ms, 99), 2) if delays_ms else None,
        "delay_ms_max": round(max(delays_ms), 2) if delays_ms else None,
    }
    width = max(len(k) for k in figures)
    print(f"{'figure'.ljust(width)}  value")
    for key, value in figures.items():
        print(f"{key.ljust(width)}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
