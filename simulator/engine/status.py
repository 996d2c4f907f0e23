"""Service status the engine owns: ``status.loadBalancer.ingress`` and one condition.

Pure helpers: given the Service as the API server returned it and what the engine wants, compute
the merge patch for the status subresource, or ``None`` when nothing differs (so a converged
reconcile writes nothing). Other conditions on the Service are preserved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CONDITION_TYPE = "ako.vmware.com/VipAssigned"
REASON_SYNCED = "Synced"
REASON_VIP_ALLOCATION_FAILED = "VipAllocationFailed"


@dataclass(frozen=True)
class Wanted:
    """What one Service's status should say. ``vip`` None = no ingress (``<pending>``);
    ``condition_status`` None = our condition absent."""

    vip: str | None
    condition_status: bool | None = None
    reason: str = ""
    message: str = ""
    keep_ingress: bool = False  # leave status.loadBalancer alone (only the condition matters)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def current_ips(service: Mapping[str, Any]) -> list[str]:
    status = service.get("status") or {}
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    return [str(i.get("ip")) for i in ingress if isinstance(i, Mapping) and i.get("ip")]


def current_condition(service: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for cond in (service.get("status") or {}).get("conditions") or []:
        if isinstance(cond, Mapping) and cond.get("type") == CONDITION_TYPE:
            return cond
    return None


def status_patch(service: Mapping[str, Any], wanted: Wanted) -> dict[str, Any] | None:
    """The merge patch ``{"status": {...}}`` that makes ``service`` match ``wanted``."""
    status: dict[str, Any] = {}
    ips = current_ips(service)
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if wanted.keep_ingress:
        pass
    elif wanted.vip is None:
        if ingress:
            status["loadBalancer"] = {"ingress": None}
    elif ips != [wanted.vip] or len(ingress) != 1 or ingress[0].get("hostname"):
        status["loadBalancer"] = {"ingress": [{"ip": wanted.vip, "ipMode": "VIP"}]}

    conditions = [
        dict(c)
        for c in (service.get("status") or {}).get("conditions") or []
        if isinstance(c, Mapping)
    ]
    ours = next((c for c in conditions if c.get("type") == CONDITION_TYPE), None)
    generation = (service.get("metadata") or {}).get("generation")
    if wanted.condition_status is None:
        if ours is not None:
            rest = [c for c in conditions if c.get("type") != CONDITION_TYPE]
            status["conditions"] = rest or None
    else:
        text = "True" if wanted.condition_status else "False"
        desired: dict[str, Any] = {
            "type": CONDITION_TYPE,
            "status": text,
            "reason": wanted.reason,
            "message": wanted.message,
        }
        if isinstance(generation, int):
            desired["observedGeneration"] = generation
        same = ours is not None and all(ours.get(k) == v for k, v in desired.items())
        if not same:
            if ours is not None and ours.get("status") == text and ours.get("lastTransitionTime"):
                desired["lastTransitionTime"] = ours["lastTransitionTime"]
            else:
                desired["lastTransitionTime"] = _now()
            merged = [c for c in conditions if c.get("type") != CONDITION_TYPE] + [desired]
            status["conditions"] = merged
    return {"status": status} if status else None


def condition_changed(service: Mapping[str, Any], wanted: Wanted) -> bool:
    """Whether our condition's status, reason or message would change (an Event-worthy edge)."""
    ours = current_condition(service)
    if wanted.condition_status is None:
        return ours is not None
    if ours is None:
        return True
    text = "True" if wanted.condition_status else "False"
    return (
        ours.get("status") != text
        or ours.get("reason") != wanted.reason
        or ours.get("message") != wanted.message
    )
