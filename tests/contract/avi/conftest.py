"""Fixtures for the avisdk contract tests: one mock controller per session, reset per test.

``avi_server`` serves ``mock_avi`` on port 0; ``mock`` is a small client of its ``/__mock__``
control API (HTTP Basic) and resets it before each test; ``api`` is a real
``avi.sdk.avi_api.ApiSession`` logged in as admin (the SDK's global session cache is cleared
first, so every test logs in afresh).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from avi.sdk.avi_api import ApiSession

from mock_avi.server import RunningServer, start_server
from tests.contract.avi.avi_support import PASSWORD, USER, MockControl


@pytest.fixture(scope="session")
def avi_server() -> Iterator[RunningServer]:
    server = start_server(port=0)
    yield server
    server.stop()


@pytest.fixture
def mock(avi_server: RunningServer) -> MockControl:
    control = MockControl(avi_server.url)
    control.reset()
    return control


@pytest.fixture
def new_session(
    avi_server: RunningServer, mock: MockControl
) -> Iterator[Callable[..., ApiSession]]:
    """Factory of logged-in ApiSessions (keyword arguments go to ApiSession)."""
    ApiSession.clear_cached_sessions()

    def make(**kwargs: Any) -> ApiSession:
        kwargs.setdefault("username", USER)
        kwargs.setdefault("password", PASSWORD)
        return ApiSession(controller_ip=avi_server.url, **kwargs)

    yield make
    ApiSession.clear_cached_sessions()


@pytest.fixture
def api(new_session: Callable[..., ApiSession]) -> ApiSession:
    return new_session()


@pytest.fixture
def http(avi_server: RunningServer, mock: MockControl) -> requests.Session:
    """A plain requests session using HTTP Basic (allowed by the default systemconfiguration)."""
    session = requests.Session()
    session.auth = (USER, PASSWORD)
    return session
