"""AviInfraSetting and L4Rule validation and use (behaviour.md section 9)."""

from __future__ import annotations

import pytest

from tests.support.world import World

pytestmark = pytest.mark.integration

INFRA = {"aviinfrasetting.ako.vmware.com/name": "infra-1"}


def test_infra_setting_with_unknown_objects_is_rejected_and_defaults_apply(world: World) -> None:
    world.create_infra("infra-1", {"seGroup": {"name": "No-Such-Group"}})
    world.create("a", key="k", annotations=INFRA)
    world.settle()
    status = world.infra("infra-1")["status"]
    assert status["status"] == "Rejected" and "No-Such-Group" in status["error"]
    vs = world.avi_get("virtualservice", "cluster--default-k")
    assert vs is not None and vs["se_group_ref"].endswith("#Default-Group")
    assert ("Warning", "AviInfraSettingNotApplied") in [e[:2] for e in world.events("a")]


def test_infra_setting_vip_network_is_used_once_accepted(world: World) -> None:
    world.create_infra(
        "infra-1",
        {
            "seGroup": {"name": "SEG-2"},
            "network": {"vipNetworks": [{"networkName": "vip-network-2"}]},
        },
    )
    world.create("a", key="k", annotations=INFRA)
    world.create("b", key="k", annotations=INFRA, ports=((81, "TCP"),))
    world.settle()
    assert world.infra("infra-1")["status"]["status"] == "Accepted"
    assert world.ips("a") == world.ips("b") == ["100.64.197.10"]
    stats = world.engine.stats()
    world.settle()
    assert world.engine.stats()["crd_status_writes"] == stats["crd_status_writes"]


def test_differing_infra_annotations_misconfigure_the_group(world: World) -> None:
    world.create_infra("infra-1", {"seGroup": {"name": "SEG-2"}})
    world.create("a", key="k", annotations=INFRA)
    world.create("b", key="k", ports=((81, "TCP"),))
    world.settle()
    assert world.avi_names("virtualservice") == []
    cond = world.condition("b")
    assert cond is not None and cond["reason"] == "SharedVipMisconfigured"


def test_l4rule_with_unknown_profile_is_rejected(world: World) -> None:
    world.create_l4rule("rule-1", {"applicationProfileRef": "No-Such-Profile"})
    world.settle()
    status = world.l4rule("rule-1")["status"]
    assert status["status"] == "Rejected" and "No-Such-Profile" in status["error"]


def test_l4rule_load_balancer_ip_overrides_the_members(world: World) -> None:
    world.create_l4rule("rule-1", {"loadBalancerIP": "100.64.196.90"})
    notes = {"ako.vmware.com/l4rule": "rule-1"}
    world.create("a", key="k", annotations=notes)
    world.create("b", key="k", annotations=notes, ports=((81, "TCP"),))
    world.settle()
    assert world.ips("a") == world.ips("b") == ["100.64.196.90"]


def test_l4rule_with_ssl_shared_by_two_services_is_a_misconfiguration(world: World) -> None:
    world.create_l4rule(
        "rule-1", {"listenerProperties": [{"port": 80, "protocol": "TCP", "enableSsl": True}]}
    )
    notes = {"ako.vmware.com/l4rule": "rule-1"}
    world.create("a", key="k", annotations=notes)
    world.create("b", key="k", annotations=notes, ports=((81, "TCP"),))
    world.settle()
    assert world.avi_names("virtualservice") == []
    cond = world.condition("a")
    assert cond is not None and cond["reason"] == "SharedVipMisconfigured"
    assert "SSL" in cond["message"]
