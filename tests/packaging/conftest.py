"""The packaging suite's marker: ``-m packaging`` selects (or ``-m "not packaging"`` skips) the
tests that build the wheel and run ``ako-sim`` from it."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "packaging: builds the wheel and runs the installed ako-sim from a fresh venv"
    )
