"""Health that follows the pool's health monitors, and reason codes that are the controller's.

- Every ``reason_code_string`` the mock gives is a name of the controller's ``SysErr`` enum in
  the published 30.2.1 schema (``EventLog.reason_code``), and its ``reason_code`` is the name's
  position in that list (the schema publishes names, not numbers).
- A host mark (``{host: ip}``) downs that address in every pool, whatever the monitor; a port
  mark (``ip:port``) is seen by a TCP monitor, not by a pool monitored only by
  ``HEALTH_MONITOR_PING`` (ping checks the host, not the port).
- Servers that are all disabled make the pool, and so its VS, OPER_DOWN.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
from avi.sdk.avi_api import ApiSession

from mock_avi import health
from tests.contract.avi.avi_support import MARKS, MockControl
from tests.contract.avi.schema_support import SKIP_REASON, SWAGGER

pytestmark = MARKS


def _mark(mock: MockControl, **body: Any) -> requests.Response:
    return mock.http.post(f"{mock.url}/__mock__/health", json=body)


def _pool(api: ApiSession, name: str, monitor: str | None, servers: list[str]) -> str:
    body: dict[str, Any] = {
        "name": name,
        "servers": [{"ip": {"addr": a, "type": "V4"}, "port": 8080} for a in servers],
    }
    if monitor:
        body["health_monitor_refs"] = [f"/api/healthmonitor/?name={monitor}"]
    rsp = api.post("pool", data=body)
    assert rsp.status_code == 201, rsp.text
    return str(rsp.json()["uuid"])


def _pool_state(api: ApiSession, uuid: str) -> tuple[str, str]:
    status = api.get(f"pool/{uuid}/runtime").json()["oper_status"]
    return status["state"], status["reason_code_string"]


def test_reason_codes_are_names_of_the_published_syserr_enum():
    if SWAGGER is None:
        pytest.skip(SKIP_REASON)
    doc = json.loads((SWAGGER / "Alert.json").read_text(encoding="utf-8"))
    text = doc["definitions"]["EventLog"]["properties"]["reason_code"]["description"]
    names = re.findall(r"SYSERR_[A-Z0-9_]+", text)
    assert len(names) > 900
    for name, code in health.REASONS.items():
        assert name in names, name
        assert names.index(name) == code, name


def test_a_port_mark_is_not_seen_by_a_ping_monitor(api: ApiSession, mock: MockControl):
    tcp = _pool(api, "tcp-pool", "System-TCP", ["10.7.0.1"])
    ping = _pool(api, "ping-pool", "System-Ping", ["10.7.0.1"])
    for pool in (tcp, ping):
        assert _mark(mock, pool=pool, server="10.7.0.1:8080", state="down").status_code == 201
    assert _pool_state(api, tcp) == ("OPER_DOWN", "SYSERR_UPSTREAM_LB_NO_PEERS")
    assert _pool_state(api, ping) == ("OPER_UP", "SYSERR_SUCCESS")


def test_a_host_mark_downs_the_address_in_every_pool(api: ApiSession, mock: MockControl):
    tcp = _pool(api, "tcp-pool", "System-TCP", ["10.8.0.1", "10.8.0.2"])
    ping = _pool(api, "ping-pool", "System-Ping", ["10.8.0.1"])
    rsp = _mark(mock, host="10.8.0.1", state="down", reason="host unreachable")
    assert rsp.status_code == 201, rsp.text
    assert rsp.json()["target"] == ["host", "10.8.0.1"]
    assert _pool_state(api, ping) == ("OPER_DOWN", "SYSERR_UPSTREAM_LB_NO_PEERS")
    assert _pool_state(api, tcp) == ("OPER_UP", "SYSERR_SUCCESS")
    servers = api.get(f"pool/{tcp}/runtime/server").json()
    down = [s for s in servers if s["oper_status"]["state"] == "OPER_DOWN"]
    assert [(s["server_ip"]["addr"], s["oper_status"]["reason"]) for s in down] == [
        ("10.8.0.1", ["host unreachable"])
    ]
    assert down[0]["oper_status"]["reason_code_string"] == "SYSERR_FAILURE"
    assert _mark(mock, host="10.8.0.1", state="up").status_code == 201
    assert _pool_state(api, ping) == ("OPER_UP", "SYSERR_SUCCESS")


def test_all_servers_disabled_means_down(api: ApiSession):
    pool = api.post(
        "pool",
        data={
            "name": "off-pool",
            "servers": [{"ip": {"addr": "10.9.0.1", "type": "V4"}, "enabled": False}],
        },
    )
    assert pool.status_code == 201, pool.text
    uuid = pool.json()["uuid"]
    state = api.get(f"pool/{uuid}/runtime").json()["oper_status"]
    assert (state["state"], state["reason_code_string"]) == (
        "OPER_DOWN",
        "SYSERR_UPSTREAM_LB_NO_PEERS",
    )
    assert "disabled" in state["reason"][0]
    vs = api.post(
        "virtualservice",
        data={"name": "off-vs", "pool_ref": pool.json()["url"], "services": [{"port": 80}]},
    )
    assert vs.status_code == 201, vs.text
    runtime = api.get(f"virtualservice/{vs.json()['uuid']}/runtime").json()["oper_status"]
    assert (runtime["state"], runtime["reason_code"]) == ("OPER_DOWN", 857)
    server = api.get(f"pool/{uuid}/runtime/server").json()[0]["oper_status"]
    assert (server["state"], server["reason_code_string"]) == (
        "OPER_DISABLED",
        "SYSERR_RM_RES_USER_DISABLED",
    )
