"""Validation: Avi status codes and error texts; bad input never changes state nor gives 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from avi.sdk.avi_api import ApiSession

from mock_avi import errors
from mock_avi.server import RunningServer
from tests.contract.avi.avi_support import MARKS, MockControl, body_of

pytestmark = MARKS


@pytest.fixture
def unchanged(mock: MockControl) -> Iterator[None]:
    """Run the test, then check that the stored state is what it was after setup."""
    yield
    assert all(e["status"] < 500 for e in mock.journal())


def _rejects(
    api: ApiSession, mock: MockControl, method: str, path: str, data: Any, status: int
) -> str:
    before = mock.state()
    rsp = getattr(api, method)(path, data=data)
    assert rsp.status_code == status, rsp.text
    assert mock.state() == before
    error: str = body_of(rsp)["error"]
    return error


def test_missing_name(api: ApiSession, mock: MockControl, unchanged: None):
    error = _rejects(api, mock, "post", "pool", {"servers": []}, 400)
    assert error == errors.FIELD_REQUIRED.format(field="name")


@pytest.mark.parametrize(
    ("obj_type", "body", "model"),
    [
        (
            "pool",
            {"name": "p", "health_monitor_refs": ["/api/healthmonitor?name=Nope"]},
            "HealthMonitor",
        ),
        ("virtualservice", {"name": "v", "pool_ref": "/api/pool?name=nope"}, "Pool"),
        ("vsvip", {"name": "v", "vrf_context_ref": "/api/vrfcontext?name=nope"}, "VrfContext"),
        (
            "vsvip",
            {
                "name": "v",
                "vip": [
                    {
                        "auto_allocate_ip": True,
                        "ipam_network_subnet": {"network_ref": "/api/network/?name=nope"},
                    }
                ],
            },
            "Network",
        ),
        ("virtualservice", {"name": "v", "vsvip_ref": "/api/vsvip/vsvip-missing"}, "VsVip"),
        ("virtualservice", {"name": "v", "vsvip_ref": "/api/pool?name=System-TCP"}, "VsVip"),
        ("pool", {"name": "p", "cloud_ref": "https://h/api/cloud/cloud-x#x"}, "Cloud"),
    ],
)
def test_unknown_ref(
    api: ApiSession,
    mock: MockControl,
    unchanged: None,
    obj_type: str,
    body: dict[str, Any],
    model: str,
):
    error = _rejects(api, mock, "post", obj_type, body, 400)
    assert error == errors.NOT_FOUND.format(model=model)


def test_duplicate_name_is_409(api: ApiSession, mock: MockControl, unchanged: None):
    assert api.post("pool", data={"name": "dup"}).status_code == 201
    error = _rejects(api, mock, "post", "pool", {"name": "dup"}, 409)
    assert "already exists" in error
    other = api.post("pool", data={"name": "other"}).json()
    error = _rejects(api, mock, "put", f"pool/{other['uuid']}", {"name": "dup"}, 409)
    assert "already exists" in error


def test_recreating_an_owned_vsvip_is_409_not_an_ip_error(
    api: ApiSession, mock: MockControl, unchanged: None
):
    """A client that lost track of its VsVip and posts it again learns that it exists (409),
    not that its own address is taken, so it can adopt the object."""
    vsvip = {
        "name": "again",
        "vip": [
            {
                "vip_id": "0",
                "auto_allocate_ip": True,
                "ip_address": {"addr": "100.64.196.75", "type": "V4"},
                "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
            }
        ],
    }
    assert api.post("vsvip", data=vsvip).status_code == 201
    error = _rejects(api, mock, "post", "vsvip", vsvip, 409)
    assert "already exists" in error


def test_delete_while_referenced_is_403(api: ApiSession, mock: MockControl, unchanged: None):
    pool = api.post("pool", data={"name": "p1"}).json()
    api.post("virtualservice", data={"name": "vs1", "pool_ref": pool["url"]})
    api.post("poolgroup", data={"name": "pg1", "members": [{"pool_ref": pool["url"]}]})
    before = mock.state()
    rsp = api.delete(f"pool/{pool['uuid']}")
    assert rsp.status_code == 403
    assert body_of(rsp) == {
        "error": errors.REFERRED_BY.format(referrers=["PoolGroup pg1", "VirtualService vs1"]),
        "obj_name": "p1",
    }
    assert mock.state() == before


def test_pool_used_by_l4policyset_cannot_be_deleted(api: ApiSession, mock: MockControl):
    pool = api.post("pool", data={"name": "p1"}).json()
    ps = api.post(
        "l4policyset",
        data={
            "name": "ps",
            "l4_connection_policy": {
                "rules": [
                    {
                        "name": "r",
                        "index": 0,
                        "action": {
                            "select_pool": {
                                "action_type": "L4_RULE_ACTION_SELECT_POOL",
                                "pool_ref": "/api/pool?name=p1",
                            }
                        },
                    }
                ]
            },
        },
    )
    assert ps.status_code == 201
    rsp = api.delete(f"pool/{pool['uuid']}")
    assert rsp.status_code == 403 and "L4PolicySet ps" in body_of(rsp)["error"]
    assert api.delete(f"l4policyset/{ps.json()['uuid']}").status_code == 204
    assert api.delete(f"pool/{pool['uuid']}").status_code == 204


@pytest.mark.parametrize(
    ("obj_type", "name"),
    [
        ("networkprofile", "System-TCP-Proxy"),
        ("cloud", "Default-Cloud"),
        ("vrfcontext", "global"),
        ("healthmonitor", "System-TCP"),
        ("tenant", "admin"),
    ],
)
def test_system_defaults_cannot_be_deleted(
    api: ApiSession, mock: MockControl, obj_type: str, name: str
):
    uuid = api.get_object_by_name(obj_type, name)["uuid"]
    before = mock.state()
    rsp = api.delete(f"{obj_type}/{uuid}")
    assert rsp.status_code == 403
    assert body_of(rsp)["error"] == errors.SYSTEM_DEFAULT
    assert mock.state() == before


def test_malformed_json_and_non_objects(
    http: requests.Session, avi_server: RunningServer, mock: MockControl, unchanged: None
):
    before = mock.state()
    for raw in (b"{not json", b"[1, 2]", b"", b"\xff\xfe"):
        rsp = http.post(
            f"{avi_server.url}/api/pool", data=raw, headers={"Content-Type": "application/json"}
        )
        assert rsp.status_code == 400, raw
        assert "error" in rsp.json()
    assert mock.state() == before


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": 5}, "name"),
        ({"name": "p", "default_server_port": "80"}, "default_server_port"),
        ({"name": "p", "enabled": "yes"}, "enabled"),
        ({"name": "p", "servers": {"ip": "x"}}, "servers"),
        ({"name": "p", "servers": [{"port": 80}]}, "servers[0].ip"),
        ({"name": "p", "lb_algorithm": "LB_ALGORITHM_MAGIC"}, "lb_algorithm"),
    ],
)
def test_wrong_types(
    api: ApiSession, mock: MockControl, unchanged: None, body: dict[str, Any], fragment: str
):
    error = _rejects(api, mock, "post", "pool", body, 400)
    assert fragment in error


def test_unknown_fields_are_dropped_as_the_real_controller_does(api: ApiSession):
    """avisdk's recordings (20.1): a VS POSTed with ``application_profile_name`` and a VsVip
    with ``vs_refs`` were created, and the answer did not carry those keys."""
    rsp = api.post(
        "pool",
        data={
            "name": "p",
            "frobnicate": True,
            "servers": [{"ip": {"addr": "1.1.1.1"}, "bogus": 1}],
        },
    )
    assert rsp.status_code == 201, rsp.text
    stored = api.get(f"pool/{rsp.json()['uuid']}").json()
    assert "frobnicate" not in stored and "bogus" not in stored["servers"][0]


def test_bad_put_leaves_the_object_alone(api: ApiSession, mock: MockControl, unchanged: None):
    pool = api.post("pool", data={"name": "p"}).json()
    _rejects(
        api,
        mock,
        "put",
        f"pool/{pool['uuid']}",
        {"name": "p", "vrf_ref": "/api/vrfcontext?name=x"},
        400,
    )
    _rejects(api, mock, "patch", f"pool/{pool['uuid']}", {"replace": {"enabled": 3}}, 400)
    assert api.get(f"pool/{pool['uuid']}").json()["_last_modified"] == pool["_last_modified"]


def _vs(
    name: str,
    services: list[dict[str, Any]],
    vsvip: str | None = None,
    profile: str = "System-TCP-Proxy",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "services": services,
        "network_profile_ref": f"/api/networkprofile/?name={profile}",
    }
    if vsvip:
        body["vsvip_ref"] = f"/api/vsvip/?name={vsvip}"
    return body


def test_same_port_and_protocol_twice_in_one_vs(
    api: ApiSession, mock: MockControl, unchanged: None
):
    error = _rejects(
        api, mock, "post", "virtualservice", _vs("v", [{"port": 80}, {"port": 80}]), 400
    )
    assert "Errors while configuring the Virtual Service" in error and "80/TCP" in error
    ranged = _vs("v", [{"port": 8000, "port_range_end": 8010}, {"port": 8005}])
    assert "8005/TCP" in _rejects(api, mock, "post", "virtualservice", ranged, 400)


def test_same_port_different_protocol_is_fine(api: ApiSession):
    udp = "/api/networkprofile/?name=System-UDP-Fast-Path"
    body = _vs("v", [{"port": 53}, {"port": 53, "override_network_profile_ref": udp}])
    assert api.post("virtualservice", data=body).status_code == 201


def test_two_vses_on_one_vsvip_conflict(api: ApiSession, mock: MockControl, unchanged: None):
    api.post("vsvip", data={"name": "shared", "vip": [{"auto_allocate_ip": True}]})
    assert api.post("virtualservice", data=_vs("a", [{"port": 80}], "shared")).status_code == 201
    error = _rejects(api, mock, "post", "virtualservice", _vs("b", [{"port": 80}], "shared"), 400)
    assert "80/TCP" in error and "'a'" in error
    error = _rejects(
        api,
        mock,
        "post",
        "virtualservice",
        _vs("b", [{"port": 70, "port_range_end": 90}], "shared"),
        400,
    )
    assert "TCP" in error
    # same port over UDP, or another VsVip: accepted
    assert (
        api.post(
            "virtualservice", data=_vs("c", [{"port": 80}], "shared", "System-UDP-Fast-Path")
        ).status_code
        == 201
    )
    api.post("vsvip", data={"name": "other", "vip": [{"auto_allocate_ip": True}]})
    assert api.post("virtualservice", data=_vs("d", [{"port": 80}], "other")).status_code == 201
    # a PUT of the incumbent keeps working
    a = api.get_object_by_name("virtualservice", "a")
    assert api.put(f"virtualservice/{a['uuid']}", data=a).status_code == 200


def test_unknown_tenant_is_403(new_session: Any, mock: MockControl):
    api = new_session(tenant="nope")
    rsp = api.get("pool")
    assert rsp.status_code == 403
    assert body_of(rsp)["error"] == errors.TENANT_MISSING.format(tenant="nope")
