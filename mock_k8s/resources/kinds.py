"""Strategies of the simple built-in kinds: Namespace, Pod, Node, Event, EndpointSlice.

Only the defaults and checks that clients of this project meet. No HTTP, no storage.
"""

from __future__ import annotations

from typing import Any

from mock_k8s.errors import FieldError, invalid_value, required_value, unsupported_value
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
