"""Then steps on what Kubernetes users see: ``kubectl get svc`` tables (from the real kubectl
binary), EXTERNAL-IP, Events, the ``ako.vmware.com/VipAssigned`` condition, CRD status.

Every check waits for the engine to settle, then polls until it holds or the deadline passes
(see ``steps.expect``). Checks are also registered as Given steps, to use them as preconditions.
"""

from __future__ import annotations

import shlex
from typing import Any

from pytest_bdd import given, parsers, then, when

from steps.drivers.avi import AviDriver
from steps.drivers.engine import EngineDriver
from steps.drivers.kube import Kubectl, KubeDriver
from steps.drivers.tables import (
    compare_tables,
    datatable_rows,
    glob_match,
    parse_columns,
    render_rows,
    split_list,
)
from steps.expect import expect, expect_steady, then_eventually
from steps.kit import KIT_ROOT

NS = r'(?: in namespace "(?P<namespace>[^"]+)")?'


def _ns(namespace: str | None) -> str:
    return namespace or "default"


@then_eventually
def _check_kubectl_table(
    engine: EngineDriver, kubectl_cli: Kubectl, namespace: str | None, datatable: list[list[str]]
) -> None:
    expected = datatable_rows(datatable)
    output = kubectl_cli.get_services(namespace)
    actual = parse_columns(output)
    problems = compare_tables(expected, actual)
    assert not problems, (
        "kubectl get svc differs from the scenario:\n  - "
        + "\n  - ".join(problems)
        + "\nexpected:\n"
        + render_rows(
            list(expected[0].keys()) if expected else [], [list(r.values()) for r in expected]
        )
        + "\nkubectl printed:\n"
        + output
    )


@then("kubectl get svc shows:")
def kubectl_table_default(
    engine: EngineDriver, kubectl_cli: Kubectl, datatable: list[list[str]]
) -> None:
    _check_kubectl_table(engine, kubectl_cli, "default", datatable)


@then(parsers.parse("kubectl get svc -n {namespace} shows:"))
def kubectl_table_namespace(
    engine: EngineDriver, kubectl_cli: Kubectl, namespace: str, datatable: list[list[str]]
) -> None:
    _check_kubectl_table(engine, kubectl_cli, namespace, datatable)


@then("kubectl get svc -A shows:")
def kubectl_table_all(
    engine: EngineDriver, kubectl_cli: Kubectl, datatable: list[list[str]]
) -> None:
    _check_kubectl_table(engine, kubectl_cli, None, datatable)


@given(parsers.parse('I ran "kubectl {arguments}"'), target_fixture="kubectl_output")
@when(parsers.parse('I run "kubectl {arguments}"'), target_fixture="kubectl_output")
def run_kubectl(kubectl_cli: Kubectl, arguments: str) -> str:
    """Any kubectl command, run in the kit's folder (``apply -f examples/shared-vip.yaml``); it
    must succeed. Its output is what ``kubectl printed ...`` checks."""
    return kubectl_cli.run(*shlex.split(arguments), cwd=KIT_ROOT)


@then(parsers.parse('kubectl printed "{fragment}"'))
def kubectl_printed(kubectl_output: str, fragment: str) -> None:
    assert fragment in kubectl_output, f"kubectl did not print {fragment!r}:\n{kubectl_output}"


_SHOWS = rf'the Services? "(?P<names>[^"]+)"{NS} shows? EXTERNAL-IP "(?P<external_ip>[^"]*)"'


@given(parsers.re(_SHOWS))
@then(parsers.re(_SHOWS))
@then_eventually
def services_show_external_ip(
    engine: EngineDriver, kubectl_cli: Kubectl, names: str, namespace: str | None, external_ip: str
) -> None:
    """EXTERNAL-IP as the real kubectl prints it (``<pending>`` when there is none)."""
    wanted = split_list(names)
    output = kubectl_cli.get_services(_ns(namespace))
    rows = {row.get("NAME", ""): row for row in parse_columns(output).as_dicts()}
    wrong = {
        name: rows[name].get("EXTERNAL-IP") if name in rows else "(no such Service)"
        for name in wanted
        if name not in rows or not glob_match(external_ip, rows[name].get("EXTERNAL-IP", ""))
    }
    assert not wrong, (
        f"expected EXTERNAL-IP {external_ip!r} for {wanted}, kubectl shows {wrong}\n{output}"
    )


