"""Field validation of writes, as the API server does it when it decodes a body.

- ``fieldValidation`` (Strict, Warn, Ignore; Warn when absent, as upstream) decides what unknown
  and duplicate fields do: a 400 (create, update) or 422 (patch) with upstream's
  ``strict decoding error: unknown field "spec.foo"``, a ``Warning`` header, or nothing. Unknown
  fields are never stored.
- A value of the wrong type is always refused (``json: cannot unmarshal ...``), so nothing stored
  can break a later read.
- Custom resources are pruned and validated against their CRD's structural schema.

``request`` opens the scope around an HTTP request (``routes``); ``check_create``,
``check_update`` and ``check_patch`` are the hooks of ``api``: each returns the object to store.
Writes made outside a request (seed, controllers) are not checked. No storage access beyond
reading a CRD through the context.
"""

from __future__ import annotations

from typing import Any, Protocol

from mock_k8s import errors
from mock_k8s.openapi import crd_version_schema, models
from mock_k8s.registry import ResourceType
from mock_k8s.validation import structural, typed
from mock_k8s.validation.decoding import (
    duplicate_fields,
    go_format,
    go_json,
    is_object,
    plain,
    read_json,
)
from mock_k8s.validation.scope import (
    IGNORE,
    STRICT,
    Scope,
    add_warning_headers,
    request,
    take,
)

__all__ = ["add_warning_headers", "check_create", "check_patch", "check_update", "request"]

CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"
SMP = "application/strategic-merge-patch+json"
# Kinds whose strategies (mock_k8s.resources) check their required fields with upstream's own
# texts (e.g. a Service port of 0 is "must be between 1 and 65535"): the models' required lists
# are not applied to them, so those texts stay.
SELF_VALIDATED = frozenset({"services", "events", "endpointslices.discovery.k8s.io", CRD_KEY})


class Context(Protocol):
    def get_object(self, key: str, namespace: str, name: str) -> dict[str, Any] | None: ...


def _decode_error(rt: ResourceType, detail: str) -> errors.ApiError:
    return errors.bad_request(
        f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {detail}'
    )


def _crd_schema(ctx: Context, rt: ResourceType) -> dict[str, Any] | None:
    crd = ctx.get_object(CRD_KEY, "", f"{rt.plural}.{rt.group}")
    return crd_version_schema(crd, rt.version)


def _decode(
    ctx: Context, rt: ResourceType, source: Any, given: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[str]]:
    """The object as the server would hold it, and its strict decoding errors; ``given``:
    top-level fields of a built-in kind taken unchecked (see ``check_patch``).
    Raises ``typed.DecodeError`` on a wrong type, ``errors.ApiError`` (422) on a schema error."""
    if rt.builtin:
        name = models.model_for_kind(rt.group, rt.version, rt.kind)
        if name is None:
            return plain(source), duplicate_fields(source)
        result = typed.decode(name, source, rt.kind, given)
        if result.missing and rt.key not in SELF_VALIDATED:  # after decoding: a 422
            meta = result.obj.get("metadata") or {}
            raise errors.invalid(rt.kind, str(meta.get("name") or ""), result.missing, rt.group)
        return result.obj, result.strict
    strict = duplicate_fields(source)
    obj: dict[str, Any] = plain(source)
    meta = obj.get("metadata")
    if meta is not None:
        if not is_object(meta):
            raise typed.DecodeError(
                f"json: cannot unmarshal {type(meta).__name__} into Go struct field "
                f"ObjectMeta.metadata of type v1.ObjectMeta"
            )
        meta_result = typed.decode("V1ObjectMeta", meta, "ObjectMeta")
        obj["metadata"] = meta_result.obj
        strict += [s.replace('field "', 'field "metadata.', 1) for s in meta_result.strict]
    schema = _crd_schema(ctx, rt)
    if schema is None:
        return obj, strict
    unknown: list[str] = []
    obj = structural.prune(obj, schema, [], unknown, root=True)
    strict += [f'unknown field "{u}"' for u in unknown]
    obj = structural.apply_defaults(obj, schema)
    causes = structural.validate(obj, schema, [], root=True)
    if causes:
        name = str((obj.get("metadata") or {}).get("name") or "")
        raise errors.invalid(rt.kind, name, causes, rt.group)
    return obj, strict


