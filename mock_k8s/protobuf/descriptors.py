"""Protobuf message classes built at run time from ``schema`` (google.protobuf descriptors).

One proto2 file holds a message per model (fields named ``f<number>``), the synthetic messages
of inline Go structs, and the shared shapes (Time, IntOrString, Quantity, raw JSON, the
runtime.Unknown envelope). Built once, on first use. Knows nothing of JSON or HTTP.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from mock_k8s.protobuf import schema

PACKAGE = "akosim.k8s"
FDP = descriptor_pb2.FieldDescriptorProto

TIME = "Time"  # seconds=1 int64, nanos=2 int32 (metav1.Time and MicroTime)
INT_OR_STRING = "IntOrString"  # type=1 int64, intVal=2 int32, strVal=3 string
QUANTITY = "Quantity"  # string=1
RAW = "Raw"  # raw=1 bytes (RawExtension, FieldsV1, apiextensions JSON)
EMPTY = "Empty"
EXTRA = "ExtraValue"  # items=1 repeated string
OR_ARRAY = "OrArray"  # schema=1 JSONSchemaProps, jSONSchemas=2 repeated JSONSchemaProps
OR_BOOL = "OrBool"  # allows=1 bool, schema=2 JSONSchemaProps
OR_STRINGS = "OrStrings"  # schema=1 JSONSchemaProps, property=2 repeated string
TYPE_META = "TypeMeta"  # apiVersion=1, kind=2
UNKNOWN = "Unknown"  # typeMeta=1, raw=2 bytes, contentEncoding=3, contentType=4
_SHARED_NAMES = frozenset({TIME, INT_OR_STRING, QUANTITY, RAW, EMPTY, EXTRA, TYPE_META, UNKNOWN})

SCALAR_TYPES = {
    "string": FDP.TYPE_STRING,
    "int": FDP.TYPE_INT64,
    "bool": FDP.TYPE_BOOL,
    "float": FDP.TYPE_DOUBLE,
    "bytes": FDP.TYPE_BYTES,
}
KIND_MESSAGES = {
    "time": TIME,
    "microtime": TIME,
    "intstr": INT_OR_STRING,
    "quantity": QUANTITY,
    "raw": RAW,
    "empty": EMPTY,
    "extra": EXTRA,
    "orarray": OR_ARRAY,
    "orbool": OR_BOOL,
    "orstrings": OR_STRINGS,
}


def _add(
    msg: descriptor_pb2.DescriptorProto,
    number: int,
    ftype: int,
    type_name: str | None = None,
    repeated: bool = False,
    name: str | None = None,
) -> None:
    f = msg.field.add()
    f.name = name or f"f{number}"
    f.number = number
    f.type = ftype  # type: ignore[assignment,unused-ignore]
    f.label = FDP.LABEL_REPEATED if repeated else FDP.LABEL_OPTIONAL  # type: ignore[assignment,unused-ignore]
    if type_name:
        f.type_name = f".{PACKAGE}.{type_name}"


def _value_type(fld: schema.Field) -> tuple[int, str | None]:
    if fld.kind == "message":
        return FDP.TYPE_MESSAGE, fld.message
    if fld.kind in KIND_MESSAGES:
        return FDP.TYPE_MESSAGE, KIND_MESSAGES[fld.kind]
    return SCALAR_TYPES[fld.kind], None


def _message(
    file: descriptor_pb2.FileDescriptorProto, layout: schema.Message
) -> descriptor_pb2.DescriptorProto:
    msg = file.message_type.add()
    msg.name = layout.name
    for fld in layout.fields:
        ftype, tname = _value_type(fld)
        if fld.container == "map":
            entry = msg.nested_type.add()
            entry.name = f"F{fld.number}Entry"
            entry.options.map_entry = True
            _add(entry, 1, FDP.TYPE_STRING, name="key")
            _add(entry, 2, ftype, tname, name="value")
            _add(msg, fld.number, FDP.TYPE_MESSAGE, f"{layout.name}.{entry.name}", repeated=True)
        else:
            _add(msg, fld.number, ftype, tname, repeated=fld.container == "list")
    for number, sub in layout.inline.items():
        _message(file, sub)
        _add(msg, number, FDP.TYPE_MESSAGE, sub.name)
    return msg


def _new(file: descriptor_pb2.FileDescriptorProto, name: str) -> descriptor_pb2.DescriptorProto:
    m = file.message_type.add()
    m.name = name
    return m


def _schema_unions(file: descriptor_pb2.FileDescriptorProto) -> None:
    """JSONSchemaProps' union messages live in its file (they refer to it and it to them)."""
    a = _new(file, OR_ARRAY)
    _add(a, 1, FDP.TYPE_MESSAGE, schema.SCHEMA_PROPS)
    _add(a, 2, FDP.TYPE_MESSAGE, schema.SCHEMA_PROPS, repeated=True)
    b = _new(file, OR_BOOL)
    _add(b, 1, FDP.TYPE_BOOL)
    _add(b, 2, FDP.TYPE_MESSAGE, schema.SCHEMA_PROPS)
    s = _new(file, OR_STRINGS)
    _add(s, 1, FDP.TYPE_MESSAGE, schema.SCHEMA_PROPS)
    _add(s, 2, FDP.TYPE_STRING, repeated=True)


