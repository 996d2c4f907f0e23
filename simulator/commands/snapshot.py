"""``ako-sim snapshot save FILE`` / ``ako-sim snapshot load FILE`` (see :mod:`simulator.snapshot`).

Targets default to what ``ako-sim up`` starts: the kubeconfig ``./ako-sim.kubeconfig`` (or
``$KUBECONFIG``) names the API server, the controller is ``http://127.0.0.1:8443`` and the
engine ``http://127.0.0.1:8080``. Load prints its steps on stderr.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from simulator import snapshot as snap
from simulator.commands.inspect import DEFAULT_ENGINE

DEFAULT_AVI = "http://127.0.0.1:8443"


def _targets(
    kubeconfig: str | None,
    k8s_url: str | None,
    avi_controller: str,
    avi_user: str,
    avi_password: str,
    engine_url: str | None,
    timeout: float,
) -> snap.Targets:
    if not k8s_url:
        path = kubeconfig or os.environ.get("KUBECONFIG") or "ako-sim.kubeconfig"
        k8s_url = snap.kubeconfig_server(path.split(os.pathsep)[0])
    return snap.Targets(
        k8s_url=k8s_url.rstrip("/"),
        avi_url=avi_controller.rstrip("/"),
        avi_user=avi_user,
        avi_password=avi_password,
        engine_url=engine_url.rstrip("/") if engine_url else None,
        timeout=timeout,
    )


def target_options(func: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.option(
            "--kubeconfig",
            type=click.Path(dir_okay=False),
            help="names the fake API server [default: $KUBECONFIG or ./ako-sim.kubeconfig]",
        ),
        click.option("--k8s-url", help="the fake API server's URL (instead of a kubeconfig)"),
        click.option(
            "--avi-controller", envvar="CTRL_IPADDRESS", default=DEFAULT_AVI, show_default=True
        ),
        click.option("--avi-user", envvar="CTRL_USERNAME", default="admin", show_default=True),
        click.option("--avi-password", envvar="CTRL_PASSWORD", default="admin", show_default=True),
        click.option("--timeout", type=float, default=30.0, show_default=True, help="seconds"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group("snapshot")
def snapshot() -> None:
    """Save or replay a stack's exact state (cluster objects + controller) as one YAML file."""


@snapshot.command("save")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@target_options
def save_command(
    file: Path,
    kubeconfig: str | None,
    k8s_url: str | None,
    avi_controller: str,
    avi_user: str,
    avi_password: str,
    timeout: float,
) -> None:
    """Write the cluster's objects and the controller's state to FILE."""
    try:
        targets = _targets(
            kubeconfig, k8s_url, avi_controller, avi_user, avi_password, None, timeout
        )
        saved = snap.save(file, targets)
    except snap.SnapshotError as exc:
        raise click.ClickException(str(exc)) from None
    k8s_count, avi_count = snap.counts(saved)
    click.echo(f"saved {k8s_count} Kubernetes objects and {avi_count} Avi objects to {file}")


@snapshot.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@target_options
@click.option(
    "--engine",
    "engine_url",
    envvar="AKO_SIM_ENGINE",
    default=DEFAULT_ENGINE,
    show_default=True,
    help="the engine to resync and wait for [env AKO_SIM_ENGINE]",
)
@click.option("--no-engine", is_flag=True, help="only load the mocks; do not resync or wait")
def load_command(
    file: Path,
    kubeconfig: str | None,
    k8s_url: str | None,
    avi_controller: str,
    avi_user: str,
    avi_password: str,
    timeout: float,
    engine_url: str,
    no_engine: bool,
) -> None:
    """Replace the stack's state with FILE's, then let the engine reconcile from there."""

    def progress(line: str) -> None:
        click.echo(line, err=True)

    try:
        document = snap.loads(file.read_text(encoding="utf-8"))
        targets = _targets(
            kubeconfig,
            k8s_url,
            avi_controller,
            avi_user,
            avi_password,
            None if no_engine else engine_url,
            timeout,
        )
        snap.load(document, targets, progress)
    except snap.SnapshotError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from None
    k8s_count, avi_count = snap.counts(document)
    click.echo(f"loaded {k8s_count} Kubernetes objects and {avi_count} Avi objects from {file}")
