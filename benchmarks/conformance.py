"""Generate ``docs/ako-conformance.md``: the BDD suite under both engines, scenario by scenario.

    python -m benchmarks.conformance --ako-binary PATH --ako-commit COMMIT
    python -m benchmarks.conformance --sim-json sim.json --ako-json ako.json --ako-commit C ...

It runs ``tests/bdd`` twice (``--engine sim`` and ``--engine ako``), each with
``--conformance-json`` (see ``steps.plugin``), or reads such files from an earlier run, and
writes one Markdown document: the AKO build (its version from its own log, the commit given),
the counts of *same*, *differs as documented* and *differs unexpectedly*, a table with each
scenario's result under each engine, and for each difference one line saying what AKO did (its
warnings and errors in the scenario, the Services' external IPs, the VSs and their VIPs).
A report generator: it prints and writes, and passes or fails nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAME, DOCUMENTED, UNEXPECTED = "same", "differs as documented", "differs unexpectedly"
VERSION_LINE = re.compile(r"AKO is running with version: (\S+)")


def run_suite(engine: str, out: Path, extra: list[str], ako_binary: str | None, log: Path) -> int:
    command = [
        sys.executable,
        *("-m", "pytest", "tests/bdd/test_features.py", "-q", "-p", "no:cacheprovider"),
        *("--engine", engine, "--conformance-json", str(out)),
        *extra,
    ]
    if engine == "ako" and ako_binary:
        command += ["--ako-binary", ako_binary, "--ako-log", str(log)]
    print("+", " ".join(command), file=sys.stderr)
    return subprocess.run(command, cwd=ROOT, check=False).returncode


# Paths of the machine the run was made on (the binary, logs, temporary folders) say nothing to
# a reader and stay out of the document: each is cut to its last part.
MACHINE_PATH = re.compile(r"/(?:root|home|tmp|work|var|opt|usr)/[^\s'\",:]*")


def without_machine_paths(text: str) -> str:
    return MACHINE_PATH.sub(lambda m: Path(m.group()).name, text)


def load(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    data: dict[str, dict[str, Any]] = json.loads(path.read_text())
    return data


def scenario_tags(features: Path = ROOT / "features") -> dict[str, list[str]]:
    """pytest-bdd test name -> the deviation tags of its scenario (feature and scenario tags)."""
    found: dict[str, list[str]] = {}
    for path in sorted(features.rglob("*.feature")):
        feature_tags: list[str] = []
        pending: list[str] = []
        for line in path.read_text().splitlines():
            text = line.strip()
            if text.startswith("@"):
                pending += [t[1:] for t in text.split() if t.startswith("@")]
            elif text.startswith("Feature:"):
                feature_tags, pending = pending, []
            elif match := re.match(r"(Scenario Outline|Scenario|Example):\s*(.+)", text):
                title = match.group(2).replace("<", "").replace(">", "")
                name = "test_" + re.sub(r"\W+", "_", title.lower()).strip("_")
                tags = [t for t in feature_tags + pending if t.startswith("deviation_")]
                found[name] = sorted(set(tags))
                pending = []
    return found


def merge(passes: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Results of several passes, the later winning per scenario; each scenario classified
    again with the deviation tags the feature files carry now (a pass before tagging counts
    a documented difference as unexpected)."""
    tags = scenario_tags()
    merged: dict[str, dict[str, Any]] = {}
    for index, results in enumerate(passes, start=1):
        for nodeid, result in results.items():
            merged[nodeid] = {**result, "pass": index}
    for nodeid, result in merged.items():
        name = _scenario_key(nodeid).split("[", 1)[0]
        deviations = tags.get(name, result.get("deviations") or [])
        passed = result["result"] == SAME
        result["deviations"] = deviations
        result["result"] = SAME if passed else (DOCUMENTED if deviations else UNEXPECTED)
    return merged


def ako_version(log: Path | None) -> str:
    if log is None or not log.exists():
        return "unknown"
    found = VERSION_LINE.findall(log.read_text(errors="replace"))
    return found[-1] if found else "unknown"


def _scenario_key(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]


def what_ako_did(result: dict[str, Any]) -> str:
    """One line from what the run saw: AKO's log, the Services' IPs and the VSs."""
    observed = result.get("observed") or {}
    if not observed:
        return "did what this pass did not record (re-run the scenario for AKO's log and topology)"
    parts = []
    log = [line for line in observed.get("log") or [] if line]
    if log:
        parts.append("logged " + " / ".join(f"\u201c{line[:160]}\u201d" for line in log[-2:]))
    else:
        parts.append("logged no warning or error")
    services = observed.get("services") or {}
    if services:
        parts.append("Services " + ", ".join(f"{n} {ip}" for n, ip in sorted(services.items())))
    vss = observed.get("virtualservices") or {}
    if vss:
        parts.append(
            "VS "
            + ", ".join(
                f"{name} (VIP {','.join(v.get('vip') or []) or '-'}, ports "
                f"{','.join(str(p) for p in v.get('ports') or []) or '-'})"
                for name, v in sorted(vss.items())
            )
        )
    else:
        parts.append("no VS")
    return "; ".join(parts)


