"""``ako-sim node``: list the simulated cluster's nodes and mark one failing, recovered,
cordoned or uncordoned, through mock_k8s's control API (``/__mock__/nodes``).

A failing node is one whose kubelet stopped posting status: its Ready condition turns Unknown,
the node gets the ``node.kubernetes.io/unreachable`` NoSchedule taint, and its Pods turn
NotReady (so they leave the EndpointSlices' ready endpoints and the pools). The API server is
the one of ``--k8s-url``, else of the kubeconfig (``--kubeconfig``, ``$KUBECONFIG``,
``./ako-sim.kubeconfig``). Talks HTTP only; never imports the mocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import requests
import yaml

DEFAULT_KUBECONFIG = "./ako-sim.kubeconfig"


def server_of_kubeconfig(path: str) -> str:
    """The API server URL of the kubeconfig's current context."""
    try:
        config = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise click.ClickException(f"cannot read kubeconfig {path}: {exc}") from None
    if not isinstance(config, dict):
        raise click.ClickException(f"kubeconfig {path} is not a YAML mapping")
    contexts = {c.get("name"): c.get("context") or {} for c in config.get("contexts") or []}
    context = contexts.get(config.get("current-context")) or next(iter(contexts.values()), {})
    clusters = {c.get("name"): c.get("cluster") or {} for c in config.get("clusters") or []}
    cluster = clusters.get(context.get("cluster")) or next(iter(clusters.values()), {})
    server = cluster.get("server")
    if not isinstance(server, str) or not server:
        raise click.ClickException(f"kubeconfig {path} names no API server")
    return server.rstrip("/")


def _call(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    address = f"{url}/__mock__/{path}"
    try:
        response = requests.request(method, address, json=body, timeout=10, verify=False)
    except requests.RequestException as exc:
        raise click.ClickException(f"cannot reach the API server at {url}: {exc}") from None
    if response.status_code == 404 and path == "nodes":
        raise click.ClickException(
            f"{url} has no node control API: is it ako-sim's mock_k8s (ako-sim up / mock-k8s)?"
        )
    try:
        answer = response.json()
    except ValueError:
        answer = {"message": response.text[:300]}
    if response.status_code >= 400:
        message = answer.get("message", answer) if isinstance(answer, dict) else answer
        raise click.ClickException(f"{method} {address}: HTTP {response.status_code}: {message}")
    return answer


def format_nodes(nodes: list[dict[str, Any]]) -> str:
    header = ("NAME", "STATUS", "SCHEDULING", "PODS", "INTERNAL-IP", "POD-CIDR")
    rows = [header]
    for n in nodes:
        rows.append(
            (
                str(n.get("name", "")),
                "Ready" if n.get("ready") else "NotReady",
                "Disabled" if n.get("unschedulable") else "Enabled",
                str(n.get("pods", 0)),
                str(n.get("internalIP") or "<none>"),
                str(n.get("podCIDR") or "<none>"),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join(
        "   ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows
    )


@click.group("node")
@click.option("--k8s-url", default=None, help="mock_k8s's URL (default: from the kubeconfig)")
@click.option(
    "--kubeconfig",
    envvar="KUBECONFIG",
    default=DEFAULT_KUBECONFIG,
    show_default=True,
    help="the kubeconfig naming the API server [env KUBECONFIG]",
)
@click.pass_context
def node(ctx: click.Context, k8s_url: str | None, kubeconfig: str) -> None:
    """List the simulated nodes, or mark one failing/recovered/cordoned."""
    if ctx.resilient_parsing:
        return
    ctx.obj = k8s_url.rstrip("/") if k8s_url else None
    ctx.meta["ako_sim_kubeconfig"] = kubeconfig


def _url(ctx: click.Context) -> str:
    parent = ctx.find_object(str)
    if parent:
        return parent
    return server_of_kubeconfig(str(ctx.meta.get("ako_sim_kubeconfig", DEFAULT_KUBECONFIG)))


@node.command("list")
@click.pass_context
def list_nodes(ctx: click.Context) -> None:
    """Every node: readiness, cordon, Pods, InternalIP, podCIDR."""
    answer = _call(_url(ctx), "GET", "nodes")
    click.echo(format_nodes(list(answer.get("nodes") or [])))


def _mark(ctx: click.Context, name: str, body: dict[str, Any], said: str) -> None:
    answer = _call(_url(ctx), "POST", f"nodes/{name}", body)
    click.echo(f"node/{name} {said} ({answer.get('pods', 0)} Pods on it)")


@node.command("fail")
@click.argument("name")
@click.pass_context
def fail(ctx: click.Context, name: str) -> None:
    """The node's kubelet stops posting status: NotReady, its Pods NotReady."""
    _mark(ctx, name, {"ready": False}, "is NotReady")


@node.command("recover")
@click.argument("name")
@click.pass_context
def recover(ctx: click.Context, name: str) -> None:
    """The node's kubelet posts Ready again: its Pods become Ready again."""
    _mark(ctx, name, {"ready": True}, "is Ready")


@node.command("cordon")
@click.argument("name")
@click.pass_context
def cordon(ctx: click.Context, name: str) -> None:
    """No new Pods on the node (as kubectl cordon)."""
    _mark(ctx, name, {"unschedulable": True}, "cordoned")


@node.command("uncordon")
@click.argument("name")
@click.pass_context
def uncordon(ctx: click.Context, name: str) -> None:
    """New Pods may land on the node again."""
    _mark(ctx, name, {"unschedulable": False}, "uncordoned")
