"""Strategies of the simple built-in kinds: Namespace, Pod, Node, Event, EndpointSlice, Secret.

Only the defaults and checks that clients of this project meet. No HTTP, no storage.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from mock_k8s.errors import (
    MSG_CONFIG_KEY,
    MSG_DECODE,
    MSG_IMMUTABLE,
    ApiError,
    FieldError,
    bad_request,
    invalid_value,
    required_value,
    unsupported_value,
)
from mock_k8s.resources.common import Context, Strategy, is_ip, now_rfc3339


class NamespaceStrategy(Strategy):
    name_style = "label"

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        obj["status"] = {"phase": "Active"}
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        meta = obj["metadata"]
        labels = meta.get("labels")
        meta["labels"] = {**(labels if isinstance(labels, dict) else {})}
        meta["labels"]["kubernetes.io/metadata.name"] = meta["name"]

    def prepare_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        super().prepare_update(ctx, new, old)
        new["spec"] = old.get("spec", {})
        labels = new["metadata"].get("labels")
        new["metadata"]["labels"] = {**(labels if isinstance(labels, dict) else {})}
        new["metadata"]["labels"]["kubernetes.io/metadata.name"] = new["metadata"]["name"]


class PodStrategy(Strategy):
    """Pods keep the status given at create (a convenience: tests create ready pods in one call)."""

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        status = obj.get("status")
        if not isinstance(status, dict):
            status = {}
        status.setdefault("phase", "Pending")
        ip = status.get("podIP")
        if ip and "podIPs" not in status:
            status["podIPs"] = [{"ip": ip}]
        obj["status"] = status
        spec = obj.setdefault("spec", {})
        if isinstance(spec, dict):
            spec.setdefault("containers", [])
            spec.setdefault("restartPolicy", "Always")

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        return self._check_status(obj)

    def validate_status(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any]
    ) -> list[FieldError]:
        return self._check_status(obj)

    @staticmethod
    def _check_status(obj: dict[str, Any]) -> list[FieldError]:
        status = obj.get("status") or {}
        ip = status.get("podIP") if isinstance(status, dict) else None
        if ip not in (None, "") and not is_ip(ip):
            return [invalid_value("status.podIP", ip, "must be a valid IP address")]
        return []

    def prepare_status_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        super().prepare_status_update(ctx, new, old)
        status = new.get("status")
        if isinstance(status, dict) and status.get("podIP") and "podIPs" not in status:
            status["podIPs"] = [{"ip": status["podIP"]}]


class NodeStrategy(Strategy):
    """Nodes accept status on create, as the real registry does."""

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        obj.setdefault("spec", {})
        obj.setdefault("status", {})


class EventStrategy(Strategy):
    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        if not any(obj.get(f) for f in ("firstTimestamp", "lastTimestamp", "eventTime")):
            now = now_rfc3339()
            obj["firstTimestamp"] = now
            obj["lastTimestamp"] = now
        obj.setdefault("count", 1)
        obj.setdefault("type", "Normal")
        obj.setdefault("source", {})
        obj.setdefault("reportingComponent", obj.get("source", {}).get("component", ""))
        obj.setdefault("reportingInstance", "")

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        errs: list[FieldError] = []
        inv = obj.get("involvedObject")
        if not isinstance(inv, dict):
            return [required_value("involvedObject")]
        ns = obj["metadata"].get("namespace", "")
        inv_ns = inv.get("namespace")
        if inv_ns and inv_ns != ns:
            errs.append(
                invalid_value("involvedObject.namespace", inv_ns, "does not match event.namespace")
            )
        if obj.get("type") not in ("Normal", "Warning"):
            errs.append(unsupported_value("type", obj.get("type"), ["Normal", "Warning"]))
        return errs


class EndpointSliceStrategy(Strategy):
    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        at = obj.get("addressType")
        if at not in ("IPv4", "IPv6", "FQDN"):
            return [unsupported_value("addressType", at, ["FQDN", "IPv4", "IPv6"])]
        return []


_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


class SecretStrategy(Strategy):
    """``stringData`` is folded into base64 ``data`` on every write (a stringData key wins over
    the same data key) and then dropped; ``type`` defaults to Opaque and is immutable."""

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        fold_string_data(obj)

    def prepare_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        fold_string_data(new)

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        errs: list[FieldError] = []
        for key in obj.get("data") or {}:
            if not _CONFIG_KEY.match(key):
                errs.append(invalid_value(f"data[{key}]", key, MSG_CONFIG_KEY))
        if old is not None and obj.get("type") != old.get("type"):
            errs.append(invalid_value("type", obj.get("type"), MSG_IMMUTABLE))
        return errs


def fold_string_data(obj: dict[str, Any]) -> None:
    """Upstream's v1 -> internal conversion: stringData over data, base64-encoded; 400 for a
    body the real decoder refuses (non-base64 data, non-string values)."""
    data = obj.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise secret_decode_error("json: cannot unmarshal into Go struct field Secret.data")
    for value in data.values():
        if not isinstance(value, str):
            raise secret_decode_error(
                "json: cannot unmarshal non-string into Go struct field Secret.data of type []byte"
            )
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            detail = f"illegal base64 data at input byte {_bad_byte(value)}"
            raise secret_decode_error(detail) from None
    string_data = obj.pop("stringData", None)
    if string_data is not None:
        if not isinstance(string_data, dict):
            raise secret_decode_error(
                "json: cannot unmarshal into Go struct field Secret.stringData"
            )
        for key, value in string_data.items():
            if not isinstance(value, str):
                raise secret_decode_error(
                    "json: cannot unmarshal non-string into Go struct field "
                    "Secret.stringData of type string"
                )
            data[key] = base64.b64encode(value.encode()).decode()
    if data:
        obj["data"] = data
    else:
        obj.pop("data", None)
    if not obj.get("type"):
        obj["type"] = "Opaque"


def _bad_byte(value: str) -> int:
    """Offset Go's base64 decoder names: the first byte outside the alphabet (or the end)."""
    for i, ch in enumerate(value):
        if not (ch.isascii() and (ch.isalnum() or ch in "+/=")):
            return i
    return len(value) - len(value) % 4 if len(value) % 4 else len(value)


def secret_decode_error(detail: str) -> ApiError:
    return bad_request(MSG_DECODE.format(kind="Secret", version="v1", detail=detail))


# Kind strategies looked up by storage key (``api.Api.strategy``)
KIND_STRATEGIES: dict[str, type[Strategy]] = {
    "secrets": SecretStrategy,
}
