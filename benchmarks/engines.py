"""Both engines side by side in one run: ako-sim's engine and the real AKO on the same mocks.

    python -m benchmarks.engines --ako-binary PATH [--trials 20] [--sizes 250,1000] [--json F]

For each engine: time to VIP for a lone Service and for a joining member (p50/p95 over the
trials), and for each N the time until every Service shows its VIP and until the engine says it
has settled, with the Avi and Kubernetes calls the engine made (from the mocks' journals and
counters). mock_avi serves HTTPS to AKO (it speaks nothing else) and plain HTTP to ako-sim's
engine, its usual transport (``--sim-tls`` for HTTPS: ako-sim's Python client then pays a TLS
handshake per call, as mock_avi closes each connection). AKO's ``settled`` includes its quiet
period (500 ms without a write). Prints tables and
JSON; passes or fails nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from benchmarks import scale, time_to_vip
from benchmarks.__main__ import table

ENGINES = ("sim", "ako")


def run(ako_binary: str, trials: int, sizes: list[int], sim_tls: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {"trials": trials, "sizes": sizes, "engines": {}, "sim_tls": sim_tls}
    for engine in ENGINES:
        binary = ako_binary if engine == "ako" else None
        tls = engine == "ako" or sim_tls
        print(f"[{engine}] time to VIP, {trials} trials", file=sys.stderr)
        figures: dict[str, Any] = {
            "time_to_vip": time_to_vip.run(trials, ako_binary=binary, tls=tls)
        }
        figures["scale"] = {}
        for n in sizes:
            print(f"[{engine}] N={n}", file=sys.stderr)
            figures["scale"][str(n)] = scale.run_engine(n, ako_binary=binary, tls=tls)
        results["engines"][engine] = figures
    return results


def render(results: dict[str, Any]) -> str:
    engines = results["engines"]
    ttv_rows = []
    for engine, figures in engines.items():
        for case in ("lone", "join"):
            ttv = figures["time_to_vip"][case]
            ttv_rows.append([engine, case, ttv["p50_ms"], ttv["p95_ms"], ttv["max_ms"]])
    scale_rows = []
    for engine, figures in engines.items():
        for n, run_ in figures["scale"].items():
            avi, k8s = run_["avi_calls"], run_["k8s_calls"]
            scale_rows.append(
                [
                    engine,
                    n,
                    run_["all_vips_s"],
                    run_["settled_s"],
                    avi["total"],
                    avi["writes"],
                    avi["logins"],
                    k8s["total"],
                    k8s["writes"],
                    run_["check"].get("ok", run_["check"]),
                ]
            )
    return "\n\n".join(
        [
            table(
                f"Time to VIP ({results['trials']} trials, ms)",
                ["engine", "case", "p50", "p95", "max"],
                ttv_rows,
            ),
            table(
                "N Services at once",
                [
                    "engine",
                    "N",
                    "all VIPs s",
                    "settled s",
                    "Avi calls",
                    "Avi writes",
                    "logins",
                    "K8s calls",
                    "K8s writes",
                    "VIPs right",
                ],
                scale_rows,
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ako-binary", default=os.environ.get("AKO_BINARY"))
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--sizes", default="250,1000")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--sim-tls", action="store_true", help="ako-sim's engine over HTTPS too")
    args = parser.parse_args()
    if not args.ako_binary:
        parser.error("give --ako-binary PATH (or AKO_BINARY)")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = run(args.ako_binary, args.trials, sizes, args.sim_tls)
    print(render(results))
    print(json.dumps(results, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
