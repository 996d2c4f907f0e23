"""The BDD suite as one pytest plugin: registers the stack fixtures, the drivers, every step
module and the failure report, and the Gherkin tags as markers.

The root ``conftest.py`` loads it for ``python -m pytest``; ``ako-sim run`` loads it with
``-p steps.plugin`` for feature files anywhere.

Engine choice: ``--engine sim`` (default) or ``--engine ako --ako-binary PATH``. Under AKO, a
scenario tagged with a documented deviation of behaviour.md from AKO (``@deviation_*``, see
:data:`DEVIATIONS`) is expected to fail (xfail, not strict), and the run ends with a conformance
summary: each scenario is *same*, *differs as documented* or *differs unexpectedly*
(``--conformance-json FILE`` writes it for ``benchmarks.conformance``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = [
    "steps.support.stack",
    "steps.fixtures",
    "steps.report",
    "steps.kubernetes",
    "steps.services",
    "steps.controller",
    "steps.engine",
    "steps.faults",
    "steps.workloads",
    "steps.health",
]

#: Every tag the feature files may use (``--strict-markers`` rejects the others).
TAGS: dict[str, str] = {
    "bdd": "a Gherkin scenario from features/",
    "spec": "an example or consideration of the shared-VIP spec",
    "grouping": "which Services share a VIP",
    "protocols": "port/protocol pairs and network profiles",
    "misconfiguration": "a misconfigured group configures nothing (behaviour.md section 5)",
    "port-conflict": "port/protocol conflicts inside a group (behaviour.md section 6)",
    "lifecycle": "members joining and leaving, restarts (behaviour.md section 8)",
    "backends": "pool servers from endpoints or nodes",
    "nodeport": "the engine in NodePort mode",
    "restart": "engine restarts, adoption and orphans",
    "faults": "controller and API server faults (behaviour.md section 10)",
    "vip": "VIP allocation failures",
    "watch": "dropped and expired watches",
    "infra": "AviInfraSetting",
    "l4rule": "L4Rule and its SSL exception",
    "health": "server, pool and VS health driven through mock_avi's control API",
}

#: Documented deviations of behaviour.md from AKO (a tag per deviation; see docs/ako-conformance.md)
DEVIATIONS: dict[str, str] = {
    "deviation_events": "ako-sim records Warning Events on Services (misconfigured, ignored, "
    "VIP allocation, rejected CRDs); AKO only logs",
    "deviation_conditions": "ako-sim sets the condition ako.vmware.com/VipAssigned; AKO sets none",
    "deviation_port_check": "ako-sim leaves out a member whose port/protocol pair is taken; "
    "AKO makes no such check",
    "deviation_preferred_ip_order": "ako-sim compares preferred IPs whatever the members' order; "
    "AKO compares with its first member only",
    "deviation_vip_changed": "ako-sim re-creates the VIP on a changed preferred IP (VipChanged); "
    "AKO needs the Service re-created",
    "deviation_infra_update": "ako-sim reconciles the groups of a changed AviInfraSetting; "
    "AKO misses infra updates",
    "deviation_restart": "AKO re-labels the SE group and rewrites the VRF's static routes on every "
    "boot; ako-sim's converged restart writes nothing",
}
SAME, DOCUMENTED, UNEXPECTED = "same", "differs as documented", "differs unexpectedly"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ako-sim", "ako-sim engine choice")
    group.addoption(
        "--conformance-json",
        action="store",
        default=None,
        help="write each scenario's result (same / documented / unexpected) to this JSON file",
    )
    group.addoption(
        "--engine",
        action="store",
        default="sim",
        choices=("sim", "ako"),
        help="the engine the stack runs: ako-sim's own (sim) or the real AKO (--ako-binary)",
    )
    group.addoption(
        "--ako-binary",
        action="store",
        default=None,
        help="the AKO controller binary (default: $AKO_BINARY); tests that need it skip without",
    )
    group.addoption(
        "--ako-log",
        action="store",
        default=None,
        help="where AKO's output goes (default: a file in the session's temporary directory)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for tag, description in {**TAGS, **DEVIATIONS}.items():
        config.addinivalue_line("markers", f"{tag}: {description}")
    # mock_avi serves a self-signed certificate under --engine ako (AKO speaks only HTTPS)
    config.addinivalue_line("filterwarnings", "ignore::urllib3.exceptions.InsecureRequestWarning")
    config.stash[_RESULTS] = {}
    _CONFIG[:] = [config]


_RESULTS = pytest.StashKey[dict[str, dict[str, Any]]]()
_CONFIG: list[pytest.Config] = []
CONFORMANCE = "ako_sim_conformance"


def _engine(config: pytest.Config) -> str:
    try:
        return str(config.getoption("--engine") or "sim")
    except ValueError:
        return "sim"


def deviations_of(item: pytest.Item) -> list[str]:
    return sorted({m.name for m in item.iter_markers() if m.name.startswith("deviation_")})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under AKO, a scenario that asserts a documented deviation is expected to fail."""
    if _engine(config) != "ako":
        return
    for item in items:
        tags = deviations_of(item)
        if tags and item.get_closest_marker("bdd") is not None:
            reason = "; ".join(f"{t}: {DEVIATIONS.get(t, '?')}" for t in tags)
            item.add_marker(pytest.mark.xfail(reason=f"documented deviation ({reason})"))


