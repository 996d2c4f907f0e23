"""Health that QA can drive: ``POST /__mock__/health`` marks, and what follows, with avisdk.

Marking every server of a pool down makes its VS OPER_DOWN in the runtime and the inventory;
bringing one back makes it OPER_UP; no servers means OPER_DOWN too. Shapes follow the Go SDK's
models (``reason_code`` an integer, ``vip_summary`` one object, ``pools`` as ``[{ref}]``).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from avi.sdk.avi_api import ApiSession

from mock_avi.server import RunningServer
from tests.contract.avi.avi_support import MARKS, MockControl

pytestmark = MARKS


def _mark(mock: MockControl, **body: Any) -> requests.Response:
    return mock.http.post(f"{mock.url}/__mock__/health", json=body)


def _vs(api: ApiSession, servers: list[str], name: str = "vs") -> tuple[str, str]:
    pool = api.post(
        "pool",
        data={
            "name": f"{name}-pool",
            "servers": [{"ip": {"addr": a, "type": "V4"}, "port": 8080} for a in servers],
        },
    )
    assert pool.status_code == 201, pool.text
    vip = api.post(
        "vsvip",
        data={
            "name": f"{name}-vip",
            "vip": [
                {
                    "vip_id": "0",
                    "auto_allocate_ip": True,
                    "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
                }
            ],
        },
    )
    assert vip.status_code == 201, vip.text
    vs = api.post(
        "virtualservice",
        data={
            "name": name,
            "vsvip_ref": vip.json()["url"],
            "pool_ref": pool.json()["url"],
            "services": [{"port": 80}],
        },
    )
    assert vs.status_code == 201, vs.text
    return vs.json()["uuid"], pool.json()["uuid"]


def _state(api: ApiSession, vs_uuid: str) -> tuple[str, str, float]:
    runtime = api.get(f"virtualservice/{vs_uuid}/runtime").json()["oper_status"]
    inv = api.get(f"virtualservice-inventory/{vs_uuid}").json()
    assert inv["runtime"]["oper_status"]["state"] == runtime["state"]
    assert isinstance(runtime["reason_code"], int)
    return runtime["state"], runtime["reason_code_string"], inv["health_score"]["health_score"]


def test_all_servers_down_makes_the_vs_down_and_one_back_up(api: ApiSession, mock: MockControl):
    vs, pool = _vs(api, ["10.1.0.1", "10.1.0.2"])
    assert _state(api, vs) == ("OPER_UP", "SYSERR_SUCCESS", 100.0)
    rsp = _mark(mock, pool=pool, server="10.1.0.1", state="down", reason="HM TCP failed")
    assert rsp.status_code == 201, rsp.text
    assert _state(api, vs) == ("OPER_UP", "SYSERR_SUCCESS", 50.0)
    assert _mark(mock, pool="vs-pool", server="10.1.0.2:8080", state="down").status_code == 201
    state, code, score = _state(api, vs)
    assert (state, code, score) == ("OPER_DOWN", "SYSERR_UPSTREAM_LB_NO_PEERS", 0.0)
    reason = api.get(f"virtualservice/{vs}/runtime").json()["oper_status"]["reason"]
    assert any("HM TCP failed" in r and "vs-pool" in r for r in reason)
    pool_rt = api.get(f"pool/{pool}/runtime").json()
    assert pool_rt["oper_status"]["reason_code_string"] == "SYSERR_UPSTREAM_LB_NO_PEERS"
    assert (pool_rt["num_servers"], pool_rt["num_servers_up"]) == (2, 0)
    servers = api.get(f"pool/{pool}/runtime/server").json()
    assert [s["oper_status"]["state"] for s in servers] == ["OPER_DOWN", "OPER_DOWN"]
    inv = api.get("pool-inventory", params={"name": "vs-pool"}).json()["results"][0]
    assert inv["runtime"]["oper_status"]["state"] == "OPER_DOWN"
    assert inv["virtualservices"][0]["ref"].endswith(vs)
    assert _mark(mock, pool=pool, server="10.1.0.2", state="up").status_code == 201
    assert _state(api, vs) == ("OPER_UP", "SYSERR_SUCCESS", 50.0)


def test_no_servers_or_a_disabled_pool_means_down(api: ApiSession):
    vs, pool = _vs(api, [])
    assert _state(api, vs)[:2] == ("OPER_DOWN", "SYSERR_UPSTREAM_INIT_NO_SERVERS")
    assert api.get(f"pool/{pool}/runtime").json()["oper_status"]["reason_code_string"] == (
        "SYSERR_UPSTREAM_INIT_NO_SERVERS"
    )
    bare = api.post("virtualservice", data={"name": "bare", "services": [{"port": 81}]})
    assert _state(api, bare.json()["uuid"])[:2] == ("OPER_DOWN", "SYSERR_DEFAULT_POOL_NOT_FOUND")
    vs2, pool2 = _vs(api, ["10.2.0.1"], name="two")
    assert _state(api, vs2)[0] == "OPER_UP"
    api.patch(f"pool/{pool2}", data={"replace": {"enabled": False}})
    assert _state(api, vs2)[0] == "OPER_DOWN"
    assert api.get(f"pool/{pool2}/runtime").json()["oper_status"]["state"] == "OPER_DISABLED"


def test_a_vs_or_pool_mark_wins_and_a_reset_clears_marks(api: ApiSession, mock: MockControl):
    vs, pool = _vs(api, ["10.3.0.1"])
    assert _mark(mock, virtualservice="vs", state="down", reason="SE lost").status_code == 201
    runtime = api.get(f"virtualservice/{vs}/runtime").json()["oper_status"]
    assert (runtime["state"], runtime["reason"]) == ("OPER_DOWN", ["SE lost"])
    assert _mark(mock, virtualservice=vs, state="up").status_code == 201
    assert _mark(mock, pool=pool, state="down", reason="maintenance").status_code == 201
    assert _state(api, vs)[0] == "OPER_DOWN"
    marks = mock.http.get(f"{mock.url}/__mock__/health").json()
    assert {"target": ["pool", pool], "state": "OPER_DOWN", "reason": "maintenance"} in marks
    mock.reset()
    assert mock.http.get(f"{mock.url}/__mock__/health").json() == []


def test_runtime_detail_join_subresources_and_include(api: ApiSession):
    vs, pool = _vs(api, ["10.4.0.1"])
    detail = api.get(f"virtualservice/{vs}/runtime/detail").json()
    assert detail["pools"][0]["uuid"] == pool and detail["health_score"] == 100.0
    assert detail["vip_summary"][0]["ip_address"]["addr"].startswith("100.64.196.")
    joined = api.get(f"virtualservice/{vs}", params={"join_subresources": "runtime"}).json()
    assert joined["runtime"]["oper_status"]["state"] == "OPER_UP"
    listed = api.get("pool", params={"join_subresources": "runtime", "name": "vs-pool"}).json()
    assert listed["results"][0]["runtime"]["num_servers_up"] == 1
    assert "runtime" not in api.get(f"virtualservice/{vs}").json()
    inv = api.get(f"virtualservice-inventory/{vs}", params={"include": "health_score"}).json()
    assert set(inv) == {"uuid", "url", "config", "health_score"}
    vip = api.get("vsvip-inventory", params={"name": "vs-vip"}).json()["results"][0]
    assert vip["runtime"]["oper_status"]["state"] == "OPER_UP"
    assert vip["config"]["virtualservices"][0]["ref"].endswith(vs)


@pytest.mark.parametrize(
    "body",
    [
        {"pool": "nope", "state": "down"},
        {"state": "down"},
        {"pool": "vs-pool", "state": "sideways"},
        {"pool": "vs-pool", "server": "10.9.9.9", "state": "down"},
        {"virtualservice": "vs", "server": "10.5.0.1", "state": "down"},
        {"pool": "vs-pool", "virtualservice": "vs", "state": "down"},
        {"pool": ["vs-pool"], "state": "down"},
        {"pool": "vs-pool", "state": "down", "reason": 5},
        {"host": "not-an-ip", "state": "down"},
        {"host": "10.5.0.1", "server": "10.5.0.1", "state": "down"},
    ],
)
def test_bad_marks_are_refused_and_change_nothing(
    api: ApiSession, mock: MockControl, body: dict[str, Any]
):
    _vs(api, ["10.5.0.1"])
    rsp = _mark(mock, **body)
    assert rsp.status_code in (400, 404), rsp.text
    assert "error" in rsp.json()
    assert mock.http.get(f"{mock.url}/__mock__/health").json() == []


def test_health_control_needs_authentication(avi_server: RunningServer, mock: MockControl):
    rsp = requests.post(f"{avi_server.url}/__mock__/health", json={"pool": "x", "state": "up"})
    assert rsp.status_code == 401
