"""``ako-sim run FEATURE...`` as QA runs it: argument handling, feature lookup (paths and the
kit's names), one-line errors, and one scenario end to end. The same command from an installed
wheel: ``tests/packaging``."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.commands import run as run_module
from simulator.commands.run import (
    RunnerError,
    feature_names,
    feature_paths,
    kit_features,
    split_arguments,
)
from steps.kit import FEATURES


def _invoke(*arguments: str) -> Any:
    return CliRunner().invoke(main, ["run", *arguments])


def test_the_kit_features_are_the_project_features() -> None:
    assert kit_features() == FEATURES == (Path(__file__).parents[2] / "features").resolve()


def test_run_arguments_split_features_from_pytest_options() -> None:
    assert split_arguments(["a.feature", "dir", "-k", "x", "-x"]) == (
        ["a.feature", "dir"],
        ["-k", "x", "-x"],
    )
    assert split_arguments(["a.feature", "--", "-q"]) == (["a.feature"], ["-q"])
    assert split_arguments(["a.feature"]) == (["a.feature"], [])


def test_features_by_name_folder_path_or_file_name() -> None:
    library = kit_features()
    by_path = feature_paths(["lifecycle/restart.feature", "port_conflicts"], library)
    assert [p.name for p in by_path] == ["restart.feature", "port_conflicts.feature"]
    assert feature_paths(["restart"], library) == [library / "lifecycle" / "restart.feature"]
    assert feature_paths(["lifecycle/restart"], library) == by_path[:1]
    assert feature_paths(["features/lifecycle/restart.feature"], library) == by_path[:1]
    assert feature_paths(["port-conflicts"], library) == by_path[1:]  # - and _ alike
    lifecycle = feature_paths(["lifecycle"], library)
    assert lifecycle == sorted((library / "lifecycle").glob("*.feature")) and len(lifecycle) > 1
    assert "lifecycle" in feature_names(library)
    assert "lifecycle/restart" in feature_names(library)


def test_a_path_on_disk_wins_over_a_kit_name(tmp_path: Path, monkeypatch: Any) -> None:
    own = tmp_path / "restart.feature"
    own.write_text("Feature: mine\n")
    monkeypatch.chdir(tmp_path)
    assert feature_paths(["restart.feature"], kit_features()) == [own.resolve()]


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    library = kit_features()
    with pytest.raises(RunnerError, match=re.escape("no feature file or folder 'no/such.feature'")):
        feature_paths(["no/such.feature"], library)
    with pytest.raises(RunnerError, match=r"not a \.feature file"):
        feature_paths([str(Path(__file__))], library)
    with pytest.raises(RunnerError, match=r"no \.feature file under"):
        feature_paths([str(tmp_path)], library)
    for folder in ("b", "c"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.feature").write_text("Feature: a\n")
    with pytest.raises(RunnerError, match=re.escape("ambiguous: b/a.feature, c/a.feature")):
        feature_paths(["a"], tmp_path)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no/such.feature"], "no feature file or folder 'no/such.feature'"),
        ([str(Path(__file__))], "is not a .feature file"),
        (["-k", "x"], "give at least one feature file or folder"),
    ],
)
def test_the_command_reports_errors_without_a_traceback(arguments: list[str], message: str) -> None:
    result = _invoke(*arguments)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    result = _invoke(str(tmp_path))
    assert result.exit_code == 1
    assert f"no .feature file under {tmp_path.resolve()}" in result.output


def test_a_missing_bdd_extra_says_what_to_install(monkeypatch: Any) -> None:
    real = importlib.util.find_spec

    def without_pytest_bdd(name: str, *args: Any) -> Any:
        return None if name == "pytest_bdd" else real(name, *args)

    monkeypatch.setattr(run_module.importlib.util, "find_spec", without_pytest_bdd)
    result = _invoke("lifecycle")
    assert result.exit_code == 1
    assert "needs pytest-bdd" in result.output
    assert "pip install 'ako-sim[bdd]'" in result.output
    assert "Traceback" not in result.output


def test_list_prints_the_kit_feature_names() -> None:
    result = _invoke("--list")
    assert result.exit_code == 0, result.output
    names = result.output.split()
    assert {"lifecycle", "lifecycle/restart", "sharing/spec_examples"} <= set(names)


def test_run_executes_a_chosen_scenario_against_a_fresh_stack() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "run", "restart", "-k", "converged", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
