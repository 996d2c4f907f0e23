"""Benchmark scripts (issue 7): figures printed as tables and JSON; never part of pytest.

Run them all with ``python -m benchmarks`` (see docs/benchmarks.md).
"""
