"""Compact copies of decoded JSON for the engine's long-lived caches.

``json.loads`` gives every document its own copies of every key and string value; a cache of
thousands of similar objects (Avi responses, Kubernetes objects) then holds thousands of copies
of the same keys, refs and defaults. :func:`compact` returns an equal copy whose dict keys and
strings are interned, so equal strings are shared across all cached objects. It never changes a
value (the copy compares equal to the input) and never mutates its input.

:func:`compact_like` does the same for a new version of a cached object: the parts equal to the
previous version's (most of an object after a status update) are taken from it as they are,
already compact, instead of being walked again. :func:`compact_top` interns only the top level
and the ``metadata`` of a Kubernetes object (the informers' stores).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_intern = sys.intern
_MISSING = object()


def compact(value: Any) -> Any:
    """An equal copy of a JSON value with interned keys and strings (containers are new)."""
    kind = type(value)
    if kind is dict:
        return _dict(value)
    if kind is list:
        return _list(value)
    if kind is str:
        return _intern(value)
    if isinstance(value, dict):
        return _dict(value)
    if isinstance(value, list):
        return _list(value)
    return value


# The leaves (strings, numbers, None) are handled inline, without a call per value: most of the
# values of an object are leaves.
def _dict(value: dict[Any, Any]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            item = _intern(item)
        elif kind is dict:
            item = _dict(item)
        elif kind is list:
            item = _list(item)
        elif item is not None and kind is not int and kind is not bool and kind is not float:
            item = compact(item)
        out[_intern(key) if type(key) is str else key] = item
    return out


def _list(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        kind = type(item)
        if kind is str:
            item = _intern(item)
        elif kind is dict:
            item = _dict(item)
        elif kind is list:
            item = _list(item)
        elif item is not None and kind is not int and kind is not bool and kind is not float:
            item = compact(item)
        out.append(item)
    return out


def compact_top(value: dict[str, Any]) -> dict[str, Any]:
    """A copy of a decoded Kubernetes object (a new top-level dict and a new ``metadata`` dict)
    whose top-level and ``metadata`` string values and keys are interned; everything deeper is
    kept as decoded (orjson already shares the strings of repeated keys). The walk of
    :func:`compact` over every nested value of each new Service and EndpointSlice was ~5-7% of
    the engine's samples at N=2000, for strings (port names, protocols, IPs) worth a few MB at
    10,000 Services. The copy compares equal to ``value``; ``value`` is not changed."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            item = _intern(item)
        elif kind is dict and key == "metadata":
            item = {
                _intern(name) if type(name) is str else name: (
                    _intern(field) if type(field) is str else field
                )
                for name, field in item.items()
            }
        out[_intern(key) if type(key) is str else key] = item
    return out


def compact_like(
    value: dict[str, Any], previous: dict[str, Any], fresh: Callable[[Any], Any] = compact
) -> dict[str, Any]:
    """A copy of ``value`` (a new version of the object ``previous``, both decoded JSON objects)
    that shares every value equal to ``previous``'s, at the top level and one level below
    (``metadata``'s fields); ``fresh`` makes the copy of the other values (default: compact).
    The copy compares equal to ``value``; neither input is changed."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        before = previous.get(key, _MISSING)
        kind = type(item)
        if type(before) is kind and before == item:
            item = before
        elif kind is dict and type(before) is dict:
            inner: dict[str, Any] = {}
            for name, field in item.items():
                was = before.get(name, _MISSING)
                if type(was) is not type(field) or was != field:
                    was = fresh(field)
                inner[_intern(name) if type(name) is str else name] = was
            item = inner
        else:
            item = fresh(item)
        out[_intern(key) if type(key) is str else key] = item
    return out
