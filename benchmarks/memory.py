"""Where the engine's memory goes: tracemalloc over an in-process engine after N Services settle.

    python -m benchmarks.memory --n 2000 [--top 25]

The two mocks run as processes (as in ``scale``); the engine runs in this process with
tracemalloc tracing from before it starts, so the snapshot taken once it has settled shows what
the engine keeps (allocations of the benchmark's own client are filtered out). Prints the largest
allocation sites (grouped by the first ``simulator`` frame of each traceback), the total traced,
and this process's peak RSS. Diagnostic only: it changes nothing and asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
import tracemalloc
from collections import Counter
from typing import Any

from benchmarks.harness import BenchError, StatusWatch, peak_rss_mb
from benchmarks.scale import _create_all, _prepare

FRAMES = 12


def _site(trace: tracemalloc.Trace) -> str:
    """The innermost frame in simulator/ (else the innermost frame) of an allocation."""
    frames = list(reversed(trace.traceback))  # most recent call first
    for frame in frames:
        if "/simulator/" in frame.filename:
            return f"{frame.filename.split('/simulator/')[-1]}:{frame.lineno}"
    top = frames[0]
    return f"{'/'.join(top.filename.split('/')[-2:])}:{top.lineno}"


def _ours(trace: tracemalloc.Trace) -> bool:
    return not any("/benchmarks/" in f.filename or "/faker/" in f.filename for f in trace.traceback)


def run(n: int, top: int, workers: int = 4) -> dict[str, Any]:
    from simulator.config import EngineConfig
    from simulator.engine.controller import Engine
    from simulator.engines.sim import build_sim_engine

    cluster, workload = _prepare(n)
    tracemalloc.start(FRAMES)
    engine: Engine | None = None
    try:
        config = EngineConfig(
            kubeconfig=str(cluster.kubeconfig),
            avi_controller=cluster.avi.url,
            workers=workers,
            resync_period=0,
        )
        engine = build_sim_engine(config, serve_endpoint=False)
        engine.start()
        if not engine.wait_settled(60):
            raise BenchError("the engine did not settle before the Services were created")
        watch = StatusWatch(cluster)
        started = time.perf_counter()
        _create_all(cluster, workload)
        if not watch.wait_for(workload.service_keys(), 600):
            raise BenchError("not every Service got a VIP")
        if not engine.wait_settled(300):
            raise BenchError("the engine did not settle")
        settled_s = time.perf_counter() - started
        watch.close()
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        traced_peak = tracemalloc.get_traced_memory()[1]
    finally:
        if engine is not None:
            engine.stop()
        tracemalloc.stop()
        cluster.stop()
    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for trace in snapshot.traces:
        if _ours(trace):
            sizes[_site(trace)] += trace.size
            counts[_site(trace)] += 1
    total = sum(sizes.values())
    return {
        "n": n,
        "settled_s": round(settled_s, 2),
        "engine_traced_mb": round(total / 2**20, 1),
        "traced_peak_mb": round(traced_peak / 2**20, 1),
        "process_peak_rss_mb": peak_rss_mb(_self_pid()),
        "top": [
            {"site": site, "mb": round(size / 2**20, 2), "blocks": counts[site]}
            for site, size in sizes.most_common(top)
        ],
    }


def _self_pid() -> int:
    import os

    return os.getpid()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    out = run(args.n, args.top)
    print(f"N={out['n']}: settled in {out['settled_s']}s; engine-held {out['engine_traced_mb']} MB")
    for row in out["top"]:
        print(f"{row['mb']:8.2f} MB  {row['blocks']:8d}  {row['site']}")
    print("\nJSON:", json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
