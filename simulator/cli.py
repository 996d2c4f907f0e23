"""The ``ako-sim`` command line: the composition root that wires the engine and the mocks.

This module (with ``simulator.stack``) is the only place allowed to import ``mock_avi`` and
``mock_k8s``; the engine itself (``simulator.domain``, ``simulator.engine``,
``simulator.adapters``) reaches them only over HTTP.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click


def wait_for_shutdown() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()

    def _handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    while not stop.wait(0.5):
        pass


@click.group()
@click.version_option(package_name="ako-sim")
def main() -> None:
    """ako-sim: simulate and test AKO's shared VIP across LoadBalancer Services."""


@main.command("mock-avi")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8443, show_default=True, type=int, help="0 = any free port")
@click.option("--user", default="admin", show_default=True)
@click.option("--password", default="admin", show_default=True)
@click.option("--seed-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tls", is_flag=True, help="Serve HTTPS with a self-signed certificate")
def mock_avi_command(
    host: str, port: int, user: str, password: str, seed_file: Path | None, tls: bool
) -> None:
    """Run the mock Avi controller alone."""
    from mock_avi.server import start_server

    server = start_server(
        host=host, port=port, user=user, password=password, seed_file=seed_file, tls=tls
    )
    click.echo(f"mock-avi serving on {server.url}", err=False)
    try:
        wait_for_shutdown()
    finally:
        server.stop()


@main.command("mock-k8s")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6443, show_default=True, type=int, help="0 = any free port")
@click.option("--kubeconfig", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--no-ako-crds", is_flag=True, help="Do not install the AKO CRDs")
def mock_k8s_command(
    host: str, port: int, kubeconfig: Path | None, seed: int, no_ako_crds: bool
) -> None:
    """Run the fake Kubernetes API server alone."""
    from mock_k8s.server import start_server, write_kubeconfig

    server = start_server(host=host, port=port, seed=seed, install_ako_crds=not no_ako_crds)
    click.echo(f"mock-k8s serving on {server.url}")
    if kubeconfig is not None:
        write_kubeconfig(kubeconfig, server.url)
        click.echo(f"export KUBECONFIG={kubeconfig.resolve()}")
    try:
        wait_for_shutdown()
    finally:
        server.stop()
