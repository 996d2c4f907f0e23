"""``ako-sim node``: list, fail, recover, cordon and uncordon through mock_k8s's control API
(server from --k8s-url or a kubeconfig), and a clear error for a node that does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from kubernetes import client

from mock_k8s.server import RunningServer
from simulator.cli import main

pytestmark = pytest.mark.contract


def test_node_command_marks_and_lists_nodes(
    k8s_server: RunningServer, kubeconfig_path: Path, core: client.CoreV1Api
) -> None:
    runner = CliRunner()
    failed = runner.invoke(main, ["node", "--k8s-url", k8s_server.url, "fail", "node-2"])
    assert failed.exit_code == 0, failed.output
    assert "node/node-2 is NotReady" in failed.output
    ready = {c.type: c.status for c in core.read_node("node-2").status.conditions}
    assert ready["Ready"] == "Unknown"
    listed = runner.invoke(main, ["node", "--kubeconfig", str(kubeconfig_path), "list"])
    assert listed.exit_code == 0, listed.output
    rows = [line.split() for line in listed.output.strip().splitlines()]
    assert rows[0] == ["NAME", "STATUS", "SCHEDULING", "PODS", "INTERNAL-IP", "POD-CIDR"]
    assert rows[2][:3] == ["node-2", "NotReady", "Enabled"]
    runner.invoke(main, ["node", "--k8s-url", k8s_server.url, "recover", "node-2"])
    runner.invoke(main, ["node", "--k8s-url", k8s_server.url, "cordon", "node-3"])
    assert core.read_node("node-3").spec.unschedulable is True
    ready = {c.type: c.status for c in core.read_node("node-2").status.conditions}
    assert ready["Ready"] == "True"
    runner.invoke(main, ["node", "--k8s-url", k8s_server.url, "uncordon", "node-3"])
    assert not core.read_node("node-3").spec.unschedulable
    missing = runner.invoke(main, ["node", "--k8s-url", k8s_server.url, "fail", "node-9"])
    assert missing.exit_code != 0 and 'nodes "node-9" not found' in missing.output
