"""Fault steps: rules on the mock controller (status, times, delay), session expiry, and the
fake API server's watch drops, history compaction and fault rules; plus journal checks.

Each step is one driver call (the drivers own the control APIs and the journal's filtering)."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, then, when

from steps.drivers.avi import AviDriver
from steps.drivers.engine import EngineDriver
from steps.drivers.kube import KubeDriver
from steps.expect import then_eventually


def _rule(
    method: str, path: str, status: str | None, times: str | None, delay_ms: str | None
) -> dict[str, Any]:
    rule: dict[str, Any] = {"method": method, "path": path}
    if status is not None:
        rule["status"] = int(status)
    if times is not None:
        rule["times"] = int(times)
    if delay_ms is not None:
        rule["delay_ms"] = int(delay_ms)
    return rule


_ANSWERS = (
    r"the (?P<target>controller|Kubernetes API) answers (?P<status>\d{3})"
    r" to (?P<method>[A-Z]+) requests"
    r' on "(?P<path>[^"]+)"(?: (?P<times>\d+) times?)?$'
)


@given(parsers.re(_ANSWERS))
@when(parsers.re(_ANSWERS))
def answers_status(
    avi: AviDriver,
    kube: KubeDriver,
    target: str,
    status: str,
    method: str,
    path: str,
    times: str | None,
) -> None:
    rule = _rule(method, path, status, times, None)
    if target == "controller":
        avi.add_fault(rule)
    else:
        kube.add_fault(rule)


_DELAYS = (
    r'the controller delays (?P<method>[A-Z]+) requests on "(?P<path>[^"]+)"'
    r" by (?P<delay_ms>\d+) ms(?: (?P<times>\d+) times?)?"
)


@given(parsers.re(_DELAYS))
@when(parsers.re(_DELAYS))
def delays(avi: AviDriver, method: str, path: str, delay_ms: str, times: str | None) -> None:
    avi.add_fault(_rule(method, path, None, times, delay_ms))


@given("the controller's sessions have expired")
@when("the controller's sessions have expired")
def sessions_expired(avi: AviDriver) -> None:
    avi.expire_sessions()


@given("the Kubernetes API drops every watch")
@when("the Kubernetes API drops every watch")
def drop_watches(kube: KubeDriver) -> None:
    kube.drop_watches()


@given("the Kubernetes API compacts its history")
@when("the Kubernetes API compacts its history")
def compact(kube: KubeDriver) -> None:
    kube.compact_history()


@then(
    parsers.re(
        r"the controller journal has (?P<count>\d+) (?P<method>[A-Z]+) requests?"
        r' on "(?P<path>[^"]+)"'
        r" answered (?P<status>\d{3})"
    )
)
@then_eventually
def journal_count(
    engine: EngineDriver, avi: AviDriver, count: str, method: str, path: str, status: str
) -> None:
    entries = avi.journal_entries(method, path, int(status))
    assert len(entries) == int(count), (
        f"expected {count} {method} {path} answered {status}, the journal has {len(entries)}: "
        + ", ".join(f"#{e.get('seq')} {e.get('path')}" for e in entries)
    )


@then(parsers.re(r'the controller journal has an? (?P<method>[A-Z]+) request on "(?P<path>[^"]+)"'))
@then_eventually
def journal_has(engine: EngineDriver, avi: AviDriver, method: str, path: str) -> None:
    assert avi.journal_entries(method, path), f"no {method} {path} in the controller journal"
