"""Health as the Avi UI shows it: each VS and pool's oper status as a colour, with the reason.

Reads the controller's ``virtualservice-inventory`` and ``pool-inventory`` entries (as a real
controller or mock_avi returns them: ``{uuid, runtime: {oper_status: {state, reason[],
reason_code_string}}, health_score: {health_score}}``) and gives, per uuid, a small JSON-ready
``{state, colour, text, reason, reason_code, health_score}``. The colours follow the Avi UI:
green for up, red for down or failed, grey for disabled, unused or unknown, yellow for the
passing states (creating, processing, initializing...). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

INVENTORIES = {"virtualservice": "virtualservice-inventory", "pool": "pool-inventory"}

GREEN, RED, GREY, YELLOW = "green", "red", "grey", "yellow"
COLOURS: Mapping[str, str] = {
    "OPER_UP": GREEN,
    "OPER_DOWN": RED,
    "OPER_FAILED": RED,
    "OPER_ERROR_DISABLED": RED,
    "OPER_AGGREGATE_DOWN": RED,
    "OPER_PARTITIONED": RED,
    "OPER_DISABLED": GREY,
    "OPER_DISABLING": GREY,
    "OPER_INACTIVE": GREY,
    "OPER_UNUSED": GREY,
    "OPER_UNKNOWN": GREY,
    "OPER_UNAVAIL": GREY,
    "OPER_CREATING": YELLOW,
    "OPER_RESOURCES": YELLOW,
    "OPER_PROCESSING": YELLOW,
    "OPER_INITIALIZING": YELLOW,
    "OPER_AWAIT_MANUAL_PLACEMENT": YELLOW,
    "OPER_UPGRADING": YELLOW,
    "OPER_SE_PROCESSING": YELLOW,
}


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def colour_of(state: str | None) -> str:
    """The Avi UI colour of an oper state (grey when unknown)."""
    return COLOURS.get(state or "", GREY)


def health_of(entry: Any) -> dict[str, Any]:
    """One inventory entry -> ``{state, colour, text, reason, reason_code, health_score}``."""
    status = _map(_map(_map(entry).get("runtime")).get("oper_status"))
    state = status.get("state") if isinstance(status.get("state"), str) else None
    reasons = [str(r) for r in status.get("reason") or [] if r]
    code = status.get("reason_code_string")
    score = _map(_map(entry).get("health_score")).get("health_score")
    return {
        "state": state or "OPER_UNKNOWN",
        "colour": colour_of(state),
        "text": (state or "OPER_UNKNOWN").removeprefix("OPER_"),
        "reason": "; ".join(reasons),
        "reason_code": code if isinstance(code, str) and code != "SYSERR_SUCCESS" else "",
        "health_score": score if isinstance(score, int | float) else None,
    }


def health_index(avi: Mapping[str, Iterable[Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{"virtualservice": {uuid: health}, "pool": {uuid: health}}`` from the inventories in
    ``avi`` (keys ``virtualservice-inventory`` and ``pool-inventory``; absent means unknown)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for obj_type, inventory in INVENTORIES.items():
        found: dict[str, dict[str, Any]] = {}
        for entry in avi.get(inventory, ()) or ():
            uuid = _map(entry).get("uuid") or _map(_map(entry).get("config")).get("uuid")
            if isinstance(uuid, str):
                found[uuid] = health_of(entry)
        out[obj_type] = found
    return out


def health_text(health: Mapping[str, Any] | None) -> str:
    """``UP`` / ``DOWN: <reason> (<code>)`` for the terminal tree ("" when unknown)."""
    if not health:
        return ""
    text = str(health["text"])
    detail = str(health.get("reason") or "")
    if health.get("reason_code"):
        detail = f"{detail} ({health['reason_code']})" if detail else str(health["reason_code"])
    return f"{text}: {detail}" if detail and health["state"] != "OPER_UP" else text
