"""Rules shared by every kind: name validation, generated metadata, the strategy interface.

A ``Strategy`` holds the kind-specific parts of create/update (defaults, allocation, status
split, validation); the generic flow lives in ``mock_k8s.apiserver``. No HTTP, no storage access
beyond what the ``Context`` offers.
"""

from __future__ import annotations

import ipaddress
import re
import time
from typing import Any, Protocol

from mock_k8s.errors import FieldError, invalid_value, required_value
from mock_k8s.registry import ResourceType

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

MSG_DNS1123_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
MSG_DNS1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
MSG_DNS1035_LABEL = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


_STAMP: tuple[int, str] = (-1, "")


def now_rfc3339() -> str:
    """The current UTC time to the second, as the API server writes timestamps (formatted once
    per second: writes stamp two or three fields each)."""
    global _STAMP
    second = int(time.time())
    if _STAMP[0] != second:
        _STAMP = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
    return _STAMP[1]


# a dotted-quad IPv4 address as ``ipaddress`` takes it (0-255, no leading zero): most addresses
# written (Service status ingress, Pod IPs) are these, and a match costs a tenth of the parse
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                   r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")  # fmt: skip


def is_ip(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if _IPV4.fullmatch(value):
        return True
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def validate_name(name: Any, style: str, path: str = "metadata.name") -> list[FieldError]:
    """``style``: "subdomain", "label" (RFC 1123) or "dns1035"."""
    if not isinstance(name, str) or not name:
        return [required_value(path, "name or generateName is required")]
    if style == "dns1035":
        ok, msg, limit = DNS1035_LABEL.match(name), MSG_DNS1035_LABEL, 63
    elif style == "label":
        ok, msg, limit = DNS1123_LABEL.match(name), MSG_DNS1123_LABEL, 63
    else:
        ok, msg, limit = DNS1123_SUBDOMAIN.match(name), MSG_DNS1123_SUBDOMAIN, 253
    errs: list[FieldError] = []
    if len(name) > limit:
        errs.append(invalid_value(path, name, f"must be no more than {limit} characters"))
    if not ok:
        errs.append(invalid_value(path, name, msg))
    return errs


def validate_labels(meta: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    for field in ("labels", "annotations"):
        value = meta.get(field)
        if value is None:
            continue
        if not isinstance(value, dict):
            errs.append(invalid_value(f"metadata.{field}", str(value), "must be a map"))
            continue
        for k, v in value.items():
            if not isinstance(v, str):
                errs.append(invalid_value(f"metadata.{field}[{k}]", str(v), "must be a string"))
    return errs


class Context(Protocol):
    """What strategies may use from the API layer."""

    def new_uid(self) -> str: ...

    def get_object(self, key: str, namespace: str, name: str) -> dict[str, Any] | None: ...

    def list_objects(self, key: str, namespace: str | None = None) -> list[dict[str, Any]]: ...


class Strategy:
    """Default behaviour; kinds override what differs."""

    name_style = "subdomain"

    def __init__(self, rt: ResourceType) -> None:
        self.rt = rt

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        if self.rt.has_status:
            obj.pop("status", None)

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        return []

    def allocate(self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Reserve what the object needs (after validation passed)."""

    def prepare_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        if self.rt.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)

    def prepare_status_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        status = new.get("status")
        keep = {k: v for k, v in old.items() if k not in ("metadata", "status")}
        for k in list(new):
            if k not in ("metadata", "status", "kind", "apiVersion"):
                del new[k]
        new.update(keep)
        if status is None:
            new.pop("status", None)
        else:
            new["status"] = status

    def validate_status(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any]
    ) -> list[FieldError]:
        return []

    def released(self, ctx: Context, obj: dict[str, Any]) -> None:
        """The object is gone: free what it held."""
