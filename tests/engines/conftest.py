"""Fixtures of the launcher tests: both mocks (mock_avi over HTTPS, as AKO needs), started once
per module on free ports and reset before each test, and an engine factory that runs AKO or its
stand-in against them and always stops what it started."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3

from simulator.engines import AkoOptions
from simulator.engines.ako import AkoEngine
from simulator.stack import Stack, start_stack

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def reset_mocks(stack: Stack) -> None:
    for url, auth in ((stack.avi_url, ("admin", "admin")), (stack.k8s_url, None)):
        answer = requests.post(f"{url}/__mock__/reset", auth=auth, verify=False, timeout=10)
        assert answer.status_code < 300, f"reset of {url}: HTTP {answer.status_code}"


@pytest.fixture(scope="module")
def mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("engines")
    stack = start_stack(
        k8s_port=0,
        avi_port=0,
        engine_port=0,
        kubeconfig=directory / "kubeconfig",
        start_engine=False,
        avi_tls=True,
        engine_overrides={"resync_period": 0},
    )
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def fresh_mocks(mocks: Stack) -> Stack:
    reset_mocks(mocks)
    return mocks


@pytest.fixture
def make_engine(fresh_mocks: Stack, tmp_path: Path) -> Iterator[Callable[..., AkoEngine]]:
    """``make_engine(binary, settle_quiet_ms=..., start=True, **config_overrides)``."""
    started: list[AkoEngine] = []

    def make(
        binary: Path | str,
        *,
        start: bool = True,
        options: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> AkoEngine:
        config = fresh_mocks.config.with_overrides(port=0, **overrides)
        settings = {"log_file": tmp_path / "ako.log", "settle_quiet_ms": 200, "start_timeout": 20.0}
        settings.update(options or {})
        engine = AkoEngine(config, AkoOptions(binary=str(binary), **settings))
        started.append(engine)
        if start:
            engine.start()
        return engine

    yield make
    for engine in started:
        engine.stop(timeout=2)
