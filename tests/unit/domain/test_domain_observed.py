"""Reading VIPs, refs and markers from Avi objects (simulator.domain.observed)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.domain.keys import Key
from simulator.domain.model import Settings
from simulator.domain.observed import marker, markers, owned_key, vip_addresses, vip_of

V4 = {"addr": "100.64.196.61", "type": "V4"}
FIP = {"addr": "203.0.113.7", "type": "V4"}
V6 = {"addr": "fd00::1", "type": "V6"}


# --- vip_of (moved from test_domain_desired) ------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (
            {"vip": [{"vip_id": "0", "ip_address": {"addr": "100.64.196.61", "type": "V4"}}]},
            "100.64.196.61",
        ),
        ({"vip": [{"vip_id": "0", "ip6_address": {"addr": "fd00::1", "type": "V6"}}]}, "fd00::1"),
        ({"vip": [{"vip_id": "0", "auto_allocate_ip": True}]}, None),
        ({"vip": []}, None),
        ({}, None),
        ({"vip": "bad"}, None),
    ],
)
def test_vip_of(obj: dict[str, Any], expected: str | None) -> None:
    assert vip_of(obj) == expected


# --- the controller's rule (AKO's AviVsVipCacheAdd + GetIPAddrsFromCache) -------------------


def test_floating_ip_wins_when_the_vip_asks_for_one() -> None:
    vsvip = {"vip": [{"auto_allocate_floating_ip": True, "ip_address": V4, "floating_ip": FIP}]}
    assert vip_addresses(vsvip) == ["203.0.113.7"]
    assert vip_of(vsvip) == "203.0.113.7"


def test_floating_ip_without_auto_allocate_floating_ip_is_not_read() -> None:
    vsvip = {"vip": [{"auto_allocate_floating_ip": False, "ip_address": V4, "floating_ip": FIP}]}
    assert vip_of(vsvip) == "100.64.196.61"
    assert vip_of({"vip": [{"ip_address": V4, "floating_ip": FIP}]}) == "100.64.196.61"


def test_ipv4_comes_before_ipv6_and_the_ip_type_is_honoured() -> None:
    both = {"auto_allocate_ip_type": "V4_V6", "ip_address": V4, "ip6_address": V6}
    assert vip_addresses({"vip": [both]}) == ["100.64.196.61", "fd00::1"]
    v4_only = {**both, "auto_allocate_ip_type": "V4_ONLY"}
    assert vip_addresses({"vip": [v4_only]}) == ["100.64.196.61"]
    v6_only = {**both, "auto_allocate_ip_type": "V6_ONLY"}
    assert vip_addresses({"vip": [v6_only]}) == ["fd00::1"]


def test_addresses_of_every_vip_entry_in_order_without_repeats() -> None:
    second = {"addr": "100.64.196.62", "type": "V4"}
    vsvip = {"vip": [{"ip_address": V4}, {"ip_address": second}, {"ip_address": V4}]}
    assert vip_addresses(vsvip) == ["100.64.196.61", "100.64.196.62"]


def test_the_mock_controllers_defaults_read_as_ipv4() -> None:
    """mock_avi fills auto_allocate_ip_type V4_ONLY and auto_allocate_floating_ip false."""
    vip = {
        "vip_id": "0",
        "auto_allocate_ip": True,
        "auto_allocate_ip_type": "V4_ONLY",
        "auto_allocate_floating_ip": False,
        "ip_address": V4,
    }
    assert vip_of({"vip": [vip]}) == "100.64.196.61"


@pytest.mark.parametrize(
    "vsvip", [None, "text", {"vip": [None, 3, {"ip_address": {"addr": ""}}]}, {"vip": {}}]
)
def test_odd_bodies_have_no_address(vsvip: Any) -> None:
    assert vip_addresses(vsvip) == []
    assert vip_of(vsvip) is None


# --- markers ----------------------------------------------------------------------------------


def test_markers_keep_the_first_value_of_the_first_valid_marker() -> None:
    obj = {
        "markers": [
            {"key": "Namespace", "values": []},
            {"key": "Namespace", "values": ["default", "other"]},
            {"key": "Namespace", "values": ["later"]},
            {"key": 3, "values": ["x"]},
            "junk",
        ]
    }
    assert markers(obj) == {"Namespace": "default"}
    assert marker(obj, "Namespace") == "default"
    assert marker(obj, "ServiceName") is None
    assert markers({"markers": "bad"}) == {}


def test_owned_key_reads_gateway_before_service_name() -> None:
    obj = {
        "created_by": "ako-cluster",
        "markers": [
            {"key": "clustername", "values": ["cluster"]},
            {"key": "Namespace", "values": ["default"]},
            {"key": "ServiceName", "values": ["lb1"]},
            {"key": "GatewayName", "values": ["shared-vip-key-1"]},
        ],
    }
    assert owned_key(obj, Settings()) == Key("default", "shared-vip-key-1", True)
    assert owned_key({**obj, "created_by": "ako-other"}, Settings()) is None
