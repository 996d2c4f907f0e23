"""The load script's CI smoke variant: 50 clients, one second per mock, loopback only.

The documented 30-second run (docs/reliability.md) prints the figures; here only correctness
counts: every request answered 2xx, every object holds its client's last write.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import load_mocks


def test_fifty_clients_against_each_mock_lose_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    status = load_mocks.main(["--clients", "50", "--seconds", "1"])
    out = capsys.readouterr().out
    results = json.loads(out.strip().splitlines()[-1])["load"]
    assert [r["target"] for r in results] == ["mock_avi", "mock_k8s"]
    for r in results:
        assert r["errors"] == 0, r["first_errors"]
        assert r["lost_writes"] == 0
        assert r["objects_written"] >= 50, "every client wrote at least once"
    assert status == 0
