"""The spec's three examples, end to end: manifests -> engine -> mock controller -> status."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.stack import wait_settled
from tests.support.world import EXAMPLES, SHARED_VS, World

pytestmark = pytest.mark.integration


def _ref_name(ref: str | None) -> str | None:
    return ref.rsplit("#", 1)[-1] if ref else None


def assert_shared_topology(world: World) -> None:
    assert world.avi_names("virtualservice") == [SHARED_VS]
    vs = world.avi_get("virtualservice", SHARED_VS)
    assert vs is not None
    assert _ref_name(vs["network_profile_ref"]) == "System-TCP-Proxy"
    assert _ref_name(vs["application_profile_ref"]) == "System-L4-Application"
    assert _ref_name(vs["vsvip_ref"]) == SHARED_VS
    services = [
        (s["port"], _ref_name(s.get("override_network_profile_ref"))) for s in vs["services"]
    ]
    assert services == [(80, None), (80, "System-UDP-Fast-Path")]
    assert world.avi_names("pool") == [
        "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80",
        "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80",
    ]
    l4ps = world.avi_get("l4policyset", SHARED_VS)
    assert l4ps is not None
    rules = l4ps["l4_connection_policy"]["rules"]
    assert [
        (
            r["match"]["port"]["ports"],
            r["match"]["protocol"]["protocol"],
            _ref_name(r["action"]["select_pool"]["pool_ref"]),
        )
        for r in rules
    ] == [
        ([80], "PROTOCOL_TCP", "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80"),
        ([80], "PROTOCOL_UDP", "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80"),
    ]
    assert world.avi_names("vsvip") == [SHARED_VS]


@pytest.mark.parametrize(
    ("manifest", "vip"),
    [
        ("shared-vip.yaml", "100.64.196.61"),
        ("shared-vip-static-ip.yaml", "100.64.196.75"),
        ("shared-vip-ip-annotation.yaml", "100.64.196.75"),
    ],
)
def test_spec_example_gives_both_services_the_same_vip(
    world: World, manifest: str, vip: str
) -> None:
    names = world.apply_file(EXAMPLES / manifest)
    world.settle()
    assert names == ["sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2"]
    for name in names:
        assert world.ips(name) == [vip]
        cond = world.condition(name)
        assert cond is not None and cond["status"] == "True"
        assert ("Normal", "Synced", f"Added virtualservice {SHARED_VS} for {name}") in world.events(
            name
        )
    assert_shared_topology(world)
    vsvip = world.avi_get("vsvip", SHARED_VS)
    assert vsvip is not None and vsvip["vip"][0]["ip_address"]["addr"] == vip


def test_kubectl_shows_the_spec_table(world: World, kubectl: Any) -> None:
    kubectl("apply", "-f", str(EXAMPLES / "shared-vip.yaml"))
    state = wait_settled(world.engine.url)
    assert state["settled"] and state["queue_depth"] == 0
    out = kubectl("get", "svc").stdout.splitlines()
    assert out[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert rows["sharedvip-avisvc-lb1"][1] == "LoadBalancer"
    assert rows["sharedvip-avisvc-lb1"][3] == "100.64.196.61"
    assert rows["sharedvip-avisvc-lb2"][3] == "100.64.196.61"
    assert rows["sharedvip-avisvc-lb1"][4].startswith("80:") and rows["sharedvip-avisvc-lb1"][
        4
    ].endswith("/TCP")
    assert rows["sharedvip-avisvc-lb2"][4].startswith("80:") and rows["sharedvip-avisvc-lb2"][
        4
    ].endswith("/UDP")


def test_a_second_pass_over_the_examples_writes_nothing(world: World) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.settle()
    seq = world.journal_seq()
    before = world.engine.stats()
    world.engine.queue.add_many(
        ["shared:default/shared-vip-key-1", "service:default/sharedvip-avisvc-lb1"]
    )
    world.settle()
    after = world.engine.stats()
    assert after["reconciles"] >= before["reconciles"] + 2
    assert world.avi_writes_since(seq) == []
    assert after["k8s_writes"] == before["k8s_writes"]
