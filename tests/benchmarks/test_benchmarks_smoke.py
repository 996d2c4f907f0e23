"""Smoke test of the benchmark scripts (`python -m benchmarks`) at a tiny size, against rot.

Runs the one documented entry point with N=8 and 3 trials (mocks and engine as processes, as in a
real run) and checks that the printed JSON carries every figure with a sane shape. Asserts no
timing: performance figures belong to the benchmark output, not to the test suite.
"""

from __future__ import annotations

import json
import sys

import pytest

from benchmarks import __main__ as bench


def test_the_benchmark_command_prints_every_figure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["benchmarks", "--sizes", "8", "--trials", "3", "--no-suite"])
    bench.main()
    printed = capsys.readouterr().out
    assert "Time to VIP" in printed
    assert "Scale" in printed
    json_lines = [line for line in printed.splitlines() if line.startswith("JSON: ")]
    assert len(json_lines) == 1
    out = json.loads(json_lines[0][len("JSON: ") :])

    assert out["sizes"] == [8]
    for case in ("lone", "join"):
        figures = out["time_to_vip"][case]
        assert figures["trials"] == 3
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]

    scale = out["scale"]["8"]
    assert scale["n"] == 8
    assert scale["check"]["ok"] is True
    assert scale["check"]["services_without_vip"] == 0
    assert scale["settled_s"] >= scale["all_vips_s"] > 0
    assert scale["avi_calls"]["writes"] > 0
    assert scale["k8s_calls"]["by_method"].get("PATCH") == 8  # one status patch per Service
    assert set(scale["peak_rss_mb"]) == {"engine", "mock_k8s", "mock_avi"}
    assert all(v > 0 for v in scale["peak_rss_mb"].values())
    assert set(scale["cpu_s"]) == {"engine", "mock_k8s", "mock_avi"}

    floor = out["floor"]["8"]
    assert floor["check"]["ok"] is True
    assert floor["k8s_calls"]["by_method"] == {"PATCH": 8}
    assert floor["avi_objects"] == scale["avi_objects"]  # the floor builds the same Avi state
    assert out["ratio_engine_floor"]["8"] > 0
    assert out["growth"] == {}  # one size: no T(4N)/T(N)
