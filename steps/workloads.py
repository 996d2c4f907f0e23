"""Steps for workloads: a Deployment with N ready replicas, scaling it, a node failing and
recovering, a Pod that never becomes ready, and checks that pool servers are the ready Pods.

Given/When steps act on the cluster and wait on its conditions (Pods Ready, EndpointSlices
listing them); Then steps on the controller wait for the engine's ``settled`` state first
(``then_eventually``). Nothing here depends on which engine runs.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from steps.drivers.avi import AviDriver
from steps.drivers.engine import EngineDriver
from steps.drivers.kube import KubeDriver, parse_labels
from steps.drivers.workloads import WorkloadsDriver
from steps.expect import then_eventually
from steps.support.wait import eventually

#: how long the cluster may take to make Pods Ready (the kubelet's default delay is 0.5 s)
POD_DEADLINE = 30.0


@pytest.fixture
def workloads(kube: KubeDriver) -> WorkloadsDriver:
    return WorkloadsDriver(kube)


@pytest.fixture
def failed_nodes() -> list[str]:
    """Nodes a scenario marked NotReady (``the node of a Pod ... fails``)."""
    return []


def _wait_ready_replicas(workloads: WorkloadsDriver, name: str, selector: str, n: int) -> None:
    def check() -> None:
        d = workloads.deployment(name)
        status = d.get("status") or {}
        live = workloads.pods(selector)
        ready = workloads.ready_pod_ips(selector)
        assert len(ready) == n and len(live) == n, (
            f"Deployment {name}: {len(ready)} ready of {len(live)} Pods, waiting for {n} "
            f"(status {status})"
        )

    eventually(check, timeout=POD_DEADLINE, interval=0.05)


def _selector_of(workloads: WorkloadsDriver, name: str) -> str:
    labels = workloads.deployment(name)["spec"]["selector"].get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


@given(
    parsers.re(
        r'a Deployment "(?P<name>[^"]+)" with (?P<n>\d+) ready replicas? labelled '
        r'"(?P<labels>[^"]+)" on port (?P<port>\d+)'
    )
)
@when(
    parsers.re(
        r'I create a Deployment "(?P<name>[^"]+)" with (?P<n>\d+) ready replicas? labelled '
        r'"(?P<labels>[^"]+)" on port (?P<port>\d+)'
    )
)
def deployment_with_ready_replicas(
    workloads: WorkloadsDriver, name: str, n: str, labels: str, port: str
) -> None:
    parsed = parse_labels(labels)
    workloads.create_deployment(name, int(n), parsed, int(port))
    _wait_ready_replicas(workloads, name, labels.replace(" ", ""), int(n))


@when(parsers.re(r'I scale the Deployment "(?P<name>[^"]+)" to (?P<n>\d+) replicas?'))
def scale_deployment(workloads: WorkloadsDriver, name: str, n: str) -> None:
    workloads.scale(name, int(n))
    _wait_ready_replicas(workloads, name, _selector_of(workloads, name), int(n))


@when(parsers.parse('the node of a Pod of the Deployment "{name}" fails'))
def node_of_a_pod_fails(workloads: WorkloadsDriver, failed_nodes: list[str], name: str) -> None:
    pods = workloads.pods(_selector_of(workloads, name))
    assert pods, f"Deployment {name} has no Pods"
    node = sorted(str(p["spec"].get("nodeName")) for p in pods)[0]
    workloads.set_node_ready(node, False)
    failed_nodes.append(node)


@given(parsers.parse('the node "{node}" fails'))
@when(parsers.parse('the node "{node}" fails'))
def node_fails(workloads: WorkloadsDriver, failed_nodes: list[str], node: str) -> None:
    workloads.set_node_ready(node, False)
    failed_nodes.append(node)


@when("the failed node recovers")
def failed_node_recovers(workloads: WorkloadsDriver, failed_nodes: list[str]) -> None:
    assert failed_nodes, "no node failed in this scenario"
    for node in failed_nodes:
        workloads.set_node_ready(node, True)
    failed_nodes.clear()


@when(parsers.parse('the node "{node}" recovers'))
def node_recovers(workloads: WorkloadsDriver, failed_nodes: list[str], node: str) -> None:
    workloads.set_node_ready(node, True)
    if node in failed_nodes:
        failed_nodes.remove(node)


@given(
    parsers.re(
        r'a Pod "(?P<name>[^"]+)" labelled "(?P<labels>[^"]+)" on port (?P<port>\d+) that '
        r"never becomes ready"
    )
)
@when(
    parsers.re(
        r'I create a Pod "(?P<name>[^"]+)" labelled "(?P<labels>[^"]+)" on port (?P<port>\d+) '
        r"that never becomes ready"
    )
)
def never_ready_pod(workloads: WorkloadsDriver, name: str, labels: str, port: str) -> None:
    workloads.create_never_ready_pod(name, parse_labels(labels), int(port))

    def running() -> None:
        pod = workloads.pod(name)
        assert pod["status"].get("phase") == "Running" and pod["status"].get("podIP"), (
            f"Pod {name} is {pod['status'].get('phase')}, waiting for Running"
        )
        assert not workloads.is_ready(pod)

    eventually(running, timeout=POD_DEADLINE, interval=0.05)


# -- checks on the cluster -----------------------------------------------------------------------
@then(parsers.parse('the Pods of "{labels}" on the failed node are not ready'))
def pods_on_failed_node_not_ready(
    workloads: WorkloadsDriver, failed_nodes: list[str], labels: str
) -> None:
    assert failed_nodes, "no node failed in this scenario"
    selector = labels.replace(" ", "")

    def check() -> None:
        for node in failed_nodes:
            pods = workloads.pods_on(selector, node)
            assert pods, f"no Pod of {labels} on {node}"
            assert not any(workloads.is_ready(p) for p in pods), f"Pods on {node} still Ready"

    eventually(check, timeout=POD_DEADLINE, interval=0.05)


@then(
    parsers.re(
        r'the EndpointSlices of the Service "(?P<name>[^"]+)" list the ready Pods of '
        r'"(?P<labels>[^"]+)"'
    )
)
def slices_list_ready_pods(
    kube: KubeDriver, workloads: WorkloadsDriver, name: str, labels: str
) -> None:
    def check() -> None:
        wanted = workloads.ready_pod_ips(labels.replace(" ", ""))
        found = sorted(
            e["addresses"][0]
            for s in kube.endpoint_slices(name, "default")
            for e in s.get("endpoints") or []
            if (e.get("conditions") or {}).get("ready")
        )
        assert wanted and found == wanted, f"EndpointSlices of {name}: {found}, Pods {wanted}"

    eventually(check, timeout=POD_DEADLINE, interval=0.05)


# -- checks on the controller --------------------------------------------------------------------
def _pools_of(avi: AviDriver, vs_name: str) -> dict[str, list[str]]:
    vs = avi.vs_topology(vs_name)
    assert vs is not None, f"no virtual service {vs_name!r} on the controller"
    return {pool.name: list(pool.servers) for pool in vs.pools}


@then(
    parsers.re(
        r'every pool of the virtual service "(?P<vs>[^"]+)" has the ready Pods of '
        r'"(?P<labels>[^"]+)" on port (?P<port>\d+)'
    )
)
@then_eventually
def pools_have_ready_pods(
    engine: EngineDriver,
    avi: AviDriver,
    workloads: WorkloadsDriver,
    vs: str,
    labels: str,
    port: str,
) -> None:
    wanted = sorted(f"{ip}:{port}" for ip in workloads.ready_pod_ips(labels.replace(" ", "")))
    pools = _pools_of(avi, vs)
    assert pools, f"{vs} has no pool"
    wrong = {name: servers for name, servers in pools.items() if sorted(servers) != wanted}
    assert not wrong, f"pools of {vs} {wrong}, expected the ready Pods {wanted}"


@given(parsers.re(r'the pool "(?P<pool>[^"]+)" has (?P<n>\d+) servers?$'))
@then(parsers.re(r'the pool "(?P<pool>[^"]+)" has (?P<n>\d+) servers?$'))
@then_eventually
def pool_has_n_servers(engine: EngineDriver, avi: AviDriver, pool: str, n: str) -> None:
    servers: Any = avi.pool_servers(pool)
    assert servers is not None, f"no pool {pool!r}"
    assert len(servers) == int(n), f"pool {pool} has servers {servers}, expected {n}"
