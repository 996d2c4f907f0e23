"""Hypothesis over every kind mock_k8s serves, driven by the OpenAPI v3 documents it serves.

Bodies are drawn from each kind's served schema (well-typed values, with wrong types, unknown
fields and nulls mixed in) and go through create (Strict, Warn, Ignore or no directive), replace,
merge patch, the status subresource and delete. The server must answer a 2xx or a ``Status`` 4xx,
never a 5xx; afterwards every kind's list, get and Table view still answer, and every stored
built-in object still decodes with the kubernetes client's model (no later read broken).
Budget: ``AKO_SIM_FUZZ_EXAMPLES`` (tests/fuzz/budget.py).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from kubernetes.client import models as client_models
from werkzeug.test import Client

from mock_k8s.app import K8sApp, create_app
from mock_k8s.openapi import models
from mock_k8s.registry import ResourceType
from tests.fuzz.budget import settings_for

TABLE = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
MERGE = {"Content-Type": "application/merge-patch+json"}
MAX_DEPTH = 3
SKIP_KINDS = {"Namespace"}  # deleting the namespace the test writes in would end the run early

wrong = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
    | st.just([])
    | st.just({"x": 1})
)
texts = st.sampled_from(["", "a", "TCP", "10.0.0.1", "Always", "x" * 70, "ünï", "1Gi", "80"])


@pytest.fixture(scope="module")
def k8s() -> K8sApp:
    return create_app()


def _served(k8s: K8sApp) -> list[ResourceType]:
    types = [rt for rt in k8s.api.registry.all_types() if rt.kind not in SKIP_KINDS]
    return sorted(types, key=lambda rt: (rt.group, rt.version, rt.plural))


@cache
def _document(k8s_id: int, group: str, version: str) -> dict[str, Any]:
    path = f"/openapi/v3/apis/{group}/{version}" if group else f"/openapi/v3/api/{version}"
    rsp = Client(_APPS[k8s_id]).get(path)
    assert rsp.status_code == 200, rsp.get_data(as_text=True)[:300]
    return json.loads(rsp.get_data())  # type: ignore[no-any-return]


_APPS: dict[int, K8sApp] = {}


def _kind_schema(k8s: K8sApp, rt: ResourceType) -> tuple[dict[str, Any], dict[str, Any]]:
    _APPS[id(k8s)] = k8s
    doc = _document(id(k8s), rt.group, rt.version)
    components = doc["components"]["schemas"]
    for schema in components.values():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            if (gvk["group"], gvk["version"], gvk["kind"]) == (rt.group, rt.version, rt.kind):
                return schema, components
    raise AssertionError(f"no schema for {rt.kind}")


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def values(schema: dict[str, Any], components: dict[str, Any], depth: int) -> Any:
    """A strategy for values of ``schema``: mostly well-typed, sometimes not."""
    schema = _resolve(schema, components)
    if "oneOf" in schema:
        return st.integers(0, 70000) | texts
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        if depth >= MAX_DEPTH:
            return st.just({})
        props = {
            name: values(sub, components, depth + 1)
            for name, sub in sorted(schema["properties"].items())
            if name not in ("apiVersion", "kind", "metadata", "managedFields")
        }
        good = st.fixed_dictionaries({}, optional=props)
        return good | st.builds(lambda d, k: {**d, k: 1}, good, st.sampled_from(["foo", "x"]))
    if kind == "object" and "additionalProperties" in schema:
        inner = values(schema["additionalProperties"], components, depth + 1)
        return st.dictionaries(st.sampled_from(["a", "b/c", "cpu"]), inner, max_size=2)
    if kind == "array":
        if depth >= MAX_DEPTH:
            return st.just([])
        return st.lists(values(schema.get("items", {}), components, depth + 1), max_size=2)
    if kind == "string":
        return texts | st.none() | wrong
    if kind == "integer":
        return st.integers(-1, 70000) | st.none() | wrong
    if kind == "number":
        return st.floats(-10, 10, allow_nan=False) | wrong
    if kind == "boolean":
        return st.booleans() | wrong
    return wrong


_BODIES: dict[tuple[int, str, str], st.SearchStrategy[dict[str, Any]]] = {}


def bodies(k8s: K8sApp, rt: ResourceType) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies of one kind (built once per kind: the schemas are large)."""
    key = (id(k8s), rt.key, rt.version)
    found = _BODIES.get(key)
    if found is None:
        found = _BODIES[key] = _bodies(k8s, rt)
    return found


def _bodies(k8s: K8sApp, rt: ResourceType) -> st.SearchStrategy[dict[str, Any]]:
    schema, components = _kind_schema(k8s, rt)
    top = values(schema, components, 1)
    meta = st.fixed_dictionaries(
        {"name": st.sampled_from(["a", "b"])},
        optional={
            "labels": st.dictionaries(st.sampled_from(["app", "x/y"]), texts | wrong, max_size=2),
            "annotations": st.dictionaries(st.sampled_from(["k"]), texts | wrong, max_size=1),
            "foo": wrong,
        },
    )
    return st.builds(
        lambda body, m: {**(body if isinstance(body, dict) else {"spec": body}), "metadata": m},
        top,
        meta,
    )


