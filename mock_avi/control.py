"""The mock's own control API under ``/__mock__/`` (never under ``/api``).

Authentication: HTTP Basic with the mock's user and password (always accepted here, whatever
systemconfiguration says) or a logged-in session cookie, whose writes must carry the session's
``X-CSRFToken`` as on the API; ``healthz`` and ``openapi`` need none.

Calls:

- ``GET /__mock__/healthz``: 200 ``{"status": "ok"}``.
- ``GET /__mock__/openapi``: the OpenAPI description of this API (``openapi.yaml``) as JSON;
  like ``healthz`` it needs no authentication.
- ``POST /__mock__/reset``: back to the seed (objects, IPAM), faults cleared, journal emptied;
  login sessions survive, so clients keep working across a reset.
- ``GET /__mock__/state``: every object in stored form (refs are ``/api/<type>/<uuid>``),
  systemconfiguration and the system-default uuids. ``PUT /__mock__/state`` replaces everything
  with such a document (400 and no change when it is invalid). ``--seed-file`` takes the same.
- ``GET /__mock__/journal[?since=N]``: ``[{seq, time, method, path, query, tenant, status}]`` of the
  API requests (``/api``, ``/login``, ``/logout``) with seq > N; seq keeps growing across resets.
- ``POST /__mock__/faults``: add ``{method, path, status, body, delay_ms, times, after}``
  (see ``faults.py``); 201 with the rule and its ``id``. ``GET /__mock__/faults`` lists rules
  with their ``seen`` / ``hits`` counters; ``DELETE /__mock__/faults[/<id>]`` removes all / one.
- ``POST /__mock__/health``: mark a server, a pool or a virtual service up or down, with a
  reason: ``{"pool": "<uuid or name>", "server": "10.0.0.1[:80]", "state": "down",
  "reason": "..."}``, ``{"pool": ...}``, ``{"virtualservice": ...}`` or ``{"host": "10.0.0.1"}``
  (the machine is down: every pool with that address, whatever its monitor); 201 with the mark.
  Pool and VS oper status, health scores, ``/runtime`` and the inventories follow (a pool with
  no servers or only down ones is OPER_DOWN, a VS with no pool up is OPER_DOWN). ``"up"``
  clears a down mark. ``GET /__mock__/health`` lists the marks, ``DELETE`` clears them (a
  reset does too).
- ``POST /__mock__/sessions/expire``: force expiry of every login session (or of
  ``{"session_id": ...}``), so the next API call gets 401 ``CSRF token missing or incorrect.``
  and clients must log in again (avisdk does so by itself); returns ``{"expired": n}``.
  ``GET /__mock__/sessions`` returns ``{"count": n}``.
"""

from __future__ import annotations

import functools
import secrets
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, request

from mock_avi import errors
from mock_avi.backend import Backend, backend_of
from mock_avi.errors import BadRequest, NotFound, Unauthorized
from mock_avi.routes import json_response, session_cookie_ids
from mock_avi.sessions import basic_credentials

bp = Blueprint("mock_control", __name__, url_prefix="/__mock__")
PUBLIC_ENDPOINTS = ("mock_control.healthz", "mock_control.openapi")
OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


def _backend() -> Backend:
    return backend_of(current_app)


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    backend = _backend()
    creds = basic_credentials(request.headers.get("Authorization"))
    if creds is not None:
        if backend.sessions.check_password(*creds):
            return
        raise Unauthorized(errors.BAD_CREDENTIALS)
    session = backend.sessions.lookup(session_cookie_ids())
    if session is None:
        raise Unauthorized(errors.CSRF_FAILED)
    # As on the API: a cookie alone may read, but a write must echo the session's CSRF token,
    # or any page open in the user's browser could reset the controller or plant fault rules.
    if request.method not in ("GET", "HEAD", "OPTIONS") and not secrets.compare_digest(
        request.headers.get("X-CSRFToken", "").encode(), session.csrf.encode()
    ):
        raise Unauthorized(errors.CSRF_FAILED)


def _json() -> Any:
    body = request.get_json(force=True, silent=True)
    if body is None and request.get_data().strip():
        raise BadRequest(errors.MALFORMED_JSON.format(detail="not JSON"))
    return body


@bp.get("/healthz")
def healthz() -> Response:
    return json_response({"status": "ok"})


@functools.cache
def _openapi_document() -> Any:
    return yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


@bp.get("/openapi")
def openapi() -> Response:
    return json_response(_openapi_document())


@bp.post("/reset")
def reset() -> Response:
    _backend().reset()
    return json_response({"status": "reset"})


@bp.get("/state")
def get_state() -> Response:
    return json_response(_backend().store.dump())


@bp.put("/state")
def put_state() -> Response:
    body = _json()
    if not isinstance(body, dict):
        raise BadRequest(errors.NOT_AN_OBJECT)
    store = _backend().store
    store.load(body)
    return json_response({"status": "loaded", "objects": len(store.records)})


@bp.get("/journal")
def journal() -> Response:
    raw = request.args.get("since", "0")
    try:
        since = int(raw)
    except ValueError:
        raise BadRequest(errors.BAD_FILTER.format(param="since", value=raw)) from None
    return json_response(_backend().journal.since(since))


@bp.post("/faults")
def add_fault() -> Response:
    rule = _backend().faults.add(_json() or {})
    return json_response(rule.to_json(), 201)


@bp.get("/faults")
def list_faults() -> Response:
    return json_response(_backend().faults.list())


@bp.delete("/faults")
def clear_faults() -> Response:
    _backend().faults.remove()
    return Response(status=204)


@bp.delete("/faults/<int:rule_id>")
def delete_fault(rule_id: int) -> Response:
    if not _backend().faults.remove(rule_id):
        raise NotFound(f"Fault rule {rule_id} not found")
    return Response(status=204)


@bp.post("/health")
def set_health() -> Response:
    backend = _backend()
    return json_response(backend.health.apply(backend.store, _json()), 201)


@bp.get("/health")
def list_health() -> Response:
    return json_response(_backend().health.list())


@bp.delete("/health")
def clear_health() -> Response:
    _backend().health.clear()
    return Response(status=204)


@bp.post("/sessions/expire")
def expire_sessions() -> Response:
    body = _json() or {}
    session_id = body.get("session_id") if isinstance(body, dict) else None
    return json_response({"expired": _backend().sessions.expire(session_id)})


@bp.get("/sessions")
def sessions() -> Response:
    return json_response({"count": _backend().sessions.count()})
