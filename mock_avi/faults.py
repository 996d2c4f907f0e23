"""Fault injection rules for the API: delay and/or replace responses of matching requests.

A rule ``{method, path, status, body, delay_ms, times, after}`` matches requests whose method
equals ``method`` (any when absent) and whose path contains a match of the regular expression
``path``. It lets ``after`` matching requests through untouched, then hits the next ``times``
ones (every one when ``times`` is absent): it waits ``delay_ms`` and, when ``status`` is set,
answers ``status`` with ``body`` instead of serving the request. No HTTP framework here.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_avi import errors
from mock_avi.errors import BadRequest

DEFAULT_FAULT_BODY = {"error": "Injected fault"}


@dataclass
class FaultRule:
    id: int
    path: str
    method: str | None = None
    status: int | None = None
    body: Any = None
    delay_ms: int = 0
    times: int | None = None
    after: int = 0
    seen: int = 0
    hits: int = 0
    pattern: re.Pattern[str] = field(default=re.compile(""), repr=False)

    def to_json(self) -> dict[str, Any]:
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
    rule_id: int
    delay_ms: int
    status: int | None
    body: Any


def _opt_int(spec: Mapping[str, Any], key: str, default: int | None, low: int) -> int | None:
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise BadRequest(errors.BAD_FILTER.format(param=key, value=value))
    return value


class Faults:
    """The active fault rules, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[int, FaultRule] = {}
        self._next_id = 1

    def add(self, spec: Mapping[str, Any]) -> FaultRule:
        if not isinstance(spec, Mapping):
            raise BadRequest(errors.NOT_AN_OBJECT)
        path = spec.get("path", "")
        if not isinstance(path, str):
            raise BadRequest(errors.BAD_FILTER.format(param="path", value=path))
        try:
            pattern = re.compile(path)
        except re.error as exc:
            raise BadRequest(errors.BAD_FILTER.format(param="path", value=str(exc))) from None
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise BadRequest(errors.BAD_FILTER.format(param="method", value=method))
        status = _opt_int(spec, "status", None, 100)
        if status is not None and status > 599:
            raise BadRequest(errors.BAD_FILTER.format(param="status", value=status))
        delay = _opt_int(spec, "delay_ms", 0, 0) or 0
        times = _opt_int(spec, "times", None, 0)
        after = _opt_int(spec, "after", 0, 0) or 0
        if status is None and not delay:
            raise BadRequest(errors.BAD_FILTER.format(param="status/delay_ms", value=None))
        with self._lock:
            rule = FaultRule(
                id=self._next_id,
                path=path,
                method=method.upper() if method else None,
                status=status,
                body=spec.get("body"),
                delay_ms=delay,
                times=times,
                after=after,
                pattern=pattern,
            )
            self._next_id += 1
            self._rules[rule.id] = rule
        return rule

    def match(self, method: str, path: str) -> FaultHit | None:
        """The first rule that hits this request (counting it), else ``None``."""
        if not self._rules:
            return None  # the usual case: no lock taken (a rule added meanwhile is racing anyway)
        with self._lock:
            for rule in self._rules.values():
                if rule.method not in (None, method) or not rule.pattern.search(path):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.times is not None and rule.hits >= rule.times:
                    continue
                rule.hits += 1
                body = rule.body if rule.body is not None else DEFAULT_FAULT_BODY
                return FaultHit(rule.id, rule.delay_ms, rule.status, body)
        return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_json() for r in self._rules.values()]

    def remove(self, rule_id: int | None = None) -> bool:
        with self._lock:
            if rule_id is None:
                self._rules.clear()
                return True
            return self._rules.pop(rule_id, None) is not None
