"""How a Then step waits: first for the engine's ``settled`` state, then for its check to pass
within a deadline (a polled condition, never a fixed sleep).

``settled`` covers ordinary reconciles; the deadline covers keys the engine retries with backoff
(faults), which by contract do not hold ``settled`` back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from steps.drivers.engine import EngineDriver
from tests.support.wait import consistently, eventually

T = TypeVar("T")

#: How long a Then step waits for its condition after the engine settled (slow VIP retries
#: take a few seconds by contract).
DEADLINE = 10.0


def expect(engine: EngineDriver, check: Callable[[], T], timeout: float = DEADLINE) -> T:
    """Wait until the engine settled, then until ``check`` stops raising AssertionError."""
    engine.wait_settled()
    return eventually(check, timeout=timeout, interval=0.02)


def expect_steady(engine: EngineDriver, check: Callable[[], object], duration: float = 0.2) -> None:
    """Wait until the engine settled, then ``check`` must keep passing for ``duration``."""
    engine.wait_settled()
    consistently(check, duration=duration, interval=0.05)
