"""Discovery and OpenAPI documents built from the registry.

``/version``, ``/api``, ``/apis``, ``APIResourceList`` per group/version (kinds, verbs, short
names, status subresources) and the OpenAPI v3 index + per group/version documents that make
``kubectl apply`` use server-side field validation. Pure functions of the registry.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from mock_k8s.registry import VERBS_STATUS, Registry, ResourceType

VERSION_INFO = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.9",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-01-01T00:00:00Z",
    "goVersion": "go1.23.8",
    "compiler": "gc",
    "platform": "linux/amd64",
}


# Subresources beyond status and scale, as discovery lists them
EXTRA_SUBRESOURCES: dict[str, tuple[dict[str, Any], ...]] = {
    "pods": (
        {
            "name": "pods/eviction",
            "singularName": "",
            "group": "policy",
            "version": "v1",
            "kind": "Eviction",
            "verbs": ["create"],
        },
    ),
    "serviceaccounts": (
        {
            "name": "serviceaccounts/token",
            "singularName": "",
            "group": "authentication.k8s.io",
            "version": "v1",
            "kind": "TokenRequest",
            "verbs": ["create"],
        },
    ),
}


DEFAULT_K8S_VERSION = "1.31"
# The patch release reported for a minor (others report .0)
_PATCH = {"1.31": "9"}


def version_info(k8s_version: str = DEFAULT_K8S_VERSION) -> dict[str, str]:
    """``/version`` for ``X.Y`` (``ValueError`` for anything else)."""
    m = re.fullmatch(r"(\d+)\.(\d+)", k8s_version.strip().lstrip("v"))
    if not m:
        raise ValueError(f"a Kubernetes version is MAJOR.MINOR (e.g. 1.31), not {k8s_version!r}")
    major, minor = m.group(1), m.group(2)
    patch = _PATCH.get(f"{major}.{minor}", "0")
    return {**VERSION_INFO, "major": major, "minor": minor,
            "gitVersion": f"v{major}.{minor}.{patch}"}  # fmt: skip


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def api_group_list(registry: Registry) -> dict[str, Any]:
    groups = []
    for group, versions in registry.groups().items():
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        groups.append({"name": group, "versions": gvs, "preferredVersion": gvs[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    versions = registry.groups().get(group)
    if not versions:
        return None
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": gvs,
        "preferredVersion": gvs[0],
    }


def _resource_entry(rt: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    entry["storageVersionHash"] = hashlib.sha256(rt.key.encode()).hexdigest()[:12]
    return entry


def api_resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = sorted(registry.types_in(group, version), key=lambda rt: rt.plural)
    if not types:
        return None
    resources: list[dict[str, Any]] = []
    for rt in types:
        resources.append(_resource_entry(rt))
        if rt.has_status:
            resources.append(
                {
                    "name": f"{rt.plural}/status",
                    "singularName": "",
                    "namespaced": rt.namespaced,
                    "kind": rt.kind,
                    "verbs": list(VERBS_STATUS),
                }
            )
        if rt.has_scale:
            resources.append(
                {
                    "name": f"{rt.plural}/scale",
                    "singularName": "",
                    "namespaced": rt.namespaced,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": list(VERBS_STATUS),
                }
            )
        for sub in EXTRA_SUBRESOURCES.get(rt.key, ()):
            resources.append({**sub, "namespaced": rt.namespaced})
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


# ---- OpenAPI v3 ----------------------------------------------------------------------------
def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def openapi_v3_document(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    """Paths with PATCH operations that declare ``fieldValidation`` for every kind of the GV.

    kubectl checks these to decide that the server validates fields itself; it carries no
    schemas, so kubectl falls back to its built-in types (or JSON merge patch for CRDs).
    """
    types = registry.types_in(group, version)
    if not types:
        return None
    paths: dict[str, Any] = {}
    for rt in types:
        gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
        base = f"/{_gv_path(group, version)}"
        if rt.namespaced:
            item = f"{base}/namespaces/{{namespace}}/{rt.plural}/{{name}}"
        else:
            item = f"{base}/{rt.plural}/{{name}}"
        params = [
            {
                "name": "fieldValidation",
                "in": "query",
                "schema": {"type": "string", "uniqueItems": True},
            },
            {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
            {
                "name": "fieldManager",
                "in": "query",
                "schema": {"type": "string", "uniqueItems": True},
            },
        ]
        paths[item] = {
            "patch": {
                "operationId": f"patch{rt.kind}",
                "parameters": params,
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
                "responses": {"200": {"description": "OK"}},
            },
            "put": {
                "operationId": f"replace{rt.kind}",
                "parameters": params,
                "x-kubernetes-action": "put",
                "x-kubernetes-group-version-kind": gvk,
                "responses": {"200": {"description": "OK"}},
            },
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": VERSION_INFO["gitVersion"]},
        "paths": paths,
        "components": {"schemas": {}},
    }


def openapi_v3_index(registry: Registry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    gvs: list[tuple[str, str]] = [("", "v1")]
    for group, versions in registry.groups().items():
        gvs.extend((group, v) for v in versions)
    for group, version in gvs:
        doc = openapi_v3_document(registry, group, version)
        if doc is None:
            continue
        digest = hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:64].upper()
        path = _gv_path(group, version)
        out[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": out}


# ---- OpenAPI v2 ----------------------------------------------------------------------------
def openapi_v2_document(registry: Registry) -> dict[str, Any]:
    """A valid Swagger 2.0 document; its definitions stay empty (kubectl's validation uses v3)."""
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": VERSION_INFO["gitVersion"]},
        "paths": {},
        "definitions": {},
    }
