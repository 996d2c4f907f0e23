"""Smoke test of the benchmark scripts (`python -m benchmarks`, `python -m benchmarks.engines`)
at a tiny size, against rot.

Runs the documented entry points with N=8 and a few trials (mocks and engine as processes, as in
a real run) and checks that the printed JSON carries every figure with a sane shape, and that a
run past its cap reports its progress. Asserts no timing: performance figures belong to the
benchmark output, not to the test suite.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

import pytest

from benchmarks import __main__ as bench
from benchmarks import engines, harness, scale


def test_the_benchmark_command_prints_every_figure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # ako-sim's engine only: an AKO_BINARY in the environment would add AKO at N=1000 and 10,000
    monkeypatch.delenv("AKO_BINARY", raising=False)
    monkeypatch.setattr(sys, "argv", ["benchmarks", "--sizes", "8", "--trials", "3", "--no-suite"])
    bench.main()
    printed = capsys.readouterr().out
    assert "Time to VIP" in printed
    assert "Scale" in printed and "bench CPU s" in printed
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
    assert scale["bench_cpu_s"] >= 0  # the benchmark process's own CPU over the run
    # the benchmark's own requests (creates, the engine's reads for the state polls) are not
    # counted: the engine made no other GET in the window, so none is left, nor a negative one
    assert scale["k8s_calls"]["by_method"] == {"PATCH": 8, "POST": 8}

    floor = out["floor"]["8"]
    assert floor["check"]["ok"] is True
    assert floor["k8s_calls"]["by_method"] == {"PATCH": 8}
    assert floor["bench_cpu_s"] > 0  # the floor's REST calls are this process's
    assert floor["avi_objects"] == scale["avi_objects"]  # the floor builds the same Avi state
    assert out["ratio_engine_floor"]["8"] > 0

    watched = out["watched_floor"]["8"]  # the least an engine must do: a watch, REST, Events
    assert watched["check"]["ok"] is True
    assert watched["k8s_calls"]["by_method"] == {"PATCH": 8, "POST": 8}  # statuses and Events
    assert watched["avi_objects"] == scale["avi_objects"]
    assert watched["done_s"] >= watched["all_vips_s"] > 0
    assert set(watched["cpu_s"]) == {"floor_engine", "mock_k8s", "mock_avi"}
    assert out["ratio_watched_floor_floor"]["8"] > 0
    assert out["ratio_engine_watched_floor"]["8"] > 0
    assert out["growth"] == {}  # one size: no T(4N)/T(N)


def _json_line(printed: str) -> dict[str, Any]:
    lines = [line for line in printed.splitlines() if line.startswith("JSON: ")]
    assert len(lines) == 1
    out: dict[str, Any] = json.loads(lines[0][len("JSON: ") :])
    return out


def test_the_engines_command_prints_every_figure_per_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["engines", "--engines", "sim", "--sizes", "8", "--trials", "2", "--cap", "120"]
    monkeypatch.setattr(sys, "argv", argv)
    engines.main()
    printed = capsys.readouterr().out
    assert "N Services at once" in printed and "Time to VIP" in printed
    assert "bench CPU s" in printed
    out = _json_line(printed)
    assert list(out["engines"]) == ["sim"]  # no AKO binary asked for
    run = out["engines"]["sim"]["scale"]["8"]
    assert run["settled"] is True and "note" not in run
    assert run["services_with_vip"] == 8
    assert run["check"]["ok"] is True
    assert set(run["cpu_s"]) == set(run["peak_rss_mb"]) == {"engine", "mock_k8s", "mock_avi"}
    assert run["avi_calls"]["writes"] > 0 and run["k8s_calls"]["writes"] == 16
    assert all(v > 0 for v in run["k8s_calls"]["by_method"].values())
    assert run["bench_cpu_s"] >= 0


def test_a_run_past_its_cap_reports_the_progress_instead_of_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine is frozen (SIGSTOP) while the Services are created: no VIP can come, so the
    capped run must end at the cap and say how far it got."""
    create_all = scale._create_all
    stop_engine = harness.Cluster.stop_engine

    def create_frozen(cluster: harness.Cluster, workload: Any, after_group: Any = None) -> None:
        assert cluster.engine is not None
        os.kill(cluster.engine.pid, signal.SIGSTOP)
        create_all(cluster, workload, after_group)

    def thaw_and_stop(cluster: harness.Cluster) -> float:
        if cluster.engine is not None:
            os.kill(cluster.engine.pid, signal.SIGCONT)
        return stop_engine(cluster)

    monkeypatch.setattr(scale, "_create_all", create_frozen)
    monkeypatch.setattr(harness.Cluster, "stop_engine", thaw_and_stop)
    run = scale.run_engine(6, cap=2.0)
    assert run["settled"] is False
    assert run["settled_s"] is None and run["all_vips_s"] is None
    assert run["services_with_vip"] == 0
    assert run["note"].startswith("did not settle within 2 s: 0 of 6 Services had a VIP")
    assert run["check"]["services_without_vip"] == 6
    rendered = engines.render(
        {"trials": 0, "cap_s": 2.0, "engines": {"sim": {"scale": {"6": run}}}}
    )
    assert "0/6" in rendered and "did not settle within 2 s" in rendered
