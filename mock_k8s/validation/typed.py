"""Decoding checks of built-in kinds against their models, as the API server's JSON decoding
into Go structs does them.

``decode`` walks a body along the kind's model (``mock_k8s.openapi.models``): a value of the wrong
JSON type stops it with encoding/json's text (``DecodeError``), unknown and duplicate fields are
collected as strict decoding errors in document order (a field both unknown and duplicated is
reported once, as unknown), and the result is the body as Go would re-encode it: unknown fields
dropped, nulls omitted. No HTTP, no storage.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mock_k8s.errors import FieldError, required_value
from mock_k8s.openapi import models
from mock_k8s.openapi.models import TypeRef
from mock_k8s.validation.decoding import (
    Pairs,
    items,
    json_kind,
    number_text,
    path_text,
    plain,
)

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
MSG_QUANTITY = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
RANGES = {"int32": models.INT32_RANGE, "int64": models.INT64_RANGE}
ZERO: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False, "model": {}}


class DecodeError(Exception):
    """The first type error of a body (Go's decoder reports only the first)."""


@dataclass
class Result:
    obj: dict[str, Any]
    strict: list[str] = field(default_factory=list)  # unknown / duplicate field texts
    missing: list[FieldError] = field(default_factory=list)  # required fields absent (422)


def _type_error(value: Any, struct: str, gopath: Any, ref: TypeRef) -> DecodeError:
    kind = json_kind(value)
    if kind == "number" and ref.kind == "integer":
        kind = f"number {number_text(value)}"
    where = ".".join(_segments(gopath))
    return DecodeError(
        f"json: cannot unmarshal {kind} into Go struct field {struct}.{where} of type "
        f"{ref.go_name()}"
    )


def _base64_error(text: str) -> str | None:
    try:
        base64.b64decode(text.encode(), validate=True)
    except (binascii.Error, ValueError):
        allowed = re.compile(r"[A-Za-z0-9+/=]")
        for i, ch in enumerate(text):
            if not allowed.match(ch):
                return f"illegal base64 data at input byte {i}"
        return f"illegal base64 data at input byte {max(len(text) - len(text) % 4, 0)}"
    return None


Path = tuple[Any, str] | None  # (parent, segment): built cheaply, turned to text on error only


def _segments(path: Path) -> list[str]:
    out: list[str] = []
    while path is not None:
        path, seg = path
        out.append(seg)
    out.reverse()
    return out


_FAST = {"string": str, "boolean": bool}
_OBJECTS = (dict, Pairs)  # what ``is_object`` takes


def _fast(ref: TypeRef) -> tuple[type | None, tuple[int, int] | None]:
    """The Python type of the values of ``ref`` that ``Walker.scalar`` takes as they are
    without a look (integers: within the bounds given with it)."""
    if ref.kind == "integer":
        return int, RANGES.get(ref.fmt, models.INT64_RANGE)
    return _FAST.get(ref.kind), None


@dataclass(frozen=True)
class _Plan:
    """A model compiled for the walk: per JSON field its type and, for strings, booleans and
    integers, the Python type that needs no further check (an integer: within its bounds);
    the Go struct name; the required fields."""

    fields: dict[str, tuple[TypeRef, type | None, tuple[int, int] | None]]
    short: str
    required: tuple[str, ...]


_PLANS: dict[str, _Plan | None] = {}


def _plan(name: str) -> _Plan | None:
    try:
        return _PLANS[name]
    except KeyError:
        pass
    m = models.model(name)
    plan = None
    if m is not None:
        plan = _Plan(
            {k: (f.type, *_fast(f.type)) for k, f in m.fields.items()},
            m.short,
            tuple(n for n, f in m.fields.items() if f.required),
        )
    _PLANS[name] = plan
    return plan


class Walker:
    def __init__(self) -> None:
        self.strict: list[str] = []
        self.missing: list[FieldError] = []

    def value(self, value: Any, ref: TypeRef, path: Path, gopath: Path, struct: str) -> Any:
        kind = ref.kind
        if kind == "model":
            return self.model(value, ref, path, gopath, struct)
        if kind == "list":
            if not isinstance(value, list) or isinstance(value, Pairs):  # Pairs: an object
                raise _type_error(value, struct, gopath, ref)
            assert ref.item is not None
            out = []
            item_ref = ref.item
            item_kind = item_ref.kind
            for i, item in enumerate(value):
                if item is None:
                    out.append(ZERO.get(item_kind))
                elif item_kind == "string" and type(item) is str:
                    out.append(item)
                elif item_kind == "model":  # what ``value`` would call, one call less
                    out.append(self.model(item, item_ref, (path, f"[{i}]"), gopath, struct))
                else:
                    out.append(self.value(item, item_ref, (path, f"[{i}]"), gopath, struct))
            return out
        if kind == "map":
            if not isinstance(value, _OBJECTS):
                raise _type_error(value, struct, gopath, ref)
            assert ref.item is not None
            result: dict[str, Any] = {}
            item_kind = ref.item.kind
            for k, v in items(value):
                if v is None:
                    result[k] = ZERO.get(item_kind)
                elif item_kind == "string" and type(v) is str:
                    result[k] = v
                else:
                    result[k] = self.value(v, ref.item, (path, k), gopath, struct)
            return result
        return self.scalar(value, ref, gopath, struct)

    def model(
        self,
        value: Any,
        ref: TypeRef,
        path: Path,
        gopath: Path,
        struct: str,
        given: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """``given``: fields taken as they are, unchecked (the root's only, see ``decode``)."""
        if not isinstance(value, _OBJECTS):
            raise _type_error(value, struct, gopath, ref)
        plan = _PLANS[ref.model] if ref.model in _PLANS else _plan(ref.model)
        if plan is None:
            return plain(value)  # type: ignore[no-any-return]
        fields = plan.fields
        out: dict[str, Any] = {}
        # only Pairs (read from a body that repeats a key) can repeat one: a dict's keys need
        # no bookkeeping of what was seen
        pairs: Iterable[tuple[str, Any]]
        if isinstance(value, Pairs):
            repeats, pairs = True, value
            seen: set[str] = set()
            unknown: set[str] = set()
        else:
            repeats, pairs = False, value.items()
        for key, v in pairs:
            f = fields.get(key)
            if f is None:
                if not repeats or key not in unknown:
                    if repeats:
                        unknown.add(key)
                    self.strict.append(f'unknown field "{path_text(_segments((path, key)))}"')
                continue
            if repeats:
                if key in seen:
                    self.strict.append(f'duplicate field "{path_text(_segments((path, key)))}"')
                seen.add(key)
            if v is None:
                out.pop(key, None)
                continue
            if given and key in given:
                out[key] = v
                continue
            ftype, fast, bounds = f
            vtype = type(v)
            if vtype is fast and (bounds is None or bounds[0] <= v <= bounds[1]):
                out[key] = v
                continue
            if ftype.kind == "model":  # what ``value`` would call, one call less
                out[key] = self.model(v, ftype, (path, key), (gopath, key), plan.short)
                continue
            out[key] = self.value(v, ftype, (path, key), (gopath, key), plan.short)
        for name in plan.required:
            if name not in out:
                self.missing.append(required_value(path_text(_segments((path, name)))))
        return out

    @staticmethod
    def scalar(value: Any, ref: TypeRef, gopath: Path, struct: str) -> Any:
        kind = ref.kind
        if kind == "string":
            if not isinstance(value, str):
                raise _type_error(value, struct, gopath, ref)
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _type_error(value, struct, gopath, ref)
            low, high = RANGES.get(ref.fmt, models.INT64_RANGE)
            if isinstance(value, float) or not low <= value <= high:
                raise _type_error(value, struct, gopath, ref)
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _type_error(value, struct, gopath, ref)
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise _type_error(value, struct, gopath, ref)
        elif kind == "bytes":
            if not isinstance(value, str):
                raise _type_error(value, struct, gopath, ref)
            problem = _base64_error(value)
            if problem:
                raise DecodeError(problem)
        elif kind == "time":
            if not isinstance(value, str):
                raise DecodeError(
                    f"json: cannot unmarshal {json_kind(value)} into Go value of type string"
                )
            if not RFC3339.match(value):
                raise DecodeError(
                    f'parsing time "{value}" as "2006-01-02T15:04:05Z07:00": cannot parse '
                    f'"{value}" as "2006"'
                )
        elif kind == "int-or-string":
            if isinstance(value, str):
                return value
            if isinstance(value, bool) or not isinstance(value, int):
                kind_text = json_kind(value)
                if kind_text == "number":
                    kind_text = f"number {number_text(value)}"
                raise DecodeError(f"json: cannot unmarshal {kind_text} into Go value of type int32")
            low, high = models.INT32_RANGE
            if not low <= value <= high:
                raise DecodeError(
                    f"json: cannot unmarshal number {value} into Go value of type int32"
                )
        elif kind == "quantity":
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise DecodeError(MSG_QUANTITY)
            if not QUANTITY.match(value if isinstance(value, str) else number_text(value)):
                raise DecodeError(MSG_QUANTITY)
        else:  # any
            return plain(value)
        return value


def decode(model_name: str, body: Any, kind: str, given: frozenset[str] = frozenset()) -> Result:
    """Check ``body`` (a dict, or ``Pairs`` read from the raw JSON) as a ``model_name``;
    ``given``: top-level fields kept as they are, unchecked (a status write's stored spec, which
    the write replaces with the stored one anyway)."""
    walker = Walker()
    ref = TypeRef("model", model=model_name)
    obj = walker.model(body, ref, None, None, kind, given)
    return Result(obj, walker.strict, walker.missing)
