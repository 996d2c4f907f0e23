"""Binds every scenario of ``features/`` (all capability folders) as pytest tests, from the
same place ``ako-sim run`` finds them (:data:`steps.kit.FEATURES`).

Each scenario runs against the session's embedded stack, reset for it (``bdd_scenario``), and
is marked ``bdd`` plus its Gherkin tags.
"""

import pytest
from pytest_bdd import scenarios

from steps.kit import FEATURES  # the kit's features: features/ in a checkout

pytestmark = [pytest.mark.bdd, pytest.mark.usefixtures("bdd_scenario")]

scenarios(*sorted(str(d) for d in FEATURES.iterdir() if d.is_dir() and any(d.rglob("*.feature"))))
