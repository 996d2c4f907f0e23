"""``ako-sim mock-avi --version`` and ``ako-sim up --avi-version``: the mock controller's version.

The options set what mock_avi serves and checks ``X-Avi-Version`` against (interfaces.md);
junk is a usage error before anything starts.
"""

from __future__ import annotations

import pytest
import requests
from click.testing import CliRunner

from mock_avi.server import VERSION_ENV, start_server
from mock_k8s.app import K8S_VERSION_ENV
from simulator.cli import main, use_avi_version


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["mock-avi", "--port", "0", "--version", "junk"], "--version"),
        (["up", "--k8s-port", "0", "--avi-version", "3O.2.1"], "--avi-version"),
    ],
)
def test_a_bad_controller_version_is_a_usage_error(
    args: list[str], hint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(K8S_VERSION_ENV, "1.31")  # up sets it for its embedded server
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert f"Invalid value for {hint}" in result.output
    assert "is not a controller version (like 30.2.1)" in result.output


def test_the_option_sets_the_version_the_controller_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VERSION_ENV, "30.2.1")  # restored after the test
    use_avi_version("22.1.3", "--version")
    server = start_server(port=0)
    try:
        data = requests.get(f"{server.url}/api/initial-data", timeout=10).json()
        assert data["version"]["Version"] == "22.1.3"
        over = requests.get(
            f"{server.url}/api/pool",
            auth=("admin", "admin"),
            headers={"X-Avi-Version": "30.2.1"},
            timeout=10,
        )
        assert over.status_code == 400
    finally:
        server.stop()


def test_both_commands_document_the_default() -> None:
    runner = CliRunner()
    assert "30.2.1" in runner.invoke(main, ["mock-avi", "--help"]).output
    assert "--avi-version" in runner.invoke(main, ["up", "--help"]).output
