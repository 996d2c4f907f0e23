"""Schemathesis over mock_avi's OpenAPI description: no 500, documented answers, no corruption.

Every operation of ``mock_avi/openapi.yaml`` (the Avi API, login, and the ``/__mock__`` control
API) is called in-process through WSGI with generated requests, valid and invalid. After each
call the store must still be consistent (``avi_invariants.check_store``). The mock is reset before
each example so that one example's state (a disabled Basic auth, a fault rule) cannot hide the
next one's bugs. Budget: ``AKO_SIM_FUZZ_EXAMPLES`` (default 2 per operation in CI, where the
generic object types are represented by ``SAMPLE_GENERIC``; the longer budget takes them all).
"""

from __future__ import annotations

import base64
from typing import Any

import flask
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mock_avi.app import create_app
from mock_avi.backend import backend_of
from mock_avi.object_types import HAND_TYPES, TYPES
from tests.fuzz.avi_invariants import check_store
from tests.fuzz.avi_openapi import OPENAPI_FILE
from tests.fuzz.budget import examples, extended, settings_for

BASIC = "Basic " + base64.b64encode(b"admin:admin").decode()
SAMPLE_GENERIC = ("stringgroup", "wafpolicy", "icapprofile", "alert", "backup")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema() -> tuple[flask.Flask, Any]:
    """The app under test and its description, loaded once at collection (not lazily from a
    fixture: schemathesis' lazy fixture integration breaks on newer pytest releases)."""
    app = create_app()
    config = SchemathesisConfig.from_dict(
        {
            # The deterministic coverage phase (boundary values, wrong types) is thorough but
            # costs minutes: it runs in the longer, documented budget only.
            "phases": {"coverage": {"enabled": extended()}, "examples": {"enabled": False}},
            "generation": {"max-examples": examples(2), "mode": "all", "database": "none"},
        }
    )
    loaded = schemathesis.openapi.from_path(OPENAPI_FILE, config=config)
    if not extended():
        # The ~140 generic types share one code path: in CI a handful of them stand for the
        # rest (the longer budget fuzzes every one).
        generic = sorted(set(TYPES) - set(HAND_TYPES))
        loaded = loaded.exclude(tag=[t for t in generic if t not in SAMPLE_GENERIC])
    loaded.app = app
    return app, loaded


AVI_APP, schema = _schema()


@pytest.fixture(scope="module")
def avi_app() -> flask.Flask:
    return AVI_APP


@schema.parametrize()
@settings_for(2)
def test_mock_avi_answers_every_generated_request(case: Any, avi_app: flask.Flask) -> None:
    backend = backend_of(avi_app)
    backend.reset()
    headers = {} if case.operation.path in ("/login", "/logout") else {"Authorization": BASIC}
    case.call_and_validate(headers=headers, checks=CHECKS)
    check_store(backend.store, round_trip=False)
