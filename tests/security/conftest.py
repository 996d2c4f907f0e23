"""Fixtures of the security suite: the integration ``world`` over the session stack.

Reuses ``tests.integration.conftest.World`` (verbs over the real clients) on the session stack of
``tests.support.stack`` (mocks started once, reset per test), so the fault and bad-input matrices
speak the same language as the integration suite. ``converged`` (``tests.reliability.oracle``)
is the shared end-state assertion: nothing orphaned, nothing duplicated, no wrong status.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator.stack import Stack
from tests.integration.conftest import World


@pytest.fixture
def world(fresh_stack: Stack, kube_api: Any, avi_api: Any) -> Iterator[World]:
    w = World(fresh_stack, kube_api, avi_api)
    try:
        yield w
    finally:
        w.clear_faults()
