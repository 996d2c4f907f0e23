"""IPv6 IPAM with avisdk: V6_ONLY and V4_V6 VsVips on a network with a v6 subnet.

``V6_ONLY`` gives an ``ip6_address`` and never an IPv4 one; ``V4_V6`` gives one of each; the
v6 address is held (a second VsVip gets the next one, a requested held one is refused) and
released on delete. Without a v6 range ``V6_ONLY`` is still ``No free IP available``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from avi.sdk.avi_api import ApiSession

from mock_avi import errors
from tests.contract.avi.avi_support import MARKS, MockControl, body_of

pytestmark = MARKS


def _dual_network(api: ApiSession) -> str:
    def addr(a: str, t: str) -> dict[str, str]:
        return {"addr": a, "type": t}

    rsp = api.post(
        "network",
        data={
            "name": "dual-net",
            "configured_subnets": [
                {
                    "prefix": {"ip_addr": addr("100.64.200.0", "V4"), "mask": 24},
                    "static_ip_ranges": [
                        {
                            "range": {
                                "begin": addr("100.64.200.10", "V4"),
                                "end": addr("100.64.200.20", "V4"),
                            },
                            "type": "STATIC_IPS_FOR_VIP",
                        }
                    ],
                },
                {
                    "prefix": {"ip_addr": addr("fd00:10::", "V6"), "mask": 64},
                    "static_ip_ranges": [
                        {
                            "range": {
                                "begin": addr("fd00:10::10", "V6"),
                                "end": addr("fd00:10::11", "V6"),
                            },
                            "type": "STATIC_IPS_FOR_VIP",
                        }
                    ],
                },
            ],
        },
    )
    assert rsp.status_code == 201, rsp.text
    return str(rsp.json()["url"])


def _vsvip(api: ApiSession, name: str, kind: str, **extra: Any) -> Any:
    vip = {
        "vip_id": "0",
        "auto_allocate_ip": True,
        "auto_allocate_ip_type": kind,
        "ipam_network_subnet": {"network_ref": "/api/network/?name=dual-net"},
        **extra,
    }
    return api.post("vsvip", data={"name": name, "vip": [vip]})


def test_v6_only_gives_an_ipv6_address_and_no_ipv4(api: ApiSession):
    _dual_network(api)
    rsp = _vsvip(api, "six", "V6_ONLY")
    assert rsp.status_code == 201, rsp.text
    vip = api.get(f"vsvip/{rsp.json()['uuid']}").json()["vip"][0]
    assert vip["ip6_address"] == {"addr": "fd00:10::10", "type": "V6"}
    assert "ip_address" not in vip
    assert vip["ipam_network_subnet"]["subnet6"]["mask"] == 64


def test_v4_v6_gives_one_of_each_and_v6_addresses_are_held(api: ApiSession, mock: MockControl):
    _dual_network(api)
    first = _vsvip(api, "both", "V4_V6")
    assert first.status_code == 201, first.text
    vip = first.json()["vip"][0]
    assert ipaddress.ip_address(vip["ip_address"]["addr"]).version == 4
    assert vip["ip6_address"]["addr"] == "fd00:10::10"
    second = _vsvip(api, "next", "V6_ONLY")
    assert second.json()["vip"][0]["ip6_address"]["addr"] == "fd00:10::11"
    before = mock.state()
    taken = _vsvip(api, "dup", "V6_ONLY", ip6_address={"addr": "fd00:10::11", "type": "V6"})
    assert taken.status_code == 400 and "fd00:10::11" in body_of(taken)["error"]
    full = _vsvip(api, "full", "V6_ONLY")
    assert full.status_code == 400 and body_of(full)["error"] == errors.NO_FREE_IP
    assert mock.state() == before
    assert api.delete(f"vsvip/{second.json()['uuid']}").status_code == 204
    again = _vsvip(api, "again", "V6_ONLY")
    assert again.json()["vip"][0]["ip6_address"]["addr"] == "fd00:10::11"
    # an update keeps the address
    body = api.get(f"vsvip/{first.json()['uuid']}").json()
    body["description"] = "kept"
    assert api.put(f"vsvip/{body['uuid']}", data=body).json()["vip"][0]["ip6_address"] == {
        "addr": "fd00:10::10",
        "type": "V6",
    }


def test_v6_only_without_a_v6_range_is_no_free_ip(api: ApiSession):
    vip = {
        "vip_id": "0",
        "auto_allocate_ip": True,
        "auto_allocate_ip_type": "V6_ONLY",
        "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
    }
    rsp = api.post("vsvip", data={"name": "v4net", "vip": [vip]})
    assert rsp.status_code == 400 and body_of(rsp)["error"] == errors.NO_FREE_IP
