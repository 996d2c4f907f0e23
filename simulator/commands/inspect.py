"""``ako-sim get svc`` and ``ako-sim topology``: the kubectl table and the VS tree in a terminal.

Both read a running stack through a :mod:`simulator.commands.sources` source (the engine by
default, or the APIs directly with ``--kubeconfig``) and print what ``simulator.views`` builds.
"""

from __future__ import annotations

import json
from typing import Any

import click

from simulator.commands.sources import DirectSource, EngineSource, Source, SourceError
from simulator.domain.model import Settings
from simulator.views.services import render_table
from simulator.views.topology import build_topology, render_text

DEFAULT_ENGINE = "http://127.0.0.1:8080"
SERVICE_NAMES = ("svc", "service", "services")


def engine_option(func: Any) -> Any:
    return click.option(
        "--engine",
        "engine_url",
        envvar="AKO_SIM_ENGINE",
        default=DEFAULT_ENGINE,
        show_default=True,
        help="the engine endpoint to read from [env AKO_SIM_ENGINE]",
    )(func)


def choose_source(
    engine_url: str,
    kubeconfig: str | None,
    avi_controller: str | None = None,
    avi_user: str = "admin",
    avi_password: str = "admin",
    cluster_name: str = "cluster",
) -> Source:
    if kubeconfig:
        return DirectSource(kubeconfig, avi_controller, avi_user, avi_password, cluster_name)
    return EngineSource(engine_url)


@click.command("get")
@click.argument("resource", type=click.Choice(SERVICE_NAMES, case_sensitive=False))
@click.option("-n", "--namespace", default=None, help="the namespace (default: default)")
@click.option("-A", "--all-namespaces", is_flag=True, help="every namespace")
@click.option("-o", "--output", type=click.Choice(["wide"]), help="-o wide adds SELECTOR")
@engine_option
@click.option(
    "--kubeconfig",
    type=click.Path(exists=True, dir_okay=False),
    help="read the API server of this kubeconfig instead of the engine",
)
def get(
    resource: str,
    namespace: str | None,
    all_namespaces: bool,
    output: str | None,
    engine_url: str,
    kubeconfig: str | None,
) -> None:
    """Print Services as `kubectl get svc` does (no kubectl needed).

    RESOURCE is svc (or service, services).
    """
    if namespace and all_namespaces:
        raise click.UsageError("give either -n NAMESPACE or -A, not both")
    try:
        inputs = choose_source(engine_url, kubeconfig).read(avi=False)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    chosen = None if all_namespaces else (namespace or "default")
    text = render_table(inputs.services, inputs.now, namespace=chosen, wide=output == "wide")
    if text.startswith("No resources found"):
        click.echo(text, nl=False, err=True)
    else:
        click.echo(text, nl=False)


@click.command("topology")
@click.option("--json", "as_json", is_flag=True, help="print the tree as JSON")
@engine_option
@click.option(
    "--kubeconfig",
    type=click.Path(exists=True, dir_okay=False),
    help="read the API server and --avi-controller directly instead of the engine",
)
@click.option("--avi-controller", envvar="CTRL_IPADDRESS", help="[env CTRL_IPADDRESS]")
@click.option("--avi-user", envvar="CTRL_USERNAME", default="admin", show_default=True)
@click.option("--avi-password", envvar="CTRL_PASSWORD", default="admin", show_default=True)
@click.option("--cluster-name", envvar="CLUSTER_NAME", default="cluster", show_default=True)
def topology(
    as_json: bool,
    engine_url: str,
    kubeconfig: str | None,
    avi_controller: str | None,
    avi_user: str,
    avi_password: str,
    cluster_name: str,
) -> None:
    """Print the controller's topology: VS -> VIP -> ports -> L4 rules -> pools -> servers.

    Shared VIPs say how many Services they serve; misconfigured shared-VIP groups are flagged.
    """
    source = choose_source(
        engine_url, kubeconfig, avi_controller, avi_user, avi_password, cluster_name
    )
    try:
        inputs = source.read(avi=True)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    tree = build_topology(inputs.avi, inputs.services, Settings(cluster_name=inputs.cluster))
    if as_json:
        click.echo(json.dumps(tree, indent=2, sort_keys=True))
    else:
        click.echo(render_text(tree), nl=False)
