"""Bad-input matrix (issue 8): what users type wrong, all at once, next to a healthy group.

Each bad Service gets a group of its own, so every row is judged alone: it ends either configured
(status = its VS's VIP, condition True) or refused (no address, condition False, and a Warning
Event with the condition's reason), never half-way, never crashing the engine; where the contract
names the outcome (behaviour.md sections 3-5, 10) the reason is checked too. A healthy group
created first must stay exactly as it was the whole time. Rows: every annotation with empty,
blank, very long, non-ASCII and injection-looking values; preferred IPs that are invalid, IPv6,
outside the VIP network or CIDR-shaped; missing AviInfraSetting / L4Rule; conflicting ports.
"""

from __future__ import annotations

from typing import Any

import pytest

from steps.support.wait import consistently, eventually
from tests.support.world import World

pytestmark = pytest.mark.integration

SHARED = "ako.vmware.com/enable-shared-vip"
LB_IP = "ako.vmware.com/load-balancer-ip"
L4RULE = "ako.vmware.com/l4rule"
INFRA = "aviinfrasetting.ako.vmware.com/name"
NASTY = ["", "   ", "x" * 300, "ünïcødé-ключ", "$(reboot)", "'; DROP TABLE vs;--", "../../etc"]
BAD_IPS = {
    "not-an-ip": "SharedVipMisconfigured",
    "999.1.1.1": "SharedVipMisconfigured",
    "100.64.196.75/24": "SharedVipMisconfigured",
    "2001:db8::1": None,  # an address, but not an IPv4 VIP: refused one way or another
    "100.64.196.1": "VipAllocationFailed",  # in the subnet, outside the static VIP range
    "10.9.9.9": "VipAllocationFailed",
}

# (annotation, value, expected reason or None = configured or refused, but cleanly)
ROWS: list[tuple[str, str, str | None]] = [
    *[(SHARED, v, None) for v in NASTY],
    *[(LB_IP, v, r) for v, r in BAD_IPS.items()],
    *[(LB_IP, v, None) for v in NASTY],
    *[(L4RULE, v, None) for v in [*NASTY, "no-such-rule"]],
    *[(INFRA, v, None) for v in [*NASTY, "no-such-infra"]],
]


def _bad_services(world: World) -> list[tuple[str, str | None]]:
    made: list[tuple[str, str | None]] = []
    for i, (annotation, value, reason) in enumerate(ROWS):
        name = f"bad-{i}"
        notes = {annotation: value}
        if annotation != SHARED:
            notes[SHARED] = f"g{i}"
        world.create(name, annotations=notes, ports=((1000 + i, "TCP"),))
        made.append((name, reason))
    return made


def _outcome(world: World, name: str) -> tuple[list[str], dict[str, Any] | None]:
    return world.ips(name), world.condition(name)


def _judge(world: World, name: str, reason: str | None, vips: dict[str, str]) -> None:
    ips, cond = _outcome(world, name)
    if ips:
        assert cond is not None and cond["status"] == "True", (name, cond)
        assert ips[0] in vips.values(), f"{name}: {ips} is no VS's VIP"
        assert reason is None, f"{name} configured, expected {reason}"
        return
    warnings = [e for e in world.events(name) if e[0] == "Warning"]
    if cond is None:  # not ours at all (e.g. a blank key makes a dedicated Service)
        raise AssertionError(f"{name}: no address and no condition")
    assert cond["status"] == "False", (name, cond)
    assert cond["reason"] in {w[1] for w in warnings}, f"{name}: no Warning {cond['reason']}"
    if reason is not None:
        assert cond["reason"] == reason, (name, cond)


def _vips(world: World) -> dict[str, str]:
    out = {}
    for vsvip in world.avi_list("vsvip"):
        for vip in vsvip.get("vip") or []:
            if vip.get("ip_address"):
                out[str(vsvip["name"])] = vip["ip_address"]["addr"]
    return out


def test_every_bad_annotation_value_gets_its_outcome_and_the_rest_is_untouched(
    world: World,
) -> None:
    world.create("good-a", key="good")
    world.create("good-b", key="good", ports=((81, "TCP"),))
    world.settle()
    good_vip = world.ips("good-a")
    assert good_vip == ["100.64.196.61"]
    good_vs = world.avi_get("virtualservice", "cluster--default-good")
    assert good_vs is not None

    made = _bad_services(world)
    world.settle(timeout=30)

    def judged() -> None:
        vips = _vips(world)
        for name, reason in made:
            _judge(world, name, reason, vips)

    eventually(judged, timeout=15)

    def good_untouched() -> None:
        assert world.ips("good-a") == world.ips("good-b") == good_vip
        vs = world.avi_get("virtualservice", "cluster--default-good")
        assert vs is not None and vs["_last_modified"] == good_vs["_last_modified"]

    consistently(good_untouched, duration=0.3)
    assert world.engine.state()["ready"], "the engine is still running"
    long_key = next(
        n for (a, v, _), (n, _) in zip(ROWS, made, strict=True) if a == SHARED and len(v) == 300
    )
    cond = world.condition(long_key)
    assert cond is not None and cond["reason"] == "NameTooLong", cond


def test_conflicting_ports_and_rejected_crds_leave_the_rest_alone(world: World) -> None:
    world.create_infra("bad-infra", {"seGroup": {"name": "No-Such-Group"}})
    world.create_l4rule("bad-rule", {"applicationProfileRef": "No-Such-Profile"})
    world.create("a-first", key="p")
    world.create("z-clash", key="p", ports=((80, "TCP"), (443, "TCP")))
    world.create("infra", key="i", annotations={INFRA: "bad-infra"}, ports=((82, "TCP"),))
    world.create("rule", key="r", annotations={L4RULE: "bad-rule"}, ports=((83, "TCP"),))
    world.settle()
    assert world.ips("a-first") != []
    cond = world.condition("z-clash")
    assert cond is not None and cond["reason"] == "SharedVipPortConflict"
    assert "AviInfraSettingNotApplied" in world.reasons("infra")
    assert "L4RuleNotApplied" in world.reasons("rule")
    assert world.infra("bad-infra")["status"]["status"] == "Rejected"
    assert world.l4rule("bad-rule")["status"]["status"] == "Rejected"
    for name in ("infra", "rule"):
        assert world.ips(name) != [], f"{name}: defaults apply when the CRD is rejected"
