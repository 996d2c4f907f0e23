"""The kubectl Service printer rules, as ``simulator.views.services`` implements them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.views.services import (
    age,
    dashboard_rows,
    external_ip,
    human_duration,
    latest_warnings,
    port_string,
    render_table,
    service_row,
    tabulate,
)

NOW = datetime(2026, 1, 10, 12, 0, 0, tzinfo=UTC)


def svc(
    name: str = "web",
    *,
    ns: str = "default",
    type_: str = "LoadBalancer",
    ingress: list[dict[str, Any]] | None = None,
    ports: list[dict[str, Any]] | None = None,
    created: datetime | None = NOW - timedelta(days=6, hours=23),
    **spec: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if created is not None:
        meta["creationTimestamp"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "metadata": meta,
        "spec": {
            "type": type_,
            "clusterIP": "10.0.0.10",
            "clusterIPs": ["10.0.0.10"],
            "ports": ports if ports is not None else [{"port": 80, "protocol": "TCP"}],
            **spec,
        },
        "status": {"loadBalancer": {"ingress": ingress}} if ingress is not None else {},
    }


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (125, "2m5s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 5 * 60, "3h5m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (6 * 86400 + 23 * 3600, "6d23h"),
        (7 * 86400, "7d"),
        (8 * 86400 + 5 * 3600, "8d"),
        (400 * 86400, "400d"),
        (3 * 365 * 86400 + 10 * 86400, "3y10d"),
        (2 * 365 * 86400, "2y"),
        (9 * 365 * 86400 + 100 * 86400, "9y"),
    ],
)
def test_human_duration_matches_apimachinery(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_age_without_timestamp_is_unknown() -> None:
    assert age(None, NOW) == "<unknown>"
    assert age("not a time", NOW) == "<unknown>"
    assert age("2026-01-10T11:59:00Z", NOW) == "60s"


def test_external_ip_of_a_load_balancer_is_pending_without_ingress() -> None:
    assert external_ip(svc()) == "<pending>"
    assert external_ip(svc(ingress=[])) == "<pending>"


def test_external_ip_is_sorted_deduplicated_and_cut_to_sixteen_characters() -> None:
    ingress = [{"ip": "100.64.196.75"}, {"ip": "10.1.1.1"}, {"ip": "100.64.196.75"}]
    assert external_ip(svc(ingress=ingress), wide=True) == "10.1.1.1,100.64.196.75"
    assert external_ip(svc(ingress=ingress)) == "10.1.1.1,100...."
    assert len(external_ip(svc(ingress=ingress))) == 16


def test_external_ip_prefers_the_ip_over_the_hostname() -> None:
    assert external_ip(svc(ingress=[{"ip": "1.2.3.4", "hostname": "a.example"}])) == "1.2.3.4"
    assert external_ip(svc(ingress=[{"hostname": "a.example"}])) == "a.example"


def test_external_ips_are_appended_for_load_balancers() -> None:
    service = svc(ingress=[{"ip": "1.2.3.4"}], externalIPs=["5.6.7.8"])
    assert external_ip(service) == "1.2.3.4,5.6.7.8"
    assert external_ip(svc(externalIPs=["5.6.7.8"])) == "5.6.7.8"


@pytest.mark.parametrize(
    ("service", "text"),
    [
        (svc(type_="ClusterIP"), "<none>"),
        (svc(type_="NodePort", externalIPs=["9.9.9.9", "8.8.8.8"]), "9.9.9.9,8.8.8.8"),
        (svc(type_="ExternalName", externalName="db.example"), "db.example"),
        (svc(type_="Strange"), "<unknown>"),
    ],
)
def test_external_ip_of_other_types(service: dict[str, Any], text: str) -> None:
    assert external_ip(service) == text


def test_port_string_shows_node_ports_and_protocols() -> None:
    ports = [
        {"port": 80, "protocol": "TCP", "nodePort": 31658},
        {"port": 53, "protocol": "UDP"},
        {"port": 443},
    ]
    assert port_string(svc(ports=ports)) == "80:31658/TCP,53/UDP,443/TCP"
    assert port_string(svc(ports=[])) == "<none>"


def test_service_row_has_kubectl_columns() -> None:
    row = service_row(
        svc(
            "sharedvip-avisvc-lb1",
            ingress=[{"ip": "100.64.196.61", "ipMode": "VIP"}],
            ports=[{"port": 80, "protocol": "TCP", "nodePort": 31658}],
            selector={"app": "avi-server"},
        ),
        NOW,
    )
    assert row.cells() == [
        "sharedvip-avisvc-lb1",
        "LoadBalancer",
        "10.0.0.10",
        "100.64.196.61",
        "80:31658/TCP",
        "6d23h",
    ]
    assert row.cells(wide=True, namespaces=True)[0] == "default"
    assert row.cells(wide=True)[-1] == "app=avi-server"


def test_headless_and_missing_cluster_ips() -> None:
    headless = svc(type_="ClusterIP", clusterIP="None", clusterIPs=["None"])
    assert service_row(headless, NOW).cluster_ip == "None"
    bare = svc(type_="ClusterIP")
    del bare["spec"]["clusterIP"], bare["spec"]["clusterIPs"]
    assert service_row(bare, NOW).cluster_ip == "<none>"


def test_tabulate_pads_every_column_but_the_last_like_tabwriter() -> None:
    text = tabulate([["NAME", "AGE"], ["a", "1s"], ["longer-name", "2d"]])
    assert text.splitlines() == [
        "NAME          AGE",
        "a             1s",
        "longer-name   2d",
    ]
    # the minimum width is 6 (padding included)
    assert tabulate([["A", "B"]]) == "A     B\n"


def test_render_table_is_the_specs_table_layout() -> None:
    services = [
        svc(
            "sharedvip-avisvc-lb2",
            ingress=[{"ip": "100.64.196.61"}],
            ports=[{"port": 80, "protocol": "UDP", "nodePort": 31331}],
        ),
        svc(
            "sharedvip-avisvc-lb1",
            ingress=[{"ip": "100.64.196.61"}],
            ports=[{"port": 80, "protocol": "TCP", "nodePort": 31658}],
        ),
        svc("elsewhere", ns="other"),
    ]
    lines = render_table(services, NOW).splitlines()
    assert lines == [
        "NAME                   TYPE           CLUSTER-IP   EXTERNAL-IP     PORT(S)        AGE",
        "sharedvip-avisvc-lb1   LoadBalancer   10.0.0.10    100.64.196.61   80:31658/TCP   6d23h",
        "sharedvip-avisvc-lb2   LoadBalancer   10.0.0.10    100.64.196.61   80:31331/UDP   6d23h",
    ]
    every = render_table(services, NOW, namespace=None).splitlines()
    assert every[0].split() == [
        "NAMESPACE",
        "NAME",
        "TYPE",
        "CLUSTER-IP",
        "EXTERNAL-IP",
        "PORT(S)",
        "AGE",
    ]
    assert [line.split()[:2] for line in every[1:]] == [
        ["default", "sharedvip-avisvc-lb1"],
        ["default", "sharedvip-avisvc-lb2"],
        ["other", "elsewhere"],
    ]


def test_render_table_of_an_empty_namespace() -> None:
    assert render_table([svc()], NOW, namespace="nothing") == (
        "No resources found in nothing namespace.\n"
    )
    assert render_table([], NOW, namespace=None) == "No resources found.\n"


def _event(name: str, reason: str, when: str, type_: str = "Warning") -> dict[str, Any]:
    return {
        "type": type_,
        "reason": reason,
        "message": f"{reason} on {name}",
        "lastTimestamp": when,
        "count": 2,
        "involvedObject": {"kind": "Service", "namespace": "default", "name": name},
        "metadata": {"name": f"{name}.{reason}"},
    }


def test_latest_warning_per_service_ignores_normal_events() -> None:
    events = [
        _event("a", "Old", "2026-01-10T10:00:00Z"),
        _event("a", "SharedVipMisconfigured", "2026-01-10T11:00:00Z"),
        _event("a", "Synced", "2026-01-10T11:30:00Z", type_="Normal"),
        _event("b", "SharedVipPortConflict", "2026-01-10T09:00:00Z"),
    ]
    latest = latest_warnings(events)
    assert latest[("default", "a")]["reason"] == "SharedVipMisconfigured"
    assert latest[("default", "a")]["count"] == 2
    assert latest[("default", "b")]["reason"] == "SharedVipPortConflict"
    assert ("default", "c") not in latest


def test_dashboard_rows_carry_condition_warning_and_key() -> None:
    service = svc("a", ingress=[])
    service["metadata"]["annotations"] = {"ako.vmware.com/enable-shared-vip": "k1"}
    service["status"]["conditions"] = [
        {
            "type": "ako.vmware.com/VipAssigned",
            "status": "False",
            "reason": "SharedVipMisconfigured",
            "message": "different preferred IPs",
        }
    ]
    plain = svc("b", ingress=[{"ip": "1.1.1.1"}])
    rows = dashboard_rows([plain, service], [_event("a", "X", "2026-01-10T11:00:00Z")], NOW)
    assert [r["name"] for r in rows] == ["a", "b"]
    assert rows[0]["shared_vip_key"] == "k1"
    assert rows[0]["external_ip"] == "<pending>"
    assert rows[0]["condition"] == {
        "status": "False",
        "reason": "SharedVipMisconfigured",
        "message": "different preferred IPs",
    }
    assert rows[0]["warning"]["reason"] == "X"
    assert rows[1]["shared_vip_key"] is None
    assert rows[1]["condition"] is None
    assert rows[1]["warning"] is None
