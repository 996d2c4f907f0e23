"""IPAM on VsVip create/update/delete, and tenant isolation, through avisdk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from avi.sdk.avi_api import ApiSession

from mock_avi import errors
from tests.contract.avi.avi_support import MARKS, MockControl, body_of

pytestmark = MARKS


def _vsvip(name: str, ip: str | None = None, network: str | None = "vip-network") -> dict[str, Any]:
    vip: dict[str, Any] = {"vip_id": "0", "auto_allocate_ip": True}
    if network:
        vip["ipam_network_subnet"] = {"network_ref": f"/api/network/?name={network}"}
    if ip:
        vip["ip_address"] = {"addr": ip, "type": "V4"}
    return {"name": name, "vip": [vip]}


def _addr(rsp: Any) -> str:
    assert rsp.status_code in (200, 201), rsp.text
    addr: str = rsp.json()["vip"][0]["ip_address"]["addr"]
    return addr


def test_sequence_from_the_bottom_of_the_range(api: ApiSession):
    got = [_addr(api.post("vsvip", data=_vsvip(f"v{i}"))) for i in range(3)]
    assert got == ["100.64.196.61", "100.64.196.62", "100.64.196.63"]
    sub = api.get_object_by_name("vsvip", "v0")["vip"][0]["ipam_network_subnet"]["subnet"]
    assert sub == {"ip_addr": {"addr": "100.64.196.0", "type": "V4"}, "mask": 24}


def test_other_network_and_cloud_ipam_profile(api: ApiSession):
    assert _addr(api.post("vsvip", data=_vsvip("b", network="vip-network-2"))) == "100.64.197.10"
    # no network_ref: the cloud's IPAM profile (vip-network first)
    assert _addr(api.post("vsvip", data=_vsvip("c", network=None))) == "100.64.196.61"


def test_preferred_ip(api: ApiSession, mock: MockControl):
    assert _addr(api.post("vsvip", data=_vsvip("pref", "100.64.196.100"))) == "100.64.196.100"
    assert _addr(api.post("vsvip", data=_vsvip("next"))) == "100.64.196.61"
    before = mock.state()
    held = api.post("vsvip", data=_vsvip("thief", "100.64.196.100"))
    assert held.status_code == 400
    assert body_of(held)["error"] == errors.IP_HELD.format(addr="100.64.196.100", holder="pref")
    outside = api.post("vsvip", data=_vsvip("far", "10.1.2.3"))
    assert outside.status_code == 400
    assert "not in any static VIP range" in body_of(outside)["error"]
    below = api.post("vsvip", data=_vsvip("low", "100.64.196.10"))  # in the subnet, not the range
    assert below.status_code == 400
    bad = api.post("vsvip", data=_vsvip("bad", "100.64.196.300"))
    assert bad.status_code == 400
    assert mock.state() == before


def test_exhaustion_and_freeing(api: ApiSession, mock: MockControl):
    net = api.post(
        "network",
        data={
            "name": "tiny",
            "configured_subnets": [
                {
                    "prefix": {"ip_addr": {"addr": "192.0.2.0", "type": "V4"}, "mask": 29},
                    "static_ip_ranges": [
                        {
                            "range": {"begin": {"addr": "192.0.2.2"}, "end": {"addr": "192.0.2.3"}},
                            "type": "STATIC_IPS_FOR_VIP",
                        }
                    ],
                }
            ],
        },
    )
    assert net.status_code == 201, net.text
    a = api.post("vsvip", data=_vsvip("a", network="tiny"))
    b = api.post("vsvip", data=_vsvip("b", network="tiny"))
    assert [_addr(a), _addr(b)] == ["192.0.2.2", "192.0.2.3"]
    full = api.post("vsvip", data=_vsvip("c", network="tiny"))
    assert full.status_code == 400
    assert body_of(full)["error"] == errors.NO_FREE_IP
    assert api.delete(f"vsvip/{a.json()['uuid']}").status_code == 204
    assert _addr(api.post("vsvip", data=_vsvip("c", network="tiny"))) == "192.0.2.2"
    # a network still used by a VsVip cannot go
    assert api.delete(f"network/{net.json()['uuid']}").status_code == 403


def test_existing_vsvip_keeps_its_address(api: ApiSession, mock: MockControl):
    created = api.post("vsvip", data=_vsvip("keep"))
    addr = _addr(created)
    uuid = created.json()["uuid"]
    # sent back unchanged
    assert _addr(api.put(f"vsvip/{uuid}", data=api.get(f"vsvip/{uuid}").json())) == addr
    # sent without ip_address while auto_allocate_ip is true
    assert _addr(api.put(f"vsvip/{uuid}", data=_vsvip("keep"))) == addr
    # another address: refused, state unchanged
    before = mock.state()
    moved = api.put(f"vsvip/{uuid}", data=_vsvip("keep", "100.64.196.99"))
    assert moved.status_code == 400
    assert errors.VIP_RECREATE in body_of(moved)["error"]
    two = _vsvip("keep")
    two["vip"].append({"vip_id": "1", "auto_allocate_ip": True})
    assert api.put(f"vsvip/{uuid}", data=two).status_code == 400
    assert mock.state() == before


def test_tenant_isolation(new_session: Callable[..., ApiSession], api: ApiSession):
    tenant = api.post("tenant", data={"name": "team-a"})
    assert tenant.status_code == 201
    api.post("tenant", data={"name": "team-b"})
    a = new_session(tenant="team-a")
    pool = a.post("pool", data={"name": "mine"})
    assert pool.status_code == 201
    assert pool.json()["tenant_ref"].endswith(f"/api/tenant/{tenant.json()['uuid']}#team-a")
    # invisible from admin and from team-b, visible by tenant uuid and with '*'
    assert api.get("pool").json()["count"] == 0
    b = new_session(tenant="team-b")
    assert b.get("pool", params={"name": "mine"}).json()["count"] == 0
    assert b.get(f"pool/{pool.json()['uuid']}").status_code == 404
    by_uuid = new_session(tenant_uuid=tenant.json()["uuid"])
    assert by_uuid.get("pool").json()["count"] == 1
    assert api.get("pool", tenant="*").json()["count"] == 1
    # admin objects are shared with every tenant
    assert a.get_object_by_name("cloud", "Default-Cloud") is not None
    assert (
        a.post("virtualservice", data={"name": "vs", "pool_ref": "/api/pool?name=mine"}).status_code
        == 201
    )
    # a ref to another tenant's object misses
    rsp = b.post("virtualservice", data={"name": "vs", "pool_ref": pool.json()["url"]})
    assert rsp.status_code == 400 and body_of(rsp)["error"] == errors.NOT_FOUND.format(model="Pool")
    # same name in two tenants is fine
    assert b.post("pool", data={"name": "mine"}).status_code == 201
    # a tenant with objects cannot be deleted
    assert api.delete(f"tenant/{tenant.json()['uuid']}").status_code == 403
