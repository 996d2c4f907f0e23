"""The three patch formats: JSON merge patch, JSON patch and strategic merge patch.

Strategic merge knows the merge keys of the built-in kinds this server serves (Service ports by
``port``, conditions by ``type``, containers by ``name``...); lists without a merge key are
replaced. The ``$patch``, ``$retainKeys``, ``$deleteFromPrimitiveList`` and ``$setElementOrder``
directives kubectl sends are honoured. Pure functions on JSON values, no I/O.
"""

from __future__ import annotations

from typing import Any

import jsonpatch

from mock_k8s.errors import ApiError, bad_request
from mock_k8s.store import clone

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

# (kind or "*", field path without list indices) -> merge key; "" means "set of primitives"
_MERGE_KEYS: dict[tuple[str, tuple[str, ...]], str] = {
    ("*", ("metadata", "ownerReferences")): "uid",
    ("*", ("metadata", "finalizers")): "",
    ("Service", ("spec", "ports")): "port",
    ("*", ("status", "conditions")): "type",
    ("Pod", ("spec", "containers")): "name",
    ("Pod", ("spec", "initContainers")): "name",
    ("Pod", ("spec", "volumes")): "name",
    ("Pod", ("spec", "imagePullSecrets")): "name",
    ("Pod", ("spec", "containers", "ports")): "containerPort",
    ("Pod", ("spec", "containers", "env")): "name",
    ("Pod", ("spec", "containers", "volumeMounts")): "mountPath",
    ("Pod", ("status", "podIPs")): "ip",
    ("Node", ("status", "addresses")): "type",
    ("Namespace", ("spec", "finalizers")): "",
    ("Event", ()): "",
}


def merge_key(kind: str, path: tuple[str, ...]) -> str | None:
    """The merge key of the list at ``path``: a field name, "" (primitive set), or None."""
    found = _MERGE_KEYS.get((kind, path))
    if found is not None:
        return found
    return _MERGE_KEYS.get(("*", path))


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def json_patch(target: Any, ops: Any) -> Any:
    """RFC 6902 (add, remove, replace, move, copy, test)."""
    if not isinstance(ops, list):
        raise bad_request("json patch must be a list of operations")
    try:
        return jsonpatch.JsonPatch(ops).apply(clone(target))
    except jsonpatch.JsonPatchTestFailed as exc:
        raise ApiError(
            422, "Invalid", f"the server rejected our request due to an error in our request: {exc}"
        ) from exc
    except (
        jsonpatch.JsonPatchException,
        jsonpatch.JsonPointerException,
        TypeError,
        KeyError,
    ) as exc:
        raise ApiError(
            422, "Invalid", f"the server rejected our request due to an error in our request: {exc}"
        ) from exc


def strategic_merge_patch(target: Any, patch: Any, kind: str) -> Any:
    """Strategic merge patch for built-in kinds."""
    if not isinstance(patch, dict):
        raise bad_request("strategic merge patch must be a JSON object")
    return _smp_map(target if isinstance(target, dict) else {}, patch, kind, ())


def _smp_map(
    target: dict[str, Any], patch: dict[str, Any], kind: str, path: tuple[str, ...]
) -> Any:
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = dict(target)
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            current = result.get(field)
            if isinstance(current, list) and isinstance(value, list):
                result[field] = [v for v in current if v not in value]
            continue
        if value is None:
            result.pop(key, None)
            continue
        sub = (*path, key)
        old = result.get(key)
        if isinstance(value, dict):
            merged = _smp_map(old if isinstance(old, dict) else {}, value, kind, sub)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _smp_list(old if isinstance(old, list) else [], value, kind, sub)
        else:
            result[key] = clone(value)
    if isinstance(retain, list):
        keep = set(retain)
        result = {k: v for k, v in result.items() if k in keep}
    return result


def _smp_list(target: list[Any], patch: list[Any], kind: str, path: tuple[str, ...]) -> list[Any]:
    key = merge_key(kind, path)
    if key is None:
        # no merge strategy: replace (a $patch: replace marker element is dropped)
        return [clone(v) for v in patch if not (isinstance(v, dict) and "$patch" in v)]
    if key == "":
        out = list(target)
        for v in patch:
            if v not in out:
                out.append(clone(v))
        return out
    if any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
        return [clone(v) for v in patch if not (isinstance(v, dict) and "$patch" in v)]
    out = [clone(v) for v in target]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            out.append(clone(item))
            continue
        idx = next(
            (i for i, cur in enumerate(out) if isinstance(cur, dict) and cur.get(key) == item[key]),
            None,
        )
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append({k: clone(v) for k, v in item.items() if not k.startswith("$")})
        else:
            merged = _smp_map(out[idx], item, kind, path)
            out[idx] = merged
    return out


def apply_patch(
    target: dict[str, Any], content_type: str, body: Any, kind: str, custom: bool
) -> Any:
    """Dispatch on the patch content type; 415 for unknown types and SMP on custom resources."""
    from mock_k8s.errors import unsupported_media_type

    ctype = content_type.split(";")[0].strip().lower()
    if ctype == MERGE_PATCH:
        return json_merge_patch(target, body)
    if ctype == JSON_PATCH:
        return json_patch(target, body)
    if ctype == STRATEGIC_PATCH:
        if custom:
            raise unsupported_media_type()
        return strategic_merge_patch(target, body, kind)
    if ctype == APPLY_PATCH:
        # server-side apply, simplified: the applied configuration is merged in
        if custom:
            return json_merge_patch(target, body)
        return strategic_merge_patch(target, body, kind)
    raise unsupported_media_type(
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{JSON_PATCH}, {MERGE_PATCH}, {APPLY_PATCH}" + ("" if custom else f", {STRATEGIC_PATCH}")
    )
