"""A stored JSON object -> its protobuf message, for clients that accept protobuf only.

The reverse of ``tojson``: every known field with a non-null value is set; fields the message
does not have are left out (as Go's protobuf encoding of a struct would never carry them).
A value of the wrong JSON type is skipped rather than failing the whole answer. No HTTP.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from typing import Any

from mock_k8s.protobuf import descriptors, schema

_SCALAR = {"string": str, "int": int, "bool": bool, "float": float}


def _set_time(msg: Any, value: Any) -> None:
    text = str(value)
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    seconds = int(t.timestamp() // 1)
    msg.f1 = seconds
    msg.f2 = t.microsecond * 1000


def _fill_value(msg: Any, fld: schema.Field, value: Any) -> None:
    """Set ``msg`` (a message of the field's value type) from ``value``."""
    kind = fld.kind
    if kind == "message":
        from_json(value, fld.message or "", msg)
    elif kind in ("time", "microtime"):
        _set_time(msg, value)
    elif kind == "intstr":
        if isinstance(value, str):
            msg.f1, msg.f3 = 1, value
        else:
            msg.f1, msg.f2 = 0, int(value)
    elif kind == "quantity":
        msg.f1 = str(value)
    elif kind == "raw":
        msg.f1 = json.dumps(value, separators=(",", ":")).encode()
    elif kind == "empty":
        msg.SetInParent()
    elif kind == "extra":
        msg.f1.extend(str(v) for v in value)
    elif kind == "orarray":
        if isinstance(value, list):
            for v in value:
                from_json(v, schema.SCHEMA_PROPS, msg.f2.add())
        else:
            from_json(value, schema.SCHEMA_PROPS, msg.f1)
    elif kind == "orbool":
        if isinstance(value, bool):
            msg.f1 = value
        else:
            msg.f1 = True
            from_json(value, schema.SCHEMA_PROPS, msg.f2)
    elif kind == "orstrings":
        if isinstance(value, list):
            msg.f2.extend(str(v) for v in value)
        else:
            from_json(value, schema.SCHEMA_PROPS, msg.f1)
    msg.SetInParent()


def _scalar(fld: schema.Field, value: Any) -> Any:
    if fld.kind == "bytes":
        return base64.b64decode(value)
    if fld.kind == "int" and isinstance(value, bool):
        raise TypeError("bool is not an int")
    return _SCALAR[fld.kind](value)


def _set(msg: Any, fld: schema.Field, value: Any) -> None:
    name = f"f{fld.number}"
    scalar = fld.kind in _SCALAR or fld.kind == "bytes"
    if fld.container == "list":
        target = getattr(msg, name)
        for v in value:
            if v is None:
                continue
            if scalar:
                target.append(_scalar(fld, v))
            else:
                _fill_value(target.add(), fld, v)
    elif fld.container == "map":
        target = getattr(msg, name)
        for k, v in value.items():
            if v is None:
                continue
            if scalar:
                target[str(k)] = _scalar(fld, v)
            else:
                _fill_value(target[str(k)], fld, v)
    elif scalar:
        setattr(msg, name, _scalar(fld, value))
    else:
        _fill_value(getattr(msg, name), fld, value)


@functools.cache
def _layout(name: str) -> schema.Message:
    return schema.message(name)


def _fill(layout: schema.Message, obj: dict[str, Any], msg: Any) -> None:
    for fld in layout.fields:
        value = obj.get(fld.json)
        if value is None:
            continue
        try:
            _set(msg, fld, value)
        except (TypeError, ValueError, AttributeError, OverflowError):
            msg.ClearField(f"f{fld.number}")
    for number, sub in layout.inline.items():
        _fill(sub, obj, getattr(msg, f"f{number}"))
        getattr(msg, f"f{number}").SetInParent()


def from_json(obj: Any, model: str, msg: Any | None = None) -> Any:
    """Fill (or make) the message of ``model`` from the JSON object ``obj``."""
    if msg is None:
        msg = descriptors.message_class(model)()
    if isinstance(obj, dict):
        _fill(_layout(model), obj, msg)
    return msg
