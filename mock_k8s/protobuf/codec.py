"""``application/vnd.kubernetes.protobuf`` bodies: the ``k8s\\x00`` magic, the runtime.Unknown
envelope (typeMeta apiVersion/kind, raw, contentEncoding, contentType), and the kind's message.

``decode`` turns a request body into the JSON object kubectl would have sent; ``encode`` turns
a stored object (or list) into the body the real server answers a protobuf-only client with.
Errors are ``ProtobufError`` with upstream's wording; turning them into HTTP is the caller's job.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import DecodeError as WireError

from mock_k8s.protobuf import descriptors, fromjson, kinds, tojson

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"


class ProtobufError(ValueError):
    """A body that is not a decodable protobuf object (the message says why)."""


class UnknownKind(ProtobufError):
    """A well-formed envelope naming a kind that has no built-in message."""


def _envelope(data: bytes) -> Any:
    if not data:
        raise ProtobufError("empty data")
    if not data.startswith(MAGIC):
        raise ProtobufError(
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
        )
    if len(data) == len(MAGIC):
        raise ProtobufError("empty body")
    unknown = descriptors.message_class(descriptors.UNKNOWN)()
    try:
        unknown.ParseFromString(data[len(MAGIC) :])
    except WireError as exc:
        raise ProtobufError(f"unexpected EOF or bad wire data: {exc}") from None
    return unknown


def peek(data: bytes) -> tuple[str, str]:
    """(apiVersion, kind) named by a body's envelope."""
    unknown = _envelope(data)
    api_version, kind = unknown.f1.f1, unknown.f1.f2
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise ProtobufError("typeMeta is not valid UTF-8")
    return api_version, kind


def decode(data: bytes) -> dict[str, Any]:
    """The JSON object of a protobuf body (kind and apiVersion from its envelope)."""
    unknown = _envelope(data)
    api_version, kind = unknown.f1.f1, unknown.f1.f2
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise ProtobufError("typeMeta is not valid UTF-8")
    if not kind:
        raise ProtobufError(f"Object 'Kind' is missing in '{api_version}'")
    if unknown.f3:
        raise ProtobufError(f"unsupported content encoding {unknown.f3!r}")
    if unknown.f4 and unknown.f4 != MEDIA_TYPE:
        raise ProtobufError(f"unsupported content type {unknown.f4!r}")
    model = kinds.model_for(api_version, kind)
    if model is None:
        raise UnknownKind(f'no kind "{kind}" is registered for version "{api_version}"')
    msg = descriptors.message_class(model)()
    try:
        msg.ParseFromString(unknown.f2)
        body = tojson.to_json(msg, model)
    except (WireError, tojson.DecodeError) as exc:
        raise ProtobufError(str(exc) or "bad wire data") from None
    except UnicodeDecodeError as exc:
        raise ProtobufError(f"a string field is not valid UTF-8: {exc}") from None
    out: dict[str, Any] = {"kind": kind, "apiVersion": api_version}
    out.update(body)
    return out


def encode(obj: dict[str, Any]) -> bytes:
    """The protobuf body of a JSON object that names a built-in kind."""
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    model = kinds.model_for(api_version, kind)
    if model is None:
        raise UnknownKind(f'no kind "{kind}" is registered for version "{api_version}"')
    raw = fromjson.from_json(obj, model).SerializeToString()
    unknown = descriptors.message_class(descriptors.UNKNOWN)()
    unknown.f1.f1 = api_version
    unknown.f1.f2 = kind
    unknown.f2 = raw
    unknown.f3 = ""
    unknown.f4 = ""
    encoded: bytes = unknown.SerializeToString()
    return MAGIC + encoded


def can_encode(obj: Any) -> bool:
    return isinstance(obj, dict) and (
        kinds.model_for(str(obj.get("apiVersion", "")), str(obj.get("kind", ""))) is not None
    )
