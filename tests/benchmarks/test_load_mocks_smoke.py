"""The load script (``benchmarks/load_mocks.py``) with both of its clients, at a tiny size.

Each run must answer every request right (status and body), lose no write, and print the mock's
and the client processes' CPU; the answer checks themselves must catch a wrong body. Asserts no
timing (``tests/reliability/test_load_smoke.py`` runs the default 50 clients).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import load_mocks


def _results(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[dict[str, object]]:
    status = load_mocks.main(argv)
    out = capsys.readouterr().out
    results: list[dict[str, object]] = json.loads(out.strip().splitlines()[-1])["load"]
    assert status == 0, [r["first_errors"] for r in results]
    assert "client cpu s" in out
    return results


@pytest.mark.parametrize(
    ("client", "mocks", "kinds", "runs"),
    [
        (
            "lean",
            "avi,k8s",
            "mixed,apply",
            [("mock_avi", "mixed"), ("mock_k8s", "mixed"), ("mock_k8s", "apply")],
        ),
        ("requests", "k8s", "mixed", [("mock_k8s", "mixed")]),
    ],
)
def test_both_clients_answer_right_and_report_their_cpu(
    capsys: pytest.CaptureFixture[str],
    client: str,
    mocks: str,
    kinds: str,
    runs: list[tuple[str, str]],
) -> None:
    argv = ["--clients", "4", "--seconds", "0.5", "--procs", "2", "--client", client]
    results = _results(capsys, [*argv, "--mocks", mocks, "--kinds", kinds])
    assert [(r["target"], r["kind"]) for r in results] == runs
    for r in results:
        assert r["client"] == client and r["client_procs"] == 2
        assert r["errors"] == 0 and r["lost_writes"] == 0
        assert isinstance(r["requests"], int) and r["requests"] > 0
        assert isinstance(r["client_cpu_s"], float) and r["client_cpu_s"] >= 0
        assert r["client_cpu_ms_per_request"] is not None
        assert isinstance(r["mock_cpu_s"], float) and r["mock_cpu_s"] > 0
        assert r["avi_auth"] == ("session" if r["target"] == "mock_avi" else None)


def test_basic_auth_and_one_client_process(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--clients", "3", "--seconds", "0.5", "--procs", "1", "--mocks", "avi"]
    (result,) = _results(capsys, [*argv, "--avi-auth", "basic", "--kinds", "patch"])
    assert (result["avi_auth"], result["client_procs"], result["errors"]) == ("basic", 1, 0)


def test_a_wrong_answer_body_is_an_error(tmp_path: Path) -> None:
    k8s = load_mocks.K8sTarget("http://127.0.0.1:1", tmp_path)
    cm = {"metadata": {"name": "load-1-1"}, "data": {"n": "2"}}
    assert k8s.check_value("load-1-1", cm, 2) is None
    assert k8s.check_value("load-1-1", cm, 1) is not None  # an older write
    assert k8s.check_value("load-1-2", cm, 2) is not None  # another object
    assert k8s.check_value("load-1-1", {"kind": "Status"}, 2) is not None
    items = {"kind": "ConfigMapList", "items": [cm]}
    assert k8s.check_list(items) is None
    assert k8s.check_list({"kind": "ConfigMapList", "items": [cm] * 6}) is not None  # limit=5
    assert k8s.check_list({"kind": "Status", "items": []}) is not None
    avi = load_mocks.AviTarget("http://127.0.0.1:1", tmp_path)
    pool = {"name": "load-1-1", "description": "0", "uuid": "pool-1"}
    assert avi.created("load-1-1", pool) is None and avi.uuids == {"load-1-1": "pool-1"}
    assert avi.check_list({"count": 0, "results": []}) is not None  # no page of pools
