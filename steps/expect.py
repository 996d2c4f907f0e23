"""How a Then step waits: first for the engine's ``settled`` state, then for its check to pass
within a deadline (a polled condition, never a fixed sleep).

``settled`` covers ordinary reconciles; the deadline covers keys the engine retries with backoff
(faults), which by contract do not hold ``settled`` back.

A check step is written once, as a function that asserts, under :func:`then_eventually`::

    @then(parsers.parse('the controller has a pool "{name}"'))
    @then_eventually
    def has_pool(engine: EngineDriver, avi: AviDriver, name: str) -> None:
        assert avi.by_name("pool", name) is not None, f"no pool {name!r}"

The step must take the ``engine`` fixture; its body is retried until it stops raising
AssertionError or the deadline passes (then the last AssertionError is the failure).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from steps.drivers.engine import EngineDriver
from steps.support.wait import consistently, eventually

T = TypeVar("T")
P = ParamSpec("P")

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


def then_eventually(step: Callable[P, T]) -> Callable[P, T]:
    """Make an asserting step a "then, eventually" step: :func:`expect` around its body.

    The signature is kept (pytest-bdd reads it for fixtures and step arguments); calling the
    decorated function from another step waits the same way.
    """
    signature = inspect.signature(step)
    if "engine" not in signature.parameters:
        raise TypeError(f"{step.__name__}: a then_eventually step must take the engine fixture")

    @functools.wraps(step)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        engine = signature.bind(*args, **kwargs).arguments["engine"]
        return expect(engine, lambda: step(*args, **kwargs))

    return wrapper
