"""Validations the real controller makes, and fixed bugs, each refused cleanly (no state change).

VRF of a VS against its pool and VsVip (the controller's text ``VRF Context for <vs> and pool
<pool> different``), port ranges, server addresses, address type against address, duplicate
servers, ``V6_ONLY`` never giving IPv4; a ``Slug`` that is no URL segment, a PATCH ``add`` on
systemconfiguration, a body nested thousands of levels deep, ``exclude=uuid.in``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from avi.sdk.avi_api import ApiSession

from mock_avi import errors
from mock_avi.server import RunningServer
from tests.contract.avi.avi_support import MARKS, MockControl, body_of

pytestmark = MARKS


def _refused(api: ApiSession, mock: MockControl, path: str, body: dict[str, Any]) -> str:
    before = mock.state()
    rsp = api.post(path, data=body)
    assert rsp.status_code == 400, rsp.text
    assert mock.state() == before
    return str(body_of(rsp)["error"])


def test_vs_pool_and_vsvip_must_share_the_vrf(api: ApiSession, mock: MockControl):
    api.post("pool", data={"name": "mgmt-pool", "vrf_ref": "/api/vrfcontext?name=management"})
    error = _refused(
        api, mock, "virtualservice", {"name": "vs", "pool_ref": "/api/pool?name=mgmt-pool"}
    )
    assert error == "VRF Context for vs and pool mgmt-pool different"
    vip = api.post(
        "vsvip",
        data={
            "name": "mgmt-vip",
            "vrf_context_ref": "/api/vrfcontext?name=management",
            "vip": [{"vip_id": "0", "ip_address": {"addr": "10.8.0.1", "type": "V4"}}],
        },
    )
    assert vip.status_code == 201, vip.text
    error = _refused(
        api,
        mock,
        "virtualservice",
        {
            "name": "vs",
            "vsvip_ref": vip.json()["url"],
            "vrf_context_ref": "/api/vrfcontext?name=global",
        },
    )
    assert error == "VRF Context for vs and vsvip mgmt-vip different"
    # no VRF given: the VS takes its VsVip's, and a pool there is fine
    ok = api.post(
        "virtualservice",
        data={"name": "vs", "vsvip_ref": vip.json()["url"], "pool_ref": "/api/pool?name=mgmt-pool"},
    )
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"servers": [{"ip": {"addr": "10.0.0.1"}, "port": 70000}]}, "out of range"),
        ({"default_server_port": 0}, "out of range"),
        ({"servers": [{"ip": {"addr": "not-an-ip"}}]}, "not a valid V4 address"),
        ({"servers": [{"ip": {"addr": "10.0.0.1", "type": "V6"}}]}, "does not match its type V6"),
        ({"servers": [{"ip": {"addr": "fd00::1", "type": "V4"}}]}, "does not match its type V4"),
        (
            {"servers": [{"ip": {"addr": "10.0.0.1"}, "port": 80}, {"ip": {"addr": "10.0.0.1"}}]},
            "Duplicate server 10.0.0.1:80",
        ),
    ],
)
def test_pool_server_checks(
    api: ApiSession, mock: MockControl, body: dict[str, Any], fragment: str
):
    assert fragment in _refused(api, mock, "pool", {"name": "p", **body})


def test_service_port_range(api: ApiSession, mock: MockControl):
    error = _refused(api, mock, "virtualservice", {"name": "v", "services": [{"port": 70000}]})
    assert "services[0]" in error


def test_vip_address_type_and_v6_only(api: ApiSession, mock: MockControl):
    error = _refused(
        api,
        mock,
        "vsvip",
        {"name": "v", "vip": [{"vip_id": "0", "ip_address": {"addr": "10.0.0.9", "type": "V6"}}]},
    )
    assert "does not match its type V6" in error
    error = _refused(
        api,
        mock,
        "vsvip",
        {
            "name": "v",
            "vip": [
                {
                    "vip_id": "0",
                    "auto_allocate_ip": True,
                    "auto_allocate_ip_type": "V6_ONLY",
                    "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
                }
            ],
        },
    )
    assert error == errors.NO_FREE_IP, "V6_ONLY never hands out an IPv4 address"


def test_slug_must_be_one_url_segment(api: ApiSession, mock: MockControl):
    before = mock.state()
    rsp = api.post("pool", data={"name": "p"}, force_uuid="x y/z")
    assert rsp.status_code == 400 and "Slug" in body_of(rsp)["error"]
    assert mock.state() == before
    ok = api.post("pool", data={"name": "p"}, force_uuid="pool-force-42")
    assert ok.status_code == 201 and api.get("pool/pool-force-42").status_code == 200


def test_patch_add_on_systemconfiguration_applies_the_operation(api: ApiSession):
    rsp = api.patch(
        "systemconfiguration", data={"add": {"dns_configuration": {"search_domain": "x"}}}
    )
    assert rsp.status_code == 200, rsp.text
    body = api.get("systemconfiguration").json()
    assert "add" not in body and body["dns_configuration"] == {"search_domain": "x"}
    api.patch("systemconfiguration", data={"replace": {"default_license_tier": "ESSENTIALS"}})
    assert api.get("systemconfiguration").json()["default_license_tier"] == "ESSENTIALS"


@pytest.mark.parametrize("depth", [100, 3000, 100_000])
def test_deeply_nested_bodies_are_a_400(
    http: requests.Session, avi_server: RunningServer, mock: MockControl, depth: int
):
    before = mock.state()
    raw = '{"name": "p", "markers": ' + "[" * depth + "]" * depth + "}"
    rsp = http.post(
        f"{avi_server.url}/api/pool", data=raw, headers={"Content-Type": "application/json"}
    )
    assert rsp.status_code == 400, rsp.text[:200]
    assert "deeper" in rsp.json()["error"]
    assert mock.state() == before


def test_exclude_negates_uuid_in(api: ApiSession):
    uuids = [api.post("pool", data={"name": f"p{i}"}).json()["uuid"] for i in range(3)]
    params = {"uuid.in": ",".join(uuids[:2])}
    assert {r["uuid"] for r in api.get("pool", params=params).json()["results"]} == set(uuids[:2])
    left = api.get("pool", params={**params, "exclude": "uuid.in"}).json()
    assert {r["uuid"] for r in left["results"]} == {uuids[2]} and left["count"] == 1
    by_name = api.get("pool", params={"name": "p0", "exclude": "name"}).json()
    assert {r["name"] for r in by_name["results"]} == {"p1", "p2"}
