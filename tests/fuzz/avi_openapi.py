"""Builds the OpenAPI 3.0 description of mock_avi's API (``mock_avi/openapi.yaml``).

The request-body schemas are derived from the mock's own field models
(``mock_avi.object_types``), so the description cannot drift from what the mock validates; paths,
parameters, status codes and security follow ``mock_avi/routes.py`` and ``mock_avi/control.py``. Run
``python -m tests.fuzz.avi_openapi`` to rewrite the file; ``test_avi_openapi.py`` fails when the
committed file is out of date. This module only builds a document: it starts nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from mock_avi import schema as avi_schema
from mock_avi.object_types import INVENTORY_TYPES, SINGLETONS, TYPES

OPENAPI_FILE = Path(__file__).resolve().parents[2] / "mock_avi" / "openapi.yaml"

ERROR = {"$ref": "#/components/responses/Error"}
OBJ = {"$ref": "#/components/responses/Object"}
LIST = {"$ref": "#/components/responses/List"}
ANY_JSON = {"$ref": "#/components/responses/Any"}
PUBLIC: list[dict[str, list[str]]] = []  # an operation without authentication

LIST_PARAMS = (
    ("name", "string"),
    ("name.contains", "string"),
    ("name.icontains", "string"),
    ("name.in", "string"),
    ("uuid.in", "string"),
    ("refers_to", "string"),
    ("referred_by", "string"),
    ("created_by", "string"),
    ("cloud_ref.name", "string"),
    ("cloud_ref.uuid", "string"),
    ("label_key", "string"),
    ("label_value", "string"),
    ("search", "string"),
    ("isearch", "string"),
    ("sort", "string"),
    ("fields", "string"),
    ("include_name", "string"),
    ("skip_default", "string"),
    ("page", "integer"),
    ("page_size", "integer"),
)


def field_schema(spec: avi_schema.Spec) -> dict[str, Any]:
    """One field model -> a JSON Schema (OpenAPI 3.0 dialect)."""
    if isinstance(spec, str):
        kinds = {
            avi_schema.STR: {"type": "string"},
            avi_schema.REF: {"type": "string"},
            avi_schema.INT: {"type": "integer"},
            avi_schema.NUM: {"type": "number"},
            avi_schema.BOOL: {"type": "boolean"},
            avi_schema.ANY: {},
        }
        return dict(kinds[spec])
    if isinstance(spec, avi_schema.Enum):
        return {"type": "string", "enum": list(spec.choices)}
    if isinstance(spec, avi_schema.ListOf):
        return {"type": "array", "items": field_schema(spec.item)}
    properties: dict[str, Any] = {}
    for key, sub in spec.fields.items():
        prop = field_schema(sub)
        if key not in spec.required:
            prop["nullable"] = True  # the mock drops null fields: null means absent
        properties[key] = prop
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if spec.required:
        out["required"] = list(spec.required)
    out["additionalProperties"] = not spec.strict
    return out


def _op(
    summary: str,
    responses: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    security: list[dict[str, list[str]]] | None = None,
    tags: tuple[str, ...] = (),
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if tags:
        op["tags"] = list(tags)
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if security is not None:
        op["security"] = security
    return op


def _api_responses(*codes: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code in codes:
        if code in ("200", "201"):
            out[code] = OBJ
        elif code == "204":
            out[code] = {"description": "deleted"}
        else:
            out[code] = ERROR
    out.setdefault("400", ERROR)  # a bad X-Avi-Version is refused on every API call
    out.setdefault("401", ERROR)
    out.setdefault("403", ERROR)
    return out


# One list object shared by every type: written once in the YAML (an anchor), then referred to.
_SHARED_LIST_PARAMS: list[dict[str, Any]] = [
    {"$ref": "#/components/parameters/tenant"},
    {"$ref": "#/components/parameters/version"},
] + [
    {"name": name, "in": "query", "required": False, "schema": {"type": kind}}
    for name, kind in LIST_PARAMS
]


def _type_paths(obj_type: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{obj_type}"}
    tenant = [
        {"$ref": "#/components/parameters/tenant"},
        {"$ref": "#/components/parameters/version"},
    ]
    uuid = [{"$ref": "#/components/parameters/uuid"}, *tenant]
    list_params = _SHARED_LIST_PARAMS
    tags = (obj_type,)
    return {
        f"/api/{obj_type}": {
            "get": _op(
                f"list {obj_type}", _api_responses("200", "400"), params=list_params, tags=tags
            ),
            "post": _op(
                f"create {obj_type}",
                _api_responses("201", "400", "409"),
                body=ref,
                params=tenant,
                tags=tags,
            ),
        },
        f"/api/{obj_type}/{{uuid}}": {
            "get": _op(f"read {obj_type}", _api_responses("200", "404"), params=uuid, tags=tags),
            "put": _op(
                f"replace {obj_type}",
                _api_responses("200", "400", "404", "409", "412"),
                body=ref,
                params=uuid,
                tags=tags,
            ),
            "patch": _op(
                f"patch {obj_type}",
                _api_responses("200", "400", "404", "409", "412"),
                body={"$ref": "#/components/schemas/Patch"},
                params=uuid,
                tags=tags,
            ),
            "delete": _op(
                f"delete {obj_type}", _api_responses("204", "404"), params=uuid, tags=tags
            ),
        },
    }


def _control_paths() -> dict[str, Any]:
    tags = ("control",)
    ok = {"200": OBJ, "400": ERROR, "401": ERROR}
    fault_rule = {
        "type": "object",
        "properties": {
            "method": {"type": "string"},
            "path": {"type": "string"},
            "status": {"type": "integer", "minimum": 100, "maximum": 599},
            "body": {},
            "delay_ms": {"type": "integer", "minimum": 0, "maximum": 50},
            "times": {"type": "integer", "minimum": 0},
            "after": {"type": "integer", "minimum": 0},
        },
    }
    health_mark = {
        "type": "object",
        "properties": {
            "virtualservice": {"type": "string"},
            "pool": {"type": "string"},
            "host": {"type": "string"},
            "server": {"type": "string"},
            "state": {"type": "string", "enum": ["up", "down"]},
            "reason": {"type": "string"},
        },
        "required": ["state"],
    }
    state = {
        "type": "object",
        "properties": {
            "objects": {
                "type": "object",
                "properties": {
                    t: {"type": "array", "items": {"$ref": f"#/components/schemas/{t}"}}
                    for t in TYPES
                },
                "additionalProperties": False,
            },
            "systemconfiguration": {"$ref": "#/components/schemas/systemconfiguration"},
            "system_defaults": {"type": "array", "items": {"type": "string"}},
            "singletons": {
                "type": "object",
                "properties": {
                    t: {"type": "object"} for t in SINGLETONS if t != "systemconfiguration"
                },
                "additionalProperties": False,
            },
        },
    }
    return {
        "/__mock__/healthz": {"get": _op("serving", {"200": OBJ}, security=PUBLIC, tags=tags)},
        "/__mock__/openapi": {
            "get": _op("this document", {"200": OBJ}, security=PUBLIC, tags=tags)
        },
        "/__mock__/reset": {"post": _op("back to the seed", ok, tags=tags)},
        "/__mock__/state": {
            "get": _op("dump every object", ok, tags=tags),
            "put": _op("replace every object", {**ok, "409": ERROR}, body=state, tags=tags),
        },
        "/__mock__/journal": {
            "get": _op(
                "API requests so far",
                {**ok, "200": LIST},
                params=[{"name": "since", "in": "query", "schema": {"type": "integer"}}],
                tags=tags,
            )
        },
        "/__mock__/faults": {
            "get": _op("list fault rules", {**ok, "200": LIST}, tags=tags),
            "post": _op("add a fault rule", {"201": OBJ, **ok}, body=fault_rule, tags=tags),
            "delete": _op("remove every rule", {"204": {"description": "removed"}}, tags=tags),
        },
        "/__mock__/faults/{rule_id}": {
            "delete": _op(
                "remove one rule",
                {"204": {"description": "removed"}, "404": ERROR, "401": ERROR},
                params=[
                    {
                        "name": "rule_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                tags=tags,
            )
        },
        "/__mock__/health": {
            "get": _op("list health marks", {**ok, "200": LIST}, tags=tags),
            "post": _op(
                "mark a server, pool or VS up or down",
                {"201": OBJ, "404": ERROR, **ok},
                body=health_mark,
                tags=tags,
            ),
            "delete": _op("clear every mark", {"204": {"description": "cleared"}}, tags=tags),
        },
        "/__mock__/sessions": {"get": _op("count login sessions", ok, tags=tags)},
        "/__mock__/sessions/expire": {
            "post": _op(
                "expire login sessions",
                ok,
                body={"type": "object", "properties": {"session_id": {"type": "string"}}},
                tags=tags,
            )
        },
    }


def _special_paths() -> dict[str, Any]:
    tags = ("system",)
    credentials = {
        "type": "object",
        "properties": {
            "username": {"type": "string"},
            "password": {"type": "string"},
            "token": {"type": "string"},
        },
    }
    sysconf = {"$ref": "#/components/schemas/systemconfiguration"}
    paths: dict[str, Any] = {
        "/login": {
            "post": {
                "summary": "log in (session cookie and CSRF token)",
                "tags": list(tags),
                "security": PUBLIC,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": credentials},
                        "application/x-www-form-urlencoded": {"schema": credentials},
                    },
                },
                "responses": {"200": OBJ, "400": ERROR, "401": ERROR},
            }
        },
        "/logout": {"post": _op("log out", {"200": OBJ}, security=PUBLIC, tags=tags)},
        "/api/initial-data": {
            "get": _op("version, before login", {"200": OBJ}, security=PUBLIC, tags=tags)
        },
        "/api/cluster/status": {
            "get": _op("cluster state, before login", {"200": OBJ}, security=PUBLIC, tags=tags)
        },
        "/api/cluster/version": {"get": _op("version", _api_responses("200"), tags=tags)},
        "/api/cluster/runtime": {"get": _op("cluster runtime", _api_responses("200"), tags=tags)},
        "/api/user-token": {
            "get": _op("list the API tokens", _api_responses("200"), tags=tags),
            "post": _op(
                "issue an API token (log in with {username, token})",
                _api_responses("201", "400"),
                body={
                    "type": "object",
                    "properties": {
                        "hours": {
                            "type": "number",
                            "minimum": 0,
                            "exclusiveMinimum": True,
                            "maximum": 8760,
                        }
                    },
                },
                tags=tags,
            ),
            "delete": _op(
                "revoke one token or all",
                _api_responses("204", "400"),
                body={"type": "object", "properties": {"token": {"type": "string"}}},
                tags=tags,
            ),
        },
    }
    for path in SINGLETONS:
        body = sysconf if path == "systemconfiguration" else {"type": "object"}
        paths[f"/api/{path}"] = {
            "get": _op(f"the {path} singleton", _api_responses("200"), tags=tags),
            "put": _op(f"replace {path}", _api_responses("200", "400"), body=body, tags=tags),
            "patch": _op(
                f"patch {path}",
                _api_responses("200", "400"),
                body={"$ref": "#/components/schemas/Patch"},
                tags=tags,
            ),
        }
    uuid = [{"$ref": "#/components/parameters/uuid"}, {"$ref": "#/components/parameters/version"}]
    for obj_type, runtimes in (
        ("virtualservice", ("runtime", "runtime/detail")),
        ("pool", ("runtime", "runtime/detail", "runtime/server", "runtime/server/detail")),
    ):
        for sub in runtimes:
            paths[f"/api/{obj_type}/{{uuid}}/{sub}"] = {
                "get": _op(
                    f"{obj_type} {sub}",
                    {**_api_responses("200", "404"), "200": ANY_JSON},
                    params=uuid,
                    tags=(obj_type,),
                )
            }
    include = {"name": "include", "in": "query", "required": False, "schema": {"type": "string"}}
    for inv, base in INVENTORY_TYPES.items():
        paths[f"/api/{inv}"] = {
            "get": _op(
                f"{base} inventory",
                _api_responses("200", "400"),
                params=[*_SHARED_LIST_PARAMS, include],
                tags=(base,),
            )
        }
        paths[f"/api/{inv}/{{uuid}}"] = {
            "get": _op(
                f"one {base} inventory",
                _api_responses("200", "404"),
                params=[*uuid, include],
                tags=(base,),
            )
        }
    return paths


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {t: field_schema(spec.spec) for t, spec in TYPES.items()}
    schemas["systemconfiguration"] = {
        "type": "object",
        "properties": {
            "uuid": {"type": "string"},
            "default_license_tier": {
                "type": "string",
                "enum": ["ENTERPRISE", "ENTERPRISE_WITH_CLOUD_SERVICES", "ESSENTIALS", "BASIC"],
            },
            "portal_configuration": {
                "type": "object",
                "properties": {"allow_basic_authentication": {"type": "boolean"}},
                "additionalProperties": True,
            },
        },
        "additionalProperties": True,
    }
    partial = {"type": "object", "additionalProperties": True}
    schemas["Patch"] = {
        "oneOf": [
            {
                "type": "object",
                "properties": {"add": partial, "replace": partial, "delete": partial},
                "minProperties": 1,
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {
                    "json_patch": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "op": {
                                    "type": "string",
                                    "enum": ["add", "remove", "replace", "move", "copy", "test"],
                                },
                                "path": {"type": "string"},
                                "from": {"type": "string"},
                                "value": {},
                            },
                            "required": ["op", "path"],
                        },
                    }
                },
                "required": ["json_patch"],
                "additionalProperties": False,
            },
        ]
    }
    schemas["SystemPatch"] = {
        "type": "object",
        "properties": {"replace": {"$ref": "#/components/schemas/systemconfiguration"}},
        "additionalProperties": False,
    }
    schemas["Error"] = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "obj_name": {"type": "string"}},
        "required": ["error"],
    }
    return {
        "schemas": schemas,
        "responses": {
            "Error": {
                "description": "an Avi-style error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "Object": {
                "description": "a JSON document",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "List": {
                "description": "a JSON list",
                "content": {"application/json": {"schema": {"type": "array"}}},
            },
            "Any": {
                "description": "a JSON document (an object or a list)",
                "content": {"application/json": {"schema": {}}},
            },
        },
        "parameters": {
            "uuid": {"name": "uuid", "in": "path", "required": True, "schema": {"type": "string"}},
            "tenant": {
                "name": "X-Avi-Tenant",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "enum": ["admin", "*"]},
            },
            "version": {
                "name": "X-Avi-Version",
                "in": "header",
                "required": False,
                "description": "the API version asked for (e.g. 22.1.3); above the "
                "controller's, or not a version, is a 400",
                "schema": {"type": "string"},
            },
        },
        "securitySchemes": {
            "basic": {"type": "http", "scheme": "basic"},
            "session": {"type": "apiKey", "in": "cookie", "name": "avi-sessionid"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
        },
    }


def build_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    paths.update(_special_paths())
    for obj_type in TYPES:
        paths.update(_type_paths(obj_type))
    paths.update(_control_paths())
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ako-sim mock Avi controller",
            "version": "1.0.0",
            "description": (
                "The subset of the Avi Controller REST API that mock_avi serves, plus its "
                "control API under /__mock__/. Generated from mock_avi.object_types by "
                "`python -m tests.fuzz.avi_openapi`; do not edit by hand."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"basic": []}, {"session": [], "csrf": []}],
        "paths": paths,
        "components": _components(),
    }


def render_yaml(document: dict[str, Any]) -> str:
    header = "# Generated by `python -m tests.fuzz.avi_openapi` from mock_avi.object_types.\n"
    return header + yaml.safe_dump(document, sort_keys=False, width=100)


def main() -> int:
    OPENAPI_FILE.write_text(render_yaml(build_document()), encoding="utf-8")
    print(f"wrote {OPENAPI_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
