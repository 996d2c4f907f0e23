"""docker-compose.yml for real: build, up, healthchecks, the demo, the dashboard, down -v.

Runs when a container engine answers (``docker info``) and ``docker-compose`` is installed;
otherwise it skips with one line, unless ``AKO_SIM_REQUIRE_COMPOSE=1`` (as ``.ci/run`` sets it),
where a missing engine is a failure. The base image is ``AKO_SIM_BASE_IMAGE`` when set, else the
tag ``.ci/base-image`` prints (``python:3.11-slim`` where a registry answers, a local stand-in
built from Debian packages where none does).

Each run is its own compose project (unique name) on free host ports, so it passes beside other
tests and under pytest-xdist. What it checks, as a presenter would see it:
- the three long-running services become healthy;
- the one-shot demo exits 0 and prints the spec's table, both Services on one VIP;
- ``/api/view``: both Services on that VIP, one shared VS, backend servers in both pools;
- ``kubectl get svc`` on the host with the demo's host kubeconfig prints the same table;
- the dashboard in Debian's Chromium (Playwright, never a downloaded browser) shows the VIP and
  the servers (``AKO_SIM_COMPOSE_SCREENSHOT=FILE`` saves a screenshot of it);
- ``docker-compose down -v`` leaves no container, network or volume of the project.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from steps.support.wait import eventually

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
CHROMIUM = Path("/usr/bin/chromium")
VIP = "100.64.196.61"
SERVICES = ("sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2")
LONG_RUNNING = ("mock-k8s", "mock-avi", "engine")
SERVER = re.compile(r"^\d+\.\d+\.\d+\.\d+:8080$")  # a backend Pod, <podIP>:8080

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(1800)]


def engine_missing() -> str | None:
    """Why no compose stack can run here, or None when it can."""
    if shutil.which("docker-compose") is None or shutil.which("docker") is None:
        return "docker and docker-compose are not installed (.ci/run installs them)"
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "docker info did not answer within 60 s"
    if info.returncode != 0:
        return "no container engine answers docker info (start dockerd; .ci/run does)"
    if not CHROMIUM.exists():
        return "needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="module")
def engine_available() -> None:
    reason = engine_missing()
    if reason is None:
        return
    if os.environ.get("AKO_SIM_REQUIRE_COMPOSE") == "1":
        pytest.fail(f"AKO_SIM_REQUIRE_COMPOSE=1 but {reason}")
    pytest.skip(f"compose stack not run: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    """Run a command; its stdout, or a failure carrying its output."""
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def base_image() -> str:
    given = os.environ.get("AKO_SIM_BASE_IMAGE")
    if given:
        return given
    return run([str(ROOT / ".ci" / "base-image")], timeout=1200).strip().splitlines()[-1]


@dataclass
class Stack:
    """One compose project: its name, its environment (host ports) and its compose command."""

    project: str
    env: dict[str, str]
    k8s_port: int
    engine_port: int

    def compose(self, *args: str, timeout: float = 120) -> str:
        command = ["docker-compose", "-p", self.project, "-f", str(COMPOSE_FILE), *args]
        return run(command, env=self.env, timeout=timeout)

    def container(self, service: str) -> str:
        ids = self.compose("ps", "-a", "-q", service).split()
        assert len(ids) == 1, f"{service}: containers {ids}"
        return ids[0]

    def state(self, service: str) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(
            run(["docker", "inspect", "-f", "{{json .State}}", self.container(service)])
        )
        return state

    def logs(self, service: str) -> tuple[str, str]:
        """A container's stdout and stderr."""
        result = subprocess.run(
            ["docker", "logs", self.container(service)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return result.stdout, result.stderr

    def leftovers(self) -> list[str]:
        """The project's containers, networks and volumes that still exist."""
        label = f"label=com.docker.compose.project={self.project}"
        found = []
        for kind in ("ps -a", "network ls", "volume ls"):
            found += run(["docker", *kind.split(), "-q", "--filter", label]).split()
        return found

    def view(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.engine_port}/api/view"
        with urllib.request.urlopen(url, timeout=5) as response:
            view: dict[str, Any] = json.load(response)
            return view


@pytest.fixture(scope="module")
def stack(engine_available: None) -> Iterator[Stack]:
    k8s, avi, engine = free_port(), free_port(), free_port()
    env = dict(os.environ)
    env.update(
        AKO_SIM_BASE_IMAGE=base_image(),
        AKO_SIM_K8S_PORT=str(k8s),
        AKO_SIM_AVI_PORT=str(avi),
        AKO_SIM_ENGINE_PORT=str(engine),
    )
    created = Stack(f"akosimtest{uuid.uuid4().hex[:10]}", env, k8s, engine)
    try:
        created.compose("build", timeout=1200)
        created.compose("up", "-d", timeout=300)
        yield created
    finally:
        if created.leftovers():  # the test's own down -v did not run (a failure before it)
            down = ["down", "-v", "--remove-orphans", "-t", "5"]
            subprocess.run(
                ["docker-compose", "-p", created.project, "-f", str(COMPOSE_FILE), *down],
                env=env,
                cwd=ROOT,
                capture_output=True,
                timeout=300,
                check=False,
            )


def external_ips(output: str) -> dict[str, str]:
    """NAME -> EXTERNAL-IP from the ``kubectl get svc`` table in ``output`` (up to what follows
    it: an empty line or the topology's first ``VS`` line), the API server's own ``kubernetes``
    Service left out."""
    lines = output[output.index("NAME ") :].splitlines()
    header = lines[0].split()
    assert header[:4] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP"], output
    rows = []
    for line in lines[1:]:
        if not line.strip() or line.startswith("VS "):
            break
        rows.append(line.split())
    return {row[0]: row[3] for row in rows if row[0] != "kubernetes"}


def pools(view: dict[str, Any]) -> dict[str, list[str]]:
    """Service -> the servers of its pool, from /api/view's topology."""
    found: dict[str, list[str]] = {}
    for vs in view["topology"]["virtualservices"]:
        for port in vs["ports"]:
            for rule in port["rules"]:
                found[rule["pool"]["service"]] = rule["pool"]["servers"]
    return found


def test_compose_stack_shows_the_shared_vip_with_backends(stack: Stack, tmp_path: Path) -> None:
    # Healthchecks: every long-running service is healthy.
    def healthy() -> None:
        states = {name: stack.state(name) for name in LONG_RUNNING}
        health = {name: state.get("Health", {}).get("Status") for name, state in states.items()}
        assert set(health.values()) == {"healthy"}, health

    eventually(healthy, timeout=120, interval=1)

    # The one-shot demo: exits 0, prints the spec's table.
    def demo_exited() -> dict[str, Any]:
        state = stack.state("demo")
        assert state["Status"] == "exited", state["Status"]
        return state

    demo = eventually(demo_exited, timeout=180, interval=1)
    output, errors = stack.logs("demo")
    assert demo["ExitCode"] == 0, f"{output}\n{errors}"
    assert external_ips(output) == dict.fromkeys(SERVICES, VIP), output
    topology = output[output.index("VS ") :]
    assert "no servers" not in topology, output
    servers = [line.split()[-1] for line in topology.splitlines() if line.endswith(":8080")]
    assert len(servers) == 6 and all(SERVER.match(s) for s in servers), output  # 3 per pool

    # The dashboard's data: both Services on the VIP, one shared VS, servers in both pools.
    def backends_in_both_pools() -> dict[str, Any]:
        view = stack.view()
        ips = {s["name"]: s["external_ip"] for s in view["services"] if s["name"] != "kubernetes"}
        assert ips == dict.fromkeys(SERVICES, VIP), view["services"]
        vips = view["topology"]["vips"]
        assert [(v["ip"], v["shared"], sorted(v["services"])) for v in vips] == [
            (VIP, True, [f"default/{name}" for name in SERVICES])
        ]
        servers = pools(view)
        assert set(servers) == set(SERVICES), servers
        for name, members in servers.items():
            assert len(members) == 3 and all(SERVER.match(s) for s in members), (name, members)
        return view

    view = eventually(backends_in_both_pools, timeout=60, interval=0.5)
    assert view["engine"]["ready"] is True

    # The host's own kubectl, with the kubeconfig the demo wrote for the host.
    kubeconfig = tmp_path / "host.kubeconfig"
    kubeconfig.write_text(stack.compose("exec", "-T", "mock-k8s", "cat", "/shared/host.kubeconfig"))
    assert f"server: http://127.0.0.1:{stack.k8s_port}" in kubeconfig.read_text()
    kubectl = ["kubectl", f"--kubeconfig={kubeconfig}", f"--cache-dir={tmp_path / 'cache'}"]
    host_table = run([*kubectl, "get", "svc"])
    assert external_ips(host_table) == dict.fromkeys(SERVICES, VIP), host_table

    # The dashboard in Chromium: the VIP on both rows, servers in the pools.
    show_dashboard(f"http://127.0.0.1:{stack.engine_port}/", servers=pools(view))

    # down -v: nothing of the project is left.
    stack.compose("down", "-v", "--remove-orphans", timeout=300)
    assert stack.leftovers() == []
    # Earlier builds of ako-sim:latest, untagged by this one, would pile up run after run.
    run(["docker", "image", "prune", "--force", "--filter", "label=io.ako-sim.image=ako-sim"])


def show_dashboard(url: str, servers: dict[str, list[str]]) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(15_000)
            page.goto(url)
            for name in SERVICES:
                row = page.locator(f'tr[data-service="default/{name}"]')
                expect(row.locator("td.external-ip")).to_have_text(VIP)
            boxes = page.locator(".box.servers")
            for server in {s for members in servers.values() for s in members}:
                pools_with_it = sum(server in members for members in servers.values())
                expect(boxes.filter(has_text=server)).to_have_count(pools_with_it)
            screenshot = os.environ.get("AKO_SIM_COMPOSE_SCREENSHOT")
            if screenshot:
                page.screenshot(path=screenshot, full_page=True)
        finally:
            browser.close()