def _strict_text(strict: list[str]) -> str:
    return "strict decoding error: " + ", ".join(strict)


def _write_check(ctx: Context, rt: ResourceType, body: dict[str, Any]) -> dict[str, Any]:
    scope = take()
    if scope is None:
        return body
    source: Any = None
    if scope.directive != IGNORE:
        source = read_json(scope.raw, scope.mimetype)
    if not is_object(source):
        source = body
    try:
        obj, strict = _decode(ctx, rt, source)
    except typed.DecodeError as exc:
        raise _decode_error(rt, str(exc)) from None
    _report(scope, strict, lambda: _decode_error(rt, _strict_text(strict)))
    return obj


def _report(scope: Scope, strict: list[str], refusal: Any) -> None:
    if not strict or scope.directive == IGNORE:
        return
    if scope.directive == STRICT:
        raise refusal()
    scope.warnings.extend(strict)


def check_create(ctx: Context, rt: ResourceType, body: dict[str, Any]) -> dict[str, Any]:
    """The body of a create, decoded: refused (4xx) or with unknown fields dropped."""
    return _write_check(ctx, rt, body)


def check_update(ctx: Context, rt: ResourceType, body: dict[str, Any]) -> dict[str, Any]:
    """The body of an update (PUT), decoded as on create."""
    return _write_check(ctx, rt, body)


def _without_kept_managed_fields(patched: dict[str, Any], current: dict[str, Any]) -> Any:
    """``patched`` without ``metadata.managedFields`` when the patch left the stored list as it
    was (the same object: the server wrote it, it decodes cleanly, and the write replaces it);
    decoding its fieldsV1 trees was a tenth of a status patch. Anything else as given."""
    meta = patched.get("metadata")
    kept = (current.get("metadata") or {}).get("managedFields")
    if kept is None or not isinstance(meta, dict) or meta.get("managedFields") is not kept:
        return patched
    return {**patched, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


_METADATA = frozenset(("metadata",))
# top-level fields a status write takes from the stored object whatever the patch says
_STATUS_WRITE_OWN = frozenset(("metadata", "status", "kind", "apiVersion"))


def _kept_by_status_write(patched: dict[str, Any], current: dict[str, Any]) -> frozenset[str]:
    """The top-level fields (spec...) a status patch left as stored (the same objects: the
    patch functions share what they do not change). The write replaces them with the stored
    ones, and what was stored decoded before, so walking them again (half of a Service's
    status patch decoding) changes nothing: unknown fields there are known ones (not
    reported again), their required fields are there."""
    return frozenset(
        k
        for k, v in patched.items()
        if k not in _STATUS_WRITE_OWN and type(v) in (dict, list) and v is current.get(k)
    )


def check_patch(
    ctx: Context,
    rt: ResourceType,
    patched: dict[str, Any],
    current: dict[str, Any],
    content_type: str,
    patch_body: Any,
    status: bool = False,
) -> dict[str, Any]:
    """The object a patch produced, decoded; errors are 422s on the field ``patch``.
    ``status``: a write of the status subresource (which keeps the stored spec)."""
    scope = take()
    if scope is None:
        return patched
    ptype = content_type.split(";")[0].strip().lower()

    def patch_error(detail: str) -> errors.ApiError:
        shown = go_format(patch_body) if ptype == SMP else go_json(patched)
        return errors.invalid("", "", [errors.invalid_value("patch", shown, detail)])

    strict: list[str] = []
    if scope.directive != IGNORE and ptype != "application/json-patch+json":
        strict += duplicate_fields(read_json(scope.raw, "application/json"))
    try:
        source = _without_kept_managed_fields(patched, current)
        given: frozenset[str] = frozenset()
        if status:
            given = _kept_by_status_write(patched, current)
            if source is not patched and patched.get("metadata") is current.get("metadata"):
                # the stored metadata, left alone by the patch, in a copy without its
                # managedFields: as with the stored spec, walking it finds nothing to change
                given |= _METADATA
        obj, found = _decode(ctx, rt, source, given)
    except typed.DecodeError as exc:
        raise patch_error(str(exc)) from None
    if found:
        try:
            _, before = _decode(ctx, rt, current)
        except (typed.DecodeError, errors.ApiError):
            before = []
        known = set(before)
        strict += [s for s in found if s not in known]
    _report(scope, strict, lambda: patch_error(_strict_text(strict)))
    return obj
