"""Kubernetes API errors and their ``Status`` bodies: the one error hierarchy of mock_k8s.

Handlers raise these; ``routes`` turns them into HTTP responses in one place. The message texts
are the ones the real API server uses. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MSG_CONFLICT = (
    'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; '
    "please apply your changes to the latest version and try again"
)
MSG_NOT_FOUND = '{resource} "{name}" not found'
MSG_ALREADY_EXISTS = '{resource} "{name}" already exists'
MSG_EXPIRED = "too old resource version: {requested} ({oldest})"
MSG_SMP_UNSUPPORTED = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)
MSG_TERMINATING = (
    "unable to create new content in namespace {namespace} because it is being terminated"
)
MSG_DECODE = '{kind} in version "{version}" cannot be handled as a {kind}: {detail}'
MSG_IMMUTABLE = "field is immutable"
MSG_CONFIG_KEY = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)
MSG_PDB_VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
MSG_PDB_NEEDS = (
    "The disruption budget {name} needs {desired} healthy pods and has {healthy} currently"
)
MSG_PDB_MANY = (
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
    "support."
)
MSG_RV_ON_CREATE = "resourceVersion should not be set on objects to be created"
MSG_FIELD_LABEL = "field label not supported: {label}"
MSG_APPLY_CONFLICT = "Apply failed with 1 conflict: conflict with {manager}: {path}"
MSG_APPLY_CONFLICTS = "Apply failed with {count} conflicts: {details}"
MSG_NOT_FOUND_GENERIC = "the server could not find the requested resource"


def status_body(
    code: int,
    reason: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``Status`` object of kind Failure, as the API server writes it."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


@dataclass
class FieldError:
    """One cause of an ``Invalid`` answer (``details.causes[]``)."""

    reason: str  # FieldValueInvalid, FieldValueRequired, FieldValueDuplicate, ...
    field: str
    message: str  # e.g. 'Invalid value: "abc": must be a valid IP address'

    def text(self) -> str:
        return f"{self.field}: {self.message}"


def invalid_value(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", path, f"Invalid value: {_go_repr(value)}: {detail}")


def required_value(path: str, detail: str = "") -> FieldError:
    msg = "Required value" + (f": {detail}" if detail else "")
    return FieldError("FieldValueRequired", path, msg)


def duplicate_value(path: str, value: Any) -> FieldError:
    return FieldError("FieldValueDuplicate", path, f"Duplicate value: {_go_repr(value)}")


def unsupported_value(path: str, value: Any, supported: list[str]) -> FieldError:
    values = ", ".join(f'"{s}"' for s in supported)
    return FieldError(
        "FieldValueNotSupported",
        path,
        f"Unsupported value: {_go_repr(value)}: supported values: {values}",
    )


def forbidden_field(path: str, detail: str) -> FieldError:
    return FieldError("FieldValueForbidden", path, f"Forbidden: {detail}")


def _go_repr(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[]string{" + ", ".join(_go_repr(v) for v in value) + "}"
    return str(value)


@dataclass
class ApiError(Exception):
    """An error answer of the API: HTTP code + ``Status`` body."""

    code: int
    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return status_body(self.code, self.reason, self.message, self.details or None)

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(404, "NotFound", MSG_NOT_FOUND.format(resource=qualified, name=name), details)


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(
        409, "AlreadyExists", MSG_ALREADY_EXISTS.format(resource=qualified, name=name), details
    )


def conflict(resource: str, name: str, group: str = "") -> ApiError:
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(409, "Conflict", MSG_CONFLICT.format(resource=qualified, name=name), details)


def invalid(kind: str, name: str, causes: list[FieldError], group: str = "") -> ApiError:
    """422 Invalid with the real message shape: one cause inline, several in brackets."""
    texts = [c.text() for c in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    qualified = f"{kind}.{group}" if group else kind
    details: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "causes": [{"reason": c.reason, "message": c.message, "field": c.field} for c in causes],
    }
    if group:
        details["group"] = group
    return ApiError(422, "Invalid", f'{qualified} "{name}" is invalid: {joined}', details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def expired(requested: str, oldest: int) -> ApiError:
    return ApiError(410, "Expired", MSG_EXPIRED.format(requested=requested, oldest=oldest))


MSG_LIST_TOO_OLD = "The resourceVersion for the provided list is too old."


def expired_list() -> ApiError:
    """410 of an Exact list below the compacted history."""
    return ApiError(410, "Expired", MSG_LIST_TOO_OLD)


def too_large_resource_version(requested: int, current: int) -> ApiError:
    """504 Timeout: a "not older than" read asked for an RV the server has not reached."""
    return ApiError(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {requested}, current: {current}",
        {
            "causes": [
                {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
            ],
            "retryAfterSeconds": 1,
        },
    )


def unsupported_media_type(message: str = MSG_SMP_UNSUPPORTED) -> ApiError:
    return ApiError(415, "UnsupportedMediaType", message)


def method_not_allowed(
    message: str = "the server does not allow this method on the requested resource",
) -> ApiError:
    return ApiError(405, "MethodNotAllowed", message)


def forbidden(resource: str, name: str, message: str) -> ApiError:
    return ApiError(
        403,
        "Forbidden",
        f'{resource} "{name}" is forbidden: {message}',
        {"name": name, "kind": resource},
    )
