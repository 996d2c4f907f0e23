"""A small field-schema language and the validator that checks request bodies against it.

A field spec is one of: a scalar kind (``STR``, ``INT``, ``BOOL``, ``NUM``, ``ANY``, ``REF``), an
``Enum``, a ``ListOf`` or an ``Obj`` (named fields, required ones, strict (unknown keys
dropped) or lenient (kept)). ``validate`` walks a body against a spec and raises ``BadRequest``
with a field path; it never resolves references or touches the store (``object_types.py`` holds the
per-type specs).

``plan(spec)`` compiles a spec once into a ``Plan``: ``check`` is ``validate`` of the body with
empty references dropped first (``refs.drop_empty_refs``), in one pass that tests scalars
inline and formats a field path only for an error; ``fill`` is ``apply_defaults`` visiting only
the objects that have defaults somewhere below. Both give what the walks above give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from mock_avi import errors
from mock_avi.errors import BadRequest
from mock_avi.refs import RefWalk, drop_empty_refs, is_ref_key

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


# ----- compiled plans: validate + drop_empty_refs, apply_defaults ------------------------------
# A compiled check takes only the value: the field path is put together only for an error, from
# the keys and indexes a ``_Miss`` collects on its way out (no path text per object, per field
# or per list item of a body that passes).
Check = Callable[[Any], Any]  # value -> the value checked and cleaned; raises _Miss
_K_STR, _K_BOOL, _K_INT, _K_NUM, _K_ANY, _K_SUB, _K_SCALARS = range(7)
_KIND_OF = {STR: _K_STR, REF: _K_STR, BOOL: _K_BOOL, INT: _K_INT, NUM: _K_NUM, ANY: _K_ANY}
_EXPECTED = ("a string", "a boolean", "an integer", "a number")
_N_PLAIN, _N_REF, _N_REFS = range(3)  # a key named like neither, ``*_ref``, ``*_refs``


def _name_kind(key: str) -> int:
    return _N_REF if key.endswith("_ref") else _N_REFS if key.endswith("_refs") else _N_PLAIN


def _scalar_ok(kind: int, value: Any) -> bool:
    if kind == _K_STR:
        return isinstance(value, str)
    if kind == _K_BOOL:
        return isinstance(value, bool)
    if kind == _K_INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Miss(Exception):
    """A compiled check's failure: ``error(path)`` is the ``BadRequest`` to raise for the
    field path; ``at`` records, innermost first, the key or index of each level it leaves."""

    def __init__(self, error: Callable[[str], BadRequest]) -> None:
        self.error = error
        self.where: list[str | int] = []

    def at(self, step: str | int) -> _Miss:
        self.where.append(step)
        return self

    def raised(self, path: str) -> BadRequest:
        for step in reversed(self.where):
            if isinstance(step, int):
                path = f"{path}[{step}]"
            else:
                path = f"{path}.{step}" if path else step
        return self.error(path)


def _wrong(value: Any, expected: str) -> _Miss:
    # the value as validate saw it: after drop_empty_refs
    return _Miss(lambda path: _type_error(path, drop_empty_refs(value), expected))


def _required() -> _Miss:
    return _Miss(lambda path: BadRequest(errors.FIELD_REQUIRED.format(field=path)))


def _walked(spec: Spec, value: Any) -> _Miss:
    # what ``validate`` reports for ``value`` at the path (it is pure: run again with it)
    def error(path: str) -> BadRequest:
        try:
            validate(spec, value, path, "")
        except BadRequest as exc:
            return exc
        raise AssertionError("validate passed a value it failed")

    return _Miss(error)


class Plan:
    """One spec compiled: ``check`` (drop empty refs + validate) and ``fill`` (defaults)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._check: Check = _compile(spec)
        self.has_defaults = _has_defaults(spec)

    def check(self, value: Any, path: str) -> Any:
        """``validate(spec, drop_empty_refs(value), path, ...)``."""
        try:
            return self._check(value)
        except _Miss as miss:
            raise miss.raised(path) from None

    def fill(self, value: Any) -> Any:
        """``apply_defaults(spec, value)``."""
        if self.has_defaults:
            _fill(self.spec, value)
        return value


_PLANS: dict[int, tuple[Spec, Plan]] = {}
_CHECKS: dict[int, tuple[Spec, Check]] = {}


def plan(spec: Spec) -> Plan:
    """The compiled ``Plan`` of ``spec`` (made on first use, then kept)."""
    hit = _PLANS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    made = Plan(spec)
    _PLANS[id(spec)] = (spec, made)
    return made


def _compile(spec: Spec) -> Check:
    if isinstance(spec, str):
        return _compile_scalar(spec)
    hit = _CHECKS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    check: Check
    if isinstance(spec, Enum):
        check = _compile_enum(spec)
    elif isinstance(spec, ListOf):
        check = _compile_list(spec)
    else:
        check = _compile_obj(spec)
    _CHECKS[id(spec)] = (spec, check)
    return check


def _compile_scalar(kind_name: str) -> Check:
    kind = _KIND_OF[kind_name]
    if kind == _K_ANY:
        return drop_empty_refs
    expected = _EXPECTED[kind]

    def check(value: Any) -> Any:
        if not _scalar_ok(kind, value):
            raise _wrong(value, expected)
        return value

    return check


def _compile_enum(spec: Enum) -> Check:
    choices = frozenset(spec.choices)
    shown = ", ".join(spec.choices)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in choices:
            raise _Miss(
                lambda path: BadRequest(
                    errors.BAD_ENUM.format(field=path, value=drop_empty_refs(value), choices=shown)
                )
            )
        return value

    return check


