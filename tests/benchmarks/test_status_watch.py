"""The benchmarks' Service status watch outlives its watches.

A run of the real AKO at N=10,000 takes about an hour; the harness's watch asks for
``timeoutSeconds=1800`` and, before this, stopped recording VIPs when that watch ended (the run
reported 4908 of 10,000 Services with a VIP when every one had it). Here the watches last one
second, on an in-process mock_k8s, and the VIPs set after they ended must still be seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from benchmarks import harness, lean_http
from mock_k8s.server import RunningServer, start_server, write_kubeconfig
from steps.support.wait import eventually


@pytest.fixture
def server() -> Iterator[RunningServer]:
    running = start_server(host="127.0.0.1", port=0)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def cluster(server: RunningServer, tmp_path: Path) -> harness.Cluster:
    kubeconfig = tmp_path / "kubeconfig"
    write_kubeconfig(kubeconfig, server.url)
    k8s = cast(harness.Proc, SimpleNamespace(url=server.url))
    calls = harness.RestCalls(server.url, "http://127.0.0.1:9", kubeconfig)  # no mock_avi
    return harness.Cluster(tmp_path, k8s, cast(harness.Proc, None), calls=calls)


def _at_least(value: int, least: int) -> None:
    assert value >= least, f"{value} < {least}"


def _service(cluster: harness.Cluster, name: str) -> None:
    cluster.k8s_call(
        "POST",
        "/api/v1/namespaces/default/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}]},
        },
    )


def _set_vip(cluster: harness.Cluster, name: str, ip: str) -> None:
    cluster.k8s_call(
        "PATCH",
        f"/api/v1/namespaces/default/services/{name}/status",
        {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}},
        ctype=lean_http.MERGE_PATCH,
    )


def test_vips_set_after_a_watch_ended_are_seen(cluster: harness.Cluster) -> None:
    watch = harness.StatusWatch(cluster, watch_timeout_s=1)
    try:
        _service(cluster, "early")
        _set_vip(cluster, "early", "100.64.0.1")
        eventually(lambda: _at_least(watch.rewatches, 2), timeout=20)  # two watches ended
        _service(cluster, "late")
        _set_vip(cluster, "late", "100.64.0.2")
        assert watch.wait_for(["default/early", "default/late"], timeout=20)
        assert watch.vip == {"default/early": "100.64.0.1", "default/late": "100.64.0.2"}
    finally:
        watch.close()


def test_a_watch_that_cannot_resume_lists_again(
    cluster: harness.Cluster, server: RunningServer
) -> None:
    watch = harness.StatusWatch(cluster, watch_timeout_s=1)
    try:
        _service(cluster, "before")
        # writes the watch does not see, then a history that no longer reaches its last RV
        cluster.k8s_call(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bump"}},
        )
        server.app.api.store.compact()
        eventually(lambda: _at_least(watch.relists, 1), timeout=20)
        _set_vip(cluster, "before", "100.64.0.3")
        assert watch.wait_for(["default/before"], timeout=20)
        assert watch.vip == {"default/before": "100.64.0.3"}
    finally:
        watch.close()
