"""Custom resources checked against their CRD's structural schema, as the apiextensions server
does it: pruning of unknown fields (unless ``x-kubernetes-preserve-unknown-fields``), defaulting
(a schema ``default`` fills an absent or null field of an object that is there), then types,
required, enum, pattern, minimum/maximum, minLength/maxLength and minItems/maxItems, with
upstream's field error texts (``spec.x in body must be of type integer: "string"``).

``prune`` returns the pruned object and the unknown-field paths; ``apply_defaults`` fills
defaults in place; ``validate`` returns field errors. ``metadata`` is left to the typed checks.
No HTTP, no storage.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from mock_k8s.errors import FieldError, invalid_value, required_value, unsupported_value
from mock_k8s.validation.decoding import path_text

ROOT_FIELDS = ("apiVersion", "kind", "metadata")


def _preserves(schema: dict[str, Any]) -> bool:
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def apply_defaults(value: Any, schema: Any) -> Any:
    """Fill what the schema defaults, as the apiextensions server does after pruning: a property
    that is absent, or null without ``nullable``, takes a copy of its ``default``; a missing
    parent object is never made up (unless it has a default of its own). Works in place."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        for key, sub in props.items():
            if not isinstance(sub, dict) or "default" not in sub:
                continue
            if key not in value or (value[key] is None and not sub.get("nullable")):
                value[key] = copy.deepcopy(sub["default"])
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key, extra)
            if isinstance(sub, dict):
                value[key] = apply_defaults(item, sub)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            return [apply_defaults(item, items) for item in value]
    return value


def prune(value: Any, schema: Any, path: list[str], unknown: list[str], root: bool = False) -> Any:
    """Drop what the schema does not declare; ``unknown`` collects the dropped paths."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if isinstance(props, dict) and props:
            out: dict[str, Any] = {}
            for k, v in value.items():
                if root and k in ROOT_FIELDS:
                    out[k] = v
                elif k in props:
                    out[k] = prune(v, props[k], [*path, k], unknown)
                elif isinstance(extra, dict):
                    out[k] = prune(v, extra, [*path, k], unknown)
                elif _preserves(schema) or extra is True:
                    out[k] = v
                else:
                    unknown.append(path_text([*path, k]))
            return out
        if isinstance(extra, dict):
            return {k: prune(v, extra, [*path, k], unknown) for k, v in value.items()}
        if _preserves(schema) or extra is True:
            return value
        out = {}
        for k, v in value.items():
            if root and k in ROOT_FIELDS:
                out[k] = v
            else:
                unknown.append(path_text([*path, k]))
        return out
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            return [prune(v, items, [*path, f"[{i}]"], unknown) for i, v in enumerate(value)]
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_ok(value: Any, wanted: str) -> bool:
    actual = _json_type(value)
    if wanted == "number":
        return actual in ("integer", "number")
    return actual == wanted


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def validate(value: Any, schema: Any, path: list[str], root: bool = False) -> list[FieldError]:
    if not isinstance(schema, dict):
        return []
    where = path_text(path)
    errs: list[FieldError] = []
    if value is None:
        if schema.get("nullable"):
            return []
        if path:
            wanted = schema.get("type")
            if wanted:
                return [_must_be(where, value, str(wanted))]
        return []
    if schema.get("x-kubernetes-int-or-string"):
        if not (isinstance(value, str) or (_json_type(value) == "integer")):
            return [_must_be(where, value, "integer,string")]
    else:
        wanted = schema.get("type")
        if isinstance(wanted, str) and wanted and not _type_ok(value, wanted):
            return [_must_be(where, value, wanted)]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and value not in enum:
        errs.append(unsupported_value(where, value, [_enum_text(e) for e in enum]))
    if isinstance(value, str):
        errs += _string_checks(value, schema, where)
    if isinstance(value, int | float) and not isinstance(value, bool):
        errs += _number_checks(value, schema, where)
    if isinstance(value, list):
        errs += _list_checks(value, schema, path, where)
    if isinstance(value, dict):
        errs += _object_checks(value, schema, path, root)
    return errs


def _enum_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _must_be(where: str, value: Any, wanted: str) -> FieldError:
    actual = _json_type(value)
    return invalid_value(where, actual, f'{where} in body must be of type {wanted}: "{actual}"')


def _string_checks(value: str, schema: dict[str, Any], where: str) -> list[FieldError]:
    errs: list[FieldError] = []
    max_len = schema.get("maxLength")
    if isinstance(max_len, int) and len(value) > max_len:
        errs.append(
            FieldError(
                "FieldValueTooLong", where, f"Too long: may not be more than {max_len} bytes"
            )
        )
    min_len = schema.get("minLength")
    if isinstance(min_len, int) and len(value) < min_len:
        errs.append(
            invalid_value(where, value, f"{where} in body should be at least {min_len} chars long")
        )
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            matched = re.search(pattern, value) is not None
        except re.error:
            matched = True
        if not matched:
            errs.append(invalid_value(where, value, f"{where} in body should match '{pattern}'"))
    return errs


def _number_checks(value: float, schema: dict[str, Any], where: str) -> list[FieldError]:
    errs: list[FieldError] = []
    low = schema.get("minimum")
    if isinstance(low, int | float) and not isinstance(low, bool):
        if schema.get("exclusiveMinimum") and value <= low:
            errs.append(
                invalid_value(where, value, f"{where} in body should be greater than {_num(low)}")
            )
        elif value < low:
            errs.append(
                invalid_value(
                    where, value, f"{where} in body should be greater than or equal to {_num(low)}"
                )
            )
    high = schema.get("maximum")
    if isinstance(high, int | float) and not isinstance(high, bool):
        if schema.get("exclusiveMaximum") and value >= high:
            errs.append(
                invalid_value(where, value, f"{where} in body should be less than {_num(high)}")
            )
        elif value > high:
            errs.append(
                invalid_value(
                    where, value, f"{where} in body should be less than or equal to {_num(high)}"
                )
            )
    return errs


def _list_checks(
    value: list[Any], schema: dict[str, Any], path: list[str], where: str
) -> list[FieldError]:
    errs: list[FieldError] = []
    max_items = schema.get("maxItems")
    if isinstance(max_items, int) and len(value) > max_items:
        errs.append(
            FieldError(
                "FieldValueTooMany",
                where,
                f"Too many: {len(value)}: must have at most {max_items} items",
            )
        )
    min_items = schema.get("minItems")
    if isinstance(min_items, int) and len(value) < min_items:
        errs.append(
            invalid_value(
                where, len(value), f"{where} in body should have at least {min_items} items"
            )
        )
    items = schema.get("items")
    for i, item in enumerate(value):
        errs += validate(item, items, [*path, f"[{i}]"])
    return errs


def _object_checks(
    value: dict[str, Any], schema: dict[str, Any], path: list[str], root: bool
) -> list[FieldError]:
    errs: list[FieldError] = []
    for name in schema.get("required") or []:
        if isinstance(name, str) and name not in value:
            errs.append(required_value(path_text([*path, name])))
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    for k, v in value.items():
        if root and k in ROOT_FIELDS:
            continue
        if isinstance(props, dict) and k in props:
            errs += validate(v, props[k], [*path, k])
        elif isinstance(extra, dict):
            errs += validate(v, extra, [*path, k])
    return errs
