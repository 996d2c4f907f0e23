"""Real kubectl 1.37 against mock_k8s running workloads by itself: create/apply a Deployment,
rollout status, scale, delete (ReplicaSet and Pods go), Endpoints and EndpointSlices of the
ready IPs, kubectl wait, set image + rollout undo, a node marked NotReady through the control
API, cordon, an unschedulable Pod's FailedScheduling event, logs/exec refused clearly."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from kubernetes import client

from mock_k8s.server import RunningServer
from steps.support.wait import eventually

pytestmark = pytest.mark.contract

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.strip().splitlines()[1:] if line.strip()]


def pods_json(kubectl: Kubectl, selector: str = "app=avi-server") -> list[dict[str, Any]]:
    return list(json.loads(kubectl("get", "pods", "-l", selector, "-o", "json").stdout)["items"])


def running_pods(kubectl: Kubectl, count: int) -> list[list[str]]:
    def check() -> list[list[str]]:
        table = rows(kubectl("get", "pods", "-l", "app=avi-server", "-o", "wide").stdout)
        assert len(table) == count, table
        assert all(r[1] == "1/1" and r[2] == "Running" and r[3] == "0" for r in table), table
        return table

    return eventually(check, timeout=20)


@pytest.fixture
def node_control(k8s_server: RunningServer) -> Callable[[str, dict[str, Any]], Any]:
    def mark(name: str, body: dict[str, Any]) -> Any:
        resp = requests.post(f"{k8s_server.url}/__mock__/nodes/{name}", json=body, timeout=10)
        resp.raise_for_status()
        return resp.json()

    return mark


def test_create_deployment_gives_three_running_pods_with_distinct_ips(kubectl: Kubectl) -> None:
    out = kubectl("create", "deployment", "avi-server", "--image=nginx", "--replicas=3").stdout
    assert "deployment.apps/avi-server created" in out
    table = running_pods(kubectl, 3)
    ips = [r[5] for r in table]
    assert len(set(ips)) == 3 and all(ip.startswith("10.244.") for ip in ips)
    assert {r[6] for r in table} == {"node-1", "node-2", "node-3"}  # spread over the nodes
    status = kubectl("rollout", "status", "deployment/avi-server", "--timeout=30s")
    assert 'deployment "avi-server" successfully rolled out' in status.stdout
    deploy = rows(kubectl("get", "deployment", "avi-server").stdout)[0]
    assert deploy[1:4] == ["3/3", "3", "3"]


def test_scale_then_delete_deployment_removes_replicaset_and_pods(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", str(EXAMPLES / "avi-server.yaml"))
    running_pods(kubectl, 3)
    assert "scaled" in kubectl("scale", "deployment/avi-server", "--replicas=1").stdout
    running_pods(kubectl, 1)
    rs = rows(kubectl("get", "rs").stdout)
    assert len(rs) == 1 and rs[0][1:4] == ["1", "1", "1"]
    assert rs[0][0].startswith("avi-server-")
    kubectl("delete", "deployment", "avi-server")

    def gone() -> None:
        assert "No resources found" in kubectl("get", "rs,pods").stderr

    eventually(gone, timeout=20)


def test_endpoints_and_slices_list_the_ready_ips_and_wait_returns(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", str(EXAMPLES / "avi-server.yaml"))
    kubectl("apply", "-f", str(EXAMPLES / "shared-vip.yaml"))
    waited = kubectl(
        "wait", "--for=condition=Ready", "pod", "-l", "app=avi-server", "--timeout=30s"
    )
    assert waited.stdout.count("condition met") == 3
    ips = sorted(p["status"]["podIP"] for p in pods_json(kubectl))

    def listed() -> None:
        out = kubectl("get", "endpoints,endpointslices", "-o", "json").stdout
        items = json.loads(out)["items"]
        eps = [i for i in items if i["kind"] == "Endpoints"]
        slices = [i for i in items if i["kind"] == "EndpointSlice"]
        assert {e["metadata"]["name"] for e in eps} == {
            "sharedvip-avisvc-lb1",
            "sharedvip-avisvc-lb2",
        }
        for e in eps:
            (subset,) = e["subsets"]
            assert sorted(a["ip"] for a in subset["addresses"]) == ips
            assert subset["ports"][0]["port"] == 8080
        assert len(slices) == 2
        for s in slices:
            assert sorted(x["addresses"][0] for x in s["endpoints"]) == ips
            assert all(x["conditions"]["ready"] for x in s["endpoints"])

    eventually(listed, timeout=20)
    table = kubectl("get", "endpoints").stdout
    assert all(f"{ip}:8080" in table for ip in ips)


def test_slices_are_updated_in_place(kubectl: Kubectl, api_client: client.ApiClient) -> None:
    kubectl("apply", "-f", str(EXAMPLES / "shared-vip.yaml"))
    discovery = client.DiscoveryV1Api(api_client)

    def slice_of(svc: str) -> Any:
        (es,) = discovery.list_namespaced_endpoint_slice(
            "default", label_selector=f"kubernetes.io/service-name={svc}"
        ).items
        return es

    before = slice_of("sharedvip-avisvc-lb1")
    assert not before.endpoints  # no Pods yet: the placeholder slice
    kubectl("apply", "-f", str(EXAMPLES / "avi-server.yaml"))

    def filled() -> Any:
        es = slice_of("sharedvip-avisvc-lb1")
        assert len(es.endpoints or []) == 3 and all(e.conditions.ready for e in es.endpoints)
        return es

    after = eventually(filled, timeout=20)
    assert after.metadata.name == before.metadata.name
    assert after.metadata.uid == before.metadata.uid


def test_rollout_to_a_new_image_then_undo(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", str(EXAMPLES / "avi-server.yaml"))
    kubectl("rollout", "status", "deployment/avi-server", "--timeout=30s")
    first_rs = rows(kubectl("get", "rs").stdout)[0][0]
    kubectl("set", "image", "deployment/avi-server", "avi-server=nginx:1.27")
    kubectl("rollout", "status", "deployment/avi-server", "--timeout=30s")
    live = [p for p in pods_json(kubectl) if not p["metadata"].get("deletionTimestamp")]
    assert {p["spec"]["containers"][0]["image"] for p in live} == {"nginx:1.27"}
    history = kubectl("rollout", "history", "deployment/avi-server").stdout
    assert [r[0] for r in rows(history)[1:]] == ["1", "2"] or "2" in history
    kubectl("rollout", "undo", "deployment/avi-server")
    kubectl("rollout", "status", "deployment/avi-server", "--timeout=30s")

    def back() -> None:
        pods = pods_json(kubectl)
        assert len(pods) == 3 and {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx"}

    eventually(back, timeout=20)
    rs = {r[0]: r[1] for r in rows(kubectl("get", "rs").stdout)}
    assert rs[first_rs] == "3" and sorted(rs.values()) == ["0", "3"]
    annotations = json.loads(kubectl("get", "rs", first_rs, "-o", "json").stdout)["metadata"][
        "annotations"
    ]
    assert annotations["deployment.kubernetes.io/revision"] == "3"


def test_node_not_ready_turns_its_pods_not_ready_and_back(
    kubectl: Kubectl, node_control: Callable[[str, dict[str, Any]], Any]
) -> None:
    kubectl("apply", "-f", str(EXAMPLES / "avi-server.yaml"))
    running_pods(kubectl, 3)
    summary = node_control("node-1", {"ready": False})
    assert summary["ready"] is False and summary["pods"] == 1
    nodes = {r[0]: r[1] for r in rows(kubectl("get", "nodes").stdout)}
    assert nodes == {"node-1": "NotReady", "node-2": "Ready", "node-3": "Ready"}

    def not_ready_on_node_1() -> None:
        for pod in pods_json(kubectl):
            ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
            on_1 = pod["spec"]["nodeName"] == "node-1"
            assert ready["status"] == ("False" if on_1 else "True")

    eventually(not_ready_on_node_1, timeout=10)
    taints = json.loads(kubectl("get", "node", "node-1", "-o", "json").stdout)["spec"]["taints"]
    assert [t["key"] for t in taints] == ["node.kubernetes.io/unreachable"]
    # a new Pod does not land on the NotReady node
    kubectl("scale", "deployment/avi-server", "--replicas=4")
    eventually(lambda: _assert_count(kubectl, 4), timeout=20)
    on_node = [p["spec"].get("nodeName") for p in pods_json(kubectl)]
    assert on_node.count("node-1") == 1
    node_control("node-1", {"ready": True})
    running_pods(kubectl, 4)


def _assert_count(kubectl: Kubectl, n: int) -> None:
    pods = pods_json(kubectl)
    assert len(pods) == n and all(p["status"]["phase"] == "Running" for p in pods)


def test_unschedulable_pod_stays_pending_with_the_schedulers_event(kubectl: Kubectl) -> None:
    for node in ("node-1", "node-2"):
        kubectl("cordon", node)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "picky", "labels": {"app": "picky"}},
        "spec": {
            "nodeSelector": {"disk": "ssd"},
            "containers": [{"name": "c", "image": "nginx"}],
        },
    }
    kubectl("apply", "-f", "-", stdin=json.dumps(pod))
    message = (
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is "
        "not helpful for scheduling."
    )

    def pending() -> None:
        obj = json.loads(kubectl("get", "pod", "picky", "-o", "json").stdout)
        assert obj["status"]["phase"] == "Pending"
        cond = next(c for c in obj["status"]["conditions"] if c["type"] == "PodScheduled")
        assert (cond["status"], cond["reason"], cond["message"]) == (
            "False",
            "Unschedulable",
            message,
        )

    eventually(pending, timeout=10)
    described = kubectl("describe", "pod", "picky").stdout
    assert "FailedScheduling" in described and "default-scheduler" in described
    kubectl("label", "node", "node-3", "disk=ssd")

    def scheduled() -> None:
        obj = json.loads(kubectl("get", "pod", "picky", "-o", "json").stdout)
        assert obj["spec"].get("nodeName") == "node-3"
        assert obj["status"]["phase"] == "Running"

    eventually(scheduled, timeout=10)


def test_logs_and_exec_say_not_supported(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", str(EXAMPLES / "avi-server.yaml"))
    pod = running_pods(kubectl, 3)[0][0]
    logs = kubectl("logs", pod, check=False)
    assert logs.returncode != 0
    assert "not supported by this simulated cluster" in logs.stderr


def test_node_control_refuses_bad_input(k8s_server: RunningServer) -> None:
    url = f"{k8s_server.url}/__mock__/nodes"
    assert requests.post(f"{url}/nope", json={"ready": False}, timeout=10).status_code == 404
    bad = requests.post(f"{url}/node-1", json={"ready": "no"}, timeout=10)
    assert bad.status_code == 400 and "ready must be true or false" in bad.json()["message"]
    unknown = requests.post(f"{url}/node-1", json={"colour": "red"}, timeout=10)
    assert unknown.status_code == 400 and "colour" in unknown.json()["message"]
    listed = requests.get(url, timeout=10).json()["nodes"]
    assert [n["name"] for n in listed] == ["node-1", "node-2", "node-3"]
    assert all(n["ready"] and n["podCIDR"] for n in listed)
    settings = requests.put(
        f"{k8s_server.url}/__mock__/workloads", json={"ready_delay": -1}, timeout=10
    )
    assert settings.status_code == 400
