"""Field ownership (``metadata.managedFields``) and server-side apply, in this project's own
implementation of the fieldsV1 set logic.

A field set is a Python ``set`` of paths; a path is a tuple of fieldsV1 elements:
``"f:<name>"`` (a field or map key), ``'k:{"port":80,"protocol":"TCP"}'`` (an item of an
associative list, by its keys), ``'v:"x"'`` (an item of a set of primitives). A path ending in
a map or list item stands for the node itself (``".": {}`` in fieldsV1); leaves are scalars and
atomic lists. Without per-kind schemas, the structure comes from the merge keys in
``mock_k8s.patch`` plus a few known string maps (labels, data, selector...): every other list is
atomic and every other object a struct, as structured-merge-diff treats unknown schemas.

- Every write records, per manager and operation (Apply or Update) and subresource, the fields
  it set: an Update takes the fields it changed away from the other managers.
- Apply (``application/apply-patch+yaml``) merges the applied configuration, refuses with 409
  when it would change a field another manager owns (unless ``force``, which takes the fields
  over), and removes the fields this manager applied before and no longer applies, when no other
  manager owns them.

Pure functions on JSON values; no HTTP, no storage.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson

from mock_k8s.errors import MSG_APPLY_CONFLICT, MSG_APPLY_CONFLICTS, ApiError
from mock_k8s.patch import merge_key
from mock_k8s.resources.common import now_rfc3339

Path = tuple[str, ...]
FieldSet = set[Path]

# Associative lists whose server-side-apply keys differ from the strategic merge key
_LIST_KEYS: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {
    ("Service", ("spec", "ports")): ("port", "protocol"),
    ("*", ("spec", "template", "spec", "containers")): ("name",),
    ("*", ("spec", "template", "spec", "initContainers")): ("name",),
    ("*", ("spec", "template", "spec", "containers", "ports")): ("containerPort", "protocol"),
    ("*", ("spec", "template", "spec", "containers", "env")): ("name",),
    ("*", ("spec", "template", "spec", "volumes")): ("name",),
    ("Pod", ("spec", "containers", "ports")): ("containerPort", "protocol"),
}
# Objects whose keys are data (granular maps: the map itself is owned as well)
_MAP_FIELDS = frozenset(
    (
        "labels",
        "annotations",
        "data",
        "binaryData",
        "stringData",
        "nodeSelector",
        "matchLabels",
        "capacity",
        "allocatable",
        "limits",
        "requests",
        "parameters",
    )
)
# top-level fields a write of the main resource never owns (status is its own subresource)
_SKIPPED_TOP = frozenset(("apiVersion", "kind", "status"))
_OWNED_META = ("labels", "annotations", "finalizers", "ownerReferences")


def _list_keys(kind: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
    """Keys of the associative list at ``path`` (names only), () for a set of primitives,
    None for an atomic list."""
    found = _LIST_KEYS.get((kind, path)) or _LIST_KEYS.get(("*", path))
    if found:
        return found
    key = merge_key(kind, path)
    if key is None:
        return None
    return () if key == "" else (key,)


def _is_map(kind: str, path: tuple[str, ...]) -> bool:
    if not path:
        return False
    if kind == "Service" and path == ("spec", "selector"):
        return True
    return path[-1] in _MAP_FIELDS


# key fields with a schema default: an item that omits one is keyed by the default
_KEY_DEFAULTS = {"protocol": "TCP"}


# per key names: each name (sorted) with the text before its value (``"port":``)
_KEY_PLANS: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}


def _key_plan(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    plan = _KEY_PLANS.get(keys)
    if plan is None:
        if len(_KEY_PLANS) > 1024:  # key names come from the structure: a handful
            _KEY_PLANS.clear()
        plan = _KEY_PLANS[keys] = tuple((k, _compact(k) + ":") for k in sorted(keys))
    return plan


def _item_key(item: Any, keys: tuple[str, ...]) -> str | None:
    """``"k:"`` and the compact JSON of the item's key fields, sorted (the text ``_compact``
    gives that object, put together from its members' texts; a string value that needs no
    escape written as it is)."""
    if not isinstance(item, dict):
        return None
    parts = []
    for k, head in _key_plan(keys):
        if k in item:
            value = item[k]
        elif k in _KEY_DEFAULTS:
            value = _KEY_DEFAULTS[k]
        else:
            return None
        vtype = type(value)
        if vtype is int:
            parts.append(f"{head}{value}")
        elif (
            vtype is str
            and value.isascii()
            and value.isprintable()  # printable ASCII: JSON escapes only '"' and '\\'
            and '"' not in value
            and "\\" not in value
        ):
            parts.append(f'{head}"{value}"')
        else:
            parts.append(head + _compact(value))
    return "k:{" + ",".join(parts) + "}"


def _value_key(value: Any) -> str:
    return "v:" + _compact(value)


_PLAIN = (str, int, bool, type(None))


def _compact(value: Any) -> str:
    """``json.dumps(value, separators=(",", ":"))``; orjson where its text is the same: strings,
    integers, booleans and nulls (floats are written differently) whose JSON needs no escape
    (the two escape control and non-ASCII characters differently)."""
    plain = type(value) in _PLAIN or (
        type(value) is dict and all(type(v) in _PLAIN for v in value.values())
    )
    if plain:
        try:
            out = orjson.dumps(value)
        except TypeError:  # an integer beyond 64 bits
            out = b"\\"
        if out.isascii() and b"\\" not in out and b"\x7f" not in out:
            return out.decode()
    return json.dumps(value, separators=(",", ":"))


def _loads(text: str) -> Any:
    """``json.loads`` of a fieldsV1 key's JSON (orjson first: same values, much faster)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


