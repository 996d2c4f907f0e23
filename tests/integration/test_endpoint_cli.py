"""The engine endpoint and the ``ako-sim up`` / ``ako-sim engine`` commands."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from simulator.cli import main
from tests.support.world import World

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # processes: started first under xdist


def test_endpoint_serves_health_metrics_and_state(world: World) -> None:
    world.create("a", key="k")
    world.settle()
    url = world.engine.url
    assert requests.get(f"{url}/healthz", timeout=2).status_code == 200
    assert requests.get(f"{url}/readyz", timeout=2).status_code == 200
    metrics = requests.get(f"{url}/metrics", timeout=2).text
    assert 'akosim_reconciles_total{kind="shared",result="ok"}' in metrics
    assert 'akosim_avi_calls_total{method="POST",status="201",type="virtualservice"} 1.0' in metrics
    assert 'akosim_k8s_writes_total{kind="service_status"} 1.0' in metrics
    assert "akosim_queue_depth 0.0" in metrics
    state = requests.get(f"{url}/debug/state", timeout=2).json()
    assert state["settled"] is True
    assert state["queue_depth"] == 0 and state["in_flight"] == [] and state["retrying"] == []
    assert set(state["observed_resource_version"]) == {
        "services",
        "endpointslices",
        "nodes",
        "namespaces",
        "aviinfrasettings",
        "l4rules",
    }
    assert all(i["caught_up"] for i in state["informers"].values())
    page = requests.get(f"{url}/", timeout=2)
    assert page.status_code == 200 and page.text.lstrip().lower().startswith("<!doctype html")
    assert requests.get(f"{url}/nope", timeout=2).status_code == 404


def test_retrying_keys_are_listed_but_do_not_hold_settled_back(world: World) -> None:
    world.create("a", key="k", ip_annotation="10.9.9.9")
    world.settle()
    state = requests.get(f"{world.engine.url}/debug/state", timeout=2).json()
    assert state["settled"] is True
    [retry] = state["retrying"]
    assert retry["key"] == "shared:default/k" and retry["slow"] and retry["next_attempt_in"] <= 5


def test_engine_command_rejects_invalid_settings_without_a_traceback() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["engine", "--port", "0"], env={"SERVICE_TYPE": "Bogus"})
    assert result.exit_code == 2
    assert "SERVICE_TYPE" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["engine", "--avi-controller", "ftp://x", "--port", "0"])
    assert result.exit_code == 2 and "--avi-controller" in result.output
    result = runner.invoke(
        main, ["engine", "--kubeconfig", "/no/such/file", "--port", "0"], env={"SERVICE_TYPE": ""}
    )
    assert result.exit_code == 2 and "no such file" in result.output


def test_up_prints_urls_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "demo.kubeconfig"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "up",
            "--k8s-port",
            "0",
            "--avi-port",
            "0",
            "--engine-port",
            "0",
            "--kubeconfig",
            str(kubeconfig),
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(
        target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True
    )
    reader.start()
    output: list[str] = []
    try:
        while not any(line.startswith("export KUBECONFIG=") for line in output):
            output.append(lines.get(timeout=20).rstrip())
        urls = re.findall(r"serving on (http://127\.0\.0\.1:\d+)", "\n".join(output))
        assert len(urls) == 3, output
        k8s, avi, engine = urls
        assert f"export KUBECONFIG={kubeconfig}" in output
        assert kubeconfig.is_file()
        assert requests.get(f"{k8s}/__mock__/healthz", timeout=5).status_code == 200
        assert requests.get(f"{avi}/__mock__/healthz", timeout=5).status_code == 200
        from steps.support.stack import wait_ready

        wait_ready(engine, timeout=10)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
