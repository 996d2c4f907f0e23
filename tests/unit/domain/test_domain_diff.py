"""Planning controller calls and recognising owned objects (simulator.domain.diff)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.domain.desired import build
from simulator.domain.diff import matches, plan
from simulator.domain.grouping import resolve
from simulator.domain.model import (
    DesiredState,
    EndpointSliceView,
    Key,
    ObservedState,
    Operation,
    ServiceView,
    Settings,
)
from simulator.domain.observed import normalise_ref, owned_key
from tests.support.fake_avi import ControllerError, FakeAvi
from tests.unit.domain.domain_builders import slice_, sv, ts

S = Settings()
KEY = Key("default", "shared-vip-key-1", True)
VS = "cluster--default-shared-vip-key-1"
POOL1 = "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80"
POOL2 = "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80"
POOL3 = "cluster--default-lb3-shared-vip-key-1-TCP-443"


def lb1(**kw: Any) -> ServiceView:
    return sv("sharedvip-avisvc-lb1", key="shared-vip-key-1", ts=ts(1), **kw)


def lb2(**kw: Any) -> ServiceView:
    return sv(
        "sharedvip-avisvc-lb2", key="shared-vip-key-1", ts=ts(2), ports=[("", 80, "UDP")], **kw
    )


def lb3(**kw: Any) -> ServiceView:
    return sv("lb3", key="shared-vip-key-1", ts=ts(3), ports=[("", 443, "TCP")], **kw)


def want(
    *services: ServiceView, slices: list[EndpointSliceView] | None = None
) -> DesiredState | None:
    return build(resolve(KEY, services, {}, {}, S), slices or [], [], S)


def steps(ops: tuple[Operation, ...]) -> list[tuple[str, str, str]]:
    return [(op.action, op.type, op.name) for op in ops]


def converge(ctrl: FakeAvi, desired: DesiredState | None) -> tuple[Operation, ...]:
    ops = plan(desired, ctrl.observed(KEY, S))
    ctrl.apply(ops)
    return ops


def test_create_from_empty_exact_order() -> None:
    d = want(lb1(), lb2())
    ops = plan(d, ObservedState())
    assert steps(ops) == [
        ("create", "vsvip", VS),
        ("create", "pool", POOL1),
        ("create", "pool", POOL2),
        ("create", "l4policyset", VS),
        ("create", "virtualservice", VS),
    ]
    assert d is not None
    assert ops[0].payload == d.vsvip.payload
    assert ops[-1].payload == d.virtualservice.payload
    assert all(op.uuid is None for op in ops)


def test_converged_state_plans_nothing() -> None:
    ctrl = FakeAvi()
    d = want(lb1(), lb2())
    converge(ctrl, d)
    assert ctrl.vip(VS) == "100.64.196.61"
    observed = ctrl.observed(KEY, S)
    # the observed objects carry URL refs and controller defaults, yet nothing differs
    assert observed.virtualservice is not None
    assert observed.virtualservice["vsvip_ref"].startswith("https://ctrl/api/vsvip/vsvip-")
    assert observed.virtualservice["weight"] == 1
    assert plan(d, observed) == ()
    # rebuilding from the same inputs is equally converged (determinism)
    assert plan(want(lb2(), lb1()), observed) == ()


def test_member_added_updates_rules_and_vs_only() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(), lb2()))
    ops = converge(ctrl, want(lb1(), lb2(), lb3()))
    assert steps(ops) == [
        ("create", "pool", POOL3),
        ("update", "l4policyset", VS),
        ("update", "virtualservice", VS),
    ]
    assert ops[1].uuid == ctrl.objects[("l4policyset", VS)]["uuid"]
    assert ctrl.vip(VS) == "100.64.196.61"  # the VIP does not change
    assert plan(want(lb1(), lb2(), lb3()), ctrl.observed(KEY, S)) == ()


def test_member_removed_deletes_its_pool_after_the_updates() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(), lb2(), lb3()))
    ops = converge(ctrl, want(lb1(), lb2()))
    assert steps(ops) == [
        ("update", "l4policyset", VS),
        ("update", "virtualservice", VS),
        ("delete", "pool", POOL3),
    ]
    assert ctrl.names("pool") == [POOL1, POOL2]


def test_last_member_gone_deletes_everything_in_safe_order() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(), lb2()))
    ops = converge(ctrl, None)
    assert steps(ops) == [
        ("delete", "virtualservice", VS),
        ("delete", "l4policyset", VS),
        ("delete", "pool", POOL1),
        ("delete", "pool", POOL2),
        ("delete", "vsvip", VS),
    ]
    assert all(op.uuid and op.payload is None for op in ops)
    assert ctrl.objects == {}
    assert plan(None, ObservedState()) == ()


def test_misconfiguration_deletes_the_group() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(), lb2()))
    bad = want(lb1(lb_ip="1.1.1.1"), lb2(lb_ip="2.2.2.2"))
    assert bad is None
    converge(ctrl, bad)
    assert ctrl.objects == {}


def test_preferred_ip_change_recreates_vsvip_and_vs() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(), lb2()))
    old_pools = {n: ctrl.objects[("pool", n)]["uuid"] for n in (POOL1, POOL2)}
    ops = converge(ctrl, want(lb1(lb_ip="100.64.196.75"), lb2(lb_ip="100.64.196.75")))
    assert steps(ops) == [
        ("delete", "virtualservice", VS),
        ("delete", "vsvip", VS),
        ("create", "vsvip", VS),
        ("create", "virtualservice", VS),
    ]
    assert ctrl.vip(VS) == "100.64.196.75"
    assert {n: ctrl.objects[("pool", n)]["uuid"] for n in (POOL1, POOL2)} == old_pools
    # and once more to another address
    ops = converge(ctrl, want(lb1(lb_ip="100.64.196.76"), lb2()))
    assert [op.action for op in ops] == ["delete", "delete", "create", "create"]
    assert ctrl.vip(VS) == "100.64.196.76"


def test_dropping_the_preferred_ip_keeps_the_vip() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(lb_ip="100.64.196.75"), lb2()))
    assert plan(want(lb1(), lb2()), ctrl.observed(KEY, S)) == ()
    assert ctrl.vip(VS) == "100.64.196.75"


def test_vsvip_update_keeps_the_allocated_address() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(), lb2()))
    vsvip = ctrl.objects[("vsvip", VS)]
    vsvip["east_west_placement"] = True  # drift behind our back
    ops = converge(ctrl, want(lb1(), lb2()))
    assert steps(ops) == [("update", "vsvip", VS)]
    assert ops[0].payload is not None
    assert ops[0].payload["vip"][0]["ip_address"] == {"addr": "100.64.196.61", "type": "V4"}
    assert ctrl.vip(VS) == "100.64.196.61"


def test_endpoint_change_updates_only_that_pool() -> None:
    ctrl = FakeAvi()
    s1 = EndpointSliceView.from_k8s(slice_("sharedvip-avisvc-lb1", [("10.0.0.1", True)]))
    converge(ctrl, want(lb1(), lb2(), slices=[s1]))
    s1b = EndpointSliceView.from_k8s(
        slice_("sharedvip-avisvc-lb1", [("10.0.0.1", True), ("10.0.0.2", True)])
    )
    ops = converge(ctrl, want(lb1(), lb2(), slices=[s1b]))
    assert steps(ops) == [("update", "pool", POOL1)]
    assert [s["ip"]["addr"] for s in ctrl.objects[("pool", POOL1)]["servers"]] == [
        "10.0.0.1",
        "10.0.0.2",
    ]


def test_objects_deleted_behind_our_back_are_recreated() -> None:
    ctrl = FakeAvi()
    d = want(lb1(), lb2())
    converge(ctrl, d)
    del ctrl.objects[("virtualservice", VS)]
    del ctrl.objects[("l4policyset", VS)]
    del ctrl.objects[("pool", POOL2)]
    ops = converge(ctrl, d)
    assert steps(ops) == [
        ("create", "pool", POOL2),
        ("create", "l4policyset", VS),
        ("create", "virtualservice", VS),
    ]


def test_protocol_change_of_a_member_replaces_its_pool() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(), lb2()))
    lb2_tcp = sv("sharedvip-avisvc-lb2", key="shared-vip-key-1", ts=ts(2), ports=[("", 81, "TCP")])
    ops = converge(ctrl, want(lb1(), lb2_tcp))
    new_pool = "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-TCP-81"
    assert steps(ops) == [
        ("create", "pool", new_pool),
        ("update", "l4policyset", VS),
        ("update", "virtualservice", VS),
        ("delete", "pool", POOL2),
    ]


def test_fake_controller_refuses_unsafe_orders() -> None:
    ctrl = FakeAvi()
    converge(ctrl, want(lb1(), lb2()))
    uuid = ctrl.objects[("vsvip", VS)]["uuid"]
    with pytest.raises(ControllerError):
        ctrl.apply([Operation("delete", "vsvip", VS, None, uuid)])


# --- comparison helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("/api/pool?name=p1", ("pool", "p1")),
        ("/api/pool/?name=p1", ("pool", "p1")),
        ("/api/pool?name=p1&cloud=Default-Cloud", ("pool", "p1")),
        ("https://h/api/pool/pool-1234#p1", ("pool", "p1")),
        ("http://127.0.0.1:5000/api/vsvip/vsvip-1/#v", ("vsvip", "v")),
        ("https://h/api/pool/pool-1234", ("pool", "uuid:pool-1234")),
        ("/api/tenant/admin#admin", ("tenant", "admin")),
        ("plain text", "plain text"),
        ("/api/pool?other=1", "/api/pool?other=1"),
    ],
)
def test_normalise_ref(ref: str, expected: str | tuple[str, str]) -> None:
    assert normalise_ref(ref) == expected


@pytest.mark.parametrize(
    ("desired", "observed", "equal"),
    [
        ({"a": 1}, {"a": 1, "b": 2}, True),
        ({"a": 1}, {"a": 2}, False),
        ({"a": 1}, {}, False),
        ({"a": []}, {}, True),
        ({"a": {}}, {}, True),
        ({"a": False}, {}, False),
        ({"a": True}, {"a": 1}, False),
        ({"a": [1, 2]}, {"a": [1, 2, 3]}, False),
        ({"a": [{"x": 1}]}, {"a": [{"x": 1, "y": 2}]}, True),
        ({"r": "/api/cloud?name=C"}, {"r": "https://h/api/cloud/cloud-1#C"}, True),
        ({"r": "/api/cloud?name=C"}, {"r": "https://h/api/cloud/cloud-1#D"}, False),
        ({"r": "/api/cloud?name=C"}, {"r": "https://h/api/network/n-1#C"}, False),
        ({"a": "x"}, {"a": ["x"]}, False),
    ],
)
def test_matches(desired: Any, observed: Any, equal: bool) -> None:
    assert matches(desired, observed) is equal


# --- owned_key ------------------------------------------------------------------------------


def marked(*pairs: tuple[str, str], created_by: str | None = "ako-cluster") -> dict[str, Any]:
    obj: dict[str, Any] = {"name": "x", "markers": [{"key": k, "values": [v]} for k, v in pairs]}
    if created_by is not None:
        obj["created_by"] = created_by
    return obj


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (
            marked(("clustername", "cluster"), ("Namespace", "default"), ("GatewayName", "k1")),
            Key("default", "k1", True),
        ),
        (
            marked(
                ("clustername", "cluster"),
                ("Namespace", "default"),
                ("ServiceName", "a"),
                ("Port", "80"),
                ("Protocol", "TCP"),
                ("GatewayName", "k1"),
            ),
            Key("default", "k1", True),
        ),
        (
            marked(("clustername", "cluster"), ("Namespace", "red"), ("ServiceName", "web")),
            Key("red", "web", False),
        ),
        (  # VsVip: no created_by field
            marked(
                ("clustername", "cluster"),
                ("Namespace", "default"),
                ("GatewayName", "k1"),
                created_by=None,
            ),
            Key("default", "k1", True),
        ),
        (marked(("clustername", "other"), ("Namespace", "d"), ("GatewayName", "k")), None),
        (
            marked(
                ("clustername", "cluster"),
                ("Namespace", "d"),
                ("GatewayName", "k"),
                created_by="ako-other",
            ),
            None,
        ),
        (marked(("clustername", "cluster"), ("GatewayName", "k")), None),
        (marked(("clustername", "cluster"), ("Namespace", "d")), None),
        ({"name": "x"}, None),
        ({"markers": "bad"}, None),
    ],
)
def test_owned_key(obj: dict[str, Any], expected: Key | None) -> None:
    assert owned_key(obj, S) == expected


def test_every_desired_object_is_owned_by_its_key() -> None:
    for key, services in [
        (KEY, [lb1(), lb2()]),
        (Key("default", "web", False), [sv("web")]),
    ]:
        d = build(resolve(key, services, {}, {}, S), [], [], S)
        assert d is not None
        for obj in (d.vsvip, d.l4policyset, d.virtualservice, *d.pools):
            assert owned_key(obj.payload, S) == key


# --- property: applying a plan converges ----------------------------------------------------

_svc = st.tuples(
    st.sampled_from([80, 443, 53]),
    st.sampled_from(["TCP", "UDP", "SCTP"]),
    st.sampled_from([None, "100.64.196.75", "100.64.196.80"]),
    st.lists(st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"]), max_size=3),
)


def _desired(members: list[tuple[int, str, str | None, list[str]]]) -> DesiredState | None:
    services = [
        sv(f"m{i}", key="shared-vip-key-1", ts=ts(i), lb_ip=ip, ports=[("", port, proto, port)])
        for i, (port, proto, ip, _) in enumerate(members)
    ]
    slices = [
        EndpointSliceView.from_k8s(
            slice_(f"m{i}", [(a, True) for a in addrs], ports=[("", port, proto)])
        )
        for i, (port, proto, _, addrs) in enumerate(members)
    ]
    return want(*services, slices=slices)


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(st.lists(_svc, max_size=4), min_size=1, max_size=4))
def test_any_sequence_of_states_converges_in_one_plan(
    states: list[list[tuple[int, str, str | None, list[str]]]],
) -> None:
    ctrl = FakeAvi()
    for members in states:
        desired = _desired(members)
        converge(ctrl, desired)  # the fake refuses unsafe orders and VIP moves
        assert plan(desired, ctrl.observed(KEY, S)) == ()
        if desired is None:
            assert ctrl.objects == {}
        else:
            assert ctrl.names("pool") == sorted(p.name for p in desired.pools)
            wanted_ip = desired.vsvip.payload["vip"][0].get("ip_address")
            if wanted_ip is not None:
                assert ctrl.vip(VS) == wanted_ip["addr"]
