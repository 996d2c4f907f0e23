"""Label and field selectors: parsing the query strings and matching objects.

Label selectors support the equality (``a=b``, ``a==b``, ``a!=b``) and set-based (``a in (x,y)``,
``a notin (x)``, ``a``, ``!a``) forms; field selectors the equality forms over dotted paths
(``metadata.name``, ``involvedObject.uid``, ``spec.nodeName``...). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mock_k8s.errors import MSG_FIELD_LABEL, bad_request

Matcher = Callable[[dict[str, Any]], bool]
LabelPredicate = Callable[[dict[str, str]], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts: list[str] = []
    depth = 0
    cur = ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p for p in (s.strip() for s in parts) if p]


def parse_label_selector(text: str | None) -> Matcher | None:
    """A predicate on a labels dict, or None for "everything"."""
    if not text or not text.strip():
        return None
    reqs: list[LabelPredicate] = []
    for part in _split_top_level(text):
        reqs.append(_label_requirement(part))

    def match(labels: dict[str, Any]) -> bool:
        return all(r(labels) for r in reqs)

    return match


def _label_requirement(part: str) -> LabelPredicate:
    for op in ("!=", "==", "="):
        if op in part and "(" not in part:
            key, _, value = part.partition(op)
            key, value = key.strip(), value.strip()
            if not key:
                raise bad_request(f"unable to parse requirement: invalid label key {part!r}")
            return _label_in(key, {value}, negate=op == "!=")
    m = _SET_RE.match(part)
    if not m:
        raise bad_request(f"unable to parse requirement: {part!r}")
    neg, key, op, values = m.groups()
    if op:
        allowed = {v.strip() for v in values.split(",") if v.strip()}
        return _label_in(key, allowed, negate=op == "notin")
    return _label_exists(key, negate=bool(neg))


def _label_in(key: str, allowed: set[str], *, negate: bool) -> LabelPredicate:
    """``key in (allowed)`` (``key=v`` is the one-value case); negated: ``notin`` / ``!=``."""

    def check(labels: dict[str, str]) -> bool:
        value = labels.get(key)
        return (isinstance(value, str) and value in allowed) != negate

    return check


def _label_exists(key: str, *, negate: bool) -> LabelPredicate:
    def check(labels: dict[str, str]) -> bool:
        return (key in labels) != negate

    return check


def field_value(obj: dict[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def parse_field_selector(text: str | None) -> Matcher | None:
    """A predicate on a whole object, or None for "everything"."""
    if not text or not text.strip():
        return None
    reqs: list[Callable[[dict[str, Any]], bool]] = []
    for part in _split_top_level(text):
        for op in ("!=", "==", "="):
            if op in part:
                key, _, value = part.partition(op)
                key, value = key.strip(), value.strip()
                if not key:
                    raise bad_request(f"invalid field selector: {part!r}")
                reqs.append(_field_equals(key, value, negate=op == "!="))
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")

    def match(obj: dict[str, Any]) -> bool:
        return all(r(obj) for r in reqs)

    return match


def _field_equals(path: str, value: str, *, negate: bool) -> Matcher:
    def check(obj: dict[str, Any]) -> bool:
        return (field_value(obj, path) == value) != negate

    return check


def selector_matches(selector: dict[str, str] | None, labels: dict[str, str] | None) -> bool:
    """A Service-style map selector (non-empty) against labels."""
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


# Field labels each built-in kind supports beyond metadata.name and metadata.namespace
# (upstream's AddFieldLabelConversionsFor* in pkg/apis/*/v1/conversion.go); kinds not listed use
# runtime.DefaultMetaV1FieldSelectorConversion.
FIELD_LABELS: dict[str, frozenset[str]] = {
    "pods": frozenset(
        (
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        )
    ),
    "events": frozenset(
        (
            "metadata.name",
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        )
    ),
    "nodes": frozenset(("metadata.name", "spec.unschedulable")),
    "namespaces": frozenset(("metadata.name", "status.phase")),
    "secrets": frozenset(("metadata.name", "metadata.namespace", "type")),
    "services": frozenset(("metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type")),
    "replicationcontrollers": frozenset(("metadata.name", "metadata.namespace", "status.replicas")),
    "replicasets.apps": frozenset(("metadata.name", "metadata.namespace", "status.replicas")),
    "jobs.batch": frozenset(("metadata.name", "metadata.namespace", "status.successful")),
    "certificatesigningrequests.certificates.k8s.io": frozenset(
        ("metadata.name", "spec.signerName")
    ),
}
DEFAULT_FIELD_LABELS = frozenset(("metadata.name", "metadata.namespace"))


def field_selector_labels(text: str) -> list[str]:
    labels = []
    for part in _split_top_level(text):
        for op in ("!=", "==", "="):
            if op in part:
                labels.append(part.partition(op)[0].strip())
                break
    return labels


def field_selector_for(key: str, text: str | None) -> Matcher | None:
    """``parse_field_selector`` after upstream's check of the field labels of the kind ``key``
    (400 ``field label not supported`` or the default conversion's message otherwise)."""
    matcher = parse_field_selector(text)
    if matcher is None or text is None:
        return matcher
    supported = FIELD_LABELS.get(key)
    for label in field_selector_labels(text):
        if supported is not None and label not in supported:
            raise bad_request(MSG_FIELD_LABEL.format(label=label))
        if supported is None and label not in DEFAULT_FIELD_LABELS:
            raise bad_request(
                f'"{label}" is not a known field selector: only "metadata.name", '
                '"metadata.namespace"'
            )
    return matcher
