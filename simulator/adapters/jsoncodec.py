"""JSON for the engine's transports: orjson, with the standard library behind it.

Every watch event, every answer and every request body of the engine goes through here. orjson
decodes and encodes several times faster than ``json`` and shares the strings of repeated keys.
Where the two differ (``NaN``/``Infinity`` literals, integers beyond 64 bits, keys that are not
strings) the standard library's result is used, so the values are those ``json`` would give;
only ``NaN`` and infinities are written as ``null`` (valid JSON has no such numbers).
It decodes and encodes only: no I/O, no schema.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    """The JSON value in ``data``; ``ValueError`` if it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)  # what orjson refuses and json reads, or json's own error


def dumps(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()
