"""A list is atomic with respect to a state load and a reset: while a thread loads states and
resets in a loop, every list (the official client) shows exactly one whole state."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from .helpers import lb_service

pytestmark = pytest.mark.contract

PER_STATE = 60
CYCLES = 15


def _state_with(core: client.CoreV1Api, control: Callable[..., Any], prefix: str) -> Any:
    control("POST", "reset")
    for i in range(PER_STATE):
        core.create_namespaced_service("default", lb_service(f"{prefix}-{i}"))
    return control("GET", "state")


def _names(core: client.CoreV1Api) -> frozenset[str]:
    # raw body: skipping the client's model decoding makes lists frequent enough to race
    resp = core.list_namespaced_service("default", _preload_content=False)
    return frozenset(item["metadata"]["name"] for item in json.loads(resp.data)["items"])


def test_lists_never_see_half_a_state_load_or_reset(
    core: client.CoreV1Api, control: Callable[..., Any]
) -> None:
    state_a = _state_with(core, control, "a")
    state_b = _state_with(core, control, "b")
    whole = {
        frozenset(f"a-{i}" for i in range(PER_STATE)),
        frozenset(f"b-{i}" for i in range(PER_STATE)),
        frozenset(),  # after a reset
    }
    control("PUT", "state", json=state_a)
    done = threading.Event()
    failure: list[BaseException] = []

    def churn() -> None:
        try:
            for _ in range(CYCLES):
                control("PUT", "state", json=state_b)
                control("PUT", "state", json=state_a)
                control("POST", "reset")
        except BaseException as exc:  # reported by the test thread
            failure.append(exc)
        finally:
            done.set()

    loader = threading.Thread(target=churn, daemon=True)
    loader.start()
    seen: list[frozenset[str]] = []
    while not done.is_set() and len(seen) < 5000:
        seen.append(_names(core))
    loader.join(timeout=30)
    assert not failure, failure
    partial = [len(s) for s in seen if s not in whole]
    assert partial == [], f"{len(partial)} of {len(seen)} lists saw part of a state"
    assert len(seen) > 0