# ---- object -> field set -------------------------------------------------------------------
def fields_of(obj: dict[str, Any], kind: str, status: bool = False) -> FieldSet:
    """The fields an object (or an applied configuration) sets; ``status``: only status."""
    out: FieldSet = set()
    for key, value in obj.items():
        if status:
            if key == "status":
                _walk(value, kind, ("f:status",), ("status",), out)
            continue
        if key in _SKIPPED_TOP:
            continue
        if key == "metadata":
            if isinstance(value, dict):
                for mkey in _OWNED_META:
                    if mkey in value and value[mkey] is not None:
                        _walk(
                            value[mkey],
                            kind,
                            ("f:metadata", f"f:{mkey}"),
                            ("metadata", mkey),
                            out,
                        )
            continue
        _walk(value, kind, (f"f:{key}",), (key,), out)
    return out


def _walk(value: Any, kind: str, path: Path, plain: tuple[str, ...], out: FieldSet) -> None:
    if isinstance(value, dict):
        if _is_map(kind, plain) or not value:
            out.add(path)
        for k, v in value.items():
            _walk(v, kind, (*path, f"f:{k}"), (*plain, str(k)), out)
        return
    if isinstance(value, list):
        keys = _list_keys(kind, plain)
        if keys is None:
            out.add(path)  # atomic
            return
        if keys == ():
            out.update((*path, _value_key(v)) for v in value)
            return
        for item in value:
            ik = _item_key(item, keys)
            if ik is None:
                out.add(path)  # an item without its keys: the list is treated as atomic
                return
        for item in value:
            item_path = (*path, str(_item_key(item, keys)))
            out.add(item_path)
            for k, v in item.items():
                _walk(v, kind, (*item_path, f"f:{k}"), (*plain, str(k)), out)
        return
    out.add(path)


Tree = dict[str, Any]


class _SharedPath(Exception):
    """Two list items with the same key (or value): one path in a field set; ``fields_tree``
    leaves such an object to the set-based construction."""


def _node(member: bool, children: Tree) -> Tree | None:
    """A fieldsV1 node: its children in order, after ``"."`` when it is a field itself."""
    if not children:
        return {} if member else None
    ordered = dict(sorted(children.items()))
    return {".": {}, **ordered} if member else ordered


# values that are leaves of a field set whatever their path (``_tree`` gives them ``{}``)
_LEAVES = frozenset((str, int, float, bool, type(None)))


