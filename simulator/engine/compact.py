"""Compact copies of decoded JSON for the engine's long-lived caches.

``json.loads`` gives every document its own copies of every key and string value; a cache of
thousands of similar objects (Avi responses, Kubernetes objects) then holds thousands of copies
of the same keys, refs and defaults. :func:`compact` returns an equal copy whose dict keys and
strings are interned, so equal strings are shared across all cached objects. It never changes a
value (the copy compares equal to the input) and never mutates its input.
"""

from __future__ import annotations

import sys
from typing import Any

_intern = sys.intern


def compact(value: Any) -> Any:
    """An equal copy of a JSON value with interned keys and strings (containers are new)."""
    if isinstance(value, dict):
        return {_intern(k) if type(k) is str else k: compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [compact(v) for v in value]
    if type(value) is str:
        return _intern(value)
    return value
