"""benchmarks.timeline: the CPU shares and progress it samples, from counters the test drives."""

from __future__ import annotations

import itertools

from benchmarks.timeline import Timeline
from steps.support.wait import eventually


def test_rows_carry_each_process_share_of_one_core_and_the_progress() -> None:
    samples = itertools.count()
    clock = itertools.count(step=2.0)  # each sample: 2 s later
    done = itertools.count(10, 10)

    def cpu() -> dict[str, float]:
        k = next(samples)  # per 2 s: the engine 1 CPU s, mock_avi 0.5, the benchmark 2
        return {"engine": k * 1.0, "mock_avi": k * 0.5, "bench": k * 2.0}

    timeline = Timeline(cpu, lambda: next(done), interval=0.001, clock=lambda: next(clock)).start()

    def three_rows() -> None:
        assert len(timeline.rows) >= 3

    eventually(three_rows)
    rows = timeline.stop()
    count = len(rows)
    assert [t for t, _, _ in rows] == [2.0 * i for i in range(1, count + 1)]
    assert [d for _, d, _ in rows] == [10 * i for i in range(1, count + 1)]
    assert all(s == {"bench": 100, "engine": 50, "mock_avi": 25} for _, _, s in rows)
    assert timeline.rows == rows and len(timeline.stop()) == count  # no rows after stop()
