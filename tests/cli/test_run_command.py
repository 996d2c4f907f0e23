"""``ako-sim run FEATURE...`` as QA runs it: wired into the command line, end to end."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from simulator.cli import main
from simulator.commands.run import project_root


def test_run_rejects_a_missing_feature_file_with_a_clear_error() -> None:
    result = CliRunner().invoke(main, ["run", "no/such.feature"])
    assert result.exit_code != 0
    assert "no feature file" in result.output
    assert "Traceback" not in result.output


def test_run_executes_a_chosen_scenario_against_a_fresh_stack() -> None:
    feature = project_root() / "features" / "lifecycle" / "restart.feature"
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(feature), "-k", "converged", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
