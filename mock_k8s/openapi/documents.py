"""OpenAPI v2 and v3 documents of the kinds served, with schemas derived from the client models.

Built-in kinds take their schemas from ``mock_k8s.openapi.models`` (the installed ``kubernetes``
client's models: fields, types, descriptions, required); custom resources take theirs from their
CRD's ``openAPIV3Schema``. The shapes follow the real API server's documents (``allOf``-wrapped
``$ref``s in v3, ``x-kubernetes-group-version-kind`` on each kind, PATCH/PUT operations that
declare ``fieldValidation`` so that kubectl leaves field validation to the server). Pure functions
of their inputs; no HTTP, no storage.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from mock_k8s.openapi import models
from mock_k8s.openapi.models import Model, TypeRef
from mock_k8s.registry import ResourceType

TITLE = "Kubernetes"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
SPECIAL_SCHEMAS: dict[str, dict[str, Any]] = {
    INT_OR_STRING: {
        "description": "IntOrString is a type that can hold an int32 or a string.  When used in "
        "JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  "
        "This allows you to have, for example, a JSON field that can accept a name or number.",
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
    },
    QUANTITY: {
        "description": "Quantity is a fixed-point representation of a number. It provides "
        "convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and "
        "AsInt64() accessors.",
        "oneOf": [{"type": "string"}, {"type": "number"}],
    },
    TIME: {
        "description": "Time is a wrapper around time.Time which supports correct marshaling to "
        "YAML and JSON.  Wrappers are provided for many of the factory methods that the time "
        "package offers.",
        "format": "date-time",
        "type": "string",
    },
}
SPECIAL_REFS = {"int-or-string": INT_OR_STRING, "quantity": QUANTITY, "time": TIME}

# Core types that other groups embed: named in the core package, as upstream does.
CORE_SEEDS: dict[str, tuple[str, ...]] = {
    "apps": ("V1PodTemplateSpec", "V1PersistentVolumeClaim"),
    "batch": ("V1PodTemplateSpec",),
}

CrdSchema = Callable[[ResourceType], dict[str, Any] | None]


def gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


class Namer:
    """Definition names of the models reachable from the served kinds (core kinds first, so
    that shared types such as PodSpec get the core package, as upstream)."""

    def __init__(self, roots: Iterable[tuple[str, str]]) -> None:
        self.names: dict[str, str] = {}
        taken: set[str] = set()
        for group, class_name in roots:
            self._walk(group, class_name, taken)

    def _walk(self, group: str, class_name: str, taken: set[str]) -> None:
        stack = [class_name]
        while stack:
            name = stack.pop()
            if name in self.names:
                continue
            wanted = models.definition_name(name, group)
            if wanted in taken:
                wanted = f"{wanted}.{name}"
            self.names[name] = wanted
            taken.add(wanted)
            m = models.model(name)
            if m is None:
                continue
            for f in m.fields.values():
                ref = f.type
                while ref.item is not None:
                    ref = ref.item
                if ref.kind == "model" and ref.model not in self.names:
                    stack.append(ref.model)

    def __getitem__(self, class_name: str) -> str:
        return self.names[class_name]


def _special(schema: dict[str, Any], v3: bool) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    if not v3 and "oneOf" in out:  # v2 has no oneOf: a string, as upstream's v2 document
        del out["oneOf"]
        out["type"] = "string"
    return out


def _builtin_roots(types: Iterable[ResourceType]) -> list[tuple[str, str, ResourceType]]:
    out = []
    for rt in types:
        if not rt.builtin:
            continue
        name = models.model_for_kind(rt.group, rt.version, rt.kind)
        if name is not None:
            out.append((rt.group, name, rt))
    out.sort(key=lambda r: (r[0] != "", r[0], r[2].kind))
    return out


def _namer_roots(types: Iterable[ResourceType]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for group, name, rt in _builtin_roots(types):
        out.append((group, name))
        list_name = models.model_for_kind(group, rt.version, rt.list_kind)
        if list_name is not None:
            out.append((group, list_name))
    return out


# ---- schemas from models --------------------------------------------------------------------
def _ref(target: str, v3: bool) -> str:
    return f"#/components/schemas/{target}" if v3 else f"#/definitions/{target}"


def _type_schema(ref: TypeRef, namer: Namer, v3: bool, wanted: set[str]) -> dict[str, Any]:
    if ref.kind == "list":
        assert ref.item is not None
        return {"type": "array", "items": _type_schema(ref.item, namer, v3, wanted)}
    if ref.kind == "map":
        assert ref.item is not None
        return {
            "type": "object",
            "additionalProperties": _type_schema(ref.item, namer, v3, wanted),
        }
    if ref.kind == "model":
        wanted.add(ref.model)
        target = {"$ref": _ref(namer[ref.model], v3)}
        return {"allOf": [target]} if v3 else target
    special = SPECIAL_REFS.get(ref.kind)
    if special is not None:
        wanted.add(special)
        target = {"$ref": _ref(special, v3)}
        return {"allOf": [target]} if v3 else target
    if ref.kind == "any":
        return {"type": "object"}
    if ref.kind == "bytes":
        return {"type": "string", "format": "byte"}
    out: dict[str, Any] = {"type": ref.kind}
    if ref.fmt:
        out["format"] = ref.fmt
    if v3 and ref.kind == "string":
        out["default"] = ""
    return out


def _model_schema(
    m: Model, namer: Namer, v3: bool, wanted: set[str], gvks: list[dict[str, str]]
) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, f in sorted(m.fields.items()):
        schema = _type_schema(f.type, namer, v3, wanted)
        if f.description:
            if "$ref" in schema:  # v2: a $ref carries no siblings
                schema = {**schema, "description": f.description}
            else:
                schema["description"] = f.description
        props[name] = schema
        if f.required:
            required.append(name)
    out: dict[str, Any] = {"description": m.description, "type": "object", "properties": props}
    if required:
        out["required"] = required
    if gvks:
        out["x-kubernetes-group-version-kind"] = gvks
    return out


def _gvk(rt: ResourceType, kind: str | None = None) -> dict[str, str]:
    return {"group": rt.group, "kind": kind or rt.kind, "version": rt.version}


def builtin_schemas(
    types: Iterable[ResourceType], namer: Namer, v3: bool
) -> dict[str, dict[str, Any]]:
    """Definitions of the built-in kinds given (and their lists) and everything they reach."""
    gvks: dict[str, list[dict[str, str]]] = {}
    pending: set[str] = set()
    for group, name, rt in _builtin_roots(types):
        gvks.setdefault(name, []).append(_gvk(rt))
        pending.add(name)
        list_name = models.model_for_kind(group, rt.version, rt.list_kind)
        if list_name is not None:
            gvks.setdefault(list_name, []).append(_gvk(rt, rt.list_kind))
            pending.add(list_name)
    out: dict[str, dict[str, Any]] = {}
    done: set[str] = set()
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        special = SPECIAL_SCHEMAS.get(name)
        if special is not None:
            out[name] = _special(special, v3)
            continue
        m = models.model(name)
        if m is None:
            continue
        if name not in namer.names:
            namer._walk("", name, set(namer.names.values()))
        wanted: set[str] = set()
        out[namer[name]] = _model_schema(m, namer, v3, wanted, gvks.get(name, []))
        pending |= wanted - done
    return out


# ---- custom resources ------------------------------------------------------------------------
def crd_schema(rt: ResourceType, schema: dict[str, Any] | None, v3: bool) -> dict[str, Any]:
    """The CRD's ``openAPIV3Schema`` with the standard fields and the kind's GVK added."""
    body: dict[str, Any] = copy.deepcopy(schema) if isinstance(schema, dict) else {}
    if not body:
        body = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    props = body.setdefault("properties", {})
    if isinstance(props, dict):
        props.setdefault(
            "apiVersion",
            {
                "type": "string",
                "description": "APIVersion defines the versioned schema of this representation "
                "of an object.",
            },
        )
        props.setdefault(
            "kind",
            {
                "type": "string",
                "description": "Kind is a string value representing the REST resource this "
                "object represents.",
            },
        )
        meta = {"$ref": _ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", v3)}
        props["metadata"] = {
            **({"allOf": [meta]} if v3 else meta),
            "description": "Standard object's metadata. More info: "
            "https://git.k8s.io/community/contributors/devel/sig-architecture/"
            "api-conventions.md#metadata",
        }
    body["x-kubernetes-group-version-kind"] = [_gvk(rt)]
    return body


def crd_definition_name(rt: ResourceType) -> str:
    rev = ".".join(reversed(rt.group.split(".")))
    return f"{rev}.{rt.version}.{rt.kind}"


# ---- paths -------------------------------------------------------------------------------------
def _params() -> list[dict[str, Any]]:
    def param(name: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}

    return [param("fieldValidation"), param("dryRun"), param("fieldManager")]


def paths_for(rt: ResourceType, schema_ref: str, v3: bool) -> dict[str, Any]:
    """Collection and item paths of a kind, with create/replace/patch declaring
    ``fieldValidation`` (what kubectl looks for to use server-side field validation)."""
    gvk = _gvk(rt)
    base = f"/{gv_path(rt.group, rt.version)}"
    if rt.namespaced:
        collection = f"{base}/namespaces/{{namespace}}/{rt.plural}"
    else:
        collection = f"{base}/{rt.plural}"
    body_schema = {"$ref": schema_ref}
    ok = (
        {"description": "OK", "content": {"application/json": {"schema": body_schema}}}
        if v3
        else {"description": "OK", "schema": body_schema}
    )

    group_part = "".join(p.capitalize() for p in (rt.group or "core").replace("-", ".").split("."))
    op_suffix = f"{group_part}{rt.version.capitalize()}{'Namespaced' if rt.namespaced else ''}"
    op_suffix += rt.kind

    def op(action: str, verb: str, with_body: bool) -> dict[str, Any]:
        params = _params() if v3 else [{**p, "type": "string"} for p in _params()]
        if not v3:
            for p in params:
                p.pop("schema", None)
        out: dict[str, Any] = {
            "operationId": f"{verb}{op_suffix}",
            "parameters": params,
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
            "responses": {"200": ok},
        }
        if with_body:
            if v3:
                out["requestBody"] = {
                    "content": {"*/*": {"schema": body_schema}},
                    "required": True,
                }
            else:
                out["parameters"].append(
                    {"name": "body", "in": "body", "required": True, "schema": body_schema}
                )
        return out

    def path_params(*names: str) -> list[dict[str, Any]]:
        out = []
        for name in names:
            param: dict[str, Any] = {"name": name, "in": "path", "required": True}
            if v3:
                param["schema"] = {"type": "string", "uniqueItems": True}
            else:
                param.update(type="string", uniqueItems=True)
            out.append(param)
        return out

    scope = ("namespace",) if rt.namespaced else ()
    return {
        collection: {"post": op("post", "create", True), "parameters": path_params(*scope)},
        f"{collection}/{{name}}": {
            "parameters": path_params("name", *scope),
            "get": {
                "operationId": f"read{op_suffix}",
                "x-kubernetes-action": "get",
                "x-kubernetes-group-version-kind": gvk,
                "responses": {"200": ok},
            },
            "put": op("put", "replace", True),
            "patch": op("patch", "patch", True),
        },
    }


# ---- documents -------------------------------------------------------------------------------
def v3_document(
    all_types: list[ResourceType], group: str, version: str, crd_schemas: CrdSchema
) -> dict[str, Any] | None:
    types = [rt for rt in all_types if rt.group == group and rt.version == version]
    if not types:
        return None
    seeds = [("", name) for name in CORE_SEEDS.get(group, ())]
    namer = Namer(seeds + _namer_roots(types))
    schemas = builtin_schemas(types, namer, True)
    paths: dict[str, Any] = {}
    custom = [rt for rt in types if not rt.builtin]
    if custom:
        schemas.update(_meta_closure(namer, True))
    for rt in types:
        if rt.builtin:
            name = models.model_for_kind(rt.group, rt.version, rt.kind)
            if name is None:
                continue
            target = namer[name]
        else:
            target = crd_definition_name(rt)
            schemas[target] = crd_schema(rt, crd_schemas(rt), True)
        paths.update(paths_for(rt, _ref(target, True), True))
    return {
        "openapi": "3.0.0",
        "info": {"title": TITLE, "version": "unversioned"},
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def _meta_closure(namer: Namer, v3: bool) -> dict[str, dict[str, Any]]:
    """ObjectMeta and what it reaches (custom resources refer to it)."""
    if "V1ObjectMeta" not in namer.names:
        namer._walk("", "V1ObjectMeta", set(namer.names.values()))
    out: dict[str, dict[str, Any]] = {}
    pending = {"V1ObjectMeta"}
    done: set[str] = set()
    while pending:
        name = pending.pop()
        done.add(name)
        special = SPECIAL_SCHEMAS.get(name)
        if special is not None:
            out[name] = _special(special, v3)
            continue
        m = models.model(name)
        if m is None:
            continue
        wanted: set[str] = set()
        out[namer[name]] = _model_schema(m, namer, v3, wanted, [])
        pending |= wanted - done
    return out


def v2_document(all_types: list[ResourceType], crd_schemas: CrdSchema) -> dict[str, Any]:
    namer = Namer(_namer_roots(all_types))
    definitions = builtin_schemas(all_types, namer, False)
    definitions.update(_meta_closure(namer, False))
    paths: dict[str, Any] = {}
    for rt in all_types:
        if rt.builtin:
            name = models.model_for_kind(rt.group, rt.version, rt.kind)
            if name is None:
                continue
            target = namer[name]
        else:
            target = crd_definition_name(rt)
            definitions[target] = _v3_to_v2(crd_schema(rt, crd_schemas(rt), False))
        paths.update(paths_for(rt, _ref(target, False), False))
    return {
        "swagger": "2.0",
        "info": {"title": TITLE, "version": "unversioned"},
        "paths": dict(sorted(paths.items())),
        "definitions": dict(sorted(definitions.items())),
    }


def _v3_to_v2(schema: Any) -> Any:
    """v2 has no ``nullable``/``anyOf``/``oneOf``; drop them as the server does for CRDs."""
    if isinstance(schema, dict):
        return {
            k: _v3_to_v2(v)
            for k, v in schema.items()
            if k not in ("nullable", "anyOf", "oneOf", "not")
        }
    if isinstance(schema, list):
        return [_v3_to_v2(v) for v in schema]
    return schema
