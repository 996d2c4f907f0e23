"""Engine driver: waits for the engine's ``settled`` state through ``/debug/state``, captures what
it logs, and restarts it through the stack.

The engine runs in the test process (embedded stack), so its log records reach a
``logging.Handler`` installed on the ``ako_sim`` logger for the duration of a scenario.
Waiting is always on ``settled`` or a polled condition, never a fixed sleep.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import requests

from steps.support.wait import eventually

ENGINE_LOGGER = "ako_sim"


class LogCapture(logging.Handler):
    """Keeps every record of the engine's loggers while installed."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self._lock_records = threading.Lock()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock_records:
            self.records.append(record)

    def lines(self, min_level: int = logging.DEBUG) -> list[str]:
        with self._lock_records:
            records = list(self.records)
        return [
            f"{r.levelname} {r.name}: {r.getMessage()}" for r in records if r.levelno >= min_level
        ]

    def install(self) -> Callable[[], None]:
        """Attach to the engine's logger (lowering its level to INFO if needed); returns the
        function that undoes it."""
        logger = logging.getLogger(ENGINE_LOGGER)
        previous = logger.level
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        logger.addHandler(self)

        def uninstall() -> None:
            logger.removeHandler(self)
            logger.setLevel(previous)

        return uninstall


class EngineDriver:
    """The engine under test, seen from outside: its endpoint and its restarts."""

    def __init__(self, url_of: Callable[[], str], restart: Callable[..., None]) -> None:
        self._url_of = url_of
        self._restart = restart
        self.logs = LogCapture()

    @property
    def url(self) -> str:
        return self._url_of().rstrip("/")

    @property
    def running(self) -> bool:
        return bool(self._url_of())

    def state(self) -> dict[str, Any]:
        response = requests.get(f"{self.url}/debug/state", timeout=5)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def wait_settled(self, timeout: float = 10.0) -> dict[str, Any]:
        """Poll ``/debug/state`` until ``settled`` is true; return the state. A stopped engine
        changes nothing, so it counts as settled (``{}``)."""
        if not self.running:
            return {}

        def check() -> dict[str, Any]:
            try:
                state = self.state()
            except requests.RequestException as error:
                raise AssertionError(f"engine endpoint unreachable: {error}") from error
            assert state.get("settled") is True, f"engine not settled: {state}"
            return state

        return eventually(check, timeout=timeout, interval=0.005)

    def restart(self, **overrides: Any) -> None:
        self._restart(**overrides)
        self.wait_settled()

    def logged(self, fragment: str, min_level: int = logging.DEBUG) -> list[str]:
        return [line for line in self.logs.lines(min_level) if fragment in line]
