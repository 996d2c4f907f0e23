"""Decoded protobuf message -> the JSON object Go's encoding/json would write for it.

The real API server decodes protobuf into Go structs; what kubectl sends as JSON is those
structs marshalled. So every field follows its Go rules (``schema.Field``): pointers are kept
when present even if zero, ``omitempty`` scalars and slices are dropped when empty, fields
without ``omitempty`` are always written (zero when absent), non-pointer structs are always
written, ``omitzero`` drops a zero struct. Special shapes: Time/MicroTime -> RFC3339,
IntOrString -> int or string, Quantity -> string, bytes -> base64, raw JSON -> its value.
No HTTP, no storage.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import math
from collections.abc import Callable
from typing import Any

from mock_k8s.protobuf import schema

_ABSENT = object()
_ZERO_SCALARS: dict[str, Any] = {"string": "", "int": 0, "bool": False, "float": 0.0}
_STRUCTS = frozenset({"message", "time", "microtime", "intstr", "quantity", "empty", "raw"})


class DecodeError(ValueError):
    """Bytes that decode on the wire but not as the field's JSON (e.g. raw that is not JSON)."""


def _time(msg: Any, micro: bool) -> str | None:
    if not msg.HasField("f1") and not msg.HasField("f2"):
        return None  # Go's zero Time marshals as null
    try:
        t = dt.datetime.fromtimestamp(msg.f1, dt.UTC) + dt.timedelta(microseconds=msg.f2 // 1000)
    except (OverflowError, OSError, ValueError) as exc:
        raise DecodeError(f"time out of range: {msg.f1}s") from exc
    if micro:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _raw(msg: Any) -> Any:
    data = msg.f1
    if not data:
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise DecodeError(f"raw field is not JSON: {exc}") from exc


def _is_zero_time(msg: Any) -> bool:
    return not msg.HasField("f1") and not msg.HasField("f2")


def _text(value: Any) -> str:
    """A proto2 string with invalid UTF-8 comes back as bytes: Go keeps such bytes and its JSON
    encoder writes U+FFFD for them, so do the same."""
    if type(value) is str:
        return value
    return bytes(value).decode("utf-8", "replace")


def _finite(value: float) -> float:
    """NaN and infinities have no JSON form (Go's encoder refuses them too)."""
    if not math.isfinite(value):
        raise DecodeError(f"json: unsupported value: {value}")
    return value


def _converter(fld: schema.Field) -> Callable[[Any], Any]:
    kind = fld.kind
    if kind == "string":
        return _text
    if kind == "float":
        return _finite
    if kind in ("int", "bool"):
        return lambda v: v
    if kind == "bytes":
        return lambda v: base64.b64encode(v).decode()
    if kind == "message":
        name = fld.message or ""
        return lambda v: to_json(v, name)
    if kind in ("time", "microtime"):
        micro = kind == "microtime"
        return lambda v: _time(v, micro)
    if kind == "intstr":
        return lambda v: _text(v.f3) if v.f1 == 1 else v.f2
    if kind == "quantity":
        return lambda v: _text(v.f1) if v.HasField("f1") else "0"
    if kind == "raw":
        return _raw
    if kind == "empty":
        return lambda v: {}
    if kind == "extra":
        return lambda v: [_text(s) for s in v.f1]
    props = schema.SCHEMA_PROPS
    if kind == "orarray":
        return lambda v: (
            [to_json(s, props) for s in v.f2]
            if len(v.f2)
            else (to_json(v.f1, props) if v.HasField("f1") else None)
        )
    if kind == "orbool":
        return lambda v: to_json(v.f2, props) if v.HasField("f2") else bool(v.f1)
    if kind == "orstrings":
        return lambda v: (
            [_text(s) for s in v.f2]
            if len(v.f2)
            else (to_json(v.f1, props) if v.HasField("f1") else None)
        )
    raise schema.SchemaError(f"no converter for {kind}")


Handler = Callable[[dict[str, Any], Any], None]


def _handler(f: schema.Field) -> Handler:
    """What to write for a field present on the wire (Go's rules for that field)."""
    name, conv = f.json, _converter(f)
    if f.container == "list":

        def put_list(out: dict[str, Any], value: Any) -> None:
            out[name] = [conv(v) for v in value]

        return put_list
    if f.container == "map":

        def put_map(out: dict[str, Any], value: Any) -> None:
            out[name] = {_text(k): conv(v) for k, v in value.items()}

        return put_map
    if f.kind in _ZERO_SCALARS and not f.pointer:
        if f.always:

            def put_scalar(out: dict[str, Any], value: Any) -> None:
                out[name] = conv(value)

            return put_scalar

        def put_nonzero(out: dict[str, Any], value: Any) -> None:
            if value:
                out[name] = conv(value)

        return put_nonzero
    if f.kind == "bytes" and not f.pointer and not f.always:

        def put_bytes(out: dict[str, Any], value: Any) -> None:
            if value:
                out[name] = conv(value)

        return put_bytes
    if f.omitzero and f.kind in ("time", "microtime") and not f.pointer:

        def put_time(out: dict[str, Any], value: Any) -> None:
            if not _is_zero_time(value):
                out[name] = conv(value)

        return put_time

    def put(out: dict[str, Any], value: Any) -> None:
        out[name] = conv(value)

    return put


class _Plan:
    """How to write one message: per field number, a handler for the value on the wire."""

    def __init__(self, layout: schema.Message) -> None:
        self.handlers: dict[int, Handler] = {f.number: _handler(f) for f in layout.fields}
        self.convs = {f.number: _converter(f) for f in layout.fields}
        self.inline: dict[int, _Plan] = {n: _Plan(sub) for n, sub in layout.inline.items()}
        for number, sub in self.inline.items():
            self.handlers[number] = self._inline_handler(sub)
        # what Go writes for a field absent on the wire
        self.defaults: list[tuple[int, str, Any]] = []
        for f in layout.fields:
            value = self._absent_value(f)
            if value is not _ABSENT:
                self.defaults.append((f.number, f.json, value))
        self.presence = bool(self.defaults or self.inline)

    @staticmethod
    def _inline_handler(sub: _Plan) -> Handler:
        def put_inline(out: dict[str, Any], value: Any) -> None:
            sub.fill(value, out)

        return put_inline

    @staticmethod
    def _absent_value(f: schema.Field) -> Any:
        if f.pointer or f.container or f.kind in ("bytes", "extra"):
            return None if f.always else _ABSENT  # nil: null without omitempty
        if f.kind in _STRUCTS:
            if f.omitzero:
                return _ABSENT
            return _STRUCT_ZERO.get(f.kind, _ABSENT)
        return _ZERO_SCALARS[f.kind] if f.always else _ABSENT

    def fill(self, msg: Any, out: dict[str, Any]) -> None:
        handlers = self.handlers
        if not self.presence:
            for fd, value in msg.ListFields():
                handlers[fd.number](out, value)
            return
        present: set[int] = set()
        for fd, value in msg.ListFields():
            number = fd.number
            present.add(number)
            handlers[number](out, value)
        for number, sub in self.inline.items():
            if number not in present:
                sub.fill(getattr(msg, f"f{number}"), out)
        for number, name, value in self.defaults:
            if number not in present:
                if value is _MESSAGE_ZERO:
                    out[name] = self.convs[number](getattr(msg, f"f{number}"))
                else:
                    out[name] = value


_MESSAGE_ZERO = object()  # "convert the field's empty message" (its own defaults apply)
_STRUCT_ZERO: dict[str, Any] = {
    "message": _MESSAGE_ZERO,
    "time": None,
    "microtime": None,
    "intstr": 0,
    "quantity": "0",
    "empty": {},
    "raw": None,
}


@functools.cache
def _plan(name: str) -> _Plan:
    return _Plan(schema.message(name))


def to_json(msg: Any, model: str) -> dict[str, Any]:
    """The JSON object of a decoded message of ``model``."""
    out: dict[str, Any] = {}
    _plan(model).fill(msg, out)
    return out
