"""``ako-sim run FEATURE...``: run chosen Gherkin feature files against a fresh embedded stack.

It binds the given ``.feature`` files (anywhere on disk) in a throwaway pytest module and runs
pytest in this process with the project's BDD plugin (``steps.plugin``: stack fixtures, step
vocabulary, failure report) and the project's pytest settings. The session starts its own
mock_k8s, mock_avi and engine on free ports and stops them at the end; nothing is left running.

It needs a source checkout (``pip install -e .``): the step definitions live in ``steps/`` and
``tests/support/`` next to this package, not inside it. It does not import the mocks itself.

Wiring: :func:`simulator.commands.register` adds the command to the ``ako-sim`` group.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import click

BINDING_MODULE = '''"""Scenarios chosen on the ako-sim run command line."""
import pytest
from pytest_bdd import scenarios

pytestmark = [pytest.mark.bdd, pytest.mark.usefixtures("bdd_scenario")]

scenarios({paths})
'''


class RunnerError(click.ClickException):
    """A problem with the command line or the installation, reported without a traceback."""


def project_root() -> Path:
    """The source checkout this package runs from (where ``steps/`` and ``features/`` live)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "steps" / "plugin.py").is_file() or not (root / "tests" / "support").is_dir():
        raise RunnerError(
            f"no step definitions next to {root}: `ako-sim run` needs a source checkout "
            "installed with `pip install -e '.[test]'`"
        )
    return root


def feature_paths(features: Sequence[str], root: Path) -> list[Path]:
    """Resolve the arguments: files, or folders holding ``.feature`` files; relative paths are
    tried against the current directory, then the project's ``features/`` folder."""
    resolved: list[Path] = []
    for text in features:
        candidates = [Path(text), root / "features" / text, root / text]
        path = next((c.resolve() for c in candidates if c.exists()), None)
        if path is None:
            raise RunnerError(f"no feature file or folder {text!r}")
        if path.is_dir():
            found = sorted(path.rglob("*.feature"))
            if not found:
                raise RunnerError(f"no .feature file under {path}")
            resolved.extend(found)
        elif path.suffix != ".feature":
            raise RunnerError(f"{path} is not a .feature file")
        else:
            resolved.append(path)
    if not resolved:
        raise RunnerError("give at least one feature file or folder")
    return resolved


def pytest_arguments(module: Path, root: Path, extra: Sequence[str]) -> list[str]:
    return [
        str(module),
        "-p",
        "steps.plugin",
        "-p",
        "no:cacheprovider",
        f"--rootdir={root}",
        "-c",
        str(root / "pyproject.toml"),
        *extra,
    ]


def run_features(features: Sequence[str], extra: Sequence[str] = ()) -> int:
    """Run the scenarios of ``features`` and return pytest's exit code."""
    try:
        import pytest
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise RunnerError("`ako-sim run` needs the test extra: pip install -e '.[test]'") from error
    root = project_root()
    paths = feature_paths(features, root)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    with tempfile.TemporaryDirectory(prefix="ako-sim-run-") as directory:
        module = Path(directory) / "test_chosen_features.py"
        module.write_text(BINDING_MODULE.format(paths=", ".join(repr(str(p)) for p in paths)))
        return int(pytest.main(pytest_arguments(module, root, extra)))


def split_arguments(arguments: Sequence[str]) -> tuple[list[str], list[str]]:
    """``a.feature b/ -k restart -x`` -> (features, pytest arguments): everything from the first
    argument that starts with ``-`` on goes to pytest (``--`` itself is dropped)."""
    for index, argument in enumerate(arguments):
        if argument.startswith("-"):
            rest = list(arguments[index + 1 :] if argument == "--" else arguments[index:])
            return list(arguments[:index]), rest
    return list(arguments), []


@click.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("arguments", nargs=-1, required=True, type=click.UNPROCESSED)
def run(arguments: tuple[str, ...]) -> None:
    """Run FEATURE files (or folders of them) against a fresh embedded stack.

    \b
    Usage: ako-sim run FEATURE... [PYTEST OPTIONS]
    A relative FEATURE is looked up in the current directory, then in the project's features/
    folder, e.g. `ako-sim run lifecycle/restart.feature -k converged -x`. Options after the
    features go to pytest. The exit status is pytest's.
    """
    features, pytest_args = split_arguments(arguments)
    sys.exit(run_features(features, pytest_args))
