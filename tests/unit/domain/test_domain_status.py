"""Status decisions of one pass (simulator.domain.status.plan): what each Service shows."""

from __future__ import annotations

from simulator.domain.keys import Key
from simulator.domain.model import (
    Exclusion,
    Misconfiguration,
    Resolution,
    ServiceWarning,
    Settings,
)
from simulator.domain.reasons import (
    REASON_INFRA_NOT_USED,
    REASON_MISCONFIGURED,
    REASON_PORT_CONFLICT,
    REASON_SYNCED,
    REASON_VIP_ALLOCATION_FAILED,
)
from simulator.domain.status import Wanted, plan
from tests.unit.domain.domain_builders import sv

KEY = Key("default", "shared-vip-key-1", True)
VS = "cluster--default-shared-vip-key-1"
S = Settings()


def test_members_get_the_vip_and_synced() -> None:
    a, b = sv("a"), sv("b")
    result = plan(KEY, Resolution(KEY, members=(a, b)), "100.64.196.61", None, S)
    message = f"VIP 100.64.196.61 assigned by virtualservice {VS}"
    assert result.wanted == {
        "a": Wanted("100.64.196.61", True, REASON_SYNCED, message),
        "b": Wanted("100.64.196.61", True, REASON_SYNCED, message),
    }
    assert result.warnings == {}


def test_no_address_yet_decides_nothing_for_members() -> None:
    assert plan(KEY, Resolution(KEY, members=(sv("a"),)), None, None, S).wanted == {}


def test_vip_allocation_failure_is_a_warning_on_every_member() -> None:
    result = plan(KEY, Resolution(KEY, members=(sv("a"),)), None, "No available free IPs", S)
    message = f"VIP allocation failed for virtualservice {VS}: No available free IPs"
    assert result.wanted == {"a": Wanted(None, False, REASON_VIP_ALLOCATION_FAILED, message)}
    assert result.warnings == {"a": (REASON_VIP_ALLOCATION_FAILED, message)}


def test_misconfiguration_flags_every_candidate_and_nothing_else() -> None:
    a, b = sv("a"), sv("b")
    wrong = Misconfiguration("preferred-ip", "log line", "the message")
    resolution = Resolution(KEY, misconfiguration=wrong, candidates=(a, b))
    result = plan(KEY, resolution, "100.64.196.61", None, S)
    assert result.wanted == {
        "a": Wanted(None, False, REASON_MISCONFIGURED, "the message"),
        "b": Wanted(None, False, REASON_MISCONFIGURED, "the message"),
    }
    assert set(result.warnings) == {"a", "b"}


def test_excluded_members_are_refused_and_informational_warnings_keep_the_vip() -> None:
    a, b = sv("a"), sv("b")
    resolution = Resolution(
        KEY,
        members=(a,),
        excluded=(Exclusion(b, REASON_PORT_CONFLICT, "80/TCP is taken"),),
        warnings=(ServiceWarning(a, REASON_INFRA_NOT_USED, "infra rejected"),),
    )
    result = plan(KEY, resolution, "100.64.196.61", None, S)
    assert result.wanted["a"].condition_status is True
    assert result.wanted["b"] == Wanted(None, False, REASON_PORT_CONFLICT, "80/TCP is taken")
    assert result.warnings == {"b": (REASON_PORT_CONFLICT, "80/TCP is taken")}
