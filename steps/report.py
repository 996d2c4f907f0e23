"""Failure report of a scenario: when a scenario fails, its pytest report gets extra sections
with what a reader needs to see why, taken at the moment of failure (before the reset):

- ``kubectl get svc -A`` (the real binary),
- Events of every Service,
- the VS topology of the controller as indented text,
- the engine's ``/debug/state`` and its last log lines,
- the last 20 requests the controller received (its journal).

A section that cannot be produced says why instead of hiding the original failure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd.parser import Feature, Scenario, Step

from steps.fixtures import BddScenario

JOURNAL_TAIL = 20
LOG_TAIL = 40


def _safe(produce: Callable[[], str]) -> str:
    try:
        return produce()
    except Exception as error:  # the report must never mask the scenario's own failure
        return f"(could not be produced: {type(error).__name__}: {error})"


def _services_table(scenario: BddScenario) -> str:
    return scenario.kubectl.run("get", "svc", "-A", "-o", "wide", check=False) or "(empty)"


def _service_events(scenario: BddScenario) -> str:
    lines = []
    for namespace in [
        ns["metadata"]["name"] for ns in scenario.kube.call("GET", "/api/v1/namespaces")["items"]
    ]:
        events = scenario.kube.call("GET", f"/api/v1/namespaces/{namespace}/events").get(
            "items", []
        )
        for event in events:
            involved = event.get("involvedObject", {})
            lines.append(
                f"{namespace}/{involved.get('name')} {event.get('type')} {event.get('reason')}: "
                f"{event.get('message')} (x{event.get('count', 1)})"
            )
    return "\n".join(lines) or "(no events)"


def _journal(scenario: BddScenario) -> str:
    entries = scenario.avi.journal()[-JOURNAL_TAIL:]
    return (
        "\n".join(
            f"#{e.get('seq')} {e.get('method'):6} {e.get('path')} -> {e.get('status')}"
            for e in entries
        )
        or "(no requests)"
    )


def _engine_state(scenario: BddScenario) -> str:
    state: dict[str, Any] = scenario.engine.state()
    return json.dumps(state, indent=2, sort_keys=True)


def _engine_log(scenario: BddScenario) -> str:
    return "\n".join(scenario.engine.logs.lines(logging.INFO)[-LOG_TAIL:]) or "(nothing logged)"


def failure_sections(scenario: BddScenario) -> list[tuple[str, str]]:
    return [
        ("kubectl get svc -A -o wide", _safe(lambda: _services_table(scenario))),
        ("Service Events", _safe(lambda: _service_events(scenario))),
        ("Avi VS topology", _safe(scenario.avi.render_topology)),
        ("engine /debug/state", _safe(lambda: _engine_state(scenario))),
        (f"engine log (last {LOG_TAIL} lines)", _safe(lambda: _engine_log(scenario))),
        (f"controller journal (last {JOURNAL_TAIL} requests)", _safe(lambda: _journal(scenario))),
    ]


STEP_LOG = pytest.StashKey[list[tuple[str, str]]]()


def _record(request: pytest.FixtureRequest, step: Step, outcome: str) -> None:
    request.node.stash.setdefault(STEP_LOG, []).append((f"{step.keyword} {step.name}", outcome))


SCENARIO = pytest.StashKey[str]()


def pytest_bdd_before_scenario(
    request: pytest.FixtureRequest, feature: Feature, scenario: Scenario
) -> None:
    where = f"{Path(feature.filename).name}:{scenario.line_number}"
    request.node.stash[SCENARIO] = f"{scenario.keyword}: {scenario.name}  ({where})"


def pytest_bdd_after_step(request: pytest.FixtureRequest, step: Step) -> None:
    _record(request, step, "ok")


def pytest_bdd_step_error(request: pytest.FixtureRequest, step: Step) -> None:
    _record(request, step, "FAILED")


def scenario_summary(item: pytest.Item, message: str) -> str:
    """The scenario as it ran: every step with its outcome, then the failed check's message."""
    lines = [item.stash.get(SCENARIO, item.name)]
    for text, outcome in item.stash.get(STEP_LOG, []):
        mark = "   " if outcome == "ok" else ">>>"
        lines.append(f"  {mark} {text}" + ("" if outcome == "ok" else "    <-- failed here"))
    # pytest's assertion rewriting appends the failed expression; the message already says it.
    lines += ["", message.split("\nassert ", 1)[0].rstrip()]
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.failed:
        scenario = getattr(item, "funcargs", {}).get("bdd_scenario")
        if isinstance(scenario, BddScenario):
            for title, text in failure_sections(scenario):
                report.sections.append((title, text))
            error = call.excinfo.value if call.excinfo is not None else None
            if isinstance(error, AssertionError) and item.config.option.tbstyle in (
                "auto",
                "short",
            ):
                # A failed check: its message says what differs, the traceback adds nothing.
                report.longrepr = scenario_summary(item, str(error))
    return report
