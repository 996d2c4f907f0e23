"""mock_avi/openapi.yaml is valid OpenAPI 3.0, current with the models, and served by the mock."""

from __future__ import annotations

import schemathesis
import yaml

from mock_avi.app import create_app
from mock_avi.object_types import TYPES
from tests.fuzz.avi_openapi import OPENAPI_FILE, build_document, render_yaml


def test_committed_description_is_current() -> None:
    assert OPENAPI_FILE.read_text(encoding="utf-8") == render_yaml(build_document()), (
        "mock_avi/openapi.yaml is stale: run `python -m tests.fuzz.avi_openapi`"
    )


def test_description_is_valid_openapi_and_covers_every_type() -> None:
    document = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.0")
    operations = list(schemathesis.openapi.from_path(OPENAPI_FILE).get_all_operations())
    assert operations and all(type(op).__name__ == "Ok" for op in operations), (
        "every operation loads"
    )
    for obj_type in TYPES:
        assert {"get", "post"} <= set(document["paths"][f"/api/{obj_type}"])
        assert {"get", "put", "patch", "delete"} <= set(
            document["paths"][f"/api/{obj_type}/{{uuid}}"]
        )
    assert "/__mock__/faults" in document["paths"] and "/login" in document["paths"]


def test_description_is_served_without_authentication() -> None:
    client = create_app().test_client()
    rsp = client.get("/__mock__/openapi")
    assert rsp.status_code == 200
    assert rsp.get_json() == yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert client.get("/__mock__/state").status_code == 401, "the rest stays protected"
