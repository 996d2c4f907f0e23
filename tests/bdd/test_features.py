"""Binds every scenario of ``features/`` (all capability folders) as pytest tests.

Each scenario runs against the session's embedded stack, reset for it (``bdd_scenario``), and
is marked ``bdd`` plus its Gherkin tags.
"""

from pathlib import Path

import pytest
from pytest_bdd import scenarios

FEATURES = Path(__file__).resolve().parents[2] / "features"

pytestmark = [pytest.mark.bdd, pytest.mark.usefixtures("bdd_scenario")]

scenarios(*sorted(str(d) for d in FEATURES.iterdir() if d.is_dir() and any(d.rglob("*.feature"))))