def _tree(value: Any, kind: str, plain: tuple[str, ...]) -> Tree | None:
    """The fieldsV1 node of ``value`` as ``_walk`` would record it (None: no field there)."""
    if isinstance(value, dict):
        children: Tree = {}
        for k, v in value.items():
            if type(v) in _LEAVES:  # no path to build for a leaf
                children[f"f:{k}"] = {}
                continue
            sub = _tree(v, kind, (*plain, str(k)))
            if sub is not None:
                children[f"f:{k}"] = sub
        return _node(_is_map(kind, plain) or not value, children)
    if isinstance(value, list):
        keys = _list_keys(kind, plain)
        if keys is None:
            return {}  # atomic
        if keys == ():
            return _node(False, {_value_key(v): {} for v in value})
        item_keys = [_item_key(item, keys) for item in value]
        if None in item_keys:
            return {}  # an item without its keys: the list is treated as atomic
        children = {}
        for item, ik in zip(value, item_keys, strict=True):
            if ik in children:
                raise _SharedPath
            item_children: Tree = {}
            for k, v in item.items():
                sub = {} if type(v) in _LEAVES else _tree(v, kind, (*plain, str(k)))
                if sub is not None:
                    item_children[f"f:{k}"] = sub
            children[str(ik)] = _node(True, item_children)
        return _node(False, children)
    return {}


def fields_tree(obj: dict[str, Any], kind: str, status: bool = False) -> Tree:
    """``to_fields_v1(fields_of(obj, kind, status))`` in one walk (a create's managedFields)."""
    try:
        return _fields_tree(obj, kind, status)
    except _SharedPath:
        return to_fields_v1(fields_of(obj, kind, status))


def _fields_tree(obj: dict[str, Any], kind: str, status: bool) -> Tree:
    root: Tree = {}
    for key, value in obj.items():
        if status:
            if key == "status":
                sub = _tree(value, kind, ("status",))
                if sub is not None:
                    root["f:status"] = sub
            continue
        if key in _SKIPPED_TOP:
            continue
        if key == "metadata":
            if isinstance(value, dict):
                meta: Tree = {}
                for mkey in _OWNED_META:
                    if mkey in value and value[mkey] is not None:
                        sub = _tree(value[mkey], kind, ("metadata", mkey))
                        if sub is not None:
                            meta[f"f:{mkey}"] = sub
                if meta:
                    root["f:metadata"] = _node(False, meta)
            continue
        sub = {} if type(value) in _LEAVES else _tree(value, kind, (key,))
        if sub is not None:
            root[f"f:{key}"] = sub
    return _node(False, root) or {}


# ---- navigating an object by path -----------------------------------------------------------
_MISSING = object()


def _step(cur: Any, elem: str) -> Any:
    """One element of a path down from ``cur`` (``_MISSING`` when it is not there)."""
    kind, _, rest = elem.partition(":")
    if kind == "f":
        if not isinstance(cur, dict) or rest not in cur:
            return _MISSING
        return cur[rest]
    if kind == "k":
        if not isinstance(cur, list):
            return _MISSING
        keys = tuple(_loads(rest))
        return next((i for i in cur if _item_key(i, keys) == elem), _MISSING)
    if kind == "v":
        value = _loads(rest)
        if not isinstance(cur, list) or value not in cur:
            return _MISSING
        return value
    return cur


def value_at(obj: Any, path: Path) -> Any:
    cur = obj
    for elem in path:
        cur = _step(cur, elem)
        if cur is _MISSING:
            return _MISSING
    return cur


class _Nav:
    """``value_at`` over one object for many paths: every prefix is walked once."""

    def __init__(self, root: Any) -> None:
        self._seen: dict[Path, Any] = {(): root}

    def at(self, path: Path) -> Any:
        seen = self._seen
        if path in seen:
            return seen[path]
        parent = self.at(path[:-1])
        found = _MISSING if parent is _MISSING else _step(parent, path[-1])
        seen[path] = found
        return found


def parents_of(fields: FieldSet) -> FieldSet:
    return {p[:n] for p in fields for n in range(1, len(p))}


