"""Login, cookies, CSRF, re-login after expiry, Basic auth and the start-up endpoints."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from avi.sdk.avi_api import APIError, ApiSession

from mock_avi import errors
from mock_avi.server import RunningServer
from tests.contract.avi.avi_support import MARKS, PASSWORD, USER, MockControl

pytestmark = MARKS


def _logins(mock: MockControl) -> int:
    return sum(1 for e in mock.journal() if e["path"] == "/login" and e["status"] == 200)


def test_login_with_form_body_sets_the_three_cookies(avi_server: RunningServer, mock: MockControl):
    rsp = requests.post(f"{avi_server.url}/login", data={"username": USER, "password": PASSWORD})
    assert rsp.status_code == 200
    body = rsp.json()
    assert body["session_cookie_name"] == "avi-sessionid"
    assert body["version"]["Version"]
    assert body["user"]["username"] == USER
    assert {"csrftoken", "sessionid", "avi-sessionid"} <= set(rsp.cookies.keys())
    assert rsp.cookies["sessionid"] == rsp.cookies["avi-sessionid"]


def test_login_with_json_body(avi_server: RunningServer, mock: MockControl):
    rsp = requests.post(f"{avi_server.url}/login", json={"username": USER, "password": PASSWORD})
    assert rsp.status_code == 200
    assert "csrftoken" in rsp.cookies


def test_bad_credentials_get_401_and_avisdk_raises(
    avi_server: RunningServer, new_session: Callable[..., ApiSession]
):
    rsp = requests.post(f"{avi_server.url}/login", data={"username": USER, "password": "nope"})
    assert rsp.status_code == 401
    assert rsp.json()["error"] == errors.BAD_CREDENTIALS
    with pytest.raises(APIError):
        new_session(password="wrong")


def _login(url: str) -> requests.Session:
    session = requests.Session()
    rsp = session.post(f"{url}/login", data={"username": USER, "password": PASSWORD})
    assert rsp.status_code == 200
    return session


def test_writes_need_the_csrf_token_of_the_session(avi_server: RunningServer, mock: MockControl):
    session = _login(avi_server.url)
    url = f"{avi_server.url}/api/pool"
    assert session.get(url).status_code == 200  # reads need only the session cookie
    rsp = session.post(url, json={"name": "p1"})
    assert rsp.status_code == 401
    assert rsp.json()["error"] == errors.CSRF_FAILED
    rsp = session.post(url, json={"name": "p1"}, headers={"X-CSRFToken": "forged"})
    assert rsp.status_code == 401
    token = session.cookies["csrftoken"]
    rsp = session.post(url, json={"name": "p1"}, headers={"X-CSRFToken": token})
    assert rsp.status_code == 201


def test_no_session_gets_401(avi_server: RunningServer, mock: MockControl):
    rsp = requests.get(f"{avi_server.url}/api/pool")
    assert rsp.status_code == 401
    assert rsp.json()["error"] == errors.CSRF_FAILED


def test_logout_drops_the_session(avi_server: RunningServer, mock: MockControl):
    session = _login(avi_server.url)
    token = session.cookies["csrftoken"]
    assert session.post(f"{avi_server.url}/logout", headers={"X-CSRFToken": token}).ok
    session.cookies.clear()
    rsp = requests.get(f"{avi_server.url}/api/pool", cookies={"sessionid": "x"})
    assert rsp.status_code == 401


def test_avisdk_logs_in_again_after_forced_expiry(api: ApiSession, mock: MockControl):
    assert api.get("pool").status_code == 200
    logins = _logins(mock)
    assert mock.expire_sessions() >= 1
    rsp = api.post("pool", data={"name": "after-expiry"})
    assert rsp.status_code == 201
    assert _logins(mock) == logins + 1
    statuses = [e["status"] for e in mock.journal() if e["path"] == "/api/pool"]
    assert 401 in statuses


def test_avisdk_survives_an_injected_401(api: ApiSession, mock: MockControl):
    mock.add_fault(method="GET", path="^/api/cloud", status=401, times=1)
    logins = _logins(mock)
    obj = api.get_object_by_name("cloud", "Default-Cloud")
    assert obj is not None and obj["name"] == "Default-Cloud"
    assert _logins(mock) == logins + 1


def test_reset_keeps_sessions(api: ApiSession, mock: MockControl):
    assert api.post("pool", data={"name": "before-reset"}).status_code == 201
    mock.reset()
    assert mock.journal() == []
    assert api.get_object_by_name("pool", "before-reset") is None
    assert api.post("pool", data={"name": "after-reset"}).status_code == 201
    assert [e["path"] for e in mock.journal() if e["status"] == 401] == []
    assert _logins(mock) == 0


def test_basic_auth_follows_systemconfiguration(http: requests.Session, avi_server: RunningServer):
    url = avi_server.url
    assert http.get(f"{url}/api/pool").status_code == 200
    bad = requests.get(f"{url}/api/pool", auth=(USER, "wrong"))
    assert bad.status_code == 401
    conf = http.get(f"{url}/api/systemconfiguration").json()
    conf["portal_configuration"]["allow_basic_authentication"] = False
    assert http.put(f"{url}/api/systemconfiguration", json=conf).status_code == 200
    rsp = http.get(f"{url}/api/pool")
    assert rsp.status_code == 401
    assert rsp.json()["error"] == errors.BASIC_DISABLED


def test_avisdk_with_basic_auth_header(new_session: Callable[..., ApiSession], mock: MockControl):
    import base64

    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    api = new_session(user_hdrs={"Authorization": f"Basic {token}"})
    assert api.post("pool", data={"name": "basic"}).status_code == 201
    assert not any(e["path"] == "/login" for e in mock.journal())


def test_startup_endpoints(api: ApiSession, avi_server: RunningServer):
    initial = requests.get(f"{avi_server.url}/api/initial-data").json()
    assert initial["version"]["Version"]
    assert requests.get(f"{avi_server.url}/api/cluster/status").status_code == 200
    assert api.get("cluster/version").json()["Version"] == initial["version"]["Version"]
    runtime = api.get("cluster/runtime").json()
    assert runtime["cluster_state"]["state"] == "CLUSTER_UP_NO_HA"
    conf = api.get("systemconfiguration").json()
    assert conf["default_license_tier"] == "ENTERPRISE"


def test_control_api_needs_credentials(avi_server: RunningServer, mock: MockControl):
    assert requests.get(f"{avi_server.url}/__mock__/healthz").status_code == 200
    assert requests.post(f"{avi_server.url}/__mock__/reset").status_code == 401
    assert requests.get(f"{avi_server.url}/__mock__/state", auth=(USER, "x")).status_code == 401
    session = _login(avi_server.url)
    assert session.get(f"{avi_server.url}/__mock__/state").status_code == 200
