"""The workload controllers in process, on a ManualClock (time moves only when the test says):
rolling update bounds, Recreate, scheduler spreading and taints, kubelet annotations (never
ready, ready after N s, crash loop, failed), graceful deletion, node failure and deletion,
garbage collection policies, StatefulSet order, DaemonSet per node, Job completion, and the
delete/scale/validation answers of the API."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mock_k8s import errors
from mock_k8s.app import K8sApp, create_app
from mock_k8s.controllers.timers import ManualClock, WorkloadSettings
from mock_k8s.resources import workloads

pytestmark = pytest.mark.contract


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def app(clock: ManualClock) -> K8sApp:
    return create_app(clock=clock, install_ako_crds=False)


def rt(app: K8sApp, group: str, plural: str) -> Any:
    found = app.api.registry.lookup(group, "v1", plural)
    assert found is not None
    return found


def deployment(name: str = "web", replicas: int = 3, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
            **spec,
        },
    }


def pods(app: K8sApp, label: str | None = None) -> list[dict[str, Any]]:
    out = app.api.store.objects("pods", "default")
    return [p for p in out if label is None or p["metadata"]["labels"].get("app") == label]


def ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])
    )


def test_pods_start_creating_then_run_ready_after_the_delay(
    app: K8sApp, clock: ManualClock
) -> None:
    app.api.create(rt(app, "apps", "deployments"), "default", deployment())
    made = pods(app)
    assert len(made) == 3 and all(p["spec"]["nodeName"] for p in made)
    assert sorted(p["spec"]["nodeName"] for p in made) == ["node-1", "node-2", "node-3"]
    first = made[0]["status"]
    assert first["phase"] == "Pending" and first["podIP"].startswith("10.244.")
    assert first["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    clock.advance(0.5)
    assert all(p["status"]["phase"] == "Running" and ready(p) for p in pods(app))
    types = [c["type"] for c in pods(app)[0]["status"]["conditions"]]
    assert types == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    d = app.api.store.get("deployments.apps", "default", "web")
    assert d is not None
    assert d["status"]["readyReplicas"] == 3 and d["status"]["observedGeneration"] == 1
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"


def test_rolling_update_stays_within_max_surge_and_max_unavailable(
    app: K8sApp, clock: ManualClock
) -> None:
    drt = rt(app, "apps", "deployments")
    spec = {
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}
    }
    app.api.create(drt, "default", deployment(replicas=4, **spec))
    clock.advance(1)
    current = app.api.get(drt, "default", "web").obj
    new = copy.deepcopy(current)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    app.api.update(drt, "default", "web", new)
    for _ in range(40):
        live = [p for p in pods(app) if not p["metadata"].get("deletionTimestamp")]
        assert len(live) <= 4 + 1  # maxSurge
        assert sum(1 for p in live if ready(p)) >= 4 - 1  # maxUnavailable
        clock.advance(0.1)
    live = [p for p in pods(app) if not p["metadata"].get("deletionTimestamp")]
    assert {p["spec"]["containers"][0]["image"] for p in live} == {"nginx:2"} and len(live) == 4
    status = app.api.get(drt, "default", "web").obj["status"]
    assert status["updatedReplicas"] == 4 and status["availableReplicas"] == 4
    assert status["observedGeneration"] == 2


def test_recreate_empties_the_old_replicaset_first(app: K8sApp, clock: ManualClock) -> None:
    drt = rt(app, "apps", "deployments")
    app.api.create(drt, "default", deployment(replicas=2, strategy={"type": "Recreate"}))
    clock.advance(1)
    new = copy.deepcopy(app.api.get(drt, "default", "web").obj)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    app.api.update(drt, "default", "web", new)
    images = {p["spec"]["containers"][0]["image"] for p in pods(app)}
    assert images == {"nginx"}  # the old ones terminating, no new one yet
    clock.advance(1)
    clock.advance(1)
    assert {p["spec"]["containers"][0]["image"] for p in pods(app)} == {"nginx:2"}


def test_kubelet_annotations_script_failures(app: K8sApp, clock: ManualClock) -> None:
    prt = rt(app, "", "pods")

    def pod(name: str, ann: dict[str, str], restart: str = "Always") -> None:
        app.api.create(
            prt,
            "default",
            {
                "metadata": {"name": name, "annotations": ann},
                "spec": {"restartPolicy": restart, "containers": [{"name": "c", "image": "x"}]},
            },
        )

    pod("never", {"ako-sim/ready": "never"})
    pod("late", {"ako-sim/ready-after": "5"})
    pod("crash", {"ako-sim/crash-loop": "true"})
    pod("fail", {"ako-sim/fail": "true"}, "Never")
    clock.advance(1)
    got = {p["metadata"]["name"]: p for p in pods(app)}
    assert got["never"]["status"]["phase"] == "Running" and not ready(got["never"])
    assert not ready(got["late"])
    assert got["fail"]["status"]["phase"] == "Failed"
    terminated = got["fail"]["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["reason"] == "Error" and terminated["exitCode"] == 1
    for _ in range(3):
        clock.advance(2)
    got = {p["metadata"]["name"]: p for p in pods(app)}
    assert ready(got["late"]) and not ready(got["never"])
    cs = got["crash"]["status"]["containerStatuses"][0]
    assert cs["restartCount"] >= 1 and not ready(got["crash"])
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    from mock_k8s import tables

    table = tables.table(rt(app, "", "pods"), [got["crash"], got["fail"]])
    cells = {r["cells"][0]: r["cells"] for r in table["rows"]}
    assert cells["fail"][2] == "Error"
    assert cells["crash"][2] in ("CrashLoopBackOff", "Running")
    assert cells["crash"][3].startswith(f"{cs['restartCount']} (")


def test_graceful_deletion_then_gone(app: K8sApp, clock: ManualClock) -> None:
    app.api.create(rt(app, "apps", "deployments"), "default", deployment(replicas=1))
    clock.advance(1)
    (pod,) = pods(app)
    prt = rt(app, "", "pods")
    out = app.api.delete(prt, "default", pod["metadata"]["name"])
    assert out["metadata"]["deletionTimestamp"]
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30
    assert app.api.store.get("pods", "default", pod["metadata"]["name"]) is not None
    clock.advance(0.3)
    assert app.api.store.get("pods", "default", pod["metadata"]["name"]) is None
    assert len(pods(app)) == 1  # the ReplicaSet made a new one at once


def test_force_delete_and_unmanaged_pods_go_at_once(app: K8sApp, clock: ManualClock) -> None:
    prt = rt(app, "", "pods")
    app.api.create(
        prt,
        "default",
        {
            "metadata": {"name": "given"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "x"}]},
            "status": {"phase": "Running", "podIP": "10.9.9.9"},
        },
    )
    clock.advance(1)
    given = app.api.store.get("pods", "default", "given")
    assert given is not None and given["status"]["podIP"] == "10.9.9.9"  # left alone
    assert "containerStatuses" not in given["status"]
    app.api.delete(prt, "default", "given")
    assert app.api.store.get("pods", "default", "given") is None
    app.api.create(
        prt,
        "default",
        {"metadata": {"name": "run"}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
    )
    clock.advance(1)
    app.api.delete(prt, "default", "run", {"gracePeriodSeconds": 0})
    assert app.api.store.get("pods", "default", "run") is None


def test_node_failure_and_node_deletion(app: K8sApp, clock: ManualClock) -> None:
    app.api.create(rt(app, "apps", "deployments"), "default", deployment(replicas=3))
    clock.advance(1)
    wl = app.api.workloads
    wl.set_node("node-2", {"ready": False})
    by_node = {p["spec"]["nodeName"]: p for p in pods(app)}
    assert not ready(by_node["node-2"]) and ready(by_node["node-1"])
    wl.set_node("node-2", {"ready": True})
    assert all(ready(p) for p in pods(app))
    app.api.delete(rt(app, "", "nodes"), "", "node-3")
    clock.advance(1)
    live = pods(app)
    assert len(live) == 3 and "node-3" not in {p["spec"]["nodeName"] for p in live}
    assert all(ready(p) for p in live)


def test_unschedulable_then_scheduled_when_a_node_returns(app: K8sApp, clock: ManualClock) -> None:
    wl = app.api.workloads
    for n in ("node-1", "node-2", "node-3"):
        wl.set_node(n, {"ready": False})
    app.api.create(
        rt(app, "", "pods"),
        "default",
        {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
    )
    pod = app.api.store.get("pods", "default", "p")
    assert pod is not None
    cond = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    assert cond["message"] == (
        "0/3 nodes are available: 3 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }. preemption: 0/3 nodes are available: 3 Preemption "
        "is not helpful for scheduling."
    )
    events = [
        e for e in app.api.store.objects("events", "default") if e["reason"] == "FailedScheduling"
    ]
    assert len(events) == 1 and events[0]["type"] == "Warning"
    wl.set_node("node-2", {"ready": True})
    pod = app.api.store.get("pods", "default", "p")
    assert pod is not None and pod["spec"]["nodeName"] == "node-2"


@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
def test_garbage_collection_policies(app: K8sApp, clock: ManualClock, policy: str) -> None:
    drt = rt(app, "apps", "deployments")
    app.api.create(drt, "default", deployment(replicas=2))
    clock.advance(1)
    out = app.api.delete(drt, "default", "web", {"propagationPolicy": policy})
    if policy == "Foreground":
        assert "foregroundDeletion" in out["metadata"]["finalizers"]
        assert app.api.store.get("deployments.apps", "default", "web") is not None
    clock.advance(1)
    assert app.api.store.get("deployments.apps", "default", "web") is None
    left_rs = app.api.store.objects("replicasets.apps", "default")
    left_pods = [p for p in pods(app) if not p["metadata"].get("deletionTimestamp")]
    if policy == "Orphan":
        assert len(left_rs) == 1 and "ownerReferences" not in left_rs[0]["metadata"]
        assert len(left_pods) == 2
    else:
        assert left_rs == [] and pods(app) == []


def test_statefulset_makes_ordered_pods_and_scales_down_from_the_top(
    app: K8sApp, clock: ManualClock
) -> None:
    srt = rt(app, "apps", "statefulsets")
    body = deployment("db", replicas=3)
    body["spec"]["serviceName"] = "db"
    app.api.create(srt, "default", body)
    assert [p["metadata"]["name"] for p in pods(app)] == ["db-0"]  # waits for db-0 to be Ready
    clock.advance(0.5)
    assert [p["metadata"]["name"] for p in pods(app)] == ["db-0", "db-1"]
    clock.advance(0.5)
    clock.advance(0.5)
    assert [p["metadata"]["name"] for p in pods(app)] == ["db-0", "db-1", "db-2"]
    assert pods(app)[2]["spec"]["hostname"] == "db-2" and pods(app)[2]["spec"]["subdomain"] == "db"
    workloads.scale(
        app.api,
        srt,
        "default",
        "db",
        "PATCH",
        {"spec": {"replicas": 1}},
        "application/merge-patch+json",
    )
    clock.advance(1)
    clock.advance(1)
    assert [p["metadata"]["name"] for p in pods(app)] == ["db-0"]
    sts = app.api.store.get("statefulsets.apps", "default", "db")
    assert sts is not None and sts["status"]["replicas"] == 1


def test_daemonset_runs_one_pod_per_node_even_cordoned(app: K8sApp, clock: ManualClock) -> None:
    app.api.workloads.set_node("node-1", {"unschedulable": True})
    body = deployment("agent")
    del body["spec"]["replicas"]
    app.api.create(rt(app, "apps", "daemonsets"), "default", body)
    clock.advance(1)
    assert sorted(p["spec"]["nodeName"] for p in pods(app)) == ["node-1", "node-2", "node-3"]
    ds = app.api.store.get("daemonsets.apps", "default", "agent")
    assert ds is not None and ds["status"]["numberReady"] == 3


def test_job_pods_succeed_and_the_job_completes(app: K8sApp, clock: ManualClock) -> None:
    body = {
        "metadata": {"name": "once"},
        "spec": {
            "completions": 2,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "busybox"}],
                }
            },
        },
    }
    app.api.create(rt(app, "batch", "jobs"), "default", body)
    for _ in range(6):
        clock.advance(0.5)
    job = app.api.store.get("jobs.batch", "default", "once")
    assert job is not None
    assert job["status"]["succeeded"] == 2
    assert {c["type"] for c in job["status"]["conditions"]} == {"SuccessCriteriaMet", "Complete"}
    assert all(p["status"]["phase"] == "Succeeded" for p in pods(app))


def test_validation_and_scale_answers(app: K8sApp) -> None:
    drt = rt(app, "apps", "deployments")
    bad = deployment()
    bad["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(errors.ApiError) as err:
        app.api.create(drt, "default", bad)
    assert err.value.code == 422
    assert (
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: '
        "`selector` does not match template `labels`" in err.value.message
    )
    app.api.create(drt, "default", deployment(replicas=1))
    with pytest.raises(errors.ApiError) as err:
        workloads.scale(app.api, drt, "default", "web", "PUT", {"spec": {"replicas": -1}}, "")
    assert err.value.code == 422 and "must be greater than or equal to 0" in err.value.message
    scale = workloads.scale(app.api, drt, "default", "web", "GET", None, "")
    assert scale["kind"] == "Scale" and scale["spec"] == {"replicas": 1}
    assert scale["status"]["selector"] == "app=web"
    moved = copy.deepcopy(app.api.get(drt, "default", "web").obj)
    moved["spec"]["selector"] = {"matchLabels": {"app": "web", "x": "y"}}
    moved["spec"]["template"]["metadata"]["labels"]["x"] = "y"
    with pytest.raises(errors.ApiError) as err:
        app.api.update(drt, "default", "web", moved)
    assert "field is immutable" in err.value.message


def test_disabled_controllers_leave_pods_pending(clock: ManualClock) -> None:
    app = create_app(clock=clock, install_ako_crds=False, workloads=WorkloadSettings(enabled=False))
    app.api.create(rt(app, "apps", "deployments"), "default", deployment())
    clock.advance(1)
    assert pods(app) == []