def _scalar_changed(old: _Nav, new: _Nav, path: Path, parents: FieldSet) -> bool:
    """Does the field at ``path`` hold something else in ``new`` than in ``old``? For a node
    with children in the set (``parents``) only its presence counts."""
    a, b = old.at(path), new.at(path)
    if path in parents or isinstance(a, dict) or isinstance(b, dict):
        return (a is _MISSING) != (b is _MISSING)
    return bool(a != b)


class _Unsure(Exception):
    """A walk met a list whose items a path does not name as navigating finds them (two items
    with one key, an associative list taken as atomic for an item without its keys)."""


def _walk_values(
    value: Any,
    kind: str,
    path: Path,
    plain: tuple[str, ...],
    out: FieldSet,
    seen: dict[Path, Any],
) -> None:
    """``_walk``, also noting every node it passes (``seen``: path -> value, what ``_Nav``
    finds there); raises ``_Unsure`` where the two could differ. A set's items are not noted
    (navigating to one gives its key's value, compared by ``==``)."""
    seen[path] = value
    if isinstance(value, dict):
        if _is_map(kind, plain) or not value:
            out.add(path)
        for k, v in value.items():
            _walk_values(v, kind, (*path, f"f:{k}"), (*plain, str(k)), out, seen)
        return
    if isinstance(value, list):
        keys = _list_keys(kind, plain)
        if keys is None:
            out.add(path)  # atomic
            return
        if keys == ():
            out.update((*path, _value_key(v)) for v in value)
            return
        item_keys = [_item_key(item, keys) for item in value]
        if None in item_keys or len(set(item_keys)) != len(item_keys):
            raise _Unsure
        for item, ik in zip(value, item_keys, strict=True):
            item_path = (*path, str(ik))
            out.add(item_path)
            seen[item_path] = item
            for k, v in item.items():
                _walk_values(v, kind, (*item_path, f"f:{k}"), (*plain, str(k)), out, seen)
        return
    out.add(path)


def _values_of(obj: dict[str, Any], kind: str, status: bool) -> tuple[FieldSet, dict[Path, Any]]:
    """``fields_of(obj, kind, status)`` and the nodes its walk passed, by path."""
    out: FieldSet = set()
    seen: dict[Path, Any] = {(): obj}
    for key, value in obj.items():
        if status:
            if key == "status":
                _walk_values(value, kind, ("f:status",), ("status",), out, seen)
            continue
        if key in _SKIPPED_TOP:
            continue
        if key == "metadata":
            seen[("f:metadata",)] = value
            if isinstance(value, dict):
                for mkey in _OWNED_META:
                    if mkey not in value:
                        continue
                    if value[mkey] is None:  # no field, but there to navigate to
                        seen[("f:metadata", f"f:{mkey}")] = None
                        continue
                    mpath = ("f:metadata", f"f:{mkey}")
                    _walk_values(value[mkey], kind, mpath, ("metadata", mkey), out, seen)
            continue
        _walk_values(value, kind, (f"f:{key}",), (key,), out, seen)
    return out, seen


def _changes(
    old: dict[str, Any], new: dict[str, Any], kind: str, status: bool
) -> tuple[FieldSet, FieldSet, FieldSet] | None:
    """The fields of ``new`` and ``old`` and those of ``new`` whose value changed, as
    ``_scalar_changed`` over ``_Nav`` says, from one walk of each object: a path's value is
    the one its walk passed (a node no walk passed is not there). None where that could
    differ from navigating (see ``_Unsure``)."""
    try:
        new_fields, after = _values_of(new, kind, status)
        old_fields, before = _values_of(old, kind, status)
    except _Unsure:
        return None
    parents = parents_of(new_fields)
    navs: tuple[_Nav, _Nav] | None = None
    changed: FieldSet = set()
    for path in new_fields:
        if path[-1].startswith("v:"):  # a set's item: as navigation finds it
            if navs is None:
                navs = (_Nav(old), _Nav(new))
            a, b = navs[0].at(path), navs[1].at(path)
        else:
            a, b = before.get(path, _MISSING), after[path]
        if path in parents or isinstance(a, dict) or isinstance(b, dict):
            if (a is _MISSING) != (b is _MISSING):
                changed.add(path)
        elif a != b:
            changed.add(path)
    return new_fields, old_fields, changed


