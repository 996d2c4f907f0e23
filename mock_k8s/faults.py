"""Fault injection rules of the control API (the request journal is ``mock_k8s.journal``).

A rule ``{method, path, status, body, delay_ms, times, after}`` hits requests whose method
matches (``*`` or absent: any) and whose path the ``path`` regular expression is found in; it
lets ``after`` matching requests through first, then hits ``times`` of them (absent: every
one). A hit waits ``delay_ms`` and, when ``status`` is set, answers with it (``body``, or a
``Status`` built from the code) instead of the API. No Kubernetes semantics here.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from mock_k8s.errors import ApiError, bad_request, status_body

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


@dataclass
class FaultRule:
    id: str
    method: str
    path: str
    status: int | None
    body: Any
    delay_ms: int
    times: int | None
    after: int
    seen: int = 0
    hits: int = 0
    _regex: re.Pattern[str] = field(default=re.compile(""), repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "body": self.body,
            "delay_ms": self.delay_ms,
            "times": self.times,
            "after": self.after,
            "seen": self.seen,
            "hits": self.hits,
        }


@dataclass(frozen=True)
class FaultHit:
    delay_s: float
    status: int | None
    body: Any


class Faults:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        path = spec.get("path", "")
        try:
            regex = re.compile(str(path or ""))
        except re.error as exc:
            raise bad_request(f"invalid path regex: {exc}") from None
        status = spec.get("status")
        if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
            raise bad_request("status must be an HTTP status code")
        times = spec.get("times")
        if times is not None and (not isinstance(times, int) or times < 0):
            raise bad_request("times must be a non-negative integer")
        for key in ("delay_ms", "after"):
            value = spec.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise bad_request(f"{key} must be a non-negative integer")
        rule = FaultRule(
            id=str(next(self._ids)),
            method=str(spec.get("method") or "*").upper(),
            path=str(path or ""),
            status=status,
            body=spec.get("body"),
            delay_ms=int(spec.get("delay_ms") or 0),
            times=times,
            after=int(spec.get("after") or 0),
            _regex=regex,
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def remove(self, rule_id: str | None = None) -> int:
        with self._lock:
            before = len(self._rules)
            if rule_id is None:
                self._rules.clear()
            else:
                self._rules = [r for r in self._rules if r.id != rule_id]
            return before - len(self._rules)

    def match(self, method: str, path: str) -> FaultHit | None:
        with self._lock:
            for rule in self._rules:
                if rule.method not in ("*", method.upper()):
                    continue
                if not rule._regex.search(path):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.times is not None and rule.hits >= rule.times:
                    continue
                rule.hits += 1
                return FaultHit(rule.delay_ms / 1000.0, rule.status, rule.body)
        return None


def fault_error(hit: FaultHit) -> ApiError:
    code = hit.status or 500
    return ApiError(code, REASONS.get(code, "InternalError"), "injected fault")


def fault_body(hit: FaultHit) -> Any:
    if hit.body is not None:
        return hit.body
    code = hit.status or 500
    return status_body(code, REASONS.get(code, "InternalError"), "injected fault")
