"""Reference strings: parsing the forms clients send and rendering the form the API returns.

Accepted on write: ``https://host/api/pool/pool-1#p1``, ``/api/pool/pool-1``,
``/api/pool?name=p1`` (also ``/api/pool/?name=p1&cloud=c&tenant=t``) and a bare uuid. Stored
form is always the host-less path ``/api/<type>/<uuid>``; rendered form is
``<base>/api/<type>/<uuid>`` plus ``#<name>`` when asked. Pure string work, no store access.

``parse_ref`` reads the common host-less forms with string operations (``urlsplit`` and
``parse_qs`` only for the rest) and keeps its answers (a bounded dict: parsing is pure).
``map_planned`` is ``map_refs`` told by a ``RefWalk`` (compiled from a type's schema in
``schema.py``) which keys cannot hold references, so it neither walks nor copies them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class ParsedRef:
    type: str | None
    uuid: str | None
    name: str | None = None
    cloud: str | None = None
    tenant: str | None = None


_PARSED: dict[str, ParsedRef | None] = {}
_PARSED_MAX = 8192  # distinct reference strings kept; the dict starts over past it
# Characters after which a host-less ``/api/...`` reference needs ``urlsplit``/``parse_qs``
# (removed by urlsplit, or decoded by parse_qs); without them both are plain splits.
_NEEDS_URLLIB = ("\t", "\r", "\n", "%", "+")


def parse_ref(value: str) -> ParsedRef | None:
    """Split a reference into its parts; ``None`` when it is not a reference at all."""
    try:
        return _PARSED[value]
    except KeyError:
        pass
    parsed = _parse(value)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[value] = parsed
    return parsed


def _parse(value: str) -> ParsedRef | None:
    value = value.strip()
    if not value:
        return None
    if "/" not in value and "?" not in value:
        return ParsedRef(None, value.split("#", 1)[0])
    query: dict[str, list[str]]
    if value.startswith("/api/") and not any(c in value for c in _NEEDS_URLLIB):
        # what urlsplit and parse_qs(keep_blank_values=True) give for this form
        path, _, text = value.split("#", 1)[0].partition("?")
        query = {}
        for pair in text.split("&"):
            if pair:
                key, _, val = pair.partition("=")
                query.setdefault(key, []).append(val)
    else:
        parts = urlsplit(value)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
    idx = path.find("/api/")
    if idx < 0:
        return None
    segments = [s for s in path[idx + 5 :].split("/") if s]
    if not segments:
        return None
    obj_type = segments[0]
    if len(segments) >= 2:
        return ParsedRef(obj_type, segments[1])
    names = query.get("name")
    if not names:
        return None
    return ParsedRef(
        obj_type,
        None,
        name=names[0],
        cloud=_first(query.get("cloud")),
        tenant=_first(query.get("tenant")),
    )


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def stored(obj_type: str, uuid: str) -> str:
    return f"/api/{obj_type}/{uuid}"


def is_ref_key(key: str) -> bool:
    return key.endswith("_ref") or key.endswith("_refs")


def map_refs(value: Any, fn: Callable[[str, str], str], key: str = "") -> Any:
    """Return a copy of ``value`` with every ``*_ref`` / ``*_refs`` string passed through ``fn``.

    ``fn(field_name, ref)`` returns the replacement string.
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k.endswith("_ref") and isinstance(v, str):
                out[k] = fn(k, v)
            elif k.endswith("_refs") and isinstance(v, list):
                out[k] = [fn(k, r) if isinstance(r, str) else r for r in v]
            else:
                out[k] = map_refs(v, fn, k)
        return out
    if isinstance(value, list):
        return [map_refs(v, fn, key) for v in value]
    return value


# How ``map_planned`` treats a key it does not skip (worked out once per key of a shape).
_INTO, _REF, _REFS, _OTHER = range(4)
Step = tuple[str, int, "RefWalk | None"]  # (key, how, the walk of its value for _INTO)


