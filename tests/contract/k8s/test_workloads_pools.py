"""The spec's first example with its backend (examples/avi-server.yaml) on the whole stack:
each pool of the shared VIP gets the Deployment's Pods as servers ``<podIP>:8080``, a node
marked NotReady takes its Pod's server out, and scaling 3 -> 1 -> 3 changes the servers. Runs
with whichever engine the session uses (ako-sim's, or AKO with --ako-binary)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from steps.support.stack import mock_post
from steps.support.wait import eventually
from tests.support.world import World

pytestmark = pytest.mark.contract

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def ready_pod_ips(world: World, node: str | None = None) -> list[str]:
    pods = world.core.list_namespaced_pod("default", label_selector="app=avi-server").items
    out = []
    for pod in pods:
        if pod.metadata.deletion_timestamp or not pod.status.pod_ip:
            continue
        conds = {c.type: c.status for c in pod.status.conditions or []}
        if conds.get("Ready") == "True" and (node is None or pod.spec.node_name == node):
            out.append(pod.status.pod_ip)
    return sorted(out)


def servers_by_pool(world: World) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pool in world.avi_list("pool"):
        out[pool["name"]] = sorted(
            f"{s['ip']['addr']}:{s['port']}" for s in pool.get("servers") or []
        )
    return out


def expect_servers(world: World, ips: list[str]) -> dict[str, list[str]]:
    want = sorted(f"{ip}:8080" for ip in ips)

    def check() -> dict[str, list[str]]:
        pools = servers_by_pool(world)
        assert len(pools) == 2, pools
        assert all(servers == want for servers in pools.values()), (pools, want)
        return pools

    return eventually(check, timeout=30)


def scale(world: World, replicas: int) -> None:
    apps = client.AppsV1Api(world.core.api_client)
    apps.patch_namespaced_deployment_scale(
        "avi-server", "default", {"spec": {"replicas": replicas}}
    )


def ready_count(world: World, n: int) -> list[str]:
    def check() -> list[str]:
        ips = ready_pod_ips(world)
        assert len(ips) == n, ips
        return ips

    return eventually(check, timeout=30)


def test_pools_follow_the_backend_deployment(world: World) -> None:
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    apps = client.AppsV1Api(world.core.api_client)
    manifest: dict[str, Any] = yaml.safe_load((EXAMPLES / "avi-server.yaml").read_text())
    apps.create_namespaced_deployment("default", manifest)
    ips = ready_count(world, 3)
    assert len(set(ips)) == 3
    expect_servers(world, ips)

    # a node fails: its Pod is NotReady and its server leaves both pools
    victim = world.core.list_namespaced_pod("default", label_selector="app=avi-server").items[0]
    node = victim.spec.node_name
    mock_post(world.stack.k8s_url, f"nodes/{node}", {"ready": False})
    eventually(lambda: _assert_not_ready(world, node), timeout=30)
    expect_servers(world, ready_pod_ips(world))
    assert victim.status.pod_ip not in ready_pod_ips(world)
    mock_post(world.stack.k8s_url, f"nodes/{node}", {"ready": True})
    expect_servers(world, ready_count(world, 3))

    # scaling 3 -> 1 -> 3 changes the servers
    scale(world, 1)
    expect_servers(world, ready_count(world, 1))
    scale(world, 3)
    expect_servers(world, ready_count(world, 3))


def _assert_not_ready(world: World, node: str) -> None:
    assert ready_pod_ips(world, node) == []
