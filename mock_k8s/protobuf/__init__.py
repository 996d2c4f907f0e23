"""Kubernetes protobuf bodies for the built-in kinds (``application/vnd.kubernetes.protobuf``).

Public surface: ``decode`` (request body -> JSON object), ``encode`` (JSON object -> body),
``MEDIA_TYPE``, ``ProtobufError``/``UnknownKind``. Message layouts come from the ``kubernetes``
client's models plus the field-number table in ``numbers.py``. Knows nothing of HTTP.
"""

from mock_k8s.protobuf.codec import (
    MAGIC,
    MEDIA_TYPE,
    ProtobufError,
    UnknownKind,
    can_encode,
    decode,
    encode,
    peek,
)

__all__ = [
    "MAGIC",
    "MEDIA_TYPE",
    "ProtobufError",
    "UnknownKind",
    "can_encode",
    "decode",
    "encode",
    "peek",
]
