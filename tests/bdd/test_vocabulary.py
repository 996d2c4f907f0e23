"""The step vocabulary, checked without a stack: every step of every feature file (outlines
rendered with each example) matches exactly one step definition, and every tag is registered.

This catches a typo in a new scenario, or two definitions that both match one sentence, in
milliseconds instead of at run time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_bdd.feature import get_features
from pytest_bdd.parser import Scenario
from pytest_bdd.steps import step_function_context_registry

import steps.controller
import steps.engine
import steps.faults
import steps.kubernetes
import steps.services
from steps.kit import FEATURES
from steps.plugin import DEVIATIONS, TAGS

STEP_MODULES = (steps.controller, steps.engine, steps.faults, steps.kubernetes, steps.services)


def _rendered_scenarios() -> list[Scenario]:
    rendered: list[Scenario] = []
    for feature in get_features([str(FEATURES)]):
        for template in feature.scenarios.values():
            contexts = [c for examples in template.examples for c in examples.as_contexts()]
            rendered.extend(template.render(c) for c in (contexts or [{}]))
    return rendered


def test_every_step_has_exactly_one_definition() -> None:
    assert STEP_MODULES  # the imports above register the definitions
    contexts = list(step_function_context_registry.values())
    problems = []
    for scenario in _rendered_scenarios():
        for step in scenario.steps:
            matches = [
                c.step_func.__name__
                for c in contexts
                if c.type in (step.type, None) and c.parser.is_matching(step.name)
            ]
            if len(set(matches)) != 1:
                problems.append(
                    f"{Path(scenario.feature.filename).name}:{step.line_number} "
                    f"{step.type} {step.name!r} -> {sorted(set(matches)) or 'no definition'}"
                )
    assert not problems, "steps without exactly one definition:\n" + "\n".join(problems)


def test_every_tag_is_a_registered_marker() -> None:
    used = set()
    for feature in get_features([str(FEATURES)]):
        used |= feature.tags
        for template in feature.scenarios.values():
            used |= template.tags
    registered = set(TAGS) | set(DEVIATIONS)  # steps.plugin registers both as markers
    assert used - registered == set(), f"unregistered tags: {sorted(used - registered)}"


@pytest.mark.parametrize("folder", sorted(d.name for d in FEATURES.iterdir() if d.is_dir()))
def test_feature_folders_hold_only_gherkin(folder: str) -> None:
    others = [
        p.name for p in (FEATURES / folder).rglob("*") if p.is_file() and p.suffix != ".feature"
    ]
    assert not others, f"features/{folder} holds non-Gherkin files: {others}"
