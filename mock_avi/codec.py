"""The mock's JSON codec: orjson, with the standard library behind it where the two differ.

``dumps`` gives compact UTF-8 JSON bytes; ``loads`` parses bytes or text. orjson refuses what
the standard library accepts (``NaN``, nesting past 1024 levels, ...) and reads integers of 20
digits or more as floats; those bodies go to ``json``, so every body reads as before and every
error is reported as before (the same exceptions and texts). ``dumps`` falls back to ``json``
for what orjson cannot write (huge ints, lone surrogates) or would write otherwise (``NaN`` and
``Infinity`` read from a body stay so). No HTTP, no state.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # a value orjson cannot encode (a huge int, a surrogate, a set key, ...)
        return json.dumps(value, separators=(",", ":")).encode()


class NonFinite(float):
    """``NaN`` / ``Infinity`` read by the standard library: orjson would write them as ``null``;
    being a float subclass, they make ``dumps`` take the standard library, which writes them
    back as they came."""


def _float(text: str) -> float:
    value = float(text)
    return value if math.isfinite(value) else NonFinite(text)  # 1e400 -> Infinity, as before


# orjson reads an integer of 20 digits or more as a float, where json keeps an int; a float
# whose exponent has 3 digits may overflow. Such bodies (a match of ``_RISKY`` anywhere in the
# bytes) go to the standard library. In a JSON number the exponent always follows a digit, so
# text such as a name ending "e-103" is no match (a digit before the "e" is: a uuid's "1e582"
# still sends its body the slow way, which is only slower). ``_risky`` finds the same matches
# without the regular expression (150-220 us for a 1 KB body): digits read as 0, e/E as e,
# +/- as +, the rest blank, then three substring tests (8 us).
_RISKY = re.compile(rb"[0-9]{20}|[0-9][eE][+-]?[0-9]{3}")
_SHAPES = bytearray(b" " * 256)
for _c in b"0123456789":
    _SHAPES[_c] = ord("0")
for _c in b"eE":
    _SHAPES[_c] = ord("e")
for _c in b"+-":
    _SHAPES[_c] = ord("+")
_SHAPE_TABLE = bytes(_SHAPES)
del _SHAPES, _c


def _risky(data: bytes) -> bool:
    """``_RISKY.search(data) is not None``."""
    shape = data.translate(_SHAPE_TABLE)
    return b"0" * 20 in shape or b"0e000" in shape or b"0e+000" in shape


def loads(raw: bytes | str) -> Any:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if not _risky(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the standard library accepts more, and words the errors the mock reports
    return json.loads(raw, parse_constant=NonFinite, parse_float=_float)
