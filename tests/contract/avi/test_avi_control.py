"""The /__mock__ control API: reset, state dump/load, journal, fault rules; the CLI command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from avi.sdk.avi_api import ApiSession

from mock_avi.server import RunningServer, start_server
from steps.support.wait import eventually
from tests.contract.avi.avi_support import MARKS, PASSWORD, USER, MockControl

pytestmark = MARKS


def test_reset_restores_the_seed(api: ApiSession, mock: MockControl):
    seed = mock.state()
    api.post("pool", data={"name": "p"})
    api.post("vsvip", data={"name": "v", "vip": [{"auto_allocate_ip": True}]})
    mock.add_fault(path="^/api/nothing", status=500)
    mock.reset()
    assert mock.state() == seed
    assert mock.faults() == [] and mock.journal() == []
    got = api.post("vsvip", data={"name": "v", "vip": [{"auto_allocate_ip": True}]}).json()
    assert got["vip"][0]["ip_address"]["addr"] == "100.64.196.61"  # IPAM back to the seed


def test_default_seed_contents(api: ApiSession):
    def names(obj_type: str) -> set[str]:
        return {o["name"] for o in api.get_objects_iter(obj_type)}

    assert names("serviceenginegroup") == {"Default-Group", "SEG-2"}
    assert names("vrfcontext") == {"global", "management"}
    assert names("network") == {"vip-network", "vip-network-2"}
    assert {
        "System-TCP-Proxy",
        "System-TCP-Fast-Path",
        "System-UDP-Fast-Path",
        "System-SCTP-Proxy",
    } <= names("networkprofile")
    assert {"System-TCP", "System-UDP", "System-SCTP", "System-Ping", "System-HTTP"} <= names(
        "healthmonitor"
    )
    assert api.get("tenant/admin").json()["name"] == "admin"
    ipam = api.get_object_by_name("ipamdnsproviderprofile", "Default-IPAM")
    assert len(ipam["internal_profile"]["usable_networks"]) == 2


def test_state_dump_and_load_round_trip(api: ApiSession, mock: MockControl):
    api.post("pool", data={"name": "p"})
    api.post("vsvip", data={"name": "v", "vip": [{"auto_allocate_ip": True}]})
    dump = mock.state()
    mock.reset()
    rsp = mock.http.put(f"{mock.url}/__mock__/state", json=dump)
    assert rsp.status_code == 200, rsp.text
    assert mock.state() == dump
    # IPAM index rebuilt from the loaded VsVips
    nxt = api.post("vsvip", data={"name": "w", "vip": [{"auto_allocate_ip": True}]}).json()
    assert nxt["vip"][0]["ip_address"]["addr"] == "100.64.196.62"
    # generated uuids never collide with loaded ones
    assert api.post("pool", data={"name": "q"}).json()["uuid"] not in json.dumps(dump)


def test_invalid_state_is_refused_without_change(mock: MockControl):
    before = mock.state()
    bad: dict[str, Any] = {"objects": {"pool": [{"name": "p", "vrf_ref": "/api/vrfcontext/nope"}]}}
    assert mock.http.put(f"{mock.url}/__mock__/state", json=bad).status_code == 400
    assert (
        mock.http.put(f"{mock.url}/__mock__/state", json={"objects": {"bogus": []}}).status_code
        == 400
    )
    assert mock.http.put(f"{mock.url}/__mock__/state", data=b"{").status_code == 400
    assert mock.state() == before


def test_journal_records_every_api_request(api: ApiSession, mock: MockControl):
    api.get("pool")
    api.post("pool", data={"name": "p"}, tenant="admin")
    api.get("pool/pool-missing")
    entries = mock.journal()
    assert [(e["method"], e["path"].split("?")[0], e["status"]) for e in entries[-3:]] == [
        ("GET", "/api/pool", 200),
        ("POST", "/api/pool", 201),
        ("GET", "/api/pool/pool-missing", 404),
    ]
    assert {"seq", "time", "method", "path", "query", "tenant", "status"} == set(entries[-1])
    assert entries[-1]["tenant"] == "admin"
    last = entries[-2]["seq"]
    assert [e["seq"] for e in mock.journal(since=last)] == [entries[-1]["seq"]]


def test_fault_with_status_body_times_and_after(
    api: ApiSession, mock: MockControl, http: requests.Session
):
    rule = mock.add_fault(
        method="GET", path="^/api/pool", status=503, body={"error": "maintenance"}, times=2, after=1
    )
    url = f"{mock.url}/api/pool"
    statuses = [http.get(url).status_code for _ in range(4)]
    assert statuses == [200, 503, 503, 200]
    assert http.post(url, json={"name": "p"}).status_code == 201  # other method untouched
    listed = mock.faults()
    assert listed[0]["id"] == rule["id"] and listed[0]["hits"] == 2
    assert [e["status"] for e in mock.journal() if e["method"] == "GET"][:4] == statuses
    assert mock.http.delete(f"{mock.url}/__mock__/faults/{rule['id']}").status_code == 204
    assert mock.http.delete(f"{mock.url}/__mock__/faults/{rule['id']}").status_code == 404


def test_fault_body_reaches_the_client(mock: MockControl, http: requests.Session):
    mock.add_fault(path="vsvip", status=400, body={"error": "No available free IPs"})
    rsp = http.post(f"{mock.url}/api/vsvip", json={"name": "v"})
    assert rsp.status_code == 400 and rsp.json() == {"error": "No available free IPs"}
    assert http.get(f"{mock.url}/api/vsvip").status_code == 400  # no times: every request
    mock.http.delete(f"{mock.url}/__mock__/faults")
    assert http.get(f"{mock.url}/api/vsvip").status_code == 200


def test_delay_only_fault_then_serves_normally(mock: MockControl, http: requests.Session):
    mock.add_fault(path="^/api/pool$", delay_ms=50, times=1)
    assert http.post(f"{mock.url}/api/pool", json={"name": "slow"}).status_code == 201
    assert mock.faults()[0]["hits"] == 1
    assert http.get(f"{mock.url}/api/pool", params={"name": "slow"}).json()["count"] == 1


def test_bad_fault_rules_are_400(mock: MockControl):
    for rule in ({"path": "("}, {"path": "x", "status": "five"}, {"path": "x"}):
        assert mock.http.post(f"{mock.url}/__mock__/faults", json=rule).status_code == 400


def test_seed_file(tmp_path: Path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "objects:\n"
        "  tenant: [{uuid: admin, name: admin}]\n"
        "  cloud: [{name: Default-Cloud}]\n"
        "  vrfcontext: [{name: global}]\n"
        "  analyticsprofile: [{name: System-Analytics-Profile}]\n"
        "  pool:\n"
        "    - name: seeded\n"
        "      tenant_ref: /api/tenant/?name=admin\n"
    )
    server = start_server(port=0, seed_file=seed)
    try:
        http = requests.Session()
        http.auth = (USER, PASSWORD)
        body = http.get(f"{server.url}/api/pool").json()
        assert [p["name"] for p in body["results"]] == ["seeded"]
        assert body["results"][0]["cloud_ref"].startswith(f"{server.url}/api/cloud/cloud-")
        http.post(f"{server.url}/api/pool", json={"name": "extra"})
        http.post(f"{server.url}/__mock__/reset")
        assert http.get(f"{server.url}/api/pool").json()["count"] == 1
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_server(avi_server: RunningServer):
    server = start_server(port=0, tls=True)
    try:
        assert server.url.startswith("https://")
        api = ApiSession(controller_ip=server.url, username=USER, password=PASSWORD)
        # verify=False per call: requests lets REQUESTS_CA_BUNDLE override the session setting
        assert api.get("cloud", verify=False).json()["count"] == 1
    finally:
        server.stop()


def test_cli_mock_avi_command(tmp_path: Path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "mock-avi", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, line + (proc.stderr.read() if proc.poll() else "")
        url = line.strip().split()[-1]

        def healthy() -> None:
            assert requests.get(f"{url}/__mock__/healthz", timeout=2).status_code == 200

        eventually(healthy, timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
