"""Small shared helpers of the workload controllers: owner references, Pod and Node readiness,
conditions, percentages, names and the Pods made from a template.

Pure functions on plain dicts; no API calls, no clock.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from mock_k8s.resources import common

NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def now_rfc3339() -> str:
    """The current UTC time to the second (the API server's, formatted once per second)."""
    return common.now_rfc3339()


def controller_ref(obj: dict[str, Any]) -> dict[str, Any] | None:
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return None


def owners_to_sync(
    changes: Iterable[Any], key: str, kind: str, child_key: str = "pods"
) -> dict[tuple[str, str], None]:
    """The (namespace, name) of every object of ``key`` (a kind ``kind``) that ``changes`` touch:
    itself written (not deleted), or a ``child_key`` object it controls written or deleted.
    Ordered and without repeats, as a dict."""
    todo: dict[tuple[str, str], None] = {}
    for ch in changes:
        ns = str(ch.obj["metadata"].get("namespace", ""))
        if ch.key == key:
            if ch.type != "DELETED":
                todo[(ns, str(ch.obj["metadata"]["name"]))] = None
        elif ch.key == child_key:
            for obj in (ch.obj, ch.old):
                ref = controller_ref(obj) if obj else None
                if ref is not None and ref.get("kind") == kind:
                    todo[(ns, str(ref.get("name")))] = None
    return todo


def owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def condition(obj: dict[str, Any], ctype: str) -> dict[str, Any] | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == ctype:
            return c
    return None


def pod_ready(pod: dict[str, Any]) -> bool:
    c = condition(pod, "Ready")
    return c is not None and c.get("status") == "True"


def pod_active(pod: dict[str, Any]) -> bool:
    """Counts toward a controller's replicas: not terminating, not finished."""
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def node_ready(node: dict[str, Any]) -> bool:
    c = condition(node, "Ready")
    return c is not None and c.get("status") == "True"


def set_condition(
    conditions: list[dict[str, Any]],
    ctype: str,
    status: str,
    reason: str = "",
    message: str = "",
    *,
    now: str | None = None,
    probe_times: bool = False,
    update_time: bool = False,
) -> list[dict[str, Any]]:
    """A copy of ``conditions`` with ``ctype`` set; lastTransitionTime moves on a status change."""
    now = now or now_rfc3339()
    out: list[dict[str, Any]] = []
    found = False
    for c in conditions:
        if c.get("type") != ctype:
            out.append(c)
            continue
        found = True
        new = dict(c)
        if c.get("status") != status:
            new["lastTransitionTime"] = now
        new["status"] = status
        if update_time and (c.get("status") != status or c.get("reason") != reason):
            new["lastUpdateTime"] = now
        for k, v in (("reason", reason), ("message", message)):
            if v:
                new[k] = v
            else:
                new.pop(k, None)
        out.append(new)
    if not found:
        new = {"type": ctype, "status": status}
        if probe_times:
            new["lastProbeTime"] = None
        if update_time:
            new["lastUpdateTime"] = now
        new["lastTransitionTime"] = now
        if reason:
            new["reason"] = reason
        if message:
            new["message"] = message
        out.append(new)
    return out


def resolve_int_or_percent(value: Any, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.endswith("%"):
        try:
            pct = int(value[:-1])
        except ValueError:
            return 0
        scaled = pct * total
        return -(-scaled // 100) if round_up else scaled // 100
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return 0
    return 0


def template_hash(template: dict[str, Any], collision_count: int = 0) -> str:
    """A stable short hash of a pod template (the ``pod-template-hash`` label's role)."""
    text = json.dumps(template, sort_keys=True, separators=(",", ":")) + f"/{collision_count}"
    digest = hashlib.sha256(text.encode()).digest()
    value = int.from_bytes(digest[:8], "big")
    out = []
    for _ in range(10):
        value, r = divmod(value, len(NAME_ALPHABET))
        out.append(NAME_ALPHABET[r])
    return "".join(out)


def pod_from_template(
    template: dict[str, Any],
    owner: dict[str, Any],
    *,
    name: str = "",
    generate_name: str = "",
    extra_labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    tmpl = copy.deepcopy(template or {})
    tmeta = tmpl.get("metadata") or {}
    labels = dict(tmeta.get("labels") or {})
    labels.update(extra_labels or {})
    meta: dict[str, Any] = {
        "namespace": owner["metadata"].get("namespace", ""),
        "labels": labels,
        "ownerReferences": [owner_ref(owner)],
    }
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = generate_name
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": tmpl.get("spec") or {"containers": []},
    }


def strip_hash_label(template: dict[str, Any]) -> dict[str, Any]:
    tmpl = copy.deepcopy(template or {})
    labels = (tmpl.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop("pod-template-hash", None)
        if not labels:
            tmpl["metadata"].pop("labels", None)
    meta = tmpl.get("metadata")
    if isinstance(meta, dict):
        meta.pop("creationTimestamp", None)
        if not meta:
            tmpl.pop("metadata", None)
    return tmpl
