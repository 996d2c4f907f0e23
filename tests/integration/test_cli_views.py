"""``ako-sim get svc`` and ``ako-sim topology`` against a running stack (engine and direct)."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from simulator.cli import main
from tests.support.world import EXAMPLES, SHARED_VS, World, service_manifest

pytestmark = pytest.mark.integration

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def ako_sim(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def without_age(table: str) -> list[list[str]]:
    """Table lines split in columns, AGE dropped: it may tick in between. AGE is the last
    column, but for ``-o wide`` (SELECTOR follows it); a table without headers ends with it."""
    rows = [line.split() for line in table.splitlines()]
    age = rows[0].index("AGE") if rows and "AGE" in rows[0] else -1
    return [row[:age] + (row[age + 1 :] if age >= 0 else []) for row in rows]


def test_get_svc_prints_what_kubectl_prints(world: World, kubectl: Kubectl) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.create("elsewhere", ns="kube-system", type_="ClusterIP")
    world.settle()
    engine = world.engine.url
    for args in ([], ["-A"], ["-n", "kube-system"], ["-o", "wide"]):
        expected = kubectl("get", "svc", *args).stdout
        got = ako_sim("get", "svc", "--engine", engine, *args)
        assert got.exit_code == 0, got.output
        assert without_age(got.stdout) == without_age(expected), args
        direct = ako_sim("get", "svc", "--kubeconfig", str(world.stack.kubeconfig), *args)
        assert without_age(direct.stdout) == without_age(expected), args
    table = ako_sim("get", "svc", "--engine", engine).stdout.splitlines()
    assert [line.split()[3] for line in table[1:]] == ["100.64.196.61", "100.64.196.61"]


def test_get_svc_shows_every_ingress_address_as_kubectl(world: World, kubectl: Kubectl) -> None:
    """Two ingress IPs (longer than the printer's 16 characters): kubectl shows them whole,
    because the API server renders tables in wide mode; so must ``ako-sim get svc``."""
    foreign = service_manifest("dual")  # another controller's Service: the engine leaves it be
    foreign["spec"]["loadBalancerClass"] = "example.com/other-lb"
    world.apply(foreign)
    world.core.patch_namespaced_service_status(
        "dual",
        "default",
        {"status": {"loadBalancer": {"ingress": [{"ip": "100.64.197.10"}, {"ip": "10.1.1.1"}]}}},
    )
    world.settle()
    expected = kubectl("get", "svc", "dual").stdout
    assert "10.1.1.1,100.64.197.10" in expected
    got = ako_sim("get", "svc", "--engine", world.engine.url)
    dual = [line for line in got.stdout.splitlines() if line.startswith("dual ")]
    assert without_age("\n".join(dual)) == without_age(expected.splitlines()[1])


def test_get_svc_in_an_empty_namespace_says_so_on_stderr(world: World) -> None:
    result = ako_sim("get", "svc", "-n", "nothing-here", "--engine", world.engine.url)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "No resources found in nothing-here namespace.\n"


def test_topology_draws_the_shared_vs_with_both_ports(world: World) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    world.settle()
    text = ako_sim("topology", "--engine", world.engine.url)
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"VS {SHARED_VS}  [shared-vip group default/shared-vip-key-1]")
    assert "  DOWN: " in lines[0], "its pools have no servers: the VS is down (health)"
    assert lines[1].startswith("└─ VIP 100.64.196.61  shared by 2 Services")
    assert "   ├─ 80/TCP" in lines and "   └─ 80/UDP" in lines

    tree = json.loads(ako_sim("topology", "--json", "--engine", world.engine.url).stdout)
    direct = ako_sim(
        "topology",
        "--json",
        "--kubeconfig",
        str(world.stack.kubeconfig),
        "--avi-controller",
        world.stack.avi_url,
    )
    assert direct.exit_code == 0, direct.output
    assert json.loads(direct.stdout) == tree
    (vs,) = tree["virtualservices"]
    assert vs["vips"] == ["100.64.196.61"]
    assert [(p["port"], p["protocol"]) for p in vs["ports"]] == [(80, "TCP"), (80, "UDP")]
    assert vs["problems"] == []


def test_topology_flags_a_group_with_conflicting_vips(world: World) -> None:
    world.create("a", key="k1", lb_ip="100.64.196.80")
    world.create("b", key="k1", lb_ip="100.64.196.81", ports=((81, "TCP"),))
    world.settle()
    tree = json.loads(ako_sim("topology", "--json", "--engine", world.engine.url).stdout)
    assert tree["virtualservices"] == []
    assert tree["flagged"] == ["default/k1"]
    text = ako_sim("topology", "--engine", world.engine.url).stdout
    assert "! MISCONFIGURED shared-vip group default/k1 (Services a, b)" in text


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("command", [["get", "svc"], ["topology"]])
def test_views_report_an_unreachable_engine_without_a_traceback(command: list[str]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(main, [*command, "--engine", url])
    assert result.exit_code == 1
    assert f"cannot reach the engine at {url}" in result.output
    assert "Traceback" not in result.output


def test_get_rejects_both_namespace_and_all_namespaces() -> None:
    result = CliRunner().invoke(main, ["get", "svc", "-n", "x", "-A"])
    assert result.exit_code == 2
    assert "either -n NAMESPACE or -A" in result.output
    unknown = CliRunner().invoke(main, ["get", "pods"])
    assert unknown.exit_code == 2
