"""Benchmark of mock_k8s.protobuf: the cost of decoding one request body, protobuf beside JSON,
for a Service, a Pod and a Deployment shaped like what kubectl and client-go send, plus the
one-off cost of building a kind's message classes on first use. Prints a table and a JSON line;
not a test.

Also the whole create round trip over HTTP (POST to a started mock_k8s, a Service body as JSON
and as protobuf), to put the decode cost beside a request's.

Run: python benchmarks/k8s_protobuf.py [--iterations 2000] [--repeats 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

LABELS = {"app": "web", "tier": "frontend", "team": "payments"}
ANNOTATIONS = {"ako.vmware.com/enable-shared-vip": "shared-1", "note": "benchmark object"}


def container(i: int) -> dict[str, Any]:
    return {
        "name": f"c{i}",
        "image": "registry.example.com/web:1.27.3",
        "args": ["--port=8080", "--log-level=info"],
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [{"name": "MODE", "value": "prod"}, {"name": "REGION", "value": "eu-1"}],
        "resources": {
            "limits": {"cpu": "500m", "memory": "256Mi"},
            "requests": {"cpu": "250m", "memory": "128Mi"},
        },
        "readinessProbe": {
            "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
            "periodSeconds": 5,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def pod_spec() -> dict[str, Any]:
    return {
        "containers": [container(0), container(1)],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "web",
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000},
        "schedulerName": "default-scheduler",
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}],
    }


def objects() -> dict[str, dict[str, Any]]:
    meta = {"namespace": "default", "labels": LABELS, "annotations": ANNOTATIONS}
    return {
        "Service": {
            "kind": "Service",
            "apiVersion": "v1",
            "metadata": {"name": "web", **meta},
            "spec": {
                "type": "LoadBalancer",
                "ports": [
                    {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
                    {"name": "https", "protocol": "TCP", "port": 443, "targetPort": "https"},
                ],
                "selector": {"app": "web"},
                "sessionAffinity": "None",
                "externalTrafficPolicy": "Cluster",
                "ipFamilyPolicy": "SingleStack",
                "allocateLoadBalancerNodePorts": True,
            },
            "status": {"loadBalancer": {}},
        },
        "Pod": {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"name": "web-6d4b75cb6d-abcde", "generateName": "web-6d4b75cb6d-", **meta},
            "spec": {**pod_spec(), "nodeName": "node-1"},
        },
        "Deployment": {
            "kind": "Deployment",
            "apiVersion": "apps/v1",
            "metadata": {"name": "web", **meta},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": LABELS}, "spec": pod_spec()},
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
                },
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
            },
        },
    }


def per_call(fn: Callable[[], Any], iterations: int, repeats: int) -> float:
    """Median over ``repeats`` of the mean seconds per call over ``iterations`` calls."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        runs.append((time.perf_counter() - start) / iterations)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    start = time.perf_counter()
    from mock_k8s import protobuf  # imports google.protobuf and the kubernetes client

    import_s = time.perf_counter() - start
    results: dict[str, dict[str, float]] = {}
    for kind, obj in objects().items():
        start = time.perf_counter()
        body = protobuf.encode(obj)  # first use builds this kind's message classes
        first_use_s = time.perf_counter() - start
        text = json.dumps(obj, separators=(",", ":")).encode()
        assert protobuf.decode(body)["metadata"]["name"] == obj["metadata"]["name"]
        pb_s = per_call(lambda b=body: protobuf.decode(b), args.iterations, args.repeats)
        js_s = per_call(lambda t=text: json.loads(t), args.iterations, args.repeats)
        results[kind] = {
            "protobuf_bytes": len(body),
            "json_bytes": len(text),
            "protobuf_decode_us": pb_s * 1e6,
            "json_decode_us": js_s * 1e6,
            "ratio": pb_s / js_s,
            "first_use_ms": first_use_s * 1e3,
        }

    round_trip = http_round_trip(objects()["Service"], args.requests)

    print(f"import mock_k8s.protobuf: {import_s * 1e3:.0f} ms")
    print(
        f"{'kind':<11} {'pb bytes':>8} {'json bytes':>10} {'pb decode':>11} "
        f"{'json decode':>12} {'ratio':>6} {'first use':>10}"
    )
    for kind, r in results.items():
        print(
            f"{kind:<11} {r['protobuf_bytes']:>8.0f} {r['json_bytes']:>10.0f} "
            f"{r['protobuf_decode_us']:>9.1f}us {r['json_decode_us']:>10.1f}us "
            f"{r['ratio']:>6.1f} {r['first_use_ms']:>8.0f}ms"
        )
    print(
        "POST a Service over HTTP, median: "
        + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in round_trip.items())
    )
    summary = {"import_ms": import_s * 1e3, "kinds": results, "post_service_ms": round_trip}
    print(json.dumps(summary, sort_keys=True))


def http_round_trip(obj: dict[str, Any], count: int) -> dict[str, float]:
    """Median seconds of one create (then delete) against a running mock_k8s, per body type."""
    import requests

    from mock_k8s import protobuf
    from mock_k8s.server import start_server

    server = start_server(port=0, seed=0)
    url = f"{server.url}/api/v1/namespaces/default/services"
    accept = "application/vnd.kubernetes.protobuf,application/json"
    kinds = (("json", "application/json"), ("protobuf", protobuf.MEDIA_TYPE))
    times: dict[str, list[float]] = {label: [] for label, _ in kinds}
    try:
        with requests.Session() as session:
            for i in range(count):  # interleaved, so load drift hits both alike
                for label, ctype in kinds:
                    body = {**obj, "metadata": {**obj["metadata"], "name": f"{label}-{i}"}}
                    data = json.dumps(body).encode() if label == "json" else protobuf.encode(body)
                    headers = {"Content-Type": ctype, "Accept": accept}
                    start = time.perf_counter()
                    resp = session.post(url, data=data, headers=headers, timeout=10)
                    times[label].append(time.perf_counter() - start)
                    assert resp.status_code == 201, resp.text
                    session.delete(f"{url}/{label}-{i}", timeout=10)
        return {label: statistics.median(values) for label, values in times.items()}
    finally:
        server.stop()


if __name__ == "__main__":
    main()