@dataclass(frozen=True)
class RefWalk:
    """Where an object of one schema can hold references, for ``map_planned``.

    ``skip``: keys whose values cannot hold one (scalars, lists of scalars, objects without
    references, none of them named ``*_ref``/``*_refs``): kept as they are. ``into``: keys
    whose values are objects (or lists of objects) of a known schema: walked with theirs. Any
    other key (references themselves, free-form values, keys the schema does not name) is
    walked as ``map_refs`` walks it. ``visits``: per key sequence of an object seen (a body's
    shape), its keys that are not skipped, in order, each with how it is walked (worked out
    once per shape).
    """

    skip: frozenset[str] = frozenset()
    into: Mapping[str, RefWalk] = field(default_factory=dict)
    visits: dict[tuple[str, ...], tuple[Step, ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def visited(self, value: Mapping[str, Any]) -> tuple[str, ...]:
        """The keys of ``value`` that are not skipped, in ``value``'s order."""
        return tuple(step[0] for step in self.steps(value))

    def steps(self, value: Mapping[str, Any]) -> tuple[Step, ...]:
        """``visited(value)``, each key with how ``map_planned`` walks its value."""
        keys = tuple(value)
        found = self.visits.get(keys)
        if found is None:
            skip, into = self.skip, self.into
            found = tuple(
                (k, _INTO, into[k])
                if k in into
                else (k, _REF, None)
                if k.endswith("_ref")
                else (k, _REFS, None)
                if k.endswith("_refs")
                else (k, _OTHER, None)
                for k in keys
                if k not in skip
            )
            if len(self.visits) >= _VISITS_MAX:
                self.visits.clear()
            self.visits[keys] = found
        return found


_VISITS_MAX = 256  # shapes kept per walk; the dict starts over past it


def map_planned(
    value: Mapping[str, Any], fn: Callable[[str, str], str], walk: RefWalk
) -> dict[str, Any]:
    """``map_refs(value, fn)`` for an object that follows ``walk``'s schema: the same answer
    (and ``fn`` called in the same order), the keys that cannot hold references shared.

    A copy of ``value`` with only the keys ``walk`` does not skip replaced: a skipped key
    costs no step of its own, and an object below with no key to visit (every one skipped)
    is shared as it is, not copied (a list of such objects too)."""
    return _mapped(value, fn, walk.steps(value))


def _mapped(
    value: Mapping[str, Any], fn: Callable[[str, str], str], steps: tuple[Step, ...]
) -> dict[str, Any]:
    out = dict(value)
    for k, how, sub in steps:
        v = out[k]
        if how == _INTO:
            assert sub is not None
            if isinstance(v, dict):
                below = sub.steps(v)
                if below:
                    out[k] = _mapped(v, fn, below)
            elif isinstance(v, list):
                out[k] = _items(v, fn, sub, k)
        elif how == _REF and isinstance(v, str):
            out[k] = fn(k, v)
        elif how == _REFS and isinstance(v, list):
            out[k] = [fn(k, r) if isinstance(r, str) else r for r in v]
        elif isinstance(v, dict | list):
            out[k] = map_refs(v, fn, k)
    return out


def _items(values: list[Any], fn: Callable[[str, str], str], walk: RefWalk, key: str) -> list[Any]:
    """A list walked with ``walk``: a copy (an object with nothing to visit shared), or the
    list itself when no item has anything to visit (a list of markers)."""
    visits = walk.visits
    out: list[Any] | None = None
    for i, x in enumerate(values):
        if isinstance(x, dict):
            below = visits.get(tuple(x))
            if below is None:
                below = walk.steps(x)
            if not below:
                continue
            y: Any = _mapped(x, fn, below)
        elif isinstance(x, list):
            y = map_refs(x, fn, key)
        else:
            continue  # a scalar: map_refs keeps it
        if out is None:
            out = list(values)
        out[i] = y
    return values if out is None else out


def drop_empty_refs(value: Any) -> Any:
    """A copy of ``value`` without empty references: an empty ``*_ref`` (``""``, or ``null``)
    means "not set" on the real controller, and empty elements of a ``*_refs`` list are dropped.
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k.endswith("_ref") and (v is None or (isinstance(v, str) and not v.strip())):
                continue
            if k.endswith("_refs") and isinstance(v, list):
                out[k] = [r for r in v if not (isinstance(r, str) and not r.strip())]
                continue
            out[k] = drop_empty_refs(v)
        return out
    if isinstance(value, list):
        return [drop_empty_refs(v) for v in value]
    return value


def iter_refs(value: Any) -> list[str]:
    """Every stored reference inside ``value`` (duplicates kept)."""
    found: list[str] = []

    def collect(_key: str, ref: str) -> str:
        found.append(ref)
        return ref

    map_refs(value, collect)
    return found


def split_stored(ref: str) -> tuple[str, str]:
    """``/api/pool/pool-1`` -> (``pool``, ``pool-1``)."""
    _, _, obj_type, uuid = ref.split("/", 3)
    return obj_type, uuid
