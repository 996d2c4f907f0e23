"""The dashboard suite reuses the integration suite's ``world`` (a freshly reset stack)."""

from tests.integration.conftest import world

__all__ = ["world"]
