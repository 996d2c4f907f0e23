"""mock_avi against the published 30.2.1 schema, with avisdk: every object path, every field.

Reads ``../shared/reference/avi-swagger/`` at test time (never copied into the project):
- every top-level object path answers list, create (a minimal body built from the schema's
  required fields), get, update and delete; singletons answer get and put; inventory views
  answer list and get;
- VirtualService, VsVip, Pool, PoolGroup and L4PolicySet accept every field of the schema,
  fill in the schema's defaults (top level and in their list elements), ignore read-only fields
  on write and drop unknown fields, as the real controller does (avisdk's recordings: a VS
  POSTed with ``application_profile_name`` and a VsVip with ``vs_refs`` were created without
  them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from avi.sdk.avi_api import ApiSession

from mock_avi import object_types
from tests.contract.avi.avi_support import MARKS, body_of
from tests.contract.avi.schema_support import (
    SKIP_REASON,
    SWAGGER,
    minimal,
    model_paths,
    object_paths,
    sample_value,
)

if SWAGGER is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

pytestmark = MARKS

PATHS = object_paths()
BEHAVIOUR = ("virtualservice", "vsvip", "pool", "poolgroup", "l4policyset")


def _maker(api: ApiSession) -> Callable[[str], str]:
    """``make_ref(model)``: the url of an object of that model, created on first use."""
    made: dict[str, str] = {}
    paths = model_paths()

    def make_ref(model: str) -> str:
        path = paths.get(model)
        if path is None or path in object_types.SINGLETONS or path in object_types.INVENTORY_TYPES:
            return ""  # an empty ref means "not set"
        if path not in made:
            existing = api.get(path, params={"page_size": 1}).json()
            if existing["results"]:
                made[path] = existing["results"][0]["url"]
            else:
                op = PATHS[path]
                body = minimal(op.definition, op.definitions, make_ref)
                body.setdefault("name", f"dep-{path}")
                rsp = api.post(path, data=body)
                assert rsp.status_code == 201, f"{path}: {rsp.text}"
                made[path] = rsp.json()["url"]
        return made[path]

    return make_ref


def test_the_schema_has_about_160_object_paths():
    assert 150 <= len(PATHS) <= 170
    known = (
        set(object_types.TYPES) | set(object_types.SINGLETONS) | set(object_types.INVENTORY_TYPES)
    )
    assert set(PATHS) - known == set(), "every object path of the schema is known to the mock"


CRUD = sorted(
    p for p in PATHS if p not in object_types.SINGLETONS and p not in object_types.INVENTORY_TYPES
)


@pytest.mark.parametrize("path", CRUD)
def test_object_path_list_create_get_update_delete(api: ApiSession, path: str):
    op = PATHS[path]
    listed = api.get(path, params={"page_size": 200})
    assert listed.status_code == 200, listed.text
    before = listed.json()["count"]
    body = minimal(op.definition, op.definitions, _maker(api))
    if "name" in op.definition.get("properties", {}):
        body["name"] = f"schema-{path}"
    created = api.post(path, data=body)
    assert created.status_code == 201, f"{path} {body}: {created.text}"
    uuid = created.json()["uuid"]
    assert uuid.startswith(f"{path}-")
    got = api.get(f"{path}/{uuid}")
    assert got.status_code == 200
    stored = got.json()
    for key, value in body.items():
        if not key.endswith(("_ref", "_refs")):
            assert stored[key] == value, key
    assert api.get(path, params={"page_size": 200}).json()["count"] == before + 1
    stored["description"] = "updated"
    updated = api.put(f"{path}/{uuid}", data=stored)
    assert updated.status_code == 200, updated.text
    assert api.get(f"{path}/{uuid}").json()["description"] == "updated"
    assert api.delete(f"{path}/{uuid}").status_code == 204
    assert api.get(f"{path}/{uuid}").status_code == 404


@pytest.mark.parametrize("path", sorted(object_types.SINGLETONS))
def test_singleton_get_and_put(api: ApiSession, path: str):
    assert path in PATHS
    got = api.get(path)
    assert got.status_code == 200, got.text
    body = got.json()
    assert "uuid" in body and body["url"].endswith(f"/api/{path}")
    body["ako_sim_marker"] = "x"
    assert api.put(path, data=body).status_code == 200
    again = api.get(path).json()
    assert again["ako_sim_marker"] == "x" and again["uuid"] == body["uuid"]


@pytest.mark.parametrize("path", sorted(object_types.INVENTORY_TYPES))
def test_inventory_list_and_get(api: ApiSession, path: str):
    assert path in PATHS
    base = object_types.INVENTORY_TYPES[path]
    listed = api.get(path)
    assert listed.status_code == 200, listed.text
    op = PATHS[base]
    body = minimal(op.definition, op.definitions, _maker(api))
    body["name"] = f"inv-{base}"
    created = api.post(base, data=body)
    assert created.status_code == 201, created.text
    uuid = created.json()["uuid"]
    one = api.get(f"{path}/{uuid}")
    assert one.status_code == 200, one.text
    assert one.json()["uuid"] == uuid and one.json()["config"]["uuid"] == uuid
    assert uuid in {e["uuid"] for e in api.get(path).json()["results"]}


# ----- field coverage and defaults of the behaviour types -----------------------------------
def _props(path: str, model: str | None = None) -> dict[str, dict[str, Any]]:
    op = PATHS[path]
    found: dict[str, dict[str, Any]] = op.definitions[model or op.model]["properties"]
    return found


def _scalar_sample(name: str, prop: dict[str, Any]) -> Any:
    if "default" in prop:
        return prop["default"]
    value = sample_value(name, prop, {}, lambda _m: "")
    return True if value is False else value


@pytest.mark.parametrize("path", BEHAVIOUR)
def test_behaviour_type_declares_every_schema_field(path: str):
    spec = object_types.TYPES[path].spec
    writable = {k for k, p in _props(path).items() if not p.get("readOnly")}
    assert writable - set(spec.fields) == set()


@pytest.mark.parametrize("path", BEHAVIOUR)
def test_behaviour_type_accepts_every_scalar_field(api: ApiSession, path: str):
    rejected: dict[str, str] = {}
    for key, prop in _props(path).items():
        kind = prop.get("type")
        if prop.get("readOnly") or key in ("name", "uuid") or key.endswith("_ref"):
            continue
        if kind not in ("string", "integer", "boolean", "number"):
            continue
        value = _scalar_sample(key, prop)
        rsp = api.post(path, data={"name": f"field-{key}", key: value})
        if rsp.status_code != 201:
            rejected[key] = rsp.text
            continue
        stored = api.get(f"{path}/{rsp.json()['uuid']}").json()
        if stored.get(key) != value:
            rejected[key] = f"stored {stored.get(key)!r}, sent {value!r}"
        api.delete(f"{path}/{rsp.json()['uuid']}")
    assert rejected == {}


@pytest.mark.parametrize("path", BEHAVIOUR)
def test_behaviour_type_fills_in_the_schema_defaults(api: ApiSession, path: str):
    rsp = api.post(path, data={"name": f"defaults-{path}"})
    assert rsp.status_code == 201, rsp.text
    body = rsp.json()
    expected = {k: p["default"] for k, p in _props(path).items() if "default" in p}
    if path in ("virtualservice", "pool"):
        assert expected, "the schema gives defaults for this type"
    assert {k: body.get(k) for k in expected} == expected


# Stored generically, or as given with no rules (the lenient profiles).
GENERIC = sorted(
    [p for p in CRUD if p not in object_types.HAND_TYPES]
    + ["analyticsprofile", "sslkeyandcertificate", "sslprofile"]
)


@pytest.mark.parametrize(
    "path", [p for p in GENERIC if any("default" in v for v in _props(p).values())]
)
def test_generic_type_fills_in_the_schema_defaults(api: ApiSession, path: str):
    op = PATHS[path]
    body = minimal(op.definition, op.definitions, _maker(api))
    expected = {k: p["default"] for k, p in _props(path).items() if "default" in p}
    for key in expected:
        body.pop(key, None)
    if "name" in op.definition.get("properties", {}):
        body["name"] = f"defaults-{path}"
    rsp = api.post(path, data=body)
    assert rsp.status_code == 201, rsp.text
    got = api.get(f"{path}/{rsp.json()['uuid']}").json()
    expected.pop("name", None)  # a required name the test gives
    assert {k: got.get(k) for k in expected} == expected


def test_every_generic_type_with_schema_defaults_is_covered():
    with_defaults = {p for p in GENERIC if any("default" in v for v in _props(p).values())}
    assert len(with_defaults) >= 40, "the schema gives top-level defaults for about 41 types"
    assert {p for p in GENERIC if object_types.TYPES[p].spec.defaults} == with_defaults


NESTED = (
    ("virtualservice", "services", "Service", {"port": 80}),
    ("virtualservice", "service_pool_select", "ServicePoolSelector", {"service_port": 80}),
    ("vsvip", "vip", "Vip", {"vip_id": "0", "ip_address": {"addr": "10.9.9.9", "type": "V4"}}),
    ("pool", "servers", "Server", {"ip": {"addr": "10.9.9.9", "type": "V4"}}),
)


@pytest.mark.parametrize(("path", "field", "model", "element"), NESTED)
def test_list_elements_get_the_schema_defaults_and_accept_every_field(
    api: ApiSession, path: str, field: str, model: str, element: dict[str, Any]
):
    props = _props(path, model)
    spec = object_types.TYPES[path].spec.fields[field]
    assert isinstance(spec, object_types.ListOf) and isinstance(spec.item, object_types.Obj)
    writable = {k for k, p in props.items() if not p.get("readOnly")}
    assert writable - set(spec.item.fields) == set()
    rsp = api.post(path, data={"name": f"nested-{field}", field: [element]})
    assert rsp.status_code == 201, rsp.text
    stored = rsp.json()[field][0]
    expected = {k: p["default"] for k, p in props.items() if "default" in p}
    assert {k: stored.get(k) for k in expected} == expected


@pytest.mark.parametrize("path", BEHAVIOUR)
def test_read_only_and_unknown_fields_are_ignored_on_write(api: ApiSession, path: str):
    read_only = {k for k, p in _props(path).items() if p.get("readOnly")}
    body: dict[str, Any] = {"name": f"ro-{path}", "no_such_field_in_any_schema": 1}
    for key in read_only - {"url", "_last_modified"}:
        kind = _props(path)[key].get("type")
        body[key] = ["/api/pool/pool-x"] if kind == "array" else True if kind == "boolean" else "x"
    rsp = api.post(path, data=body)
    assert rsp.status_code == 201, rsp.text
    stored = api.get(f"{path}/{rsp.json()['uuid']}").json()
    assert "no_such_field_in_any_schema" not in stored
    for key in read_only - {"url", "_last_modified"}:
        assert stored.get(key) != body[key], key


def test_a_wrong_type_on_a_known_field_is_a_400(api: ApiSession):
    rsp = api.post("pool", data={"name": "bad", "default_server_port": "eighty"})
    assert rsp.status_code == 400
    assert "default_server_port" in body_of(rsp)["error"]
