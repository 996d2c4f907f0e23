"""The compose files as docker-compose reads them (no engine needed, only ``docker-compose``).

``docker-compose config`` resolves the variables and merges the AKO override: the host ports
follow ``AKO_SIM_*_PORT``, the base image follows ``AKO_SIM_BASE_IMAGE``, one service builds the
image and the others reuse it, and ``docker-compose.ako.yml`` mounts ``AKO_BINARY`` into the
engine, which then runs a real ``ako-sim engine --engine ako`` command line against mock-avi
over TLS. Without ``AKO_BINARY`` the override is refused with a message naming it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "docker-compose.yml"
AKO = ROOT / "docker-compose.ako.yml"

pytestmark = pytest.mark.skipif(
    shutil.which("docker-compose") is None, reason="docker-compose not installed"
)


def config(*files: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("AKO_SIM_", "AKO_BINARY"))
    }
    environment.update(env)
    args = ["docker-compose"]
    for file in files:
        args += ["-f", str(file)]
    return subprocess.run(
        [*args, "config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=environment,
        check=False,
    )


def resolved(*files: Path, **env: str) -> dict[str, Any]:
    result = config(*files, **env)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = yaml.safe_load(result.stdout)
    return document["services"]


def published(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host address, host port, container port) of each published port."""
    found = []
    for port in service["ports"]:
        if isinstance(port, dict):  # the long form docker-compose config may print
            found.append((port["host_ip"], str(port["published"]), str(port["target"])))
        else:
            host_ip, host_port, target = port.split(":")
            found.append((host_ip, host_port, target.removesuffix("/tcp")))
    return found


def test_host_ports_default_to_the_spec_ports_and_follow_the_variables() -> None:
    services = resolved(BASE)
    assert published(services["mock-k8s"]) == [("127.0.0.1", "6443", "6443")]
    assert published(services["mock-avi"]) == [("127.0.0.1", "8443", "8443")]
    assert published(services["engine"]) == [("127.0.0.1", "8080", "8080")]
    assert services["demo"]["environment"]["HOST_K8S_SERVER"] == "http://127.0.0.1:6443"

    moved = resolved(
        BASE, AKO_SIM_K8S_PORT="16443", AKO_SIM_AVI_PORT="18443", AKO_SIM_ENGINE_PORT="18080"
    )
    assert published(moved["mock-k8s"]) == [("127.0.0.1", "16443", "6443")]
    assert published(moved["mock-avi"]) == [("127.0.0.1", "18443", "8443")]
    assert published(moved["engine"]) == [("127.0.0.1", "18080", "8080")]
    assert moved["demo"]["environment"]["HOST_K8S_SERVER"] == "http://127.0.0.1:16443"


def test_one_service_builds_the_image_the_others_reuse_it() -> None:
    services = resolved(BASE)
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["mock-k8s"]
    assert {service["image"] for service in services.values()} == {"ako-sim:latest"}
    assert services["mock-k8s"]["build"]["args"] == {"BASE_IMAGE": "python:3.11-slim"}
    local = resolved(BASE, AKO_SIM_BASE_IMAGE="ako-sim-base:python3.11")
    assert local["mock-k8s"]["build"]["args"] == {"BASE_IMAGE": "ako-sim-base:python3.11"}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n" in dockerfile


def test_the_ako_override_needs_the_binary() -> None:
    result = config(BASE, AKO)
    assert result.returncode != 0
    assert "set AKO_BINARY to the path of your AKO binary" in result.stderr


def test_the_ako_override_runs_the_real_ako_against_mock_avi_over_tls(tmp_path: Path) -> None:
    binary = tmp_path / "ako"
    services = resolved(BASE, AKO, AKO_BINARY=str(binary))
    engine = services["engine"]
    assert f"{binary}:/opt/ako/ako:ro" in engine["volumes"]
    assert "shared:/shared:rw" in engine["volumes"]
    args = engine["command"]
    assert args[:2] == ["ako-sim", "engine"]
    ctx = main.commands["engine"].make_context("engine", list(args[2:]))
    assert ctx.params["engine_kind"] == "ako"
    assert ctx.params["ako_binary"] == "/opt/ako/ako"
    assert ctx.params["avi_controller"] == "https://mock-avi:8443"
    assert "--tls" in services["mock-avi"]["command"]
    assert (
        "https://127.0.0.1:8443/__mock__/healthz" in services["mock-avi"]["healthcheck"]["test"][3]
    )
    # The rest of the stack is docker-compose.yml's.
    assert services["demo"] == resolved(BASE)["demo"]
