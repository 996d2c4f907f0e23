"""The real AKO (client-go) writes built-in kinds as protobuf: with leader election on, it
creates and renews its Lease and records Events. Before protobuf bodies were decoded the Lease
was refused with 400 and AKO never became leader. Runs only with ``--ako-binary``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from simulator.engines import AkoOptions, EngineChoice
from simulator.stack import Stack, start_stack
from steps.support.wait import eventually

LEASE = "apis/coordination.k8s.io/v1/namespaces/avi-system/leases/ako-lease-lock"
MICRO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture(scope="module")
def ako_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ako-protobuf")


@pytest.fixture(scope="module")
def ako_stack(ako_binary: str, ako_dir: Path) -> Iterator[Stack]:
    directory = ako_dir
    options = AkoOptions(binary=ako_binary, log_file=directory / "ako.log", leader_election=True)
    running = start_stack(
        k8s_port=0,
        avi_port=0,
        engine_port=0,
        kubeconfig=directory / "kubeconfig",
        engine=EngineChoice("ako", options),
    )
    try:
        yield running
    finally:
        running.stop()


def get(stack: Stack, path: str) -> requests.Response:
    return requests.get(f"{stack.k8s_url}/{path}", timeout=10)


def test_ako_acquires_and_renews_its_lease(ako_stack: Stack) -> None:
    def acquired() -> dict[str, Any]:
        resp = get(ako_stack, LEASE)
        assert resp.status_code == 200, resp.text
        spec: dict[str, Any] = resp.json()["spec"]
        assert spec.get("holderIdentity")
        return spec

    first = eventually(acquired, timeout=60)
    assert first["leaseDurationSeconds"] > 0
    assert MICRO_TIME.match(first["acquireTime"]), first
    assert first["leaseTransitions"] == 0  # a pointer field sent as 0 is kept

    def renewed() -> None:
        assert acquired()["renewTime"] != first["renewTime"]

    eventually(renewed, timeout=60)


def test_ako_records_events_through_protobuf(ako_stack: Stack) -> None:
    def recorded() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = get(ako_stack, "api/v1/namespaces/avi-system/events").json()[
            "items"
        ]
        assert any(e.get("reason") == "LeaderElection" for e in items), items
        return items

    events = eventually(recorded, timeout=60)
    event = next(e for e in events if e["reason"] == "LeaderElection")
    assert event["involvedObject"]["kind"] == "Pod"
    assert event["type"] == "Normal"
    assert event["source"]["component"]


def test_ako_log_has_no_decode_errors(ako_stack: Stack, ako_dir: Path) -> None:
    eventually(lambda: get(ako_stack, LEASE).raise_for_status(), timeout=60)
    log = (ako_dir / "ako.log").read_text()
    assert "successfully acquired lease" in log
    for text in ("could not be decoded", "cannot be handled as a", "unrecognized (must be"):
        assert text not in log
