"""A small field-schema language and the validator that checks request bodies against it.

A field spec is one of: a scalar kind (``STR``, ``INT``, ``BOOL``, ``NUM``, ``ANY``, ``REF``), an
``Enum``, a ``ListOf`` or an ``Obj`` (named fields, required ones, strict (unknown keys
dropped) or lenient (kept)). ``validate`` walks a body against a spec and raises ``BadRequest``
with a field path; it never resolves references or touches the store (``object_types.py`` holds the
per-type specs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from mock_avi import errors
from mock_avi.errors import BadRequest
from mock_avi.refs import RefWalk, is_ref_key

STR = "string"
INT = "integer"
BOOL = "boolean"
NUM = "number"
ANY = "any"
REF = "reference"


@dataclass(frozen=True)
class Enum:
    choices: tuple[str, ...]


@dataclass(frozen=True)
class ListOf:
    item: Spec


@dataclass(frozen=True)
class Obj:
    fields: Mapping[str, Spec]
    required: tuple[str, ...] = ()
    # strict: ``fields`` is the schema's complete list and unknown keys are dropped, as the
    # real controller drops them (a VS POSTed with an unknown key is created without it);
    # lenient: a partial list, unknown keys are kept as given.
    strict: bool = False
    defaults: Mapping[str, Any] = field(default_factory=dict)


Spec = Union[str, Enum, ListOf, Obj]  # noqa: UP007 (recursive alias needs Union at runtime)

REFS = ListOf(REF)
STRS = ListOf(STR)
INTS = ListOf(INT)


def _type_error(path: str, value: Any, expected: str) -> BadRequest:
    return BadRequest(errors.WRONG_TYPE.format(field=path, value=value, expected=expected))


def _check_scalar(kind: str, value: Any, path: str) -> Any:
    if kind == ANY:
        return value
    if kind in (STR, REF):
        if not isinstance(value, str):
            raise _type_error(path, value, "a string")
        return value
    if kind == BOOL:
        if not isinstance(value, bool):
            raise _type_error(path, value, "a boolean")
        return value
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(path, value, "an integer")
        return value
    if kind == NUM:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_error(path, value, "a number")
        return value
    raise AssertionError(f"unknown scalar kind {kind}")


def validate(spec: Spec, value: Any, path: str, model: str) -> Any:
    """Return ``value`` checked against ``spec`` (nulls inside objects dropped)."""
    if isinstance(spec, str):
        return _check_scalar(spec, value, path)
    if isinstance(spec, Enum):
        if not isinstance(value, str) or value not in spec.choices:
            raise BadRequest(
                errors.BAD_ENUM.format(field=path, value=value, choices=", ".join(spec.choices))
            )
        return value
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            raise _type_error(path, value, "a list")
        return [validate(spec.item, v, f"{path}[{i}]", model) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        raise _type_error(path, value, "an object")
    out: dict[str, Any] = {}
    prefix = f"{path}." if path else ""
    for key, val in value.items():
        if val is None:
            continue
        sub = spec.fields.get(key)
        if sub is None:
            if spec.strict:
                continue
            sub = REF if key.endswith("_ref") else REFS if key.endswith("_refs") else ANY
        out[key] = validate(sub, val, prefix + key, model)
    for key in spec.required:
        if key not in out or out[key] == "":
            raise BadRequest(errors.FIELD_REQUIRED.format(field=prefix + key))
    return out


def apply_defaults(spec: Spec, value: Any) -> Any:
    """Fill ``Obj.defaults`` in place, recursively; returns ``value``."""
    if isinstance(spec, ListOf) and isinstance(value, list):
        for item in value:
            apply_defaults(spec.item, item)
    elif isinstance(spec, Obj) and isinstance(value, dict):
        for key, default in spec.defaults.items():
            if key not in value:
                value[key] = _copy(default)
        for key, val in value.items():
            sub = spec.fields.get(key)
            if sub is not None and not isinstance(sub, str):
                apply_defaults(sub, val)
    return value


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


_WALKS: dict[int, tuple[Obj, RefWalk]] = {}


def ref_walk(spec: Obj) -> RefWalk:
    """Where values of ``spec`` can hold references (``refs.map_planned``), worked out once."""
    hit = _WALKS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    skip: set[str] = set()
    into: dict[str, RefWalk] = {}
    for key, sub in spec.fields.items():
        if is_ref_key(key):
            continue  # a reference (or something named like one): walked as map_refs does
        item = sub.item if isinstance(sub, ListOf) else sub
        if isinstance(item, Enum) or (isinstance(item, str) and item != ANY):
            skip.add(key)
        elif isinstance(item, Obj):
            walk = ref_walk(item)
            if _closed(item, walk):
                skip.add(key)
            else:
                into[key] = walk
    walk = RefWalk(frozenset(skip), into)
    _WALKS[id(spec)] = (spec, walk)
    return walk


def _closed(spec: Obj, walk: RefWalk) -> bool:
    """True when no value of ``spec`` can hold a reference: strict (no unknown keys kept) and
    every field skipped."""
    return spec.strict and len(walk.skip) == len(spec.fields)
