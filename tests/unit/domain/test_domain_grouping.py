"""Which Services take part and whether a group may be configured (behaviour.md 2-6, 9)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.domain.grouping import (
    ignored_annotation_warning,
    keys_for_service,
    relevant_services,
    resolve,
    services_by_key,
    twin,
)
from simulator.domain.model import (
    InfraSettingView,
    Key,
    L4RuleView,
    ListenerProperty,
    Resolution,
    ServiceView,
    Settings,
)
from tests.unit.domain.domain_builders import sv, ts

S = Settings()
K1 = Key("default", "k1", True)


def names(services: tuple[ServiceView, ...]) -> list[str]:
    return [s.name for s in services]


def res(key: Key, *services: ServiceView, **kwargs: Any) -> Resolution:
    return resolve(
        key,
        services,
        kwargs.get("infra", {}),
        kwargs.get("l4rules", {}),
        kwargs.get("settings", S),
    )


# --- section 2: which Services take part -----------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "settings_", "expected"),
    [
        ({"key": "k1"}, S, (K1,)),
        ({"key": "k1", "lb_class": "ako.vmware.com/avi-lb"}, S, (K1,)),
        # a foreign class with the annotation still joins so that the group gets flagged
        ({"key": "k1", "lb_class": "other.io/lb"}, S, (K1,)),
        ({"key": "k1", "ns": "blue"}, S, (Key("blue", "k1", True),)),
        ({}, S, (Key("default", "a", False),)),
        ({"key": "  "}, S, (Key("default", "a", False),)),
        ({"key": ""}, S, (Key("default", "a", False),)),
        ({"lb_class": "ako.vmware.com/avi-lb"}, S, (Key("default", "a", False),)),
        ({"lb_class": "other.io/lb"}, S, ()),
        ({}, Settings(default_lb_controller=False), ()),
        (
            {"lb_class": "ako.vmware.com/avi-lb"},
            Settings(default_lb_controller=False),
            (Key("default", "a", False),),
        ),
        ({"key": "k1", "type_": "ClusterIP"}, S, ()),
        ({"key": "k1", "type_": "NodePort"}, S, ()),
        ({"type_": "ClusterIP"}, S, ()),
        ({"key": "k1", "deleting": True}, S, ()),
    ],
)
def test_keys_for_service(
    kwargs: dict[str, Any], settings_: Settings, expected: tuple[Key, ...]
) -> None:
    assert keys_for_service(sv("a", **kwargs), settings_) == expected


@pytest.mark.parametrize(
    ("kwargs", "warned"),
    [
        ({"key": "k1", "type_": "ClusterIP"}, True),
        ({"key": "k1", "type_": "NodePort"}, True),
        ({"key": "k1"}, False),
        ({"type_": "ClusterIP"}, False),
        ({"key": " ", "type_": "ClusterIP"}, False),
        ({"key": "k1", "type_": "ClusterIP", "deleting": True}, False),
    ],
)
def test_annotation_on_non_lb_service_is_ignored_with_a_warning(
    kwargs: dict[str, Any], warned: bool
) -> None:
    warning = ignored_annotation_warning(sv("a", **kwargs))
    assert (warning is not None) is warned
    if warning is not None:
        assert warning.reason == "SharedVipIgnored"
        assert "ako.vmware.com/enable-shared-vip" in warning.message
        assert warning.service.name == "a"


def test_group_is_per_namespace() -> None:
    services = [sv("a", key="k1"), sv("b", key="k1", ns="blue"), sv("c", key="k2")]
    assert names(res(K1, *services).members) == ["a"]
    assert names(res(Key("blue", "k1", True), *services).members) == ["b"]


def test_members_in_join_order_and_non_members_ignored() -> None:
    services = [
        sv("c", key="k1", ts=ts(1), ports=[("", 81, "TCP")]),
        sv("b", key="k1", ts=ts(2), ports=[("", 82, "TCP")]),
        sv("a", key="k1", ts=ts(2), ports=[("", 83, "TCP")]),
        sv("x", key="k1", type_="ClusterIP"),
        sv("y", key="k1", deleting=True),
        sv("z"),
    ]
    r = res(K1, *services)
    assert names(r.members) == ["c", "a", "b"]
    assert names(r.candidates) == ["c", "a", "b"]
    assert r.misconfiguration is None and r.excluded == () and r.warnings == ()


def test_empty_group_resolves_to_nothing() -> None:
    r = res(K1, sv("a", key="k2"))
    assert r == Resolution(K1)


def test_dedicated_key() -> None:
    key = Key("default", "web", False)
    r = res(key, sv("web", lb_ip="100.64.196.80"), sv("other"))
    assert names(r.members) == ["web"]
    assert r.preferred_ip == "100.64.196.80"
    assert res(key, sv("web", key="k1")).members == ()
    assert res(key, sv("web", type_="ClusterIP")).members == ()


# --- section 4: the VIP ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ips", "expected"),
    [
        ([None, None], None),
        (["100.64.196.75", "100.64.196.75"], "100.64.196.75"),
        # members without a preferred IP never conflict, whatever their order
        ([None, "100.64.196.75"], "100.64.196.75"),
        (["100.64.196.75", None], "100.64.196.75"),
        ([None, None, "100.64.196.75"], "100.64.196.75"),
    ],
)
def test_preferred_ip_from_members(ips: list[str | None], expected: str | None) -> None:
    services = [
        sv(f"s{i}", key="k1", ts=ts(i), lb_ip=ip, ports=[("", 80 + i, "TCP")])
        for i, ip in enumerate(ips)
    ]
    r = res(K1, *services)
    assert r.misconfiguration is None
    assert len(r.members) == len(ips)
    assert r.preferred_ip == expected


def test_preferred_ip_from_annotation_and_spec_agree() -> None:
    r = res(
        K1,
        sv("a", key="k1", lb_ip="100.64.196.75"),
        sv("b", key="k1", ip_annotation="100.64.196.75", ports=[("", 80, "UDP")]),
    )
    assert r.misconfiguration is None
    assert r.preferred_ip == "100.64.196.75"


def test_l4rule_ip_overrides_members_for_a_group() -> None:
    rule = L4RuleView("default", "r", accepted=True, load_balancer_ip="100.64.196.99")
    services = [sv("a", key="k1", lb_ip="100.64.196.75", l4rule="r")]
    assert res(K1, *services, l4rules={("default", "r"): rule}).preferred_ip == "100.64.196.99"


def test_dedicated_service_ip_wins_over_l4rule() -> None:
    rule = L4RuleView("default", "r", accepted=True, load_balancer_ip="100.64.196.99")
    key = Key("default", "a", False)
    rules = {("default", "r"): rule}
    assert res(key, sv("a", lb_ip="100.64.196.75", l4rule="r"), l4rules=rules).preferred_ip == (
        "100.64.196.75"
    )
    assert res(key, sv("a", l4rule="r"), l4rules=rules).preferred_ip == "100.64.196.99"


# --- section 5: misconfigurations -----------------------------------------------------------


def test_distinct_preferred_ips_misconfigure_the_group_with_akos_log_line() -> None:
    r = res(
        K1,
        sv("a", key="k1", ts=ts(1), lb_ip="1.1.1.1"),
        sv("b", key="k1", ts=ts(2), ip_annotation="2.2.2.2", ports=[("", 80, "UDP")]),
    )
    assert r.members == ()
    assert r.misconfiguration is not None
    assert r.misconfiguration.reason == "SharedVipMisconfigured"
    assert r.misconfiguration.kind == "preferred-ip"
    assert r.misconfiguration.log == (
        "Service loadBalancerIP is not consistent with Services grouped using shared-vip "
        "annotation. Conflict found for Services [default/a: 1.1.1.1 default/b: 2.2.2.2]"
    )
    assert "default/a: 1.1.1.1" in r.misconfiguration.message
    assert "default/b: 2.2.2.2" in r.misconfiguration.message
    assert names(r.candidates) == ["a", "b"]


def test_ip_conflict_with_a_member_without_ip_in_between() -> None:
    r = res(
        K1,
        sv("a", key="k1", ts=ts(1)),
        sv("b", key="k1", ts=ts(2), lb_ip="1.1.1.1", ports=[("", 81, "TCP")]),
        sv("c", key="k1", ts=ts(3), lb_ip="2.2.2.2", ports=[("", 82, "TCP")]),
    )
    assert r.misconfiguration is not None
    assert r.misconfiguration.log.endswith("[default/b: 1.1.1.1 default/c: 2.2.2.2]")


@pytest.mark.parametrize(
    ("a", "b", "kind", "log"),
    [
        (
            {"lb_ip": "not-an-ip"},
            {},
            "invalid-ip",
            "Service default/a preferred IP not-an-ip is not a valid IP address; "
            "shared-vip group default/k1 is not configured",
        ),
        ({}, {"ip_annotation": "300.1.1.1"}, "invalid-ip", None),
        (
            {"infra": "i1"},
            {"infra": "i2"},
            "infra-setting",
            "Service AviInfraSetting annotation value is not consistent with Services grouped "
            "using shared-vip annotation. Conflict found for Services "
            "[default/b: i2 default/a: i1]",
        ),
        (
            {"infra": "i1"},
            {},
            "infra-setting",
            "Service AviInfraSetting annotation value is not consistent with Services grouped "
            "using shared-vip annotation. Conflict found for Services [default/b:  default/a: i1]",
        ),
        (
            {"l4rule": "r1"},
            {"l4rule": "r2"},
            "l4rule",
            "L4Rule annotation value is not consistent with Services grouped using shared-vip "
            "annotation. Conflict found for Services [default/b: r2 default/a: r1]",
        ),
        ({}, {"l4rule": "r2"}, "l4rule", None),
        ({}, {"lb_class": "other.io/lb"}, "lb-class", None),
    ],
)
def test_group_misconfigurations(
    a: dict[str, Any], b: dict[str, Any], kind: str, log: str | None
) -> None:
    r = res(
        K1,
        sv("a", key="k1", ts=ts(1), **a),
        sv("b", key="k1", ts=ts(2), ports=[("", 81, "TCP")], **b),
    )
    assert r.members == ()
    assert r.misconfiguration is not None
    assert r.misconfiguration.kind == kind
    assert r.misconfiguration.reason == "SharedVipMisconfigured"
    assert r.misconfiguration.message
    if log is not None:
        assert r.misconfiguration.log == log


def test_foreign_class_flags_the_group_until_it_leaves() -> None:
    good = sv("a", key="k1", ts=ts(1))
    bad = sv("b", key="k1", ts=ts(2), lb_class="other.io/lb", ports=[("", 81, "TCP")])
    r = res(K1, good, bad)
    assert r.misconfiguration is not None and "other.io/lb" in r.misconfiguration.message
    assert names(res(K1, good).members) == ["a"]


def test_equal_ips_in_different_spelling_do_not_conflict() -> None:
    r = res(
        K1,
        sv("a", key="k1", lb_ip="fd00::1"),
        sv("b", key="k1", ip_annotation="fd00:0::1", ports=[("", 81, "TCP")]),
    )
    assert r.misconfiguration is None
    assert r.preferred_ip == "fd00::1"


@pytest.mark.parametrize(
    ("count", "ssl", "misconfigured"),
    [(2, True, True), (1, True, False), (2, False, False)],
)
def test_ssl_l4rule_cannot_be_shared(count: int, ssl: bool, misconfigured: bool) -> None:
    rule = L4RuleView(
        "default",
        "r",
        accepted=True,
        listener_properties=(ListenerProperty(80, "TCP", ssl),),
    )
    services = [
        sv(f"s{i}", key="k1", ts=ts(i), l4rule="r", ports=[("", 80 + i, "TCP")])
        for i in range(count)
    ]
    r = res(K1, *services, l4rules={("default", "r"): rule})
    assert (r.misconfiguration is not None) is misconfigured
    if misconfigured:
        assert r.misconfiguration is not None and r.misconfiguration.kind == "l4rule-ssl"
    else:
        assert len(r.members) == count


def test_dedicated_service_with_invalid_ip_is_misconfigured() -> None:
    r = res(Key("default", "a", False), sv("a", lb_ip="bogus"))
    assert r.misconfiguration is not None and r.misconfiguration.kind == "invalid-ip"


# --- section 6: port/protocol conflicts -----------------------------------------------------


def test_port_conflict_leaves_the_later_joiner_out() -> None:
    r = res(
        K1,
        sv("b", key="k1", ts=ts(2), ports=[("", 80, "TCP"), ("", 443, "TCP")]),
        sv("a", key="k1", ts=ts(1), ports=[("", 80, "TCP")]),
        sv("c", key="k1", ts=ts(3), ports=[("", 80, "UDP")]),
    )
    assert names(r.members) == ["a", "c"]
    assert len(r.excluded) == 1
    ex = r.excluded[0]
    assert ex.service.name == "b"
    assert ex.reason == "SharedVipPortConflict"
    assert "80/TCP" in ex.message and "default/a" in ex.message
    assert r.misconfiguration is None


def test_port_conflict_tie_on_timestamp_breaks_by_name() -> None:
    r = res(K1, sv("b", key="k1"), sv("a", key="k1"))
    assert names(r.members) == ["a"]
    assert [e.service.name for e in r.excluded] == ["b"]


def test_excluded_member_does_not_hold_its_other_ports() -> None:
    r = res(
        K1,
        sv("a", key="k1", ts=ts(1), ports=[("", 80, "TCP")]),
        sv("b", key="k1", ts=ts(2), ports=[("", 80, "TCP"), ("", 53, "UDP")]),
        sv("c", key="k1", ts=ts(3), ports=[("", 53, "UDP")]),
    )
    assert names(r.members) == ["a", "c"]
    assert [e.service.name for e in r.excluded] == ["b"]


@pytest.mark.parametrize(
    ("protos", "conflict"),
    [
        (("TCP", "UDP"), False),
        (("TCP", "SCTP"), False),
        (("UDP", "SCTP"), False),
        (("TCP", "TCP"), True),
        (("UDP", "UDP"), True),
        (("SCTP", "SCTP"), True),
    ],
)
def test_same_port_conflicts_only_with_same_protocol(
    protos: tuple[str, str], conflict: bool
) -> None:
    r = res(
        K1,
        sv("a", key="k1", ts=ts(1), ports=[("", 53, protos[0])]),
        sv("b", key="k1", ts=ts(2), ports=[("", 53, protos[1])]),
    )
    assert len(r.members) == (1 if conflict else 2)
    assert len(r.excluded) == (1 if conflict else 0)


def test_preferred_ip_of_an_excluded_member_is_not_used() -> None:
    r = res(
        K1,
        sv("a", key="k1", ts=ts(1)),
        sv("b", key="k1", ts=ts(2), lb_ip="100.64.196.75"),
    )
    assert names(r.members) == ["a"]
    assert r.preferred_ip is None


# --- section 3: names -----------------------------------------------------------------------


def test_group_name_too_long_is_never_configured() -> None:
    value = "k" * 250
    key = Key("default", value, True)
    r = res(key, sv("a", key=value), sv("b", key=value, ports=[("", 81, "TCP")]))
    assert r.members == ()
    assert r.misconfiguration is None
    assert [w.reason for w in r.warnings] == ["NameTooLong", "NameTooLong"]
    assert [w.service.name for w in r.warnings] == ["a", "b"]


def test_evh_makes_long_group_names_fit() -> None:
    value = "k" * 250
    key = Key("default", value, True)
    r = res(key, sv("a", key=value), settings=Settings(enable_evh=True))
    assert names(r.members) == ["a"]


def test_long_pool_name_excludes_only_that_member() -> None:
    long_svc = "s" * 230
    r = res(
        K1, sv("a", key="k1", ts=ts(1)), sv(long_svc, key="k1", ts=ts(2), ports=[("", 81, "TCP")])
    )
    assert names(r.members) == ["a"]
    assert [(e.service.name, e.reason) for e in r.excluded] == [(long_svc, "NameTooLong")]


@pytest.mark.parametrize(
    ("group_ts", "svc_ts", "group_wins"),
    [(1, 2, True), (2, 1, False)],
)
def test_name_conflict_between_group_and_dedicated_service(
    group_ts: int, svc_ts: int, group_wins: bool
) -> None:
    services = [
        sv("member", key="web", ts=ts(group_ts)),
        sv("web", ts=ts(svc_ts), ports=[("", 81, "TCP")]),
    ]
    shared = res(Key("default", "web", True), *services)
    dedicated = res(Key("default", "web", False), *services)
    winner, loser = (shared, dedicated) if group_wins else (dedicated, shared)
    assert len(winner.members) == 1 and winner.warnings == ()
    assert loser.members == ()
    assert [w.reason for w in loser.warnings] == ["NameConflict"]
    assert "cluster--default-web" in loser.warnings[0].message


def test_no_name_conflict_across_namespaces() -> None:
    services = [sv("member", key="web", ts=ts(2)), sv("web", ns="blue", ts=ts(1))]
    assert len(res(Key("default", "web", True), *services).members) == 1


# --- section 9: AviInfraSetting and L4Rule --------------------------------------------------


@pytest.mark.parametrize(
    ("infra", "used", "warned"),
    [
        ({"i1": InfraSettingView("i1", accepted=True, se_group="SEG-2")}, True, False),
        ({"i1": InfraSettingView("i1", accepted=False)}, False, True),
        ({}, False, True),
    ],
)
def test_infra_setting_application(
    infra: dict[str, InfraSettingView], used: bool, warned: bool
) -> None:
    r = res(
        K1,
        sv("a", key="k1", infra="i1"),
        sv("b", key="k1", infra="i1", ports=[("", 81, "TCP")]),
        infra=infra,
    )
    assert len(r.members) == 2
    assert (r.infra is not None) is used
    assert (len(r.warnings) == 2) is warned
    if warned:
        assert {w.reason for w in r.warnings} == {"AviInfraSettingNotApplied"}


@pytest.mark.parametrize(
    ("rules", "used", "warned"),
    [
        ({("default", "r"): L4RuleView("default", "r", accepted=True)}, True, False),
        ({("default", "r"): L4RuleView("default", "r", accepted=False)}, False, True),
        ({("other", "r"): L4RuleView("other", "r", accepted=True)}, False, True),
        ({}, False, True),
    ],
)
def test_l4rule_application(
    rules: dict[tuple[str, str], L4RuleView], used: bool, warned: bool
) -> None:
    r = res(K1, sv("a", key="k1", l4rule="r"), l4rules=rules)
    assert (r.l4rule is not None) is used
    assert bool(r.warnings) is warned
    if warned:
        assert r.warnings[0].reason == "L4RuleNotApplied"


def test_l4rule_in_another_namespace() -> None:
    rule = L4RuleView("shared-rules", "r", accepted=True)
    r = res(K1, sv("a", key="k1", l4rule="shared-rules/r"), l4rules={("shared-rules", "r"): rule})
    assert r.l4rule == rule


# --- properties -----------------------------------------------------------------------------

_member = st.tuples(
    st.sampled_from([None, "100.64.196.75", "100.64.196.76"]),
    st.sampled_from([80, 81, 53]),
    st.sampled_from(["TCP", "UDP"]),
    st.integers(min_value=0, max_value=5),
)


@settings(max_examples=80, deadline=None, database=None)
@given(st.lists(_member, min_size=1, max_size=6))
def test_a_configured_group_never_holds_two_preferred_ips_or_a_port_twice(
    members: list[tuple[str | None, int, str, int]],
) -> None:
    services = [
        sv(f"s{i}", key="k1", ts=ts(t), lb_ip=ip, ports=[("", port, proto)])
        for i, (ip, port, proto, t) in enumerate(members)
    ]
    r = res(K1, *reversed(services))
    ips = {s.preferred_ip for s in r.candidates if s.preferred_ip}
    if len(ips) > 1:
        assert r.misconfiguration is not None and r.members == ()
        return
    assert r.misconfiguration is None
    pairs = [(p.port, p.protocol) for s in r.members for p in s.ports]
    assert len(pairs) == len(set(pairs))
    assert len(r.members) + len(r.excluded) == len(services)
    assert r.members == tuple(sorted(r.members, key=lambda s: s.order))
    # the result does not depend on the order the Services were listed in
    assert res(K1, *services) == r


def test_narrowed_input_resolves_the_same() -> None:
    services = [
        sv("web", ts=ts(1)),
        sv("m1", key="web", ts=ts(2), ports=[("", 81, "TCP")]),
        sv("m2", key="k1", ts=ts(3)),
        sv("m3", key="k1", ts=ts(4), ports=[("", 80, "UDP")]),
        sv("x", key="k1", ns="blue"),
        sv("c", type_="ClusterIP"),
    ]
    index = services_by_key(services, S)
    assert set(index) == {
        Key("default", "web", False),
        Key("default", "web", True),
        K1,
        Key("blue", "k1", True),
    }
    assert twin(K1) == Key("default", "k1", False)
    for key in index:
        assert resolve(key, relevant_services(index, key), {}, {}, S) == resolve(
            key, services, {}, {}, S
        )


def test_invalid_l4rule_ip_misconfigures_the_key() -> None:
    rule = L4RuleView("default", "r", accepted=True, load_balancer_ip="nope")
    r = res(K1, sv("a", key="k1", l4rule="r"), l4rules={("default", "r"): rule})
    assert r.members == ()
    assert r.misconfiguration is not None and r.misconfiguration.kind == "invalid-ip"
    assert "L4Rule default/r" in r.misconfiguration.log
