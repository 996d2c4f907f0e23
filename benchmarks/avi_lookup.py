"""Benchmark: mock_avi lookups by name stay flat as a type grows (an index, not a scan).

Fills a mock controller with N pools directly through its store (``Store.create``, the same
write pipeline the HTTP POST uses, minus Flask), then times lookups by name:
``GET /api/pool?name=<n>`` over HTTP (keep-alive, Basic auth) and ``Store.named`` + render in
process. Also times POST (create) over HTTP at that size. Prints a table and a JSON line.

    python benchmarks/avi_lookup.py [--sizes 100,10000] [--lookups 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import requests

from mock_avi.backend import backend_of
from mock_avi.render import render
from mock_avi.server import start_server


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "mean_us": statistics.fmean(ordered) * 1e6,
        "p50_us": ordered[len(ordered) // 2] * 1e6,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6,
    }


def _time(fn: Callable[[int], Any], n: int) -> list[float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return samples


def run(size: int, lookups: int) -> dict[str, Any]:
    server = start_server(port=0)
    try:
        store = backend_of(server.app).store
        fill_start = time.perf_counter()
        for i in range(size):
            store.create("pool", {"name": f"pool-{i}", "created_by": "bench"}, "admin")
        fill_s = time.perf_counter() - fill_start
        rng = random.Random(1)
        names = [f"pool-{rng.randrange(size)}" for _ in range(lookups)]
        http = requests.Session()
        http.auth = ("admin", "admin")
        url = f"{server.url}/api/pool"

        def over_http(i: int) -> None:
            rsp = http.get(url, params={"name": names[i]})
            assert rsp.json()["count"] == 1

        def in_store(i: int) -> None:
            found = store.named("pool", names[i], "admin")
            assert len(found) == 1
            render(store, found[0], "http://x", include_name=True)

        def create(i: int) -> None:
            rsp = http.post(url, json={"name": f"extra-{i}"})
            assert rsp.status_code == 201

        over_http(0)  # warm the connection
        result = {
            "pools": size,
            "fill_store_s": round(fill_s, 3),
            "http_lookup": _stats(_time(over_http, lookups)),
            "store_lookup": _stats(_time(in_store, lookups)),
            "http_create": _stats(_time(create, min(lookups, 500))),
        }
    finally:
        server.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000")
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()
    results = [run(int(s), args.lookups) for s in args.sizes.split(",")]
    print(f"{'pools':>7} {'what':<14} {'mean us':>9} {'p50 us':>9} {'p99 us':>9}")
    for r in results:
        for what in ("http_lookup", "store_lookup", "http_create"):
            s = r[what]
            print(
                f"{r['pools']:>7} {what:<14} {s['mean_us']:>9.1f} {s['p50_us']:>9.1f} "
                f"{s['p99_us']:>9.1f}"
            )
    print(json.dumps({"benchmark": "avi_lookup", "results": results}))


if __name__ == "__main__":
    main()