def remove_path(obj: Any, path: Path) -> None:
    parent = value_at(obj, path[:-1]) if len(path) > 1 else obj
    kind, _, rest = path[-1].partition(":")
    if kind == "f" and isinstance(parent, dict):
        parent.pop(rest, None)
    elif kind == "k" and isinstance(parent, list):
        keys = tuple(_loads(rest))
        parent[:] = [i for i in parent if _item_key(i, keys) != path[-1]]
    elif kind == "v" and isinstance(parent, list):
        value = _loads(rest)
        parent[:] = [i for i in parent if i != value]


# ---- fieldsV1 <-> sets ---------------------------------------------------------------------
def to_fields_v1(fields: FieldSet) -> dict[str, Any]:
    """The fieldsV1 tree of a field set: built in one pass over the sorted paths (a path comes
    before those under it), a field that has children listing itself (".") first, as the API
    server does."""
    tree: dict[str, Any] = {}
    members: set[int] = set()  # ids of the tree's nodes that are fields themselves
    for path in sorted(fields):
        node = tree
        for elem in path:
            child = node.get(elem)
            if child is None:
                if not node and id(node) in members:
                    node["."] = {}
                child = node[elem] = {}
            node = child
        members.add(id(node))
    return tree


def from_fields_v1(tree: Any, prefix: Path = ()) -> FieldSet:
    out: FieldSet = set()
    if not isinstance(tree, dict):
        return out
    for elem, child in tree.items():
        if elem == ".":
            out.add(prefix)
            continue
        path = (*prefix, str(elem))
        if isinstance(child, dict) and child:
            out |= from_fields_v1(child, path)
        else:
            out.add(path)
    return out


# ---- managedFields entries ---------------------------------------------------------------------
Entry = dict[str, Any]


def _now() -> str:
    return now_rfc3339()


def _ident(entry: Entry) -> tuple[str, str, str]:
    return (str(entry.get("manager", "")), str(entry.get("operation", "")),
            str(entry.get("subresource", "")))  # fmt: skip


def parse(managed: Any) -> list[tuple[Entry, FieldSet]]:
    out = []
    for entry in managed if isinstance(managed, list) else []:
        if isinstance(entry, dict):
            meta = {k: v for k, v in entry.items() if k != "fieldsV1"}
            out.append((meta, from_fields_v1(entry.get("fieldsV1"))))
    return out


def render(entries: list[tuple[Entry, FieldSet]]) -> list[Entry]:
    out = []
    for meta, fields in entries:
        if not fields:
            continue
        out.append({**meta, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(fields)})
    return out


def _set_entry(
    entries: list[tuple[Entry, FieldSet]],
    manager: str,
    operation: str,
    api_version: str,
    subresource: str,
    fields: FieldSet,
) -> None:
    ident = (manager, operation, subresource)
    for i, (meta, old) in enumerate(entries):
        if _ident(meta) == ident:
            if old != fields or meta.get("apiVersion") != api_version:
                meta = {**meta, "apiVersion": api_version, "time": _now()}
            entries[i] = (meta, fields)
            return
    meta = {"manager": manager, "operation": operation, "apiVersion": api_version,
            "time": _now()}  # fmt: skip
    if subresource:
        meta["subresource"] = subresource
    entries.append((meta, fields))


