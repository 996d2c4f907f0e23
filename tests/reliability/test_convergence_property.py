"""Property: any sequence of Service changes under random controller faults converges to the
state computed from the final Services alone (``oracle.expected``).

Hypothesis draws a sequence of create / update / delete steps over a few names, shared keys
(or none: a dedicated VS) and two namespaces, each port unique per Service so that no group is
legitimately misconfigured, with controller fault rules (5xx on any write, 401, 409, 412, a
slow answer) switched on between steps. Once the faults are lifted the engine must converge:
no orphaned or duplicated object, every member showing its group's VIP, no one else an address.
Budget: 3 sequences in CI; ``AKO_SIM_FUZZ_EXAMPLES`` for more (docs/reliability.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.stack import Stack
from steps.support.stack import reset_stack
from steps.support.wait import eventually
from tests.fuzz.budget import settings_for
from tests.reliability.oracle import assert_converged
from tests.support.world import World

pytestmark = pytest.mark.integration

NAMES = ("a", "b", "c", "d")
KEYS = (None, "k1", "k2")
NAMESPACES = ("default", "blue")
WRITES = "^/api/(vsvip|pool|l4policyset|virtualservice)"

faults = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["POST", "PUT", "DELETE"]),
        "path": st.just(WRITES),
        "status": st.sampled_from([500, 502, 503, 504, 401, 409, 412]),
        "times": st.integers(1, 3),
        "after": st.integers(0, 2),
    }
)
steps = st.one_of(
    st.tuples(
        st.just("apply"),
        st.sampled_from(NAMES),
        st.sampled_from(NAMESPACES),
        st.sampled_from(KEYS),
        st.sampled_from(["LoadBalancer", "LoadBalancer", "ClusterIP"]),
    ),
    st.tuples(st.just("delete"), st.sampled_from(NAMES), st.sampled_from(NAMESPACES)),
    st.tuples(st.just("fault"), faults),
)


def _port(name: str, ns: str) -> int:
    return 1000 + NAMES.index(name) * 10 + NAMESPACES.index(ns)


def _run(world: World, plan: list[tuple[Any, ...]]) -> None:
    live: set[tuple[str, str]] = set()
    for step in plan:
        if step[0] == "apply":
            _, name, ns, key, type_ = step
            world.create(name, ns=ns, key=key, type_=type_, ports=((_port(name, ns), "TCP"),))
            live.add((name, ns))
        elif step[0] == "delete":
            _, name, ns = step
            if (name, ns) in live:
                world.delete_service(name, ns)
                live.discard((name, ns))
        else:
            world.avi_fault(**step[1])


@given(plan=st.lists(steps, min_size=3, max_size=12))
@settings_for(3)
def test_random_changes_under_faults_converge_to_the_final_services(
    stack: Stack, kube_api: Any, avi_api: Any, plan: list[tuple[Any, ...]]
) -> None:
    reset_stack(stack)
    world = World(stack, kube_api, avi_api)
    try:
        world.create_namespace("blue")
        _run(world, plan)
    finally:
        world.clear_faults()
    eventually(lambda: assert_converged(world), timeout=20, interval=0.1)
