"""API versions with avisdk: ``X-Avi-Version`` validated, newer fields refused, answers shaped.

The refusal text for a field newer than the requested version is the real controller's
(``Incoming request (v18_2_8) has field (enable_http2) introduced in later
versions(v20_1_1).``); a version above the controller's, or junk, is a 400 whose text carries
``Invalid version`` (what avisdk's ``get_object_by_name`` looks for). ``AVI_API_VERSION`` is on
every answer: the requested version as sent, as in avisdk's recordings.
"""

from __future__ import annotations

import base64

import pytest
import requests
from avi.sdk.avi_api import APIError, ApiSession

from mock_avi.app import create_app
from mock_avi.config import MockAviConfig
from mock_avi.server import VERSION_ENV, start_server
from tests.contract.avi.avi_support import MARKS, body_of

pytestmark = MARKS

BASIC = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}


def test_a_field_newer_than_the_requested_version_is_refused(api: ApiSession):
    rsp = api.post("pool", data={"name": "p", "enable_http2": True}, api_version="18.2.8")
    assert rsp.status_code == 400
    assert body_of(rsp)["error"] == (
        "Incoming request (v18_2_8) has field (enable_http2) introduced in later versions(v20_1_1)."
    )
    assert api.get("pool", params={"name": "p"}).json()["count"] == 0
    ok = api.post("pool", data={"name": "p", "enable_http2": True}, api_version="20.1.1")
    assert ok.status_code == 201, ok.text


def test_nested_fields_and_patch_bodies_are_checked_too(api: ApiSession):
    vs = {"name": "v", "services": [{"port": 80, "horizon_internal_ports": False}]}
    rsp = api.post("virtualservice", data=vs, api_version="20.1.1")
    assert rsp.status_code == 400
    assert (
        "has field (horizon_internal_ports) introduced in later versions(v21_1_3)."
        in (body_of(rsp)["error"])
    )
    pool = api.post("pool", data={"name": "p2"}).json()
    patched = api.patch(
        f"pool/{pool['uuid']}", data={"replace": {"enable_http2": True}}, api_version="18.2.8"
    )
    assert patched.status_code == 400


@pytest.mark.parametrize("version", ["junk", "99.9.9", "30.2.2", "1.0"])
def test_junk_or_a_version_above_the_controller_is_refused(api: ApiSession, version: str):
    rsp = api.get("pool", api_version=version)
    assert rsp.status_code == 400
    assert body_of(rsp)["error"].startswith(f"Invalid version {version}")
    assert rsp.headers["AVI_API_VERSION"] == version
    with pytest.raises(APIError):
        api.get_object_by_name("pool", "x", api_version=version)


def test_answers_are_shaped_to_the_requested_version(api: ApiSession):
    pool = api.post(
        "pool", data={"name": "p", "enable_http2": True, "servers": [{"ip": {"addr": "1.1.1.1"}}]}
    ).json()
    assert pool["enable_http2"] is True
    old = api.get(f"pool/{pool['uuid']}", api_version="18.2.8").json()
    assert "enable_http2" not in old and old["servers"][0]["ip"]["addr"] == "1.1.1.1"
    assert api.get(f"pool/{pool['uuid']}", api_version="20.1.1").json()["enable_http2"] is True
    listed = api.get("pool", params={"name": "p"}, api_version="18.2.8").json()["results"][0]
    assert "enable_http2" not in listed
    vs = api.post("virtualservice", data={"name": "v", "services": [{"port": 80}]}).json()
    assert "enable_http2" in vs["services"][0] and vs["vh_type"] == "VS_TYPE_VH_SNI"
    old_vs = api.get(f"virtualservice/{vs['uuid']}", api_version="18.2.8").json()
    assert "enable_http2" not in old_vs["services"][0] and "vh_type" not in old_vs


def test_avi_api_version_is_on_every_answer(api: ApiSession):
    assert api.get("pool", api_version="20.1.1").headers["AVI_API_VERSION"] == "20.1.1"
    assert api.get("pool").headers["AVI_API_VERSION"] == "30_2_1"
    missing = api.get("pool/pool-nope", api_version="22.1.3")
    assert missing.status_code == 404 and missing.headers["AVI_API_VERSION"] == "22.1.3"


def test_the_controller_version_is_configurable():
    client = create_app(MockAviConfig(version="22.1.3")).test_client()
    data = client.get("/api/initial-data").get_json()
    assert data["version"]["Version"] == "22.1.3"
    assert client.get("/api/pool", headers={**BASIC, "X-Avi-Version": "22.1.3"}).status_code == 200
    refused = client.get("/api/pool", headers={**BASIC, "X-Avi-Version": "30.2.1"})
    assert refused.status_code == 400
    assert refused.get_json()["error"].startswith("Invalid version 30.2.1")
    assert client.get("/api/pool", headers=BASIC).headers["AVI_API_VERSION"] == "22_1_3"


def test_the_real_default_for_no_version_can_be_asked_for():
    """With no X-Avi-Version a real controller answers with 16.4.2 semantics (recordings)."""
    client = create_app(MockAviConfig(default_api_version="16.4.2")).test_client()
    rsp = client.post("/api/pool", headers=BASIC, json={"name": "p", "enable_http2": True})
    assert rsp.status_code == 400
    assert "(v16_4_2) has field (enable_http2)" in rsp.get_json()["error"]
    assert client.get("/api/pool", headers=BASIC).headers["AVI_API_VERSION"] == "16_4_2"


def test_the_served_version_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    """``AKO_SIM_AVI_VERSION=22.1.3 ako-sim mock-avi`` (or ``ako-sim up``)."""
    monkeypatch.setenv(VERSION_ENV, "22.1.3")
    server = start_server(port=0)
    try:
        rsp = requests.get(f"{server.url}/api/initial-data")
        assert rsp.json()["version"]["Version"] == "22.1.3"
    finally:
        server.stop()
    monkeypatch.setenv(VERSION_ENV, "junk")
    with pytest.raises(ValueError):
        start_server(port=0)
