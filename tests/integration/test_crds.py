"""AviInfraSetting and L4Rule, seen from the engine's insides (behaviour.md section 9).

Their validation and use (Rejected with the missing object named, defaults and the
AviInfraSettingNotApplied warning, the VIP network of an accepted AviInfraSetting, differing
annotations misconfiguring the group, the L4Rule's loadBalancerIP, an SSL L4Rule shared by two
Services) are told in ``features/crds/`` and ``features/misconfiguration/``. What stays here is
what only this engine can say: a verdict is written once, not again on the next pass.
"""

from __future__ import annotations

import pytest

from tests.support.world import World

pytestmark = pytest.mark.integration

INFRA = {"aviinfrasetting.ako.vmware.com/name": "infra-1"}


def test_infra_setting_status_is_written_once(world: World) -> None:
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