_SHOWS_VIP = (
    rf'the Services? "(?P<names>[^"]+)"{NS} shows? the VIP'
    r' of the virtual service "(?P<vs_name>[^"]+)"'
)


@given(parsers.re(_SHOWS_VIP))
@then(parsers.re(_SHOWS_VIP))
def services_show_vs_vip(
    engine: EngineDriver,
    kubectl_cli: Kubectl,
    avi: AviDriver,
    names: str,
    namespace: str | None,
    vs_name: str,
) -> None:
    """EXTERNAL-IP equals whatever VIP the controller gave that virtual service."""

    def vip() -> str:
        topology = avi.vs_topology(vs_name)
        assert topology is not None and topology.vip, f"virtual service {vs_name} has no VIP yet"
        return topology.vip

    address = expect(engine, vip)
    services_show_external_ip(engine, kubectl_cli, names, namespace, address)


def _event_line(event: dict[str, Any]) -> str:
    head = f"{event.get('type')} {event.get('reason')}"
    return f"{head}: {event.get('message')} (x{event.get('count', 1)})"


_HAS_EVENT = (
    rf'the Service "(?P<name>[^"]+)"{NS} has an? (?P<event_type>Normal|Warning) Event'
    r'(?: "(?P<reason>[^"]+)")?(?: mentioning "(?P<fragment>[^"]*)")?'
)


@given(parsers.re(_HAS_EVENT))
@then(parsers.re(_HAS_EVENT))
@then_eventually
def service_has_event(
    engine: EngineDriver,
    kube: KubeDriver,
    name: str,
    namespace: str | None,
    event_type: str,
    reason: str | None,
    fragment: str | None,
) -> None:
    events = kube.events_for(name, _ns(namespace))
    matching = [
        e
        for e in events
        if e.get("type") == event_type
        and (reason is None or e.get("reason") == reason)
        and (fragment is None or fragment in str(e.get("message", "")))
    ]
    wanted = f"{event_type} Event" + (f" {reason}" if reason else "")
    wanted += f" mentioning {fragment!r}" if fragment else ""
    assert matching, f"Service {_ns(namespace)}/{name} has no {wanted}; its Events:\n  " + (
        "\n  ".join(_event_line(e) for e in events) or "(none)"
    )


@then(parsers.re(rf'the Service "(?P<name>[^"]+)"{NS} has no Event "(?P<reason>[^"]+)"'))
def service_has_no_event(
    engine: EngineDriver, kube: KubeDriver, name: str, namespace: str | None, reason: str
) -> None:
    engine.wait_settled()
    events = kube.events_for(name, _ns(namespace))
    found = [e for e in events if e.get("reason") == reason]
    assert not found, f"Service {name} has unexpected Events:\n  " + "\n  ".join(
        _event_line(e) for e in found
    )


_CONDITION = (
    rf'the Service "(?P<name>[^"]+)"{NS} has condition "(?P<cond_type>[^"]+)" "(?P<status>[^"]+)"'
    r'(?: with reason "(?P<reason>[^"]+)")?(?: mentioning "(?P<fragment>[^"]*)")?'
)


