"""mock_avi refuses unauthenticated, forged and wrong-tenant access (API and control API).

In-process (Flask test client) against a fresh app: no credentials, wrong credentials, a
session without its CSRF token (on the API *and* on the control API's writes), a session that
logged out, an unknown tenant, and one tenant reading, changing, deleting or referencing another
tenant's objects, or moving an object into another tenant with ``tenant_ref``.
"""

from __future__ import annotations

import base64
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from mock_avi import errors
from mock_avi.app import create_app

BASIC = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}
WRONG = {"Authorization": "Basic " + base64.b64encode(b"admin:nope").decode()}
CONTROL_WRITES = [
    ("post", "/__mock__/reset", None),
    ("put", "/__mock__/state", {"objects": {}}),
    ("post", "/__mock__/faults", {"path": "x", "status": 500}),
    ("delete", "/__mock__/faults", None),
    ("post", "/__mock__/sessions/expire", {}),
]
CONTROL_READS = ["/__mock__/state", "/__mock__/journal", "/__mock__/faults", "/__mock__/sessions"]


@pytest.fixture
def app() -> flask.Flask:
    return create_app()


@pytest.fixture
def client(app: flask.Flask) -> FlaskClient:
    return app.test_client()


def _login(client: FlaskClient) -> str:
    rsp = client.post("/login", json={"username": "admin", "password": "admin"})
    assert rsp.status_code == 200
    cookie = client.get_cookie("csrftoken")
    assert cookie is not None
    return cookie.value


@pytest.mark.parametrize("headers", [{}, WRONG, {"Authorization": "Bearer x"}])
def test_api_refuses_missing_or_wrong_credentials(client: FlaskClient, headers: Any) -> None:
    for method, path in (("get", "/api/pool"), ("post", "/api/pool"), ("get", "/api/tenant")):
        rsp = getattr(client, method)(path, json={"name": "p"}, headers=headers)
        assert rsp.status_code == 401, (method, path, rsp.status_code)
    assert client.get("/api/pool", headers=BASIC).get_json()["count"] == 0, "nothing created"


@pytest.mark.parametrize("headers", [{}, WRONG])
def test_control_api_refuses_missing_or_wrong_credentials(
    client: FlaskClient, headers: Any
) -> None:
    for path in CONTROL_READS:
        assert client.get(path, headers=headers).status_code == 401, path
    for method, path, body in CONTROL_WRITES:
        assert getattr(client, method)(path, json=body, headers=headers).status_code == 401, path
    assert client.get("/__mock__/faults", headers=BASIC).get_json() == [], "no rule was added"
    assert client.get("/__mock__/healthz").status_code == 200


def test_api_writes_with_a_session_need_its_csrf_token(client: FlaskClient) -> None:
    token = _login(client)
    assert client.get("/api/pool").status_code == 200, "reads need only the session"
    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": ""}):
        rsp = client.post("/api/pool", json={"name": "p"}, headers=headers)
        assert rsp.status_code == 401 and rsp.get_json()["error"] == errors.CSRF_FAILED
    assert (
        client.post("/api/pool", json={"name": "p"}, headers={"X-CSRFToken": token}).status_code
        == 201
    )


def test_control_api_writes_with_a_session_need_its_csrf_token(client: FlaskClient) -> None:
    """A page in the user's browser must not reset the controller or plant fault rules."""
    token = _login(client)
    assert client.get("/__mock__/faults").status_code == 200, "reads need only the session"
    for method, path, body in CONTROL_WRITES:
        rsp = getattr(client, method)(path, json=body, headers={"X-CSRFToken": "forged"})
        assert rsp.status_code == 401, (path, rsp.status_code)
        rsp = getattr(client, method)(path, json=body)
        assert rsp.status_code == 401, (path, rsp.status_code)
    assert client.get("/__mock__/faults").get_json() == []
    rsp = client.post(
        "/__mock__/faults", json={"path": "x", "status": 500}, headers={"X-CSRFToken": token}
    )
    assert rsp.status_code == 201


def test_logged_out_and_expired_sessions_are_refused(client: FlaskClient) -> None:
    token = _login(client)
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 200
    assert client.get("/api/pool").status_code == 401
    other = _login(client)
    assert client.post("/__mock__/sessions/expire", json={}, headers=BASIC).status_code == 200
    assert (
        client.post("/api/pool", json={"name": "p"}, headers={"X-CSRFToken": other}).status_code
        == 401
    )


def test_unknown_tenant_is_forbidden(client: FlaskClient) -> None:
    for headers in ({"X-Avi-Tenant": "nope"}, {"X-Avi-Tenant-UUID": "pool-1"}):
        assert client.get("/api/pool", headers={**BASIC, **headers}).status_code == 403
        rsp = client.post("/api/pool", json={"name": "p"}, headers={**BASIC, **headers})
        assert rsp.status_code == 403


def test_one_tenant_never_sees_or_changes_another_tenants_objects(client: FlaskClient) -> None:
    for name in ("team-a", "team-b"):
        assert client.post("/api/tenant", json={"name": name}, headers=BASIC).status_code == 201
    a = {**BASIC, "X-Avi-Tenant": "team-a"}
    b = {**BASIC, "X-Avi-Tenant": "team-b"}
    pool = client.post("/api/pool", json={"name": "secret"}, headers=a).get_json()
    uuid = pool["uuid"]
    for headers in (b, BASIC):  # another tenant, and admin's own context
        assert client.get(f"/api/pool/{uuid}", headers=headers).status_code == 404
        assert client.get("/api/pool", headers=headers).get_json()["count"] == 0
        for query in ("name=secret", f"uuid.in={uuid}", f"refers_to=pool:{uuid}"):
            assert client.get(f"/api/pool?{query}", headers=headers).get_json()["count"] == 0
        rsp = client.put(f"/api/pool/{uuid}", json={"name": "stolen"}, headers=headers)
        assert rsp.status_code == 404
        patch = {"replace": {"name": "stolen"}}
        assert client.patch(f"/api/pool/{uuid}", json=patch, headers=headers).status_code == 404
        assert client.delete(f"/api/pool/{uuid}", headers=headers).status_code == 404
        rsp = client.post(
            "/api/virtualservice",
            json={"name": "vs", "pool_ref": f"/api/pool/{uuid}"},
            headers=headers,
        )
        assert rsp.status_code == 400, "a reference to another tenant's object misses"
        rsp = client.post(
            "/api/virtualservice",
            json={"name": "vs2", "pool_ref": "/api/pool?name=secret"},
            headers=headers,
        )
        assert rsp.status_code == 400
    # moving an object into another tenant through tenant_ref is refused
    rsp = client.put(
        f"/api/pool/{uuid}",
        json={"name": "secret", "tenant_ref": "/api/tenant?name=team-b"},
        headers=a,
    )
    assert rsp.status_code == 400
    rsp = client.post(
        "/api/pool", json={"name": "x", "tenant_ref": "/api/tenant?name=team-a"}, headers=b
    )
    assert rsp.status_code == 400
    # a tenant cannot change admin's shared objects either
    cloud = client.get("/api/cloud?name=Default-Cloud", headers=a).get_json()["results"][0]
    assert client.delete(f"/api/cloud/{cloud['uuid']}", headers=a).status_code == 404
    got = client.get(f"/api/pool/{uuid}", headers=a).get_json()
    assert got["name"] == "secret" and got["tenant_ref"].endswith(
        client.get("/api/tenant?name=team-a", headers=BASIC).get_json()["results"][0]["uuid"]
    )
