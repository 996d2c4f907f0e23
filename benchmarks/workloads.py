"""Benchmark of mock_k8s running workloads: 1,000 Pods from 50 Deployments (20 replicas each,
one Service per Deployment) until every Pod is Running and Ready and the EndpointSlices list
them all as ready; then mock_k8s's CPU at rest, with the workload controllers and without.

mock_k8s runs in a child process (so its CPU is its own, read from /proc); the cluster gets
10 nodes (the seed's 3 plus 7 made through the API; node IPAM gives them podCIDRs), as 1,000
Pods do not fit the kubelet's 110 Pods per node on 3. The kubelet's default delays apply
(Ready 0.5 s after binding). Prints a table and a JSON line; not a test.

Run: python -m benchmarks.workloads [--deployments 50] [--replicas 20] [--rest 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

TARGET_S = 10.0
TARGET_REST = 0.10
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def serve(port_file: str, controllers: bool) -> None:
    """The child: a mock_k8s server, optionally without the workload controllers."""
    from mock_k8s.server import start_server

    server = start_server(port=0)
    if not controllers:
        api = server.app.api
        api._controllers.remove(api.workloads)  # the benchmark's baseline: no workload code
        api.delete_hook = None
    Path(port_file).write_text(server.url)
    while True:
        time.sleep(3600)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def start_child(tmp: Path, controllers: bool) -> tuple[subprocess.Popen[bytes], str]:
    port_file = tmp / f"url-{controllers}"
    port_file.unlink(missing_ok=True)
    args = [sys.executable, "-m", "benchmarks.workloads", "--serve", str(port_file)]
    if not controllers:
        args.append("--no-controllers")
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or child.poll() is not None:
            raise SystemExit("the mock_k8s child did not start")
        time.sleep(0.05)
    return child, port_file.read_text()


def node(i: int) -> dict[str, Any]:
    return {
        "metadata": {"name": f"node-{i}", "labels": {"kubernetes.io/hostname": f"node-{i}"}},
        "status": {
            "addresses": [{"type": "InternalIP", "address": f"10.0.1.{i}"}],
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "allocatable": {"pods": "110"},
        },
    }


def deployment(i: int, replicas: int) -> dict[str, Any]:
    labels = {"app": f"web-{i:02d}"}
    return {
        "metadata": {"name": f"web-{i:02d}"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx", "ports": [{"containerPort": 8080}]}
                    ]
                },
            },
        },
    }


def service(i: int) -> dict[str, Any]:
    return {
        "metadata": {"name": f"web-{i:02d}"},
        "spec": {"selector": {"app": f"web-{i:02d}"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def counts(http: requests.Session, url: str) -> tuple[int, int]:
    """(Pods Running and Ready, ready endpoints in the EndpointSlices)."""
    pods = http.get(f"{url}/api/v1/namespaces/default/pods", timeout=30).json()["items"]
    ready = 0
    for p in pods:
        conds = {c["type"]: c["status"] for c in p["status"].get("conditions", [])}
        if p["status"].get("phase") == "Running" and conds.get("Ready") == "True":
            ready += 1
    slices = http.get(
        f"{url}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", timeout=30
    ).json()["items"]
    endpoints = sum(
        1 for s in slices for e in s.get("endpoints") or [] if e["conditions"].get("ready")
    )
    return ready, endpoints


def run_scale(url: str, deployments: int, replicas: int) -> dict[str, Any]:
    http = requests.Session()
    for i in range(4, 11):
        http.post(f"{url}/api/v1/nodes", json=node(i), timeout=10).raise_for_status()
    for i in range(deployments):
        http.post(f"{url}/api/v1/namespaces/default/services", json=service(i), timeout=10)
    want = deployments * replicas
    start = time.monotonic()
    for i in range(deployments):
        http.post(
            f"{url}/apis/apps/v1/namespaces/default/deployments",
            json=deployment(i, replicas),
            timeout=30,
        ).raise_for_status()
    created = time.monotonic() - start
    ready = endpoints = 0
    while time.monotonic() - start < 120:
        # cheap first (50 Deployments), the 1,000 Pods and the slices only once they say ready
        items = http.get(f"{url}/apis/apps/v1/namespaces/default/deployments", timeout=30).json()
        done = sum(int((d.get("status") or {}).get("readyReplicas", 0)) for d in items["items"])
        if done == want:
            ready, endpoints = counts(http, url)
            if ready == want and endpoints == want:
                break
        time.sleep(0.1)  # polling interval of the client, not a measured delay
    return {
        "pods": want,
        "created_s": round(created, 2),
        "all_ready_with_slices_s": round(time.monotonic() - start, 2),
        "ready": ready,
        "ready_endpoints": endpoints,
    }


def rest_cpu(child: subprocess.Popen[bytes], seconds: float) -> float:
    time.sleep(1.0)  # let the last writes finish
    before = cpu_seconds(child.pid)
    time.sleep(seconds)  # the measurement itself: CPU spent while nothing happens
    return (cpu_seconds(child.pid) - before) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deployments", type=int, default=50)
    parser.add_argument("--replicas", type=int, default=20)
    parser.add_argument("--rest", type=float, default=5.0, help="seconds of CPU sampling at rest")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--no-controllers", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, controllers=not args.no_controllers)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        child, url = start_child(Path(tmp), controllers=True)
        try:
            cpu_before = cpu_seconds(child.pid)
            scale = run_scale(url, args.deployments, args.replicas)
            # load-independent: what mock_k8s itself spent (the wall time includes waiting for
            # a core on a busy machine, and the client's polling)
            scale["server_cpu_s"] = round(cpu_seconds(child.pid) - cpu_before, 2)
            state = requests.get(f"{url}/__mock__/state", timeout=60).json()
            with_controllers = rest_cpu(child, args.rest)
        finally:
            child.kill()
            child.wait()
        base, base_url = start_child(Path(tmp), controllers=False)
        try:
            requests.put(f"{base_url}/__mock__/state", json=state, timeout=120).raise_for_status()
            without = rest_cpu(base, args.rest)
        finally:
            base.kill()
            base.wait()
    added = (with_controllers - without) / without if without > 0 else 0.0
    result = {
        **scale,
        "target_s": TARGET_S,
        "rest_cpu_with_controllers": round(with_controllers, 4),
        "rest_cpu_without_controllers": round(without, 4),
        "rest_cpu_added": round(added, 3),
        "target_rest_added": TARGET_REST,
    }
    print(f"{'measure':44} {'value':>10}")
    print(f"{'Pods (Deployments x replicas)':44} {scale['pods']:>10}")
    print(f"{'POSTs of the Deployments (s)':44} {scale['created_s']:>10}")
    print(f"{'all Running+Ready, slices written (s)':44} {scale['all_ready_with_slices_s']:>10}")
    print(f"{'mock_k8s CPU for it (s)':44} {scale['server_cpu_s']:>10}")
    print(f"{'CPU at rest, with controllers (cores)':44} {with_controllers:>10.4f}")
    print(f"{'CPU at rest, without controllers (cores)':44} {without:>10.4f}")
    tick = 1 / CLK_TCK / args.rest  # one clock tick over the sampling time
    if without > 0:
        print(f"{'added by the controllers at rest':44} {added:>10.1%}")
    else:
        gap = with_controllers - without
        print(f"{'added at rest (no baseline CPU to divide by)':44} {gap:>10.4f}")
        print(f"{'  /proc resolution (cores)':44} {tick:>10.4f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