def _ok(rsp: Any) -> Any:
    text = rsp.get_data(as_text=True)
    assert rsp.status_code < 500, f"{rsp.status_code}: {text[:500]}"
    body = json.loads(text) if text else None
    if rsp.status_code >= 400:
        assert body["kind"] == "Status" and body["code"] == rsp.status_code, body
    return body


def _collection(rt: ResourceType, namespace: str | None = "default") -> str:
    base = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
    if rt.namespaced and namespace:
        return f"{base}/namespaces/{namespace}/{rt.plural}"
    return f"{base}/{rt.plural}"


def _typed_decode(rt: ResourceType, obj: dict[str, Any]) -> None:
    name = models.model_for_kind(rt.group, rt.version, rt.kind) if rt.builtin else None
    if name is None:
        return
    cls = getattr(client_models, name)
    cls.from_dict(obj)  # raises on a field of the wrong type or a missing required field


def _every_read_works(k8s: K8sApp, client: Client, kinds: list[ResourceType]) -> None:
    for rt in kinds:
        if "list" not in rt.verbs:  # e.g. SelfSubjectReview: create only
            continue
        listed = _ok(client.get(_collection(rt, None)))
        assert isinstance(listed["items"], list)
        for item in listed["items"]:
            _typed_decode(rt, item)
            meta = item["metadata"]
            path = _collection(rt, meta.get("namespace")) + f"/{meta['name']}"
            assert _ok(client.get(path)) == item, "get and list disagree"
        table = _ok(client.get(_collection(rt, None), headers=TABLE))
        assert len(table["rows"]) == len(listed["items"])


@st.composite
def scenario(
    draw: st.DrawFn, k8s: K8sApp, kinds: list[ResourceType]
) -> tuple[ResourceType, list[tuple[str, Any]]]:
    rt = draw(st.sampled_from(kinds))
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["create", "replace", "merge", "status", "delete"]))
        ops.append((op, draw(bodies(k8s, rt))))
    return rt, ops


DIRECTIVES = ["", "?fieldValidation=Strict", "?fieldValidation=Warn", "?fieldValidation=Ignore"]


def _run(k8s: K8sApp, rt: ResourceType, ops: list[tuple[str, Any]], directive: str) -> None:
    k8s.control.reset()
    client = Client(k8s)
    base = _collection(rt)
    for op, body in ops:
        item = f"{base}/{body['metadata']['name']}"
        if op == "create":
            _ok(client.post(base + directive, json=body))
        elif op == "replace":
            current = client.get(item)
            if current.status_code == 200:
                rv = current.get_json()["metadata"]["resourceVersion"]
                body = {**body, "metadata": {**body["metadata"], "resourceVersion": rv}}
            _ok(client.put(item + directive, json=body))
        elif op == "merge":
            _ok(client.patch(item + directive, data=json.dumps(body), headers=MERGE))
        elif op == "status":
            _ok(client.patch(f"{item}/status", data=json.dumps(body), headers=MERGE))
        else:
            _ok(client.delete(item))
    _every_read_works(k8s, client, [rt])


@pytest.fixture(scope="module")
def scenarios(k8s: K8sApp) -> st.SearchStrategy[Any]:
    k8s.control.reset()
    return scenario(k8s, _served(k8s))  # the kinds of a fresh server, fixed for the run


@given(data=st.data(), directive=st.sampled_from(DIRECTIVES))
@settings_for(30)
def test_every_kind_from_its_served_schema(
    k8s: K8sApp, scenarios: st.SearchStrategy[Any], data: st.DataObject, directive: str
) -> None:
    rt, ops = data.draw(scenarios)
    _run(k8s, rt, ops, directive)


MALFORMED = [
    ("endpointslices", {"metadata": {"name": "a"}, "addressType": "IPv4", "endpoints": "x"}),
    (
        "pods",
        {"metadata": {"name": "a"}, "status": {"containerStatuses": [{"restartCount": "abc"}]}},
    ),
    ("namespaces", {"metadata": {"name": "a"}, "status": "x"}),
    (
        "customresourcedefinitions",
        {"metadata": {"name": "as.x.io"}, "spec": {"group": "x.io", "versions": "x"}},
    ),
]


@given(case=st.sampled_from(MALFORMED), directive=st.sampled_from(DIRECTIVES))
@example(case=MALFORMED[0], directive="")
@settings_for(12)
def test_the_issues_malformed_bodies_never_reach_the_store(
    k8s: K8sApp, case: tuple[str, dict[str, Any]], directive: str
) -> None:
    k8s.control.reset()
    client = Client(k8s)
    plural, body = case
    rt = next(t for t in k8s.api.registry.all_types() if t.plural == plural)
    rsp = client.post(_collection(rt) + directive, json=body)
    assert rsp.status_code == 400, rsp.get_data(as_text=True)
    assert "cannot unmarshal" in _ok(rsp)["message"]
    assert client.get(f"{_collection(rt)}/{body['metadata']['name']}").status_code == 404
    _every_read_works(k8s, client, [rt])