def _as_is(entry: Entry) -> bool:
    """Would ``render`` give this stored entry back unchanged (so it can be reused as it is)?"""
    tree = entry.get("fieldsV1")
    return (
        entry.get("fieldsType") == "FieldsV1"
        and isinstance(tree, dict)
        and bool(tree)
        and next(reversed(entry)) == "fieldsV1"
    )


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    kind: str,
    manager: str,
    api_version: str,
    status: bool = False,
) -> list[Entry]:
    """managedFields after a create or update by ``manager``: it owns what it changed.

    Only the entries the write can touch are parsed and rendered again: those of its own side
    (status or not) when it changed or removed a field; the others are kept as stored. A create
    builds its one entry's tree straight from the object."""
    if old is None:
        tree = fields_tree(new, kind, status)
        if not tree:
            return []
        entry: Entry = {"manager": manager, "operation": "Update", "apiVersion": api_version,
                        "time": _now()}  # fmt: skip
        if status:
            entry["subresource"] = "status"
        return [{**entry, "fieldsType": "FieldsV1", "fieldsV1": tree}]
    stored: Any = None
    if old is None:
        new_fields = fields_of(new, kind, status)
        changed, removed = new_fields, set()
    else:
        found = _changes(old, new, kind, status)
        if found is not None:
            new_fields, old_fields, changed = found
        else:
            new_fields = fields_of(new, kind, status)
            old_fields = fields_of(old, kind, status)
            parents = parents_of(new_fields)
            before, after = _Nav(old), _Nav(new)
            changed = {p for p in new_fields if _scalar_changed(before, after, p, parents)}
        removed = old_fields - new_fields
        stored = (old.get("metadata") or {}).get("managedFields")
    touched = changed | removed
    subresource = "status" if status else ""
    updated: list[tuple[Entry, FieldSet]] = []
    kept: dict[int, Entry] = {}  # position in ``updated`` -> the stored entry, reused
    for entry in stored if isinstance(stored, list) else []:
        if not isinstance(entry, dict):
            continue
        if (not touched or bool(entry.get("subresource")) != status) and _as_is(entry):
            kept[len(updated)] = entry
            updated.append((entry, set()))  # fields unread: never this write's own entry
            continue
        meta = {k: v for k, v in entry.items() if k != "fieldsV1"}
        fields = from_fields_v1(entry.get("fieldsV1"))
        if bool(meta.get("subresource")) == status:
            left = fields - touched
            if len(left) == len(fields) and _as_is(entry):
                kept[len(updated)] = entry
            fields = left
        updated.append((meta, fields))
    if changed:
        own = (manager, "Update", subresource)
        at = next((i for i, (m, _) in enumerate(updated) if _ident(m) == own), None)
        mine = updated[at][1] if at is not None else set()
        if at is not None:
            kept.pop(at, None)  # _set_entry gives it the new fields
        _set_entry(updated, manager, "Update", api_version, subresource, mine | changed)
    out: list[Entry] = []
    for i, (meta, fields) in enumerate(updated):
        entry_as_is = kept.get(i)
        if entry_as_is is not None:
            out.append(entry_as_is)
        elif fields:
            out.append({**meta, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(fields)})
    return out


# ---- server-side apply -----------------------------------------------------------------------
def _path_string(path: Path) -> str:
    """structured-merge-diff's ``Path.String``: ``.spec.ports[port=80,protocol="TCP"].name``."""
    out = ""
    for elem in path:
        kind, _, rest = elem.partition(":")
        if kind == "f":
            out += "." + rest
        elif kind == "k":
            keys = _loads(rest)
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        elif kind == "v":
            out += "[=" + rest + "]"
    return out


def _manager_text(meta: Entry) -> str:
    text = json.dumps(str(meta.get("manager", "")))
    if meta.get("subresource"):
        text += f" with subresource {json.dumps(str(meta['subresource']))}"
    if meta.get("operation") == "Update":
        return f"{text} using {meta.get('apiVersion', '')}"
    return text


def conflict_error(conflicts: list[tuple[Entry, Path]]) -> ApiError:
    """409 Conflict as the API server words an apply conflict (one or several)."""
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {_manager_text(meta)}",
            "field": _path_string(path),
        }
        for meta, path in conflicts
    ]
    if len(conflicts) == 1:
        meta, path = conflicts[0]
        message = MSG_APPLY_CONFLICT.format(manager=_manager_text(meta), path=_path_string(path))
    else:
        by_manager: dict[str, list[str]] = {}
        for meta, path in conflicts:
            by_manager.setdefault(_manager_text(meta), []).append(_path_string(path))
        lines = []
        for manager in sorted(by_manager):
            lines.append(f"conflicts with {manager}:")
            lines.extend(f"- {p}" for p in by_manager[manager])
        message = MSG_APPLY_CONFLICTS.format(count=len(conflicts), details="\n".join(lines))
    return ApiError(409, "Conflict", message, {"causes": causes})


