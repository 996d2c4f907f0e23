"""``ako-sim run`` from a built wheel, as a user installs it: no checkout, no editable install.

Once per session (one build even under ``pytest -n auto``: the first worker builds, the others
wait on a file lock and reuse it) the project is copied to a temporary folder, built with
``pip wheel`` and installed into a fresh venv. The venv sees the test environment's
dependencies (``--system-site-packages``) but the project itself comes from the wheel only: every
module of the checkout's packages must resolve inside the venv, so a file the wheel lacks cannot
be filled in from the checkout. Each ``ako-sim run`` runs from ``tmp_path`` with the venv's
console script and starts its own stack on free ports.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.packaging, pytest.mark.slow]  # slow: under xdist it starts first

CHECKOUT = Path(__file__).resolve().parents[2]
#: What the build reads: the metadata, the packages and the kit's data the links point to.
SOURCES = (
    "pyproject.toml",
    "README.md",
    "simulator",
    "mock_avi",
    "mock_k8s",
    "steps",
    "wsgi_loop",
)
KIT_DATA = ("features", "examples")
PACKAGES = ("simulator", "mock_avi", "mock_k8s", "steps", "wsgi_loop")
BUILD_TIMEOUT = 900  # an isolated build fetches setuptools; a loaded CI machine is slow
RUN_TIMEOUT = 600

PASSING = """\
Feature: A feature of my own, outside any checkout
  Scenario: The spec's example gets the first VIP of the network
    Given the example "shared-vip.yaml" is applied
    Then the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
"""

FAILING_STEP = 'Then the Service "lb1" shows EXTERNAL-IP "100.64.196.99"'
FAILING = f"""\
Feature: A feature of my own that expects the wrong address
  Scenario: One Service expects an address it never gets
    Given the Services:
      | name | shared-vip | ports  |
      | lb1  | key-1      | 80/TCP |
    {FAILING_STEP}
"""

#: Run by the venv's python: every module of the checkout's packages, where it resolves.
PROBE = """\
import importlib.util, json, sys
from pathlib import Path

checkout, packages = Path(sys.argv[1]), sys.argv[2:]
origins = {}
for package in packages:
    for file in sorted((checkout / package).rglob("*.py")):
        name = ".".join(file.relative_to(checkout).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        spec = importlib.util.find_spec(name)
        origins[name] = str(Path(spec.origin).resolve()) if spec and spec.origin else None
print(json.dumps({"prefix": str(Path(sys.prefix).resolve()), "origins": origins}))
"""


def _shared_dir(factory: pytest.TempPathFactory) -> Path:
    """A folder of this session that every xdist worker sees (their base temps' parent)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)


def _build_and_install(where: Path) -> Path:
    source = where / "src"
    source.mkdir(parents=True)
    for name in (*SOURCES, *KIT_DATA):
        origin = CHECKOUT / name
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(origin, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(origin, source / name)
    dist = where / "dist"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        cwd=where,
        timeout=BUILD_TIMEOUT,
    )
    assert built.returncode == 0, f"pip wheel failed:\n{built.stdout}\n{built.stderr}"
    (wheel,) = dist.glob("ako_sim-*.whl")
    venv = where / "venv"
    # no pip inside (no ensurepip needed): this environment's pip installs into the venv
    made = _run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    install = ["install", "-q", "--no-deps", "--ignore-installed", str(wheel)]
    installed = _run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), *install],
        cwd=where,
        timeout=300,
    )
    assert installed.returncode == 0, f"pip install failed:\n{installed.stdout}\n{installed.stderr}"
    return venv


@pytest.fixture(scope="session")
def kit_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding the project from its wheel (built once per session)."""
    shared = _shared_dir(tmp_path_factory) / "wheel-kit"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers block here until it is built
        ready = shared / "venv.json"
        if not ready.exists():
            attempt = shared / f"attempt-{os.getpid()}"
            venv = _build_and_install(attempt)
            ready.write_text(json.dumps({"venv": str(venv)}))
        return Path(json.loads(ready.read_text())["venv"])


def _environment(venv: Path) -> dict[str, str]:
    """The test run's environment without its pytest and path settings, the venv first."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME") and not key.startswith("PYTEST_")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


def ako_sim(venv: Path, cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, run from ``cwd`` (never the checkout)."""
    return _run(
        [str(venv / "bin" / "ako-sim"), *arguments],
        cwd=cwd,
        env=_environment(venv),
        timeout=RUN_TIMEOUT,
    )


def test_the_project_and_its_kit_come_from_the_wheel(kit_venv: Path, tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    done = _run(
        [str(kit_venv / "bin" / "python"), str(probe), str(CHECKOUT), *PACKAGES],
        cwd=tmp_path,
        env=_environment(kit_venv),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    venv = Path(found["prefix"])
    assert venv == kit_venv.resolve()
    origins: dict[str, str | None] = found["origins"]
    assert {"simulator", "steps.plugin", "steps.support.stack", "simulator.commands.run"} <= set(
        origins
    )
    outside = {
        name: where
        for name, where in origins.items()
        if not where or venv not in Path(where).parents
    }
    assert not outside, f"modules not installed from the wheel: {outside}"
    assert venv in Path(str(origins["simulator"])).parents  # simulator.__file__ is the venv's

    listed = ako_sim(kit_venv, tmp_path, "run", "--list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert {"lifecycle", "lifecycle/restart", "sharing/spec_examples"} <= set(listed.stdout.split())


def test_run_of_a_feature_file_anywhere_passes(kit_venv: Path, tmp_path: Path) -> None:
    feature = tmp_path / "mine" / "spec_example.feature"
    feature.parent.mkdir()
    feature.write_text(PASSING)
    done = ako_sim(kit_venv, tmp_path, "run", str(feature), "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_run_of_a_project_feature_by_name_passes(kit_venv: Path, tmp_path: Path) -> None:
    # `kubectl apply -f examples/shared-vip.yaml`: the example manifests ship with the kit
    done = ako_sim(kit_venv, tmp_path, "run", "spec_examples", "-k", "first_address", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_a_failing_feature_fails_the_run_and_names_its_step(kit_venv: Path, tmp_path: Path) -> None:
    feature = tmp_path / "wrong.feature"
    feature.write_text(FAILING)
    done = ako_sim(kit_venv, tmp_path, "run", str(feature))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f">>> {FAILING_STEP}" in done.stdout  # the failure report marks the failing step
    assert "expected EXTERNAL-IP '100.64.196.99'" in done.stdout
    assert "1 failed" in done.stdout


def test_run_under_the_real_ako_from_the_wheel(
    kit_venv: Path, tmp_path: Path, ako_binary: str
) -> None:
    feature = tmp_path / "spec_example.feature"
    feature.write_text(PASSING)
    arguments = ["run", str(feature), "--engine", "ako", "--ako-binary", ako_binary, "-q"]
    done = ako_sim(kit_venv, tmp_path, *arguments, "--ako-log", str(tmp_path / "ako.log"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
