"""Time to VIP (issue 7, figure 1): from a Service's create request to its EXTERNAL-IP.

Fresh mock_k8s + mock_avi + engine processes. A watch on Services (opened before the trials)
timestamps the first event carrying ``status.loadBalancer.ingress``; the clock starts just before
the create request. Two cases, ``trials`` each, one at a time with the engine settled in between:
- ``lone``: a new annotated Service that forms a new group (VsVip, pool, L4PolicySet, VS);
- ``join``: a Service joining a group that already has one configured member (pool, PUTs).

    python -m benchmarks.time_to_vip [--trials 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from benchmarks.harness import BenchError, Cluster, StatusWatch, percentile
from benchmarks.workload import service_manifest

NAMESPACE = "ttv"


def _summary(samples: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in samples]
    return {
        "trials": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "max_ms": round(max(ms), 2),
    }


def _timed_create(cluster: Cluster, watch: StatusWatch, manifest: dict[str, Any]) -> float:
    key = f"{NAMESPACE}/{manifest['metadata']['name']}"
    started = time.perf_counter()
    cluster.create_service(manifest)
    if not watch.wait_for([key], 10.0):
        raise BenchError(f"{key}: no VIP within 10s")
    return watch.first_vip[key][0] - started


def run(trials: int = 100, *, ako_binary: str | None = None, tls: bool = False) -> dict[str, Any]:
    """Lone and joining-member time to VIP; the real AKO when ``ako_binary`` is given."""
    with Cluster.start(avi_tls=tls or bool(ako_binary)) as cluster:
        cluster.create_namespaces([NAMESPACE])
        cluster.start_engine(ako_binary=ako_binary)
        cluster.wait_engine_ready()
        cluster.wait_settled()
        watch = StatusWatch(cluster)
        try:
            lone: list[float] = []
            join: list[float] = []
            for i in range(trials):
                lone.append(
                    _timed_create(
                        cluster,
                        watch,
                        service_manifest(NAMESPACE, f"lone-{i}", f"lone-{i}", [(80, "TCP")], "a"),
                    )
                )
                cluster.wait_settled(interval=0.005)
            for i in range(trials):
                first = service_manifest(NAMESPACE, f"grp-{i}-a", f"grp-{i}", [(80, "TCP")], "a")
                _timed_create(cluster, watch, first)
                cluster.wait_settled(interval=0.005)
                second = service_manifest(NAMESPACE, f"grp-{i}-b", f"grp-{i}", [(53, "UDP")], "b")
                join.append(_timed_create(cluster, watch, second))
                cluster.wait_settled(interval=0.005)
        finally:
            watch.close()
        return {"lone": _summary(lone), "join": _summary(join), "peak_rss_mb": cluster.rss()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(run(args.trials), indent=2))


if __name__ == "__main__":
    main()