def _merge(live: Any, applied: Any, kind: str, plain: tuple[str, ...]) -> Any:
    """The applied configuration merged into the live object, by the same structure."""
    if isinstance(applied, dict):
        base = dict(live) if isinstance(live, dict) else {}
        for k, v in applied.items():
            if v is None:
                base.pop(k, None)
            else:
                base[k] = _merge(base.get(k), v, kind, (*plain, str(k)))
        return base
    if isinstance(applied, list):
        keys = _list_keys(kind, plain)
        if keys is None or not isinstance(live, list):
            return copy.deepcopy(applied)
        if keys == ():
            return list(live) + [copy.deepcopy(v) for v in applied if v not in live]
        out = [copy.deepcopy(i) for i in live]
        for item in applied:
            ik = _item_key(item, keys)
            if ik is None:
                return copy.deepcopy(applied)
            idx = next((n for n, cur in enumerate(out) if _item_key(cur, keys) == ik), None)
            if idx is None:
                out.append(copy.deepcopy(item))
            else:
                out[idx] = _merge(out[idx], item, kind, plain)
        return out
    return copy.deepcopy(applied)


def apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    kind: str,
    manager: str,
    api_version: str,
    *,
    force: bool = False,
    status: bool = False,
) -> dict[str, Any]:
    """The object after ``manager`` applies ``applied`` over ``live`` (None: create), with its
    new managedFields; 409 on a conflict unless ``force``."""
    live_obj = copy.deepcopy(live) if live is not None else {"metadata": {}}
    entries = parse((live_obj.get("metadata") or {}).get("managedFields"))
    subresource = "status" if status else ""
    applied_fields = fields_of(applied, kind, status)
    ident = (manager, "Apply", subresource)
    previous = next((f for m, f in entries if _ident(m) == ident), set())
    conflicts: list[tuple[Entry, Path]] = []
    applied_parents = parents_of(applied_fields)
    live_nav, applied_nav = _Nav(live_obj), _Nav(applied)  # neither changes in this loop
    for meta, fields in entries:
        if meta.get("manager") == manager or bool(meta.get("subresource")) != status:
            continue
        for path in sorted(fields & applied_fields):
            if _scalar_changed(live_nav, applied_nav, path, applied_parents):
                conflicts.append((meta, path))
    if conflicts and not force:
        raise conflict_error(conflicts)
    taken = {p for _, p in conflicts}  # forced: the other managers lose these fields
    adjusted = [(m, f if _ident(m) == ident else f - taken) for m, f in entries]
    others: FieldSet = set()
    for meta, fields in adjusted:
        if _ident(meta) != ident:
            others |= fields
    kept_parents = parents_of(others | applied_fields)
    # fields this manager stops applying, owned by nobody else (nor anything under them):
    # removed, deepest first
    dropped = sorted(previous - applied_fields - others - kept_parents, key=len, reverse=True)
    merged = _merge(live_obj, _applied_part(applied, status), kind, ())
    for path in dropped:
        remove_path(merged, path)
    _set_entry(adjusted, manager, "Apply", api_version, subresource, applied_fields)
    merged.setdefault("metadata", {})["managedFields"] = render(adjusted)
    return dict(merged)


def _applied_part(applied: dict[str, Any], status: bool) -> dict[str, Any]:
    """What of an applied configuration is merged: its status on /status, else all but the
    status (the main resource resets it) and server-owned metadata."""
    if status:
        return {"status": applied.get("status")} if "status" in applied else {}
    out = {k: v for k, v in applied.items() if k != "status"}
    meta = applied.get("metadata")
    if isinstance(meta, dict):
        out["metadata"] = {
            k: v
            for k, v in meta.items()
            if k in (*_OWNED_META, "name", "namespace", "generateName")
        }
    return out
