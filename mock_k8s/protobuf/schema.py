"""Field layout of every built-in message: the ``kubernetes`` client's models joined with the
field numbers of ``numbers.py``.

A ``Message`` lists its ``Field``s (JSON name, number path, wire shape, Go JSON rules). The
models give each field's type and JSON name; the table gives its number and what the models
cannot say (pointer, omitempty, IntOrString, Quantity, bytes, ...). Pure data derivation: no
protobuf library, no HTTP.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from kubernetes.client import models

from mock_k8s.protobuf import numbers

SCALARS = {"str": "string", "int": "int", "bool": "bool", "float": "float", "datetime": "time"}
# shapes given by the table's ":<kind>" suffix
SPECIAL_KINDS = frozenset(
    {
        "time",
        "microtime",
        "intstr",
        "quantity",
        "bytes",
        "raw",
        "extra",
        "empty",
        "orarray",
        "orbool",
        "orstrings",
    }
)
SCHEMA_PROPS = "V1JSONSchemaProps"
TOKEN = re.compile(
    r"^(?P<json>[^=\s]+)=(?P<path>\d+(?:\.\d+)*)(?P<flags>[*!?]*)(?::(?P<kind>\w+))?$"
)


class SchemaError(Exception):
    """The table and the client's models disagree (a bug in numbers.py, found by tests)."""


@dataclass(frozen=True)
class Field:
    json: str
    number: int
    kind: str  # string int bool float message time microtime intstr quantity bytes raw ...
    container: str = ""  # "", "list" or "map"
    message: str | None = None  # model name when kind == "message"
    pointer: bool = False  # Go pointer: zero values kept when present
    always: bool = False  # no omitempty: emitted even when zero or absent
    omitzero: bool = False  # omitted when zero


@dataclass
class Message:
    """One protobuf message. ``inline`` holds Go structs embedded inline (JSON flattened)."""

    name: str
    fields: list[Field] = field(default_factory=list)
    inline: dict[int, Message] = field(default_factory=dict)

    def all_fields(self) -> list[Field]:
        """Every JSON field, including those of inline structs."""
        out = list(self.fields)
        for sub in self.inline.values():
            out.extend(sub.all_fields())
        return out


def parse_type(pytype: str) -> tuple[str, str]:
    """``List[V1Foo]`` -> ("list", "V1Foo"); ``Dict[str, str]`` -> ("map", "str")."""
    m = re.fullmatch(r"(?:List|list)\[(.+)\]", pytype)
    if m:
        return "list", m.group(1)
    m = re.fullmatch(r"(?:Dict\[str, (.+)\]|dict\(str, (.+)\))", pytype)
    if m:
        return "map", m.group(1) or m.group(2)
    return "", pytype


def json_types(model: str) -> dict[str, str]:
    """JSON name -> the client's type string, for one model."""
    cls = getattr(models, model, None)
    if cls is None:
        raise SchemaError(f"no model {model} in the kubernetes client")
    return {cls.attribute_map[a]: t for a, t in cls.openapi_types.items()}


def make_field(model: str, json: str, number: int, flags: str, kind: str | None) -> Field:
    types = json_types(model)
    if json not in types:
        raise SchemaError(f"{model}.{json}: not a field of the client's model")
    container, base = parse_type(types[json])
    if container == "map" and base.startswith("List["):
        base = "str"  # map[string]ExtraValue: the table says ":extra"
    message = None
    if kind is not None:
        if kind not in SPECIAL_KINDS:
            raise SchemaError(f"{model}.{json}: unknown kind {kind}")
        if kind in ("orarray", "orbool", "orstrings"):
            message = SCHEMA_PROPS
    elif base in SCALARS:
        kind = SCALARS[base]
    elif base == "object":
        raise SchemaError(f"{model}.{json}: 'object' needs a kind in the table")
    else:
        kind, message = "message", base
    return Field(
        json=json,
        number=number,
        kind=kind,
        container=container,
        message=message,
        pointer="*" in flags,
        always="!" in flags,
        omitzero="?" in flags,
    )


@functools.cache
def message(name: str) -> Message:
    """The layout of one model's message (raises SchemaError when the table lacks it)."""
    spec = numbers.FIELDS.get(name)
    if spec is None:
        raise SchemaError(f"no field numbers for {name}")
    root = Message(name)
    for token in spec.split():
        m = TOKEN.match(token)
        if not m:
            raise SchemaError(f"{name}: bad token {token!r}")
        path = [int(p) for p in m.group("path").split(".")]
        target = root
        for i, num in enumerate(path[:-1]):
            target = target.inline.setdefault(
                num, Message(f"{name}_I{'_'.join(map(str, path[: i + 1]))}")
            )
        target.fields.append(
            make_field(name, m.group("json"), path[-1], m.group("flags"), m.group("kind"))
        )
    return root


def reachable(roots: list[str]) -> list[str]:
    """Every model name reachable from ``roots`` through message fields, roots first."""
    seen: dict[str, None] = {}
    todo = list(roots)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen[name] = None
        todo.extend(f.message for f in message(name).all_fields() if f.message)
    return list(seen)
