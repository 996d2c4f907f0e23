"""Where the BDD kit's data lives: the project's feature files and the example manifests they
apply, found as package data of ``steps`` (``importlib.resources``), never by a path guessed
from a source checkout.

In a checkout ``steps/features`` and ``steps/examples`` are links to the top-level ``features/``
and ``examples/`` folders; an installed wheel holds copies. Either way this module gives the same
names. It reads nothing and imports nothing else of the project.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def kit_path(*parts: str) -> Path:
    """A folder or file of the installed kit, as a real path (pytest-bdd and kubectl read it)."""
    found = resources.files(__package__).joinpath(*parts)
    if not isinstance(found, Path):  # e.g. a zipped install: no real files to hand to kubectl
        raise RuntimeError(f"the BDD kit is not installed as files: {found}")
    return found.resolve()


#: The kit's folder: relative paths in steps (``examples/shared-vip.yaml``) are relative to it.
KIT_ROOT = kit_path()
#: The project's Gherkin features, one folder per capability.
FEATURES = kit_path("features")
#: The spec's manifests that scenarios apply by name (``the example "shared-vip.yaml" ...``).
EXAMPLES = kit_path("examples")
