"""The BDD drivers' pure parts, without a stack: table parsing and comparison, the Services
table's manifests, Avi reference and field helpers (``ako-sim run``'s own: ``tests/cli``)."""

from __future__ import annotations

import pytest

from steps.drivers.avi import field_text, protocol_of_profile, ref_name, servers_of
from steps.drivers.kube import parse_ports, service_manifest
from steps.drivers.tables import compare_tables, datatable_rows, glob_match, parse_columns

KUBECTL_OUTPUT = """\
NAME                   TYPE           CLUSTER-IP       EXTERNAL-IP     PORT(S)        AGE
sharedvip-avisvc-lb1   LoadBalancer   10.108.153.227   100.64.196.61   80:31658/TCP   6d23h
sharedvip-avisvc-lb2   LoadBalancer   10.102.147.29    <pending>       80:31331/UDP   6d23h
"""


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("*", "10.0.0.1", True),
        ("80:*/TCP", "80:31658/TCP", True),
        ("80:*/TCP", "80:31658/UDP", False),
        ("100.64.196.61", "100.64.196.61", True),
        ("100.64.196.61", "100.64.196.6", False),
        ("<pending>", "<pending>", True),
        ("1.2.3.4", "1x2x3x4", False),  # dots are literal
    ],
)
def test_glob_match(pattern: str, value: str, matches: bool) -> None:
    assert glob_match(pattern, value) is matches


def test_parse_columns_and_no_resources() -> None:
    table = parse_columns(KUBECTL_OUTPUT)
    assert table.header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert table.as_dicts()[1]["EXTERNAL-IP"] == "<pending>"
    assert parse_columns("No resources found in default namespace.\n").rows == []


def _expected(*rows: list[str]) -> list[dict[str, str]]:
    return datatable_rows([["NAME", "EXTERNAL-IP", "PORT(S)"], *rows])


def test_compare_tables_accepts_a_matching_subset_of_columns() -> None:
    expected = _expected(
        ["sharedvip-avisvc-lb1", "100.64.196.61", "80:*/TCP"],
        ["sharedvip-avisvc-lb2", "<pending>", "80:*/UDP"],
    )
    assert compare_tables(expected, parse_columns(KUBECTL_OUTPUT)) == []


def test_compare_tables_names_each_differing_cell_and_missing_rows() -> None:
    wrong_ip = _expected(
        ["sharedvip-avisvc-lb1", "100.64.196.61", "80:*/TCP"],
        ["sharedvip-avisvc-lb2", "100.64.196.61", "80:*/UDP"],
    )
    problems = compare_tables(wrong_ip, parse_columns(KUBECTL_OUTPUT))
    assert problems == [
        "row 2 (sharedvip-avisvc-lb2) column EXTERNAL-IP: expected '100.64.196.61', "
        "kubectl shows '<pending>'"
    ]
    one_row = _expected(["sharedvip-avisvc-lb1", "100.64.196.61", "80:*/TCP"])
    assert "rows differ" in compare_tables(one_row, parse_columns(KUBECTL_OUTPUT))[0]
    unknown = datatable_rows([["NAME", "VIP"], ["sharedvip-avisvc-lb1", "x"]])
    assert "no column" in compare_tables(unknown, parse_columns(KUBECTL_OUTPUT))[0]


def test_service_manifest_from_a_table_row() -> None:
    row = datatable_rows(
        [
            ["name", "shared-vip", "ports", "load-balancer-ip", "class", "namespace"],
            [
                "dns",
                "key-1",
                "53:5353/UDP, 53/TCP",
                "100.64.196.75",
                "ako.vmware.com/avi-lb",
                "red",
            ],
        ]
    )[0]
    manifest = service_manifest(row)
    assert manifest["metadata"] == {
        "name": "dns",
        "namespace": "red",
        "annotations": {
            "ako.vmware.com/enable-shared-vip": "key-1",
            "ako.vmware.com/load-balancer-ip": "100.64.196.75",
        },
    }
    assert manifest["spec"]["type"] == "LoadBalancer"
    assert manifest["spec"]["loadBalancerClass"] == "ako.vmware.com/avi-lb"
    assert manifest["spec"]["ports"] == [
        {"port": 53, "protocol": "UDP", "targetPort": 5353, "name": "udp-53"},
        {"port": 53, "protocol": "TCP", "targetPort": 8080, "name": "tcp-53"},
    ]


def test_blank_and_quoted_annotation_cells() -> None:
    rows = datatable_rows([["name", "shared-vip"], ["a", ""], ["b", '" "']])
    assert "annotations" not in service_manifest(rows[0])["metadata"]
    annotations = service_manifest(rows[1])["metadata"]["annotations"]
    assert annotations == {"ako.vmware.com/enable-shared-vip": " "}


def test_parse_ports_default_protocol_is_tcp() -> None:
    assert parse_ports("443") == [{"port": 443, "protocol": "TCP", "targetPort": 8080}]


def test_avi_helpers() -> None:
    assert ref_name("https://h/api/pool/pool-1#web-pool") == "web-pool"
    assert ref_name("/api/networkprofile/?name=System-UDP-Fast-Path") == "System-UDP-Fast-Path"
    assert protocol_of_profile("System-UDP-Fast-Path") == "UDP"
    assert protocol_of_profile("System-TCP-Proxy") == "TCP"
    assert protocol_of_profile("System-SCTP-Proxy") == "SCTP"
    pool = {
        "servers": [
            {"ip": {"addr": "10.1.1.2"}, "port": 80},
            {"ip": {"addr": "10.1.1.1"}, "port": 80},
        ],
        "health_monitor_refs": ["https://h/api/healthmonitor/hm-1#System-TCP"],
        "enabled": True,
    }
    assert servers_of(pool) == ["10.1.1.1:80", "10.1.1.2:80"]
    assert field_text(pool, "health_monitor_refs") == "System-TCP"
    assert field_text(pool, "servers.1.ip.addr") == "10.1.1.1"
    assert field_text(pool, "enabled") == "true"
    assert field_text(pool, "lb_algorithm") == "(absent)"