def render(
    sim: dict[str, dict[str, Any]],
    ako: dict[str, dict[str, Any]],
    *,
    version: str,
    commit: str,
    command: str,
    generated: str,
) -> str:
    keys = sorted({_scenario_key(k) for k in sim} | {_scenario_key(k) for k in ako})
    sim_by = {_scenario_key(k): v for k, v in sim.items()}
    ako_by = {_scenario_key(k): v for k, v in ako.items()}
    counts = Counter(v["result"] for v in ako_by.values())
    sim_counts = Counter(v["result"] for v in sim_by.values())
    lines = [
        "# ako-sim against the real AKO: conformance of the BDD suite",
        "",
        f"Generated {generated} by `{command}`. Do not edit by hand: run the command again.",
        "",
        f"- AKO build: **{version}** (the version it logs), commit **{commit}**.",
        "- Stack: ako-sim's mock_k8s and mock_avi (HTTPS), AKO started per scenario after a reset "
        "of both mocks; `settled` = AKO running and neither mock answered a write for 500 ms.",
        f"- Scenarios: {len(keys)}. Under `--engine sim`: {sim_counts[SAME]} pass, "
        f"{len(sim_by) - sim_counts[SAME]} fail.",
        f"- Under `--engine ako`: **{counts[SAME]} same, {counts[DOCUMENTED]} differ as "
        f"documented, {counts[UNEXPECTED]} differ unexpectedly**"
        + (f", {len(keys) - len(ako_by)} not run" if len(keys) > len(ako_by) else "")
        + ".",
        f"- Results from {len({v.get('pass', 1) for v in ako_by.values()})} pass(es) under AKO; "
        "each scenario's is from its latest pass, classified with the deviation tags the feature "
        "files carry now.",
        "",
        "A scenario tagged `@deviation_*` asserts behaviour.md where it deliberately differs from "
        "AKO; under AKO it is expected to fail (*differs as documented*). A failure without such a "
        "tag is a finding, in AKO or in ako-sim (*differs unexpectedly*).",
        "",
        "## Per scenario",
        "",
        "| scenario | feature | deviation tags | sim | AKO |",
        "|---|---|---|---|---|",
    ]
    for key in keys:
        s, a = sim_by.get(key, {}), ako_by.get(key, {})
        any_result = a or s
        feature = Path(str(any_result.get("feature", ""))).name
        tags = ", ".join(f"`@{t}`" for t in any_result.get("deviations") or []) or ""
        sim_result = "pass" if s.get("result") == SAME else ("fail" if s else "not run")
        lines.append(
            f"| {key.removeprefix('test_')} | {feature} | {tags} | {sim_result} | "
            f"{a.get('result', 'not run')} |"
        )
    for title, wanted in (
        ("Differences as documented", DOCUMENTED),
        ("Unexpected differences", UNEXPECTED),
    ):
        lines += ["", f"## {title}", ""]
        chosen = [k for k in keys if ako_by.get(k, {}).get("result") == wanted]
        if not chosen:
            lines.append("None.")
        for key in chosen:
            result = ako_by[key]
            tags = ", ".join(f"`@{t}`" for t in result.get("deviations") or [])
            lines.append(
                f"- **{key.removeprefix('test_')}**{' (' + tags + ')' if tags else ''}: AKO "
                f"{what_ako_did(result)}. The scenario's check: {result.get('failure') or '?'}"
            )
    lines.append("")
    return without_machine_paths("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ako-binary", default=os.environ.get("AKO_BINARY"))
    parser.add_argument("--ako-commit", default="unknown", help="the commit AKO was built from")
    parser.add_argument("--sim-json", type=Path, help="results of an earlier --engine sim run")
    parser.add_argument(
        "--ako-json",
        type=Path,
        action="append",
        help="results of an earlier --engine ako run (repeat: later passes win per scenario)",
    )
    parser.add_argument("--ako-log", type=Path, help="AKO's log of that run (for its version)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "ako-conformance.md")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (e.g. -k spec)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ako-conformance-") as directory:
        work = Path(directory)
        sim_json, ako_json = args.sim_json, args.ako_json
        log = args.ako_log
        if sim_json is None:
            sim_json = work / "sim.json"
            run_suite("sim", sim_json, args.pytest_args, None, work / "unused.log")
        if not ako_json:
            if not args.ako_binary:
                parser.error("give --ako-binary PATH (or AKO_BINARY), or --ako-json FILE")
            ako_json, log = [work / "ako.json"], work / "ako.log"
            run_suite("ako", ako_json[0], args.pytest_args, args.ako_binary, log)
        command = "python -m benchmarks.conformance --ako-binary PATH"
        if args.ako_commit != "unknown":
            command += f" --ako-commit {args.ako_commit}"
        text = render(
            load(sim_json),
            merge([load(path) for path in ako_json]),
            version=ako_version(log),
            commit=args.ako_commit,
            command=command,
            generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
