"""``ako-sim snapshot save`` on a stack with the spec's three examples, ``load`` on a fresh one.

The three manifests go to three namespaces (they use the same names); the second and third both
ask for 100.64.196.75, so one of those groups holds it and the other waits with
``VipAllocationFailed``: that state, too, must come back as it was.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from simulator.cli import main
from steps.support.stack import reset_stack
from tests.support.world import EXAMPLES, World

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # processes: started first under xdist

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
PLACES = {
    "shared-vip.yaml": "default",
    "shared-vip-static-ip.yaml": "static-ip",
    "shared-vip-ip-annotation.yaml": "ip-annotation",
}


def ako_sim(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def lb_table(kubectl: Kubectl) -> list[list[str]]:
    """``kubectl get svc -A`` rows of LoadBalancer Services, AGE dropped (it may tick)."""
    lines = kubectl("get", "svc", "-A").stdout.splitlines()
    return [line.split()[:-1] for line in lines if "LoadBalancer" in line or "NAME" in line]


def topology(world: World) -> dict[str, object]:
    result = ako_sim("topology", "--json", "--engine", world.engine.url)
    assert result.exit_code == 0, result.output
    tree: dict[str, object] = json.loads(result.stdout)
    return tree


def apply_examples(world: World) -> None:
    for manifest, namespace in PLACES.items():
        if namespace != "default":
            world.create_namespace(namespace)
        for doc in yaml.safe_load_all((EXAMPLES / manifest).read_text()):
            doc["metadata"]["namespace"] = namespace
            world.apply(doc)
    world.settle()


def test_snapshot_replays_services_and_topology_on_a_fresh_stack(
    world: World, kubectl: Kubectl, tmp_path: Path
) -> None:
    apply_examples(world)
    table = lb_table(kubectl)
    tree = topology(world)
    ips = sorted(row[4] for row in table[1:])
    assert ips.count("100.64.196.61") == 2 and ips.count("100.64.196.75") == 2
    assert ips.count("<pending>") == 2
    assert len(tree["virtualservices"]) == 2  # type: ignore[arg-type]

    snapshot = tmp_path / "bug-report.yaml"
    targets = ["--kubeconfig", str(world.stack.kubeconfig), "--avi-controller", world.stack.avi_url]
    saved = ako_sim("snapshot", "save", str(snapshot), *targets)
    assert saved.exit_code == 0, saved.output
    assert saved.stdout.startswith("saved ")
    document = yaml.safe_load(snapshot.read_text())
    assert document["version"] == 1
    assert set(document) >= {"version", "kubernetes", "avi"}
    assert any(o.get("kind") == "Service" for o in document["kubernetes"]["objects"])
    assert document["avi"]["objects"]["virtualservice"]

    reset_stack(world.stack)
    assert lb_table(kubectl) == [], "the reset stack still has the Services"
    assert topology(world)["virtualservices"] == []

    loaded = ako_sim("snapshot", "load", str(snapshot), *targets, "--engine", world.engine.url)
    assert loaded.exit_code == 0, loaded.output
    progress = loaded.stderr.splitlines()
    assert [line[:5] for line in progress[:5]] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
    assert progress[-1].startswith("done in ") and "settled" in progress[-1]
    assert loaded.stdout.startswith("loaded ")

    world.settle()
    assert lb_table(kubectl) == table
    assert topology(world) == tree


def test_load_refuses_a_file_that_is_not_a_snapshot(world: World, tmp_path: Path) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.settle()
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"version": 2, "kubernetes": {}, "avi": {}}))
    targets = ["--kubeconfig", str(world.stack.kubeconfig), "--avi-controller", world.stack.avi_url]
    result = CliRunner().invoke(main, ["snapshot", "load", str(bad), *targets])
    assert result.exit_code == 1
    assert "unsupported snapshot version 2" in result.output
    assert world.ips("sharedvip-avisvc-lb1") == ["100.64.196.61"], "state changed anyway"


def test_save_reports_an_unreachable_controller(world: World, tmp_path: Path) -> None:
    target = tmp_path / "never.yaml"
    result = CliRunner().invoke(
        main,
        [
            "snapshot",
            "save",
            str(target),
            "--kubeconfig",
            str(world.stack.kubeconfig),
            "--avi-controller",
            "http://127.0.0.1:1",
        ],
    )
    assert result.exit_code == 1
    assert "http://127.0.0.1:1/__mock__/state" in result.output
    assert not target.exists()
