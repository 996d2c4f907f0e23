"""Service status decisions: what each Service's status should say after a pass, and the patch.

The engine owns ``status.loadBalancer.ingress`` and one condition, ``ako.vmware.com/VipAssigned``.
:func:`plan` decides, from a key's resolution and the outcome of its controller calls, what each
Service should show and which Warning it gets; :func:`status_patch` turns one decision into the
merge patch for the status subresource, or ``None`` when nothing differs (so a converged pass
writes nothing); other conditions on the Service are preserved. The reasons come from
``simulator.domain.reasons``.

Pure: no I/O. The only outside input is the clock for ``lastTransitionTime`` (``now``, which
callers may pass).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.domain import naming
from simulator.domain.keys import Key
from simulator.domain.model import Resolution, Settings
from simulator.domain.reasons import REASON_SYNCED, REASON_VIP_ALLOCATION_FAILED

CONDITION_TYPE = "ako.vmware.com/VipAssigned"


@dataclass(frozen=True)
class Wanted:
    """What one Service's status should say. ``vip`` None = no ingress (``<pending>``);
    ``condition_status`` None = our condition absent."""

    vip: str | None
    condition_status: bool | None = None
    reason: str = ""
    message: str = ""
    keep_ingress: bool = False  # leave status.loadBalancer alone (only the condition matters)


@dataclass
class StatusPlan:
    """The status of every Service a pass touches, and the Warning each gets on an edge."""

    wanted: dict[str, Wanted]
    warnings: dict[str, tuple[str, str]]  # svc -> (reason, message) for the Warning event
    removed: set[str] = field(default_factory=set)  # Services already given a Removed event


def plan(
    key: Key,
    resolution: Resolution,
    vip: str | None,
    vip_failure: str | None,
    settings: Settings,
) -> StatusPlan:
    """Status decisions of one pass over ``key``.

    ``vip``: the address the controller gave the key's VsVip (None when nothing is desired or no
    address yet); ``vip_failure``: the controller's answer when the VIP could not be allocated.
    A misconfigured group gives every claimant VipAssigned=False with the misconfiguration's
    reason; otherwise members get the VIP (Synced) or VipAllocationFailed, excluded Services and
    warned ones their reason (an informational warning leaves a configured member as it is).
    """
    wanted: dict[str, Wanted] = {}
    warnings: dict[str, tuple[str, str]] = {}
    vs = naming.vs_name(key, settings)
    misconfig = resolution.misconfiguration
    if misconfig is not None:
        for svc in resolution.candidates:
            wanted[svc.name] = Wanted(None, False, misconfig.reason, misconfig.message)
            warnings[svc.name] = (misconfig.reason, misconfig.message)
        return StatusPlan(wanted, warnings)
    for svc in resolution.members:
        if vip_failure is not None:
            message = f"VIP allocation failed for virtualservice {vs}: {vip_failure}"
            wanted[svc.name] = Wanted(None, False, REASON_VIP_ALLOCATION_FAILED, message)
            warnings[svc.name] = (REASON_VIP_ALLOCATION_FAILED, message)
        elif vip is not None:
            wanted[svc.name] = Wanted(
                vip, True, REASON_SYNCED, f"VIP {vip} assigned by virtualservice {vs}"
            )
    for exclusion in resolution.excluded:
        name = exclusion.service.name
        wanted[name] = Wanted(None, False, exclusion.reason, exclusion.message)
        warnings[name] = (exclusion.reason, exclusion.message)
    for warning in resolution.warnings:
        name = warning.service.name
        if name in wanted and wanted[name].condition_status:
            continue  # informational warning on a configured member (recorded once)
        wanted[name] = Wanted(None, False, warning.reason, warning.message)
        warnings[name] = (warning.reason, warning.message)
    return StatusPlan(wanted, warnings)


_stamp: tuple[int, str] = (-1, "")


def utc_now_text() -> str:
    """The current UTC time to the second, as Kubernetes writes it (``2026-12-01T19:00:00Z``);
    formatted once per second (it stamps every status condition and Event)."""
    global _stamp
    second = int(time.time())
    cached = _stamp
    if cached[0] == second:
        return cached[1]
    text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
    _stamp = (second, text)
    return text


_now = utc_now_text


def current_ips(service: Mapping[str, Any]) -> list[str]:
    status = service.get("status") or {}
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    return [str(i.get("ip")) for i in ingress if isinstance(i, Mapping) and i.get("ip")]


def current_condition(service: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for cond in (service.get("status") or {}).get("conditions") or []:
        if isinstance(cond, Mapping) and cond.get("type") == CONDITION_TYPE:
            return cond
    return None


def _ingress_patch(service: Mapping[str, Any], wanted: Wanted) -> dict[str, Any] | None:
    """``status.loadBalancer`` to write, or None to leave it."""
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if wanted.keep_ingress:
        return None
    if wanted.vip is None:
        return {"ingress": None} if ingress else None
    if current_ips(service) != [wanted.vip] or len(ingress) != 1 or ingress[0].get("hostname"):
        return {"ingress": [{"ip": wanted.vip, "ipMode": "VIP"}]}
    return None


def status_patch(
    service: Mapping[str, Any], wanted: Wanted, now: Callable[[], str] = _now
) -> dict[str, Any] | None:
    """The merge patch ``{"status": {...}}`` that makes ``service`` match ``wanted``."""
    status: dict[str, Any] = {}
    load_balancer = _ingress_patch(service, wanted)
    if load_balancer is not None:
        status["loadBalancer"] = load_balancer

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
                desired["lastTransitionTime"] = now()
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
