"""Condition polling for tests: ``eventually`` and ``consistently``, never a fixed sleep.

Both poll a callable until it stops raising ``AssertionError`` (eventually) or keeps not raising
(consistently) within a deadline; the last assertion error is re-raised with its message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_pause = threading.Event()  # never set: waiting on it is an interruptible poll interval


def eventually(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.01) -> T:
    """Call ``check`` until it returns without an AssertionError; return its result."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        _pause.wait(interval)


def consistently(
    check: Callable[[], object], duration: float = 0.3, interval: float = 0.02
) -> None:
    """Call ``check`` repeatedly for ``duration`` seconds; every call must pass."""
    deadline = time.monotonic() + duration
    while True:
        check()
        if time.monotonic() >= deadline:
            return
        _pause.wait(interval)