def _shared(file: descriptor_pb2.FileDescriptorProto) -> None:
    def new(name: str) -> descriptor_pb2.DescriptorProto:
        return _new(file, name)

    t = new(TIME)
    _add(t, 1, FDP.TYPE_INT64)
    _add(t, 2, FDP.TYPE_INT32)
    i = new(INT_OR_STRING)
    _add(i, 1, FDP.TYPE_INT64)
    _add(i, 2, FDP.TYPE_INT32)
    _add(i, 3, FDP.TYPE_STRING)
    _add(new(QUANTITY), 1, FDP.TYPE_STRING)
    _add(new(RAW), 1, FDP.TYPE_BYTES)
    new(EMPTY)
    _add(new(EXTRA), 1, FDP.TYPE_STRING, repeated=True)
    tm = new(TYPE_META)
    _add(tm, 1, FDP.TYPE_STRING)
    _add(tm, 2, FDP.TYPE_STRING)
    u = new(UNKNOWN)
    _add(u, 1, FDP.TYPE_MESSAGE, TYPE_META)
    _add(u, 2, FDP.TYPE_BYTES)
    _add(u, 3, FDP.TYPE_STRING)
    _add(u, 4, FDP.TYPE_STRING)


_LOCK = threading.RLock()
_SHARED_FILE = "akosim/k8s/shared.proto"
_OR_MESSAGES = (OR_ARRAY, OR_BOOL, OR_STRINGS)


@functools.cache
def _pool() -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    file = descriptor_pb2.FileDescriptorProto(name=_SHARED_FILE, package=PACKAGE, syntax="proto2")
    _shared(file)
    pool.Add(file)
    return pool


def _file_name(model: str) -> str:
    return f"akosim/k8s/{model}.proto"


def _ensure(model: str, added: set[str]) -> None:
    """Add the file of ``model`` (after those of the models it refers to) to the pool."""
    if model in added:
        return
    layout = schema.message(model)
    deps = sorted({f.message for f in layout.all_fields() if f.message} - {model})
    for dep in deps:
        _ensure(dep, added)
    file = descriptor_pb2.FileDescriptorProto(
        name=_file_name(model), package=PACKAGE, syntax="proto2"
    )
    file.dependency.append(_SHARED_FILE)
    file.dependency.extend(_file_name(d) for d in deps)
    _message(file, layout)
    if model == schema.SCHEMA_PROPS:
        _schema_unions(file)
    _pool().Add(file)
    added.add(model)


_ADDED: set[str] = set()


@functools.cache
def message_class(name: str) -> Any:
    """The generated class of a model's message (or of a shared shape such as ``Unknown``).

    A model's file (and those it needs) is built on first use, so a Service costs a dozen
    messages, not the ~360 of every kind.
    """
    with _LOCK:
        if name not in _SHARED_NAMES:
            _ensure(name, _ADDED)
        desc = _pool().FindMessageTypeByName(f"{PACKAGE}.{name}")
    return message_factory.GetMessageClass(desc)
