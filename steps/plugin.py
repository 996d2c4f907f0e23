"""The BDD suite as one pytest plugin: registers the stack fixtures, the drivers, every step
module and the failure report, and the Gherkin tags as markers.

The root ``conftest.py`` loads it for ``python -m pytest``; ``ako-sim run`` loads it with
``-p steps.plugin`` for feature files anywhere.
"""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.support.stack",
    "steps.fixtures",
    "steps.report",
    "steps.kubernetes",
    "steps.services",
    "steps.controller",
    "steps.engine",
    "steps.faults",
]

#: Every tag the feature files may use (``--strict-markers`` rejects the others).
TAGS: dict[str, str] = {
    "bdd": "a Gherkin scenario from features/",
    "spec": "an example or consideration of the shared-VIP spec",
    "grouping": "which Services share a VIP",
    "protocols": "port/protocol pairs and network profiles",
    "misconfiguration": "a misconfigured group configures nothing (behaviour.md section 5)",
    "port-conflict": "port/protocol conflicts inside a group (behaviour.md section 6)",
    "lifecycle": "members joining and leaving, restarts (behaviour.md section 8)",
    "backends": "pool servers from endpoints or nodes",
    "nodeport": "the engine in NodePort mode",
    "restart": "engine restarts, adoption and orphans",
    "faults": "controller and API server faults (behaviour.md section 10)",
    "vip": "VIP allocation failures",
    "watch": "dropped and expired watches",
    "infra": "AviInfraSetting",
    "l4rule": "L4Rule and its SSL exception",
}


def pytest_configure(config: pytest.Config) -> None:
    for tag, description in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {description}")
