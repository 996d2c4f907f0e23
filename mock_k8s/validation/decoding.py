"""What a JSON decoder into Go structs would say about a body: duplicate keys, Go type names and
the texts of encoding/json's errors.

``parse_pairs`` re-reads the raw JSON body keeping every key (so duplicates can be reported in
document order); ``Pairs`` is that object form; ``read_json`` reads it that way only when it may
repeat a key. The message helpers produce upstream's texts
(``json: cannot unmarshal string into Go struct field ...``). No HTTP, no storage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson


class Pairs(list[tuple[str, Any]]):
    """A JSON object as read: its (key, value) pairs in order, duplicates kept."""


# one decoder for every body (json.loads with a hook built a JSONDecoder per call)
_PAIRS_DECODER = json.JSONDecoder(object_pairs_hook=Pairs)


def parse_pairs(raw: bytes, mimetype: str) -> Any:
    """The body with every object as ``Pairs``; None when it is not JSON (YAML, protobuf)."""
    if not raw or "yaml" in mimetype or raw[:4] == b"k8s\x00":
        return None
    try:
        return _PAIRS_DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except ValueError:
        return None


def read_json(raw: bytes, mimetype: str) -> Any:
    """The body as ``parse_pairs`` reads it, with plain dicts instead of ``Pairs`` when it
    provably repeats no key; None when it is not JSON. Decoded by orjson (about a fifth of the
    stdlib decoder calling a pairs hook per object), then its colons are counted: without a
    ``\\u`` escape in the body, a colon is either a member's or inside a string, and a decoded
    string holds the colons of its text (no other escape makes one, and neither encoder escapes
    one). So the body has one colon per member plus those of all its strings, the value encoded
    again one per key it kept plus those of the strings it kept: the counts are equal only when
    no member was dropped as a repeated key. Any other body (an escape, a count that differs,
    what orjson refuses) is read by ``parse_pairs``."""
    if not raw or "yaml" in mimetype or raw[:4] == b"k8s\x00":
        return None
    if b"\\u" not in raw:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = None
        if value is not None:
            try:
                again = orjson.dumps(value)
            except TypeError:  # an integer beyond 64 bits
                again = b""
            if again.count(b":") == raw.count(b":"):
                return value
    return parse_pairs(raw, mimetype)


def items(value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, Pairs):
        return value
    assert isinstance(value, dict)
    return value.items()


def is_object(value: Any) -> bool:
    return isinstance(value, dict | Pairs)


def plain(value: Any) -> Any:
    """``Pairs`` back to dicts (the last of duplicate keys wins, as in Go)."""
    if isinstance(value, Pairs):
        return {k: plain(v) for k, v in value}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def json_kind(value: Any) -> str:
    """The JSON kind encoding/json names in an UnmarshalTypeError."""
    if isinstance(value, Pairs):  # a list subclass, but a JSON object
        return "object"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    return json.dumps(value)


def path_text(path: list[str]) -> str:
    """``spec.template.spec.containers[0].name`` from its segments."""
    out = ""
    for seg in path:
        if seg.startswith("["):
            out += seg
        else:
            out += ("." if out else "") + seg
    return out


def go_format(value: Any) -> str:
    """Go's ``%+v`` of a decoded JSON value (``map[spec:map[port:80]]``)."""
    if isinstance(value, Pairs):
        value = plain(value)
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{go_format(value[k])}" for k in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def go_json(value: Any) -> str:
    """Go's json.Marshal of a decoded object: sorted keys, compact, HTML characters escaped."""
    text = json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def duplicate_fields(value: Any, path: list[str] | None = None) -> list[str]:
    """``duplicate field "a.b"`` for every repeated key of a ``Pairs`` tree, in document order."""
    path = path or []
    out: list[str] = []
    if isinstance(value, Pairs):
        seen: set[str] = set()
        for k, v in value:
            if k in seen:
                out.append(f'duplicate field "{path_text([*path, k])}"')
            seen.add(k)
            out += duplicate_fields(v, [*path, k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += duplicate_fields(v, [*path, f"[{i}]"])
    return out
