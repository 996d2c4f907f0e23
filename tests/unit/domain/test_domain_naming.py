"""AKO object names, EVH hashing and the 255-character limit (simulator.domain.naming)."""

from __future__ import annotations

import hashlib

import pytest

from simulator.domain import naming
from simulator.domain.model import Key, Settings

SHARED = Key("default", "shared-vip-key-1", True)
DEDICATED = Key("red", "web", False)


@pytest.mark.parametrize(
    ("key", "settings", "expected"),
    [
        (SHARED, Settings(), "cluster--default-shared-vip-key-1"),
        (DEDICATED, Settings(), "cluster--red-web"),
        (SHARED, Settings(cluster_name="blue"), "blue--default-shared-vip-key-1"),
    ],
)
def test_vs_vsvip_and_l4policyset_share_one_name(
    key: Key, settings: Settings, expected: str
) -> None:
    assert naming.vs_name(key, settings) == expected
    assert naming.vsvip_name(key, settings) == expected
    assert naming.l4policyset_name(key, settings) == expected


@pytest.mark.parametrize(
    ("key", "svc", "proto", "port", "expected"),
    [
        (
            SHARED,
            "sharedvip-avisvc-lb1",
            "TCP",
            80,
            "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80",
        ),
        (
            SHARED,
            "sharedvip-avisvc-lb2",
            "udp",
            80,
            "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80",
        ),
        (DEDICATED, "web", "SCTP", 9000, "cluster--red-web-SCTP-9000"),
    ],
)
def test_pool_names(key: Key, svc: str, proto: str, port: int, expected: str) -> None:
    assert naming.pool_name(key, svc, proto, port, Settings()) == expected


def test_evh_hashes_the_full_name() -> None:
    evh = Settings(enable_evh=True)
    full = "cluster--default-shared-vip-key-1"
    expected = "cluster--" + hashlib.sha1(full.encode()).hexdigest()
    assert naming.vs_name(SHARED, evh) == expected
    assert len(expected) == len("cluster--") + 40
    pool_full = "cluster--default-a-shared-vip-key-1-TCP-80"
    assert naming.pool_name(SHARED, "a", "TCP", 80, evh) == (
        "cluster--" + hashlib.sha1(pool_full.encode()).hexdigest()
    )


def test_evh_keeps_long_names_short() -> None:
    key = Key("default", "k" * 300, True)
    assert naming.too_long(naming.vs_name(key, Settings()))
    assert not naming.too_long(naming.vs_name(key, Settings(enable_evh=True)))


@pytest.mark.parametrize(("length", "expected"), [(0, False), (255, False), (256, True)])
def test_too_long_boundary(length: int, expected: bool) -> None:
    assert naming.MAX_NAME_LENGTH == 255
    assert naming.too_long("x" * length) is expected
