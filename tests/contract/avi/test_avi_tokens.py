"""Token login and duplicate cookies, with avisdk and raw requests.

``/api/user-token`` issues API tokens (AKO's ``pkg/utils/avi_rest_utils.go`` flow); ``POST
/login`` takes ``{username, token}`` instead of a password (avisdk's ``token=``). With
duplicate session cookies the real controller takes the last one.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from avi.sdk.avi_api import APIError, ApiSession

from mock_avi.server import RunningServer
from tests.contract.avi.avi_support import MARKS, PASSWORD, USER, MockControl

pytestmark = MARKS


def test_token_login_with_avisdk(api: ApiSession, new_session: Callable[..., ApiSession]):
    issued = api.post("user-token", data={"hours": 2})
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert api.get("user-token").json()["count"] == 1
    by_token = new_session(password=None, token=token)
    assert by_token.get("pool").status_code == 200
    assert by_token.post("pool", data={"name": "via-token"}).status_code == 201
    assert api.delete("user-token", data={"token": token}).status_code == 204
    ApiSession.clear_cached_sessions()
    with pytest.raises(APIError):
        new_session(password=None, token=token)


@pytest.mark.parametrize("body", [{"hours": 0}, {"hours": "x"}, {"hours": True}, {"hours": -1}])
def test_bad_token_requests_are_refused(api: ApiSession, body: object):
    assert api.post("user-token", data=body).status_code == 400


def test_json_token_login_as_the_go_sdk_sends_it(avi_server: RunningServer, api: ApiSession):
    token = api.post("user-token", data={"hours": 1}).json()["token"]
    ok = requests.post(f"{avi_server.url}/login", json={"username": USER, "token": token})
    assert ok.status_code == 200 and "avi-sessionid" in ok.cookies
    bad = requests.post(f"{avi_server.url}/login", json={"username": USER, "token": "nope"})
    assert bad.status_code == 401


def _login(url: str) -> tuple[str, str]:
    rsp = requests.post(f"{url}/login", data={"username": USER, "password": PASSWORD})
    assert rsp.status_code == 200
    return rsp.cookies["avi-sessionid"], rsp.cookies["csrftoken"]


def test_with_duplicate_cookies_the_last_one_wins(avi_server: RunningServer, mock: MockControl):
    url = avi_server.url
    first, first_csrf = _login(url)
    second, second_csrf = _login(url)
    both = f"avi-sessionid={first}; avi-sessionid={second}"

    def post(cookie: str, csrf: str) -> int:
        headers = {"Cookie": cookie, "X-CSRFToken": csrf, "Content-Type": "application/json"}
        return requests.post(
            f"{url}/api/stringgroup",
            headers=headers,
            json={"name": f"sg-{csrf[:6]}", "type": "SG_TYPE_STRING"},
        ).status_code

    assert post(both, second_csrf) == 201
    assert post(both, first_csrf) == 401, "the first cookie's session is not the one used"
    mock.http.post(f"{url}/__mock__/sessions/expire", json={"session_id": second})
    assert post(both, first_csrf) == 401, "the last cookie is dead: no fallback to the first"
    assert post(f"avi-sessionid={first}", first_csrf) == 201
