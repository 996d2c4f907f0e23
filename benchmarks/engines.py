"""Both engines side by side in one run: ako-sim's engine and the real AKO on the same mocks.

    python -m benchmarks.engines --ako-binary PATH [--sizes 1000,10000] [--cap 900]
                                 [--trials 10] [--engines sim,ako] [--json F]

For each engine: time to VIP for a lone Service and for a joining member (p50/p95 over the
trials; ``--trials 0`` skips it), and for each N the time until every Service shows its VIP and
until the engine says it has settled, the Avi and Kubernetes calls the engine made (from the
mocks' journals and counters), CPU seconds and peak RSS of every process (mock_k8s, mock_avi,
the engine; for AKO also the AKO process itself, the child of ``ako-sim engine --engine ako``),
and the benchmark process's own CPU over the same span (``bench_cpu_s``: its creates, the
watch and the state polls).
``--cap`` bounds each N: a run that has not settled by then is reported as "did not settle
within X s" with the Services that had a VIP, instead of waiting on. mock_avi serves HTTPS to AKO
(it speaks nothing else) and plain HTTP to ako-sim's engine, its usual transport (``--sim-tls``
for HTTPS). AKO's ``settled`` includes its quiet period (500 ms without a write). Without an AKO
binary only ako-sim's engine runs. Prints tables and one ``JSON:`` line; passes or fails nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from benchmarks import scale, time_to_vip
from benchmarks.report import table

ENGINES = ("sim", "ako")
#: the processes of a run, as the CPU and RSS columns list them ("ako": the AKO process itself)
PROCESSES = ("mock_k8s", "mock_avi", "engine", "ako")


def run(
    ako_binary: str | None,
    trials: int,
    sizes: list[int],
    sim_tls: bool = False,
    *,
    engines: tuple[str, ...] = ENGINES,
    cap: float | None = None,
) -> dict[str, Any]:
    """The figures of each engine (``ako`` needs ``ako_binary``) at each size."""
    chosen = [e for e in engines if e == "sim" or ako_binary]
    results: dict[str, Any] = {
        "trials": trials,
        "sizes": sizes,
        "cap_s": cap,
        "engines": {},
        "sim_tls": sim_tls,
    }
    for engine in chosen:
        binary = ako_binary if engine == "ako" else None
        tls = engine == "ako" or sim_tls
        figures: dict[str, Any] = {}
        if trials > 0:
            print(f"[{engine}] time to VIP, {trials} trials", file=sys.stderr)
            figures["time_to_vip"] = time_to_vip.run(trials, ako_binary=binary, tls=tls)
        figures["scale"] = {}
        for n in sizes:
            print(f"[{engine}] N={n}", file=sys.stderr)
            run_ = scale.run_engine(n, ako_binary=binary, tls=tls, cap=cap)
            if run_.get("note"):
                print(f"[{engine}] N={n}: {run_['note']}", file=sys.stderr)
            figures["scale"][str(n)] = run_
        results["engines"][engine] = figures
    return results


def _per_process(values: dict[str, Any]) -> str:
    return " / ".join(str(values.get(p, "-")) for p in PROCESSES)


def render(results: dict[str, Any]) -> str:
    engines = results["engines"]
    parts: list[str] = []
    ttv_rows = []
    for engine, figures in engines.items():
        for case in ("lone", "join"):
            ttv = figures.get("time_to_vip", {}).get(case)
            if ttv is not None:
                ttv_rows.append([engine, case, ttv["p50_ms"], ttv["p95_ms"], ttv["max_ms"]])
    if ttv_rows:
        parts.append(
            table(
                f"Time to VIP ({results['trials']} trials, ms)",
                ["engine", "case", "p50", "p95", "max"],
                ttv_rows,
            )
        )
    scale_rows = []
    notes: list[str] = []
    for engine, figures in engines.items():
        for n, run_ in figures["scale"].items():
            avi, k8s = run_["avi_calls"], run_["k8s_calls"]
            check = run_["check"]
            scale_rows.append(
                [
                    engine,
                    n,
                    run_["create_s"],
                    run_["all_vips_s"],
                    run_["settled_s"],
                    f"{run_['services_with_vip']}/{n}",
                    f"{avi['total']} ({avi['writes']})",
                    f"{k8s['total']} ({k8s['writes']})",
                    _per_process(run_["cpu_s"]),
                    run_.get("bench_cpu_s", "-"),
                    _per_process(run_["peak_rss_mb"]),
                    "yes" if check.get("ok") else "no",
                ]
            )
            if run_.get("note"):
                notes.append(f"{engine} N={n}: {run_['note']}")
    parts.append(
        table(
            "N Services at once (s; '-': not reached"
            + (f" within the {results['cap_s']:g} s cap)" if results.get("cap_s") else ")"),
            [
                "engine",
                "N",
                "create",
                "all VIPs",
                "settled",
                "with VIP",
                "Avi calls (writes)",
                "K8s calls (writes)",
                "CPU s " + "/".join(PROCESSES),
                "bench CPU s",
                "peak RSS MB " + "/".join(PROCESSES),
                "VIPs right",
            ],
            scale_rows,
        )
    )
    if notes:
        parts.append("\n".join(notes))
    return "\n\n".join(parts)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options both this script and ``python -m benchmarks`` take for the comparison."""
    parser.add_argument("--ako-binary", default=os.environ.get("AKO_BINARY"))
    parser.add_argument(
        "--cap", type=float, default=900.0, help="seconds each N may take (default 900)"
    )
    parser.add_argument("--sim-tls", action="store_true", help="ako-sim's engine over HTTPS too")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--engines", default=",".join(ENGINES), help="sim,ako or one of them")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    engines = tuple(e.strip() for e in args.engines.split(",") if e.strip())
    unknown = set(engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    if "ako" in engines and not args.ako_binary:
        print("no --ako-binary (or AKO_BINARY): ako-sim's engine only", file=sys.stderr)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = run(
        args.ako_binary, args.trials, sizes, args.sim_tls, engines=engines, cap=args.cap or None
    )
    print(render(results))
    print("\nJSON:", json.dumps(results, sort_keys=True))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