def _scalar_items(kind: int, value: Any) -> list[Any]:
    """A list of scalars of ``kind`` checked (a copy); ``_Miss`` at the first wrong item."""
    if not isinstance(value, list):
        raise _wrong(value, "a list")
    if kind == _K_STR:
        for v in value:
            if not isinstance(v, str):
                break
        else:
            return list(value)
    for i, v in enumerate(value):
        if not _scalar_ok(kind, v):
            raise _wrong(v, _EXPECTED[kind]).at(i)
    return list(value)


def _compile_list(spec: ListOf) -> Check:
    item = spec.item
    if isinstance(item, str) and _KIND_OF[item] != _K_ANY:
        kind = _KIND_OF[item]
        return lambda value: _scalar_items(kind, value)
    sub = _compile(item)

    def check(value: Any) -> Any:
        if not isinstance(value, list):
            raise _wrong(value, "a list")
        out: list[Any] = []
        append = out.append
        try:
            for v in value:
                append(sub(v))
        except _Miss as miss:
            raise miss.at(len(out)) from None
        return out

    return check


_Field = tuple[int, int, Any, Spec]  # (kind, name kind, sub check or item kind, spec)


def _field(key: str, spec: Spec) -> _Field:
    if isinstance(spec, str):
        return (_KIND_OF[spec], _name_kind(key), None, spec)
    if isinstance(spec, ListOf) and isinstance(spec.item, str) and _KIND_OF[spec.item] != _K_ANY:
        return (_K_SCALARS, _name_kind(key), _KIND_OF[spec.item], spec)
    return (_K_SUB, _name_kind(key), _compile(spec), spec)


def _compile_obj(spec: Obj) -> Check:
    # complete before the check can run (specs are built bottom-up: no cycles to recurse into)
    fields: dict[str, _Field] = {k: _field(k, s) for k, s in spec.fields.items()}
    get = fields.get
    strict = spec.strict
    required = spec.required
    unknown = {n: _field(k, s) for n, k, s in ((_N_REF, "x_ref", REF), (_N_REFS, "x_refs", REFS))}
    unknown[_N_PLAIN] = _field("x", ANY)

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            raise _wrong(value, "an object")
        out: dict[str, Any] = {}
        key = ""
        try:
            for key, val in value.items():
                if val is None:
                    continue
                f = get(key)
                if f is None:
                    if strict:
                        continue
                    f = unknown[_name_kind(key)]
                kind, name_kind, sub, sub_spec = f
                if name_kind == _N_REF:
                    if isinstance(val, str) and not val.strip():
                        continue  # an empty reference: not set
                elif name_kind == _N_REFS and isinstance(val, list):
                    # empty elements dropped, the others as given (not walked for empty refs)
                    kept = [r for r in val if not (isinstance(r, str) and not r.strip())]
                    out[key] = _listed(sub_spec, kept)
                    continue
                if kind == _K_STR:
                    if not isinstance(val, str):
                        raise _wrong(val, "a string")
                    out[key] = val
                elif kind == _K_SUB:
                    out[key] = sub(val)
                elif kind == _K_SCALARS:
                    out[key] = _scalar_items(sub, val)
                elif kind == _K_ANY:
                    out[key] = drop_empty_refs(val)
                elif _scalar_ok(kind, val):
                    out[key] = val
                else:
                    raise _wrong(val, _EXPECTED[kind])
        except _Miss as miss:
            raise miss.at(key) from None
        for key in required:
            if key not in out or out[key] == "":
                raise _required().at(key)
        return out

    return check


def _listed(spec: Spec, kept: list[Any]) -> Any:
    """``validate(spec, kept, ...)`` of a ``*_refs`` list (its items not walked for empty refs):
    a list of references or strings tested here, any other spec walked by ``validate``."""
    if isinstance(spec, ListOf) and spec.item in (REF, STR):
        for v in kept:
            if not isinstance(v, str):
                break
        else:
            return kept
    try:
        return validate(spec, kept, "", "")
    except BadRequest:
        raise _walked(spec, kept) from None


def _has_defaults(spec: Spec) -> bool:
    if isinstance(spec, ListOf):
        return _has_defaults(spec.item)
    if not isinstance(spec, Obj):
        return False
    return bool(spec.defaults) or any(_has_defaults(s) for s in spec.fields.values())


_FILLS: dict[int, tuple[Obj, tuple[tuple[str, Any, bool], ...], tuple[tuple[str, Spec], ...]]] = {}


def _fill(spec: Spec, value: Any) -> None:
    """``apply_defaults``, descending only where some object below has defaults."""
    if isinstance(spec, ListOf):
        if isinstance(value, list):
            for item in value:
                _fill(spec.item, item)
        return
    if not isinstance(spec, Obj) or not isinstance(value, dict):
        return
    hit = _FILLS.get(id(spec))
    if hit is None or hit[0] is not spec:
        defaults = tuple((k, v, isinstance(v, dict | list)) for k, v in spec.defaults.items())
        below = tuple((k, s) for k, s in spec.fields.items() if _has_defaults(s))
        hit = _FILLS[id(spec)] = (spec, defaults, below)
    for key, default, mutable in hit[1]:
        if key not in value:
            value[key] = _copy(default) if mutable else default
    for key, sub in hit[2]:
        val = value.get(key)
        if val is not None:
            _fill(sub, val)
