"""AKO's Avi object names for shared groups and dedicated Services (ako.md section 5).

VS, VsVip and L4PolicySet share one name ``<cluster>--<ns>-<key or svc>``; pools add the Service,
protocol and port. With EVH hashing each name becomes ``<cluster>--<sha1 hex of the full name>``.
Pure functions, no I/O.
"""

from __future__ import annotations

import hashlib

from simulator.domain.model import Key, Settings

MAX_NAME_LENGTH = 255


def encode(name: str, settings: Settings) -> str:
    """AKO's ``lib.Encode``: the name itself, or its EVH hash when EVH is on."""
    if not settings.enable_evh:
        return name
    return settings.name_prefix + hashlib.sha1(name.encode("utf-8")).hexdigest()


def vs_name(key: Key, settings: Settings) -> str:
    """``<c>--<ns>-<key>`` (shared) or ``<c>--<ns>-<svc>`` (dedicated)."""
    return encode(f"{settings.name_prefix}{key.namespace}-{key.name}", settings)


def vsvip_name(key: Key, settings: Settings) -> str:
    return vs_name(key, settings)


def l4policyset_name(key: Key, settings: Settings) -> str:
    return vs_name(key, settings)


def pool_name(key: Key, svc_name: str, protocol: str, port: int, settings: Settings) -> str:
    """``<c>--<ns>-<svc>-<key>-<PROTO>-<port>`` (shared) or ``<c>--<ns>-<svc>-<PROTO>-<port>``."""
    proto = protocol.upper()
    if key.shared:
        raw = f"{settings.name_prefix}{key.namespace}-{svc_name}-{key.name}-{proto}-{port}"
    else:
        raw = f"{settings.name_prefix}{key.namespace}-{svc_name}-{proto}-{port}"
    return encode(raw, settings)


def too_long(name: str) -> bool:
    """True when the controller would refuse the name (more than 255 characters)."""
    return len(name) > MAX_NAME_LENGTH
