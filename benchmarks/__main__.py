"""Run every benchmark of issue 7 and print the figures as tables and as JSON.

    python -m benchmarks                 # everything (a few minutes on 2 cores)
    python -m benchmarks --quick         # N = 50, 200 and 10 trials: a smoke run
    python -m benchmarks --sizes 250,1000 --trials 100 --no-suite --json out.json

Figures: time to VIP (lone and joining member, p50/p95/p99), scale (wall time to settle, Avi and
Kubernetes calls, peak RSS of each process) for each N, the floor and the ratio engine/floor,
growth T(4N)/T(N), restart on a converged cluster (settle time, writes), wall time of the BDD
suite. Targets are printed beside the figures; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import scale, time_to_vip

RESTART_N = 1000


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    cells = [header, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [title, "-" * len(title)]
    for index, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


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


def run(sizes: list[int], trials: int, suite: bool, restart_n: int) -> dict[str, Any]:
    out: dict[str, Any] = {"sizes": sizes}
    out["time_to_vip"] = time_to_vip.run(trials)
    out["scale"] = {}
    out["floor"] = {}
    for n in sizes:
        out["scale"][str(n)] = scale.run_engine(n, restart=(n == restart_n))
        out["floor"][str(n)] = scale.run_floor(n)
    out["ratio_engine_floor"] = {
        str(n): round(out["scale"][str(n)]["settled_s"] / out["floor"][str(n)]["all_vips_s"], 2)
        for n in sizes
    }
    out["growth"] = {
        f"T({4 * n})/T({n})": round(
            out["scale"][str(4 * n)]["settled_s"] / out["scale"][str(n)]["settled_s"], 2
        )
        for n in sizes
        if str(4 * n) in out["scale"]
    }
    restart = out["scale"].get(str(restart_n), {}).get("restart")
    if restart is not None:
        out["restart"] = {"n": restart_n, **restart}
    if suite:
        out["bdd_suite"] = suite_wall_time()
    return out


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
                f"{res['avi_calls']['total']} ({floor['avi_calls']['total']})",
                f"{res['k8s_calls']['total']} ({floor['k8s_calls']['total']})",
                "/".join(
                    str(res.get("cpu_s", {}).get(p, "-"))
                    for p in ("engine", "mock_k8s", "mock_avi")
                ),
                rss.get("engine"),
                rss.get("mock_k8s"),
                rss.get("mock_avi"),
                "ok" if res["check"]["ok"] and floor["check"]["ok"] else "WRONG",
            ]
        )
    parts.append(
        table(
            "Scale (s; N=1000 target < 10 s, engine/floor < 1.5, engine RSS at 4000 < 200 MB)",
            [
                "N",
                "groups",
                "create",
                "all VIPs",
                "settled",
                "floor",
                "eng/floor",
                "Avi calls (floor)",
                "k8s calls (floor)",
                "CPU s eng/k8s/avi",
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
                "Growth (target T(4000)/T(1000) < 4.5)",
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
    if "bdd_suite" in out:
        s = out["bdd_suite"]
        parts.append(table("BDD suite", ["wall s", "result"], [[s["wall_s"], s["summary"]]]))
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description="ako-sim benchmarks (issue 7)")
    parser.add_argument("--sizes", default="250,1000,4000", help="comma-separated N values")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--no-suite", action="store_true", help="skip the BDD suite timing")
    parser.add_argument("--quick", action="store_true", help="N=50,200, 10 trials, no suite")
    parser.add_argument("--json", type=Path, help="also write the JSON figures to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    trials, suite, restart_n = args.trials, not args.no_suite, RESTART_N
    if args.quick:
        sizes, trials, suite, restart_n = [50, 200], 10, False, 200
    out = run(sizes, trials, suite, restart_n)
    print(render(out))
    text = json.dumps(out, sort_keys=True)
    print("\nJSON:", text)
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