@given(parsers.re(_CONDITION))
@then(parsers.re(_CONDITION))
@then_eventually
def service_has_condition(
    engine: EngineDriver,
    kube: KubeDriver,
    name: str,
    namespace: str | None,
    cond_type: str,
    status: str,
    reason: str | None,
    fragment: str | None,
) -> None:
    service = kube.service(name, _ns(namespace))
    conditions = service.get("status", {}).get("conditions") or []
    found = [c for c in conditions if c.get("type") == cond_type]
    assert found, f"Service {name} has no condition {cond_type}; conditions: {conditions}"
    condition = found[0]
    assert condition.get("status") == status, (
        f"Service {name} condition {cond_type} is {condition.get('status')}, "
        f"expected {status}: {condition}"
    )
    if reason is not None:
        assert condition.get("reason") == reason, (
            f"Service {name} condition {cond_type} has reason {condition.get('reason')!r}, "
            f"expected {reason!r}: {condition}"
        )
    if fragment is not None:
        assert fragment in str(condition.get("message", "")), (
            f"condition {cond_type} of {name} does not mention {fragment!r}: "
            f"{condition.get('message')!r}"
        )


_CRD_STATUS = (
    r'the (?P<kind>AviInfraSetting|L4Rule) "(?P<name>[^"]+)"'
    r'(?: in namespace "(?P<namespace>[^"]+)")?'
    r' has status "(?P<status>[^"]+)"'
    r'(?: mentioning "(?P<fragment>[^"]*)")?'
)
_CRD_VERSIONS = {"AviInfraSetting": "ako.vmware.com/v1beta1", "L4Rule": "ako.vmware.com/v1alpha2"}


@given(parsers.re(_CRD_STATUS))
@then(parsers.re(_CRD_STATUS))
@then_eventually
def crd_has_status(
    engine: EngineDriver,
    kube: KubeDriver,
    kind: str,
    name: str,
    namespace: str | None,
    status: str,
    fragment: str | None,
) -> None:
    """``status.status`` of the CRD; ``mentioning`` checks ``status.error``."""
    scope = None if kind == "AviInfraSetting" else _ns(namespace)
    obj = kube.get(_CRD_VERSIONS[kind], kind, name, scope)
    assert obj is not None, f"{kind} {name} does not exist"
    got = (obj.get("status") or {}).get("status")
    assert got == status, (
        f"{kind} {name} has status {got!r}, expected {status!r}: {obj.get('status')}"
    )
    if fragment is not None:
        error = str((obj.get("status") or {}).get("error", ""))
        assert fragment in error, f"{kind} {name}: status.error {error!r} lacks {fragment!r}"


@given(
    parsers.re(rf"I note the resourceVersions and Events of the Services{NS}$"),
    target_fixture="noted_footprint",
)
def note_footprint(engine: EngineDriver, kube: KubeDriver, namespace: str | None) -> Any:
    engine.wait_settled()
    return {"namespace": _ns(namespace), "services": kube.footprint(_ns(namespace))}


@then("the Services and their Events are as noted")
def footprint_as_noted(engine: EngineDriver, kube: KubeDriver, noted_footprint: Any) -> None:
    """Nothing wrote to the Services or their Events since they were noted."""

    def check() -> None:
        now = kube.footprint(noted_footprint["namespace"])
        before = noted_footprint["services"]
        changed = {
            name: f"{before.get(name)} -> {now.get(name)}"
            for name in set(before) | set(now)
            if before.get(name) != now.get(name)
        }
        assert not changed, f"Services or their Events changed: {changed}"

    expect_steady(engine, check)


@then(parsers.re(rf'the Service "(?P<name>[^"]+)"{NS} has exactly the Events "(?P<events>[^"]*)"'))
@then_eventually
def service_has_exactly_events(
    engine: EngineDriver, kube: KubeDriver, name: str, namespace: str | None, events: str
) -> None:
    """``Warning SharedVipIgnored, Normal Synced``: type and reason of every Event of the
    Service, in any order (a repeated Event counts once: it bumps its count)."""
    expected = sorted(split_list(events))
    found = kube.events_for(name, _ns(namespace))
    actual = sorted(f"{e.get('type')} {e.get('reason')}" for e in found)
    assert actual == expected, f"Service {name}: expected Events {expected}, found:\n  " + (
        "\n  ".join(_event_line(e) for e in found) or "(none)"
    )
