"""Hypothesis-generated hostile input at mock_avi's weakest doors (in-process, no sockets).

Credentials of any JSON type and any text (login bodies, Basic headers), system configuration
writes, state documents and fault rules of any shape, object names with control characters:
the mock answers 2xx or a 4xx Avi error, never a 500, and its store stays consistent
(``avi_invariants.check_store``). Each case found by the schemathesis run is pinned here as an
explicit example so CI keeps it fixed even with a small budget.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st

from mock_avi.app import create_app
from mock_avi.backend import backend_of
from tests.fuzz.avi_invariants import check_store
from tests.fuzz.budget import settings_for

BASIC = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def app() -> flask.Flask:
    return create_app()


@pytest.fixture
def client(app: flask.Flask) -> Iterator[FlaskClient]:
    backend_of(app).reset()
    yield app.test_client()
    backend_of(app).reset()


def _answered(rsp: Any) -> dict[str, Any] | list[Any]:
    assert rsp.status_code < 500, rsp.get_data(as_text=True)
    if rsp.status_code >= 400:
        body = rsp.get_json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    return rsp.get_json(silent=True) or {}


def _still_serving(app: flask.Flask, client: FlaskClient) -> None:
    check_store(backend_of(app).store)
    assert client.get("/api/cloud", headers=BASIC).status_code in (200, 401, 403)
    assert client.get("/api/tenant", headers=BASIC).status_code in (200, 401, 403)


@given(username=json_values, password=json_values)
@example(username=5, password="admin")
@example(username="é", password="x")
@example(username={}, password="admin")
@settings_for(30)
def test_login_with_any_json_credentials_is_a_401_never_a_500(
    app: flask.Flask, username: Any, password: Any
) -> None:
    client = app.test_client()
    rsp = client.post("/login", json={"username": username, "password": password})
    _answered(rsp)
    assert rsp.status_code == (200 if (username, password) == ("admin", "admin") else 401)


@given(user=st.text(max_size=10), password=st.text(max_size=10))
@example(user="é", password="x")
@example(user="admin", password="\x00")
@settings_for(30)
def test_basic_header_with_any_text_is_a_401_never_a_500(
    app: flask.Flask, user: str, password: str
) -> None:
    token = base64.b64encode(f"{user}:{password}".encode("utf-8", "surrogatepass")).decode()
    rsp = app.test_client().get("/api/pool", headers={"Authorization": f"Basic {token}"})
    _answered(rsp)
    assert rsp.status_code == (200 if (user, password) == ("admin", "admin") else 401)


@given(
    body=st.dictionaries(
        st.sampled_from(["replace", "portal_configuration", "default_license_tier", "x"]),
        json_values,
    )
)
@example(body={"replace": "x"})
@example(body={"portal_configuration": "x"})
@example(body={"portal_configuration": {"allow_basic_authentication": "no"}})
@settings_for(30)
def test_system_configuration_writes_never_break_later_requests(
    app: flask.Flask, client: FlaskClient, body: dict[str, Any]
) -> None:
    for method in (client.put, client.patch):
        _answered(method("/api/systemconfiguration", json=body, headers=BASIC))
        _still_serving(app, client)
        backend_of(app).reset()


state_docs = st.fixed_dictionaries(
    {},
    optional={
        "objects": st.dictionaries(
            st.sampled_from(["pool", "tenant", "vsvip", "cloud"]),
            json_values
            | st.lists(
                st.dictionaries(
                    st.sampled_from(["name", "uuid", "tenant_ref", "servers"]), json_values
                )
            ),
            max_size=3,
        )
        | json_values,
        "system_defaults": json_values,
        "systemconfiguration": json_values,
    },
)


@given(doc=state_docs)
@example(doc={"objects": {}, "system_defaults": 5})
@example(doc={"objects": {}, "system_defaults": [{}]})
@example(doc={"objects": {"pool": [{"name": "p", "uuid": [1]}]}})
@example(doc={"objects": {"pool": 5}})
@settings_for(40)
def test_state_loads_are_all_or_nothing(
    app: flask.Flask, client: FlaskClient, doc: dict[str, Any]
) -> None:
    before = client.get("/__mock__/state", headers=BASIC).get_json()
    rsp = client.put("/__mock__/state", json=doc, headers=BASIC)
    _answered(rsp)
    if rsp.status_code >= 400:
        after = client.get("/__mock__/state", headers=BASIC).get_json()
        assert after == before, "a refused state document changed nothing"
    _still_serving(app, client)
    backend_of(app).reset()


@pytest.mark.filterwarnings("ignore::FutureWarning")  # odd generated regexes
@given(
    rule=st.dictionaries(
        st.sampled_from(["method", "path", "status", "body", "delay_ms", "times", "after", "x"]),
        json_values,
    )
)
@example(rule={"delay_ms": "abc"})
@example(rule={"path": "("})
@example(rule={"method": 5, "status": 1000})
@settings_for(40)
def test_fault_rules_of_any_shape_are_accepted_or_refused_cleanly(
    app: flask.Flask, client: FlaskClient, rule: dict[str, Any]
) -> None:
    if isinstance(rule.get("delay_ms"), int) and rule["delay_ms"] > 0:
        rule["delay_ms"] = 1  # a real delay is legitimate; the budget is not for sleeping
    rsp = client.post("/__mock__/faults", json=rule, headers=BASIC)
    _answered(rsp)
    listed = client.get("/__mock__/faults", headers=BASIC).get_json()
    assert len(listed) == (1 if rsp.status_code == 201 else 0)
    backend_of(app).faults.remove()


@given(name=st.text(min_size=1, max_size=20))
@example(name="\r@")
@example(name="a\nLocation: http://elsewhere")
@settings_for(30)
def test_any_object_name_round_trips(app: flask.Flask, client: FlaskClient, name: str) -> None:
    rsp = client.post("/api/vrfcontext", json={"name": name}, headers=BASIC)
    body = _answered(rsp)
    if rsp.status_code == 201:
        assert isinstance(body, dict) and body["name"] == name
        assert "\n" not in rsp.headers["Location"] and "\r" not in rsp.headers["Location"]
        got = client.get(f"/api/vrfcontext/{body['uuid']}", headers=BASIC).get_json()
        assert got["name"] == name
        client.delete(f"/api/vrfcontext/{body['uuid']}", headers=BASIC)
    check_store(backend_of(app).store, round_trip=False)


@given(raw=st.binary(max_size=40))
@example(raw=b"\xff\xfe")
@example(raw=b"[1,2]")
@settings_for(30)
def test_any_request_body_bytes_are_refused_cleanly(
    app: flask.Flask, client: FlaskClient, raw: bytes
) -> None:
    for path in ("/api/pool", "/login", "/__mock__/faults", "/__mock__/sessions/expire"):
        rsp = client.post(path, data=raw, headers={**BASIC, "Content-Type": "application/json"})
        _answered(rsp)
    backend_of(app).faults.remove()
    check_store(backend_of(app).store, round_trip=False)
