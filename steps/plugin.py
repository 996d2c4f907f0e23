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
    "steps.workloads",
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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ako-sim", "ako-sim engine choice")
    group.addoption(
        "--engine",
        action="store",
        default="sim",
        choices=("sim", "ako"),
        help="the engine the stack runs: ako-sim's own (sim) or the real AKO (--ako-binary)",
    )
    group.addoption(
        "--ako-binary",
        action="store",
        default=None,
        help="the AKO controller binary (default: $AKO_BINARY); tests that need it skip without",
    )
    group.addoption(
        "--ako-log",
        action="store",
        default=None,
        help="where AKO's output goes (default: a file in the session's temporary directory)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for tag, description in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {description}")