_GHERKIN = pytest.StashKey[tuple[str, str]]()


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    filename = str(getattr(feature, "filename", "") or "")
    if "/features/" in filename:
        filename = filename.rsplit("/features/", 1)[1]
    request.node.stash[_GHERKIN] = (filename, str(getattr(scenario, "name", "") or ""))


def _gherkin(item: pytest.Item) -> tuple[str, str]:
    """(feature file relative to features/, scenario name) of a pytest-bdd item."""
    return item.stash.get(_GHERKIN, ("", ""))


def classify(passed: bool, deviations: list[str]) -> str:
    """A scenario's conformance: passing is *same*; failing with a deviation tag is
    *differs as documented*; failing without one is *differs unexpectedly*."""
    if passed:
        return SAME
    return DOCUMENTED if deviations else UNEXPECTED


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if item.get_closest_marker("bdd") is None:
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        tags = deviations_of(item)
        if report.skipped and not hasattr(report, "wasxfail"):
            return report  # a real skip says nothing about the engine
        passed = bool(report.passed)  # an xpass (tagged, yet same) passed
        first_line = ""
        if not passed and report.longrepr is not None:
            text = str(report.longrepr)
            lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("E ")]
            first_line = (lines[0][2:].strip() if lines else text.strip().splitlines()[-1])[:300]
        observed = {} if passed else observe(item)
        result = {
            "observed": observed,
            "scenario": _gherkin(item)[1] or item.name,
            "feature": _gherkin(item)[0] or str(getattr(item, "fspath", "")),
            "tags": sorted(m.name for m in item.iter_markers()),
            "deviations": tags,
            "result": classify(passed, tags),
            "failure": first_line,
            "engine": _engine(item.config),
        }
        report.user_properties.append((CONFORMANCE, result))  # reaches the xdist controller
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == CONFORMANCE and _CONFIG:
            config = _CONFIG[0]
            config.stash[_RESULTS][report.nodeid] = dict(value)  # type: ignore[arg-type]
            if not hasattr(config, "workerinput"):  # as it goes: a cut-short run keeps its part
                write_results(config, {report.nodeid: dict(value)})  # type: ignore[arg-type]


def write_results(config: pytest.Config, results: dict[str, dict[str, Any]]) -> None:
    """Add ``results`` to the ``--conformance-json`` file (reruns and subsets add up)."""
    target = config.getoption("--conformance-json", None)
    if not target:
        return
    path = Path(target)
    existing: dict[str, Any] = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text())
        except ValueError:
            existing = {}
    existing.update(results)
    path.write_text(json.dumps(existing, indent=1, sort_keys=True))


def _message(line: str) -> str:
    """A log line without its time and caller (AKO's zap lines are tab-separated)."""
    parts = line.split("\t")
    text = parts[-1] if len(parts) >= 3 else line
    return text.split(": ", 1)[-1] if text.startswith(("WARNING ", "ERROR ")) else text


def observe(item: pytest.Item) -> dict[str, Any]:
    """What the engine did in a scenario that failed: its warnings and errors (distinct, last
    few), each Service's external IPs, and the owned VSs with their VIPs. Best effort."""
    scenario = getattr(item, "funcargs", {}).get("bdd_scenario")
    if scenario is None:
        return {}
    observed: dict[str, Any] = {}
    try:
        seen: dict[str, None] = {}
        for line in scenario.engine.logs.lines(logging.WARNING):
            seen[_message(line)[:240]] = None
        observed["log"] = list(seen)[-4:]
    except Exception as exc:  # the report must never fail the run
        observed["log"] = [f"(log unavailable: {exc})"]
    try:
        services = {}
        for svc in scenario.kube.services("default"):
            ingress = (svc.get("status") or {}).get("loadBalancer", {}).get("ingress") or []
            if (svc.get("spec") or {}).get("type") == "LoadBalancer":
                ips = ",".join(str(i.get("ip")) for i in ingress) or "<pending>"
                services[svc["metadata"]["name"]] = ips
        observed["services"] = services
    except Exception as exc:
        observed["services"] = {"?": f"unavailable: {exc}"}
    try:
        vips = {
            vip.get("name"): [
                str((v.get("ip_address") or {}).get("addr")) for v in vip.get("vip") or []
            ]
            for vip in scenario.avi.list("vsvip")
        }
        observed["virtualservices"] = {
            vs.get("name"): {
                "vip": vips.get(str(vs.get("vsvip_ref", "")).rsplit("#", 1)[-1], []),
                "ports": sorted({int(p.get("port", 0)) for p in vs.get("services") or []}),
            }
            for vs in scenario.avi.list("virtualservice")
        }
    except Exception as exc:
        observed["virtualservices"] = {"?": f"unavailable: {exc}"}
    return observed


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS, {})
    if not results or hasattr(config, "workerinput"):
        return
    engine = _engine(config)
    counts = {SAME: 0, DOCUMENTED: 0, UNEXPECTED: 0}
    for result in results.values():
        counts[result["result"]] += 1
    terminalreporter.section(f"conformance under --engine {engine}")
    terminalreporter.write_line(
        f"{counts[SAME]} same, {counts[DOCUMENTED]} differ as documented, "
        f"{counts[UNEXPECTED]} differ unexpectedly"
    )
    for nodeid, result in sorted(results.items()):
        if result["result"] != SAME:
            terminalreporter.write_line(f"  {result['result']}: {nodeid} {result['failure']}")
    write_results(config, results)
