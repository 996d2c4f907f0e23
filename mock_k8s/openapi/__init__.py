"""OpenAPI documents of mock_k8s: ``/openapi/v2``, ``/openapi/v3`` and ``/openapi/v3/<gv>``.

``OpenApi`` builds each document on first request and keeps it until the set of served kinds or a
CRD changes (the cache key is the registry's types plus the CRDs' resourceVersions), so serving is
a dictionary lookup. ``respond`` is the one entry point of the HTTP layer. Built-in schemas come
from the ``kubernetes`` client's models, custom ones from CRDs. Never writes anything.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from typing import Any, Protocol

from werkzeug.wrappers import Response

from mock_k8s.openapi import documents
from mock_k8s.registry import Registry, ResourceType

CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"
JSON = "application/json"
V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2"
NOT_FOUND = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "the server could not find the requested resource",
    "reason": "NotFound",
    "details": {},
    "code": 404,
}


class Source(Protocol):
    """What the documents are built from (``mock_k8s.apiserver.Api`` fits)."""

    registry: Registry

    def get_object(self, key: str, namespace: str, name: str) -> dict[str, Any] | None: ...

    def list_objects(self, key: str, namespace: str | None = None) -> list[dict[str, Any]]: ...


def crd_version_schema(crd: dict[str, Any] | None, version: str) -> dict[str, Any] | None:
    """``spec.versions[name=version].schema.openAPIV3Schema`` of a CRD, if well formed."""
    spec = (crd or {}).get("spec")
    if not isinstance(spec, dict):
        return None
    for v in spec.get("versions") or []:
        if isinstance(v, dict) and v.get("name") == version:
            schema = (v.get("schema") or {}) if isinstance(v.get("schema"), dict) else {}
            found = schema.get("openAPIV3Schema")
            return found if isinstance(found, dict) else None
    return None


class OpenApi:
    def __init__(self, source: Source) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._cache: dict[str, bytes] = {}

    # ---- cache ---------------------------------------------------------------------------
    def _types(self) -> list[ResourceType]:
        return sorted(
            self.source.registry.all_types(), key=lambda rt: (rt.group, rt.version, rt.plural)
        )

    def _state_key(self, types: list[ResourceType]) -> tuple[Any, ...]:
        crds = tuple(
            sorted(
                (str(c["metadata"].get("name")), str(c["metadata"].get("resourceVersion")))
                for c in self.source.list_objects(CRD_KEY)
            )
        )
        return (tuple(types), crds)

    def _cached(self, name: str, build: Any) -> bytes:
        types = self._types()
        key = self._state_key(types)
        with self._lock:
            if key != self._key:
                self._key = key
                self._cache = {}
            found = self._cache.get(name)
        if found is not None:
            return found
        doc = build(types)
        text = b"null" if doc is None else json.dumps(doc, separators=(",", ":")).encode()
        with self._lock:
            if key == self._key:
                self._cache[name] = text
        return text

    def crd_schema(self, rt: ResourceType) -> dict[str, Any] | None:
        crd = self.source.get_object(CRD_KEY, "", f"{rt.plural}.{rt.group}")
        return crd_version_schema(crd, rt.version)

    # ---- documents -----------------------------------------------------------------------
    def v2(self) -> bytes:
        return self._cached("v2", lambda types: documents.v2_document(types, self.crd_schema))

    def v3(self, group: str, version: str) -> bytes | None:
        text = self._cached(
            f"v3:{group}/{version}",
            lambda types: documents.v3_document(types, group, version, self.crd_schema),
        )
        return None if text == b"null" else text

    def v3_index(self) -> dict[str, Any]:
        types = self._types()
        key = repr(self._state_key(types)).encode()
        out: dict[str, Any] = {}
        gvs = sorted({(rt.group, rt.version) for rt in types})
        for group, version in gvs:
            path = documents.gv_path(group, version)
            digest = hashlib.sha512(key + path.encode()).hexdigest()[:64].upper()
            out[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
        return {"paths": out}


_instances: weakref.WeakKeyDictionary[Any, OpenApi] = weakref.WeakKeyDictionary()
_instances_lock = threading.Lock()


def for_source(source: Source) -> OpenApi:
    """The document cache of one API server (created on first use)."""
    with _instances_lock:
        found = _instances.get(source)
        if found is None:
            found = _instances[source] = OpenApi(source)
        return found


def _allows_json(accept: str) -> bool:
    """True when the Accept header allows JSON (kubectl's protobuf-only request does not)."""
    clauses = [c.split(";")[0].strip().lower() for c in (accept or "*/*").split(",")]
    return any(c in ("application/json", "*/*", "application/*") for c in clauses)


def respond(source: Source, path: str, accept: str) -> Response | None:
    """The answer to ``GET /openapi/...``; None for paths (or a protobuf-only v2 request) that
    the caller serves itself."""
    api = for_source(source)
    parts = [p for p in path.strip("/").split("/") if p]
    if path.rstrip("/") == "/openapi/v2":
        if not _allows_json(accept):
            return None  # protobuf only, or nothing acceptable: the caller negotiates
        return Response(api.v2(), mimetype=JSON)
    if parts[:2] != ["openapi", "v3"]:
        return None
    rest = parts[2:]
    if not rest:
        return Response(json.dumps(api.v3_index()), mimetype=JSON)
    doc: bytes | None = None
    if len(rest) == 2 and rest[0] == "api":
        doc = api.v3("", rest[1])
    elif len(rest) == 3 and rest[0] == "apis":
        doc = api.v3(rest[1], rest[2])
    if doc is None:
        return Response(json.dumps(NOT_FOUND), status=404, mimetype=JSON)
    return Response(doc, mimetype=JSON)
