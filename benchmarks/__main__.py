"""Run every benchmark (issues 7 and 15) and print the figures as tables and one JSON line.

    python -m benchmarks                 # ako-sim's engine at N=1000, 4000, 10000, BDD suite
    python -m benchmarks --ako-binary PATH --cap 900   # ... and the real AKO beside it
    python -m benchmarks --quick         # N = 50, 200 and 10 trials: a smoke run
    python -m benchmarks --sizes 250,1000 --trials 100 --no-suite --json out.json

Figures: time to VIP (lone and joining member, p50/p95/p99), scale (wall time to settle, Avi and
Kubernetes calls, CPU seconds and peak RSS of each process, and the benchmark process's own CPU
seconds from the first create to the end: what its clients cost) for each N, the floor and the ratio
engine/floor, the watching floor (``scale.run_watched_floor``: the least any engine must do) and
its ratios to both, growth T(b)/T(a) between the sizes, restart on a converged cluster (settle time,
writes), wall time of the BDD suite; with ``--ako-binary`` the real AKO at ``--ako-sizes`` on
the same mocks (each N capped at ``--cap`` seconds), side by side with ako-sim's engine. Targets
are printed beside the figures; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import engines, scale, time_to_vip
from benchmarks.report import table

RESTART_N = 1000
DEFAULT_SIZES = "1000,4000,10000"
AKO_SIZES = "1000,10000"
AKO_TRIALS = 10


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def suite_wall_time() -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/bdd"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=Path(__file__).resolve().parent.parent,
    )
    summary = (proc.stdout.strip().splitlines() or [""])[-1]
    return {"wall_s": round(time.perf_counter() - started, 2), "summary": summary}


def run(
    sizes: list[int],
    trials: int,
    suite: bool,
    restart_n: int,
    *,
    ako_binary: str | None = None,
    ako_sizes: list[int] | None = None,
    cap: float | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"sizes": sizes}
    out["time_to_vip"] = time_to_vip.run(trials)
    out["scale"] = {}
    out["floor"] = {}
    out["watched_floor"] = {}
    for n in sizes:
        print(f"[sim] N={n}", file=sys.stderr)
        out["scale"][str(n)] = scale.run_engine(n, restart=(n == restart_n))
        out["floor"][str(n)] = scale.run_floor(n)
        out["watched_floor"][str(n)] = scale.run_watched_floor(n)
    out["ratio_engine_floor"] = {
        str(n): ratio(out["scale"][str(n)]["settled_s"], out["floor"][str(n)]["all_vips_s"])
        for n in sizes
    }
    out["ratio_watched_floor_floor"] = {
        str(n): ratio(out["watched_floor"][str(n)]["done_s"], out["floor"][str(n)]["all_vips_s"])
        for n in sizes
    }
    out["ratio_engine_watched_floor"] = {
        str(n): ratio(out["scale"][str(n)]["settled_s"], out["watched_floor"][str(n)]["done_s"])
        for n in sizes
    }
    ordered = sorted(sizes)
    pairs = list(itertools.pairwise(ordered))
    if len(ordered) > 2:
        pairs.append((ordered[0], ordered[-1]))
    settled = {n: out["scale"][str(n)]["settled_s"] for n in ordered}
    out["growth"] = {f"T({b})/T({a})": ratio(settled[b], settled[a]) for a, b in pairs}
    restart = out["scale"].get(str(restart_n), {}).get("restart")
    if restart is not None:
        out["restart"] = {"n": restart_n, **restart}
    if ako_binary:
        out["engines"] = compare(out, ako_binary, ako_sizes or sizes, cap)
    if suite:
        out["bdd_suite"] = suite_wall_time()
    return out


def compare(
    out: dict[str, Any], ako_binary: str, ako_sizes: list[int], cap: float | None
) -> dict[str, Any]:
    """Both engines at ``ako_sizes``: AKO runs here; ako-sim's figures are those measured above
    (the sizes not measured yet are run now, with the same cap)."""
    ako = engines.run(ako_binary, AKO_TRIALS, ako_sizes, engines=("ako",), cap=cap)
    sim_scale = {}
    for n in ako_sizes:
        found = out["scale"].get(str(n))
        sim_scale[str(n)] = found if found is not None else scale.run_engine(n, cap=cap)
    return {
        "trials": AKO_TRIALS,
        "sizes": ako_sizes,
        "cap_s": cap,
        "sim_tls": False,
        "engines": {
            "sim": {"time_to_vip": out["time_to_vip"], "scale": sim_scale},
            "ako": ako["engines"]["ako"],
        },
    }


def render(out: dict[str, Any]) -> str:
    parts: list[str] = []
    ttv = out["time_to_vip"]
    parts.append(
        table(
            "Time to VIP (ms; target p50 < 25)",
            ["case", "trials", "p50", "p95", "p99", "mean", "max"],
            [
                [
                    c,
                    ttv[c]["trials"],
                    ttv[c]["p50_ms"],
                    ttv[c]["p95_ms"],
                    ttv[c]["p99_ms"],
                    ttv[c]["mean_ms"],
                    ttv[c]["max_ms"],
                ]
                for c in ("lone", "join")
            ],
        )
    )
    rows = []
    for n, res in out["scale"].items():
        floor = out["floor"][n]
        watched = out["watched_floor"][n]
        rss = res["peak_rss_mb"]
        rows.append(
            [
                n,
                res["groups"],
                res["create_s"],
                res["all_vips_s"],
                res["settled_s"],
                floor["all_vips_s"],
                out["ratio_engine_floor"][n],
                watched["done_s"],
                out["ratio_watched_floor_floor"][n],
                out["ratio_engine_watched_floor"][n],
                f"{res['avi_calls']['total']} ({floor['avi_calls']['total']})",
                f"{res['k8s_calls']['total']} ({floor['k8s_calls']['total']})",
                "/".join(
                    str(res.get("cpu_s", {}).get(p, "-"))
                    for p in ("engine", "mock_k8s", "mock_avi")
                ),
                f"{res.get('bench_cpu_s', '-')} ({floor.get('bench_cpu_s', '-')})",
                rss.get("engine"),
                rss.get("mock_k8s"),
                rss.get("mock_avi"),
                "ok"
                if res["check"]["ok"] and floor["check"]["ok"] and watched["check"]["ok"]
                else "WRONG",
            ]
        )
    parts.append(
        table(
            "Scale (s; targets: N=10000 settled < 60 s, engine/floor <= 1.3 at 1000 and 4000,"
            " engine RSS at 10000 < 400 MB)",
            [
                "N",
                "groups",
                "create",
                "all VIPs",
                "settled",
                "floor",
                "eng/floor",
                "watched floor",
                "watched/floor",
                "eng/watched",
                "Avi calls (floor)",
                "k8s calls (floor)",
                "CPU s eng/k8s/avi",
                "bench CPU s (floor)",
                "RSS engine",
                "RSS k8s",
                "RSS avi",
                "state",
            ],
            rows,
        )
    )
    if out.get("growth"):
        parts.append(
            table(
                "Growth (targets: T(4000)/T(1000) < 4.5, T(10000)/T(1000) < 11)",
                ["ratio", "value"],
                [[k, v] for k, v in out["growth"].items()],
            )
        )
    if "restart" in out:
        r = out["restart"]
        parts.append(
            table(
                "Restart on a converged cluster (target: 0 writes, settled < 5 s)",
                ["N", "settled s", "Avi writes", "k8s writes", "Avi calls", "k8s calls"],
                [
                    [
                        r["n"],
                        r["settled_s"],
                        r["avi_writes"],
                        r["k8s_writes"],
                        r["avi_calls"]["total"],
                        r["k8s_calls"]["total"],
                    ]
                ],
            )
        )
    if "engines" in out:
        parts.append("Both engines on the same mocks\n\n" + engines.render(out["engines"]))
    if "bdd_suite" in out:
        s = out["bdd_suite"]
        parts.append(table("BDD suite", ["wall s", "result"], [[s["wall_s"], s["summary"]]]))
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description="ako-sim benchmarks (issue 7)")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated N values")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--no-suite", action="store_true", help="skip the BDD suite timing")
    parser.add_argument("--quick", action="store_true", help="N=50,200, 10 trials, no suite")
    parser.add_argument("--json", type=Path, help="also write the JSON figures to this file")
    engines.add_arguments(parser)
    parser.add_argument("--ako-sizes", default=AKO_SIZES, help="N values for AKO")
    args = parser.parse_args()
    ako_sizes = [int(s) for s in args.ako_sizes.split(",") if s.strip()]
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    trials, suite, restart_n = args.trials, not args.no_suite, RESTART_N
    if args.quick:
        sizes, trials, suite, restart_n = [50, 200], 10, False, 200
    out = run(
        sizes,
        trials,
        suite,
        restart_n,
        ako_binary=args.ako_binary,
        ako_sizes=ako_sizes,
        cap=args.cap or None,
    )
    print(render(out))
    text = json.dumps(out, sort_keys=True)
    print("\nJSON:", text)
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
