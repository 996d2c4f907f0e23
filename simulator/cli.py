"""The ``ako-sim`` command line: the composition root that wires the engine and the mocks.

This module (with ``simulator.stack``) is the only place allowed to import ``mock_avi`` and
``mock_k8s``; the engine itself (``simulator.domain``, ``simulator.engine``,
``simulator.adapters``) reaches them only over HTTP.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from simulator import gc_policy
from simulator.commands import LazyGroup, register
from simulator.domain.service_types import SERVICE_TYPES
from simulator.engines import ENGINES, AkoOptions, EngineChoice

if TYPE_CHECKING:  # simulator.config brings the domain model: imported where it is used
    from simulator.config import EngineConfig

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str) -> None:
    """AKO-style log lines on stderr; the chatty libraries only at WARNING."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, stream=sys.stderr)
    for noisy in ("werkzeug", "urllib3", "kubernetes", "avi.sdk"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    logging.getLogger("avi.sdk").setLevel(logging.CRITICAL)


def engine_config(flags: dict[str, Any]) -> EngineConfig:
    """Flags (None = not given) over the AKO-style environment; errors as click.BadParameter."""
    from simulator.config import ConfigError, build_config

    try:
        return build_config(flags)
    except ConfigError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.setting) from None


def _shown_default(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def config_options(func: Any) -> Any:
    """One ``--<name>`` option per :class:`~simulator.config.EngineConfig` field that has a flag,
    generated from its metadata (help, default, environment variable). Every option defaults to
    ``None`` (not given), so the environment and then the field's default apply."""
    from simulator.config import settings_of

    for name, meta, default in reversed(settings_of()):
        if not meta.flag:
            continue
        shown = "" if default is None or meta.secret else _shown_default(default)
        notes = "; ".join(
            part for part in (f"default {shown}" if shown else "", f"env {meta.env}") if part
        )
        func = click.option(
            "--" + name.replace("_", "-"),
            name,
            type=click.Path(dir_okay=False) if meta.path else None,
            help=f"{meta.help} [{notes}]".strip(),
        )(func)
    return func


def _config_params() -> list[click.Parameter]:
    """The options :func:`config_options` adds, in the order a command lists them."""

    def target() -> None: ...

    config_options(target)
    return list(reversed(getattr(target, "__click_params__", [])))


class DeferredOptions(click.Command):
    """A command whose first options are made when first asked for (its help, its parsing):
    ``ako-sim engine``'s come from :class:`~simulator.config.EngineConfig`, whose module
    brings the domain model, which ``ako-sim mock-avi`` and ``mock-k8s`` never use."""

    def __init__(
        self, *args: Any, deferred: Callable[[], list[click.Parameter]], **kwargs: Any
    ) -> None:
        self._deferred: Callable[[], list[click.Parameter]] | None = deferred
        self._params: list[click.Parameter] = []
        super().__init__(*args, **kwargs)

    @property
    def params(self) -> list[click.Parameter]:
        deferred, self._deferred = self._deferred, None
        if deferred is not None:
            self._params[:0] = deferred()
        return self._params

    @params.setter
    def params(self, value: list[click.Parameter]) -> None:
        self._params = value


def engine_options(func: Any) -> Any:
    """``--engine``, ``--ako-binary``, ``--ako-log``, ``--settle-quiet-ms``, ``--avi-tls`` and
    ``--ako-leader-election`` (``ako-sim up`` and the commands that start a stack)."""
    options = [
        click.option(
            "--engine",
            "engine_kind",
            type=click.Choice(ENGINES),
            default="sim",
            show_default=True,
            help="ako-sim's own engine, or the real AKO binary (--ako-binary)",
        ),
        click.option(
            "--ako-binary",
            envvar="AKO_BINARY",
            type=click.Path(dir_okay=False),
            help="the AKO controller binary for --engine ako [env AKO_BINARY]",
        ),
        click.option(
            "--ako-log",
            default="./ako.log",
            show_default=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="where AKO's output goes (appended)",
        ),
        click.option(
            "--settle-quiet-ms",
            default=500,
            show_default=True,
            type=click.IntRange(0, 600_000),
            help="--engine ako: settled once neither mock answered a write for this long",
        ),
        click.option(
            "--ako-leader-election",
            is_flag=True,
            help="--engine ako: create no StatefulSet, so AKO runs leader election on Leases",
        ),
        click.option("--avi-tls", is_flag=True, help="serve mock-avi over HTTPS (always with AKO)"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def engine_choice(
    engine_kind: str = "sim",
    ako_binary: str | None = None,
    ako_log: Path = Path("./ako.log"),
    settle_quiet_ms: int = 500,
    ako_leader_election: bool = False,
    avi_tls: bool = False,
) -> EngineChoice:
    """The engine the flags choose; a missing or unusable AKO binary is a usage error."""
    if engine_kind != "ako":
        return EngineChoice("sim")
    if not ako_binary:
        raise click.UsageError("--engine ako needs --ako-binary PATH (or AKO_BINARY)")
    from simulator.engines.ako_setup import AkoSetupError, check_binary

    try:
        binary = check_binary(ako_binary)
    except AkoSetupError as exc:
        raise click.BadParameter(str(exc), param_hint="--ako-binary") from None
    return EngineChoice(
        "ako",
        AkoOptions(
            binary=str(binary),
            log_file=ako_log,
            settle_quiet_ms=settle_quiet_ms,
            leader_election=ako_leader_election,
        ),
    )


def catch_shutdown() -> threading.Event:
    """Take Ctrl-C and SIGTERM from now on: they set the returned event. Called before a command
    starts its servers, so a SIGTERM sent as soon as one answers stops it cleanly (exit 0)."""
    stop = threading.Event()

    def _handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return stop


def wait_for_shutdown(stop: threading.Event) -> None:
    """Block until Ctrl-C or SIGTERM (caught by :func:`catch_shutdown`)."""
    while not stop.wait(0.5):
        pass


def use_avi_version(version: str, hint: str) -> None:
    """The mock controller's version for this process (mock_avi reads it from its environment
    variable when its server starts, embedded or alone); junk is a usage error."""
    import os

    from mock_avi.catalog import version_tuple
    from mock_avi.server import VERSION_ENV

    try:
        version_tuple(version)
    except ValueError:
        raise click.BadParameter(
            f"{version!r} is not a controller version (like 30.2.1)", param_hint=hint
        ) from None
    os.environ[VERSION_ENV] = version


@click.group(cls=LazyGroup)
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
@click.option(
    "--version",
    "avi_version",
    default="30.2.1",
    show_default=True,
    help="controller version: /api/initial-data reports it, X-Avi-Version is checked against it",
)
def mock_avi_command(
    host: str,
    port: int,
    user: str,
    password: str,
    seed_file: Path | None,
    tls: bool,
    avi_version: str,
) -> None:
    """Run the mock Avi controller alone."""
    from mock_avi.server import start_server

    use_avi_version(avi_version, "--version")
    gc_policy.install()
    stop = catch_shutdown()
    server = start_server(
        host=host, port=port, user=user, password=password, seed_file=seed_file, tls=tls
    )
    click.echo(f"mock-avi serving on {server.url}", err=False)
    try:
        wait_for_shutdown(stop)
    finally:
        server.stop()


@main.command("mock-k8s")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6443, show_default=True, type=int, help="0 = any free port")
@click.option("--kubeconfig", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--no-ako-crds", is_flag=True, help="Do not install the AKO CRDs")
@click.option(
    "--advertise-url",
    help="server URL written to the kubeconfig (e.g. http://mock-k8s:6443 in a container)",
)
@click.option("--k8s-version", default="1.31", show_default=True, help="what /version reports")
@click.option(
    "--kubernetes-service/--no-kubernetes-service",
    default=True,
    show_default=True,
    help="seed the default/kubernetes Service",
)
def mock_k8s_command(
    host: str,
    port: int,
    kubeconfig: Path | None,
    seed: int,
    no_ako_crds: bool,
    advertise_url: str | None,
    k8s_version: str,
    kubernetes_service: bool,
) -> None:
    """Run the fake Kubernetes API server alone."""
    from mock_k8s.server import start_server, write_kubeconfig

    gc_policy.install()
    stop = catch_shutdown()
    try:
        server = start_server(
            host=host,
            port=port,
            seed=seed,
            install_ako_crds=not no_ako_crds,
            k8s_version=k8s_version,
            kubernetes_service=kubernetes_service,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--k8s-version") from None
    click.echo(f"mock-k8s serving on {server.url}")
    if kubeconfig is not None:
        write_kubeconfig(kubeconfig, advertise_url or server.url)
        click.echo(f"export KUBECONFIG={kubeconfig.resolve()}")
    try:
        wait_for_shutdown(stop)
    finally:
        server.stop()


_LOG_LEVELS = click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False)


@main.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--k8s-port", default=6443, show_default=True, type=int, help="0 = any free port")
@click.option("--avi-port", default=8443, show_default=True, type=int, help="0 = any free port")
@click.option("--engine-port", default=8080, show_default=True, type=int, help="0 = any free port")
@click.option(
    "--kubeconfig",
    default="./ako-sim.kubeconfig",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option("--cluster-name", default="cluster", show_default=True)
@click.option(
    "--service-type",
    default="ClusterIP",
    show_default=True,
    type=click.Choice(SERVICE_TYPES, case_sensitive=False),
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--log-level", default="INFO", show_default=True, type=_LOG_LEVELS)
@click.option("--k8s-version", default="1.31", show_default=True, help="what /version reports")
@click.option(
    "--avi-version",
    default="30.2.1",
    show_default=True,
    help="the mock controller's version (/api/initial-data, X-Avi-Version checks)",
)
@engine_options
def up_command(
    host: str,
    k8s_port: int,
    avi_port: int,
    engine_port: int,
    kubeconfig: Path,
    cluster_name: str,
    service_type: str,
    seed: int,
    log_level: str,
    k8s_version: str,
    avi_version: str,
    **engine_flags: Any,
) -> None:
    """Start the fake API server, the mock Avi controller and the engine (ako-sim's own, or the
    real AKO with --engine ako --ako-binary PATH)."""
    import os

    from mock_k8s.app import K8S_VERSION_ENV
    from mock_k8s.discovery import version_info
    from simulator.engines.ako_setup import AkoSetupError
    from simulator.stack import start_stack

    try:
        version_info(k8s_version)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--k8s-version") from None
    os.environ[K8S_VERSION_ENV] = k8s_version  # read by the embedded mock_k8s app factory
    use_avi_version(avi_version, "--avi-version")

    choice = engine_choice(**engine_flags)
    setup_logging(log_level)
    if choice.kind == "ako":
        # AKO's own lines go to --ako-log; the terminal gets its errors only
        logging.getLogger("ako_sim.ako.log").setLevel(logging.ERROR)
    for name, port in (
        ("--k8s-port", k8s_port),
        ("--avi-port", avi_port),
        ("--engine-port", engine_port),
    ):
        if not 0 <= port <= 65535:
            raise click.BadParameter(f"not a TCP port: {port}", param_hint=name)
    overrides = engine_config({"cluster_name": cluster_name, "service_type": service_type})
    gc_policy.install()
    stop = catch_shutdown()
    try:
        stack = start_stack(
            host=host,
            k8s_port=k8s_port,
            avi_port=avi_port,
            engine_port=engine_port,
            kubeconfig=kubeconfig,
            cluster_name=overrides.cluster_name,
            service_type=overrides.service_type,
            seed=seed,
            engine=choice,
            avi_tls=bool(engine_flags.get("avi_tls")),
        )
    except AkoSetupError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot start: {exc}") from None
    try:
        engine = stack.engine
        click.echo(f"mock-k8s (Kubernetes API) serving on {stack.k8s_url}")
        click.echo(f"mock-avi (Avi controller) serving on {stack.avi_url}")
        if choice.kind == "ako" and choice.ako is not None:
            state = engine.state() if engine else {}
            click.echo(
                f"AKO {state.get('ako_version') or ''} running (pid {state.get('pid')}, "
                f"ready in {state.get('ready_after_s')}s), log {choice.ako.log_file}"
            )
        click.echo(f"engine ({choice.kind}) serving on {engine.url if engine else ''}")
        click.echo(f"export KUBECONFIG={stack.kubeconfig}")
        sys.stdout.flush()
        wait_for_shutdown(stop)
    finally:
        stack.stop()
        click.echo("stopped")


@main.command("engine", cls=DeferredOptions, deferred=_config_params)
@click.option("--log-level", default="INFO", show_default=True, type=_LOG_LEVELS)
@engine_options
def engine_command(
    log_level: str,
    engine_kind: str,
    ako_binary: str | None,
    ako_log: Path,
    settle_quiet_ms: int,
    ako_leader_election: bool,
    avi_tls: bool,
    **flags: Any,
) -> None:
    """Run the engine alone, against any API server and controller: ako-sim's own, or the real
    AKO (--engine ako --ako-binary PATH; it needs the controller over HTTPS)."""
    from simulator.engines import build_engine
    from simulator.engines.ako_setup import AkoSetupError

    choice = engine_choice(
        engine_kind, ako_binary, ako_log, settle_quiet_ms, ako_leader_election, avi_tls
    )
    config = engine_config(flags)
    setup_logging(log_level)
    if choice.kind == "ako":
        logging.getLogger("ako_sim.ako.log").setLevel(logging.ERROR)
    if config.kubeconfig is not None and not Path(config.kubeconfig).is_file():
        raise click.BadParameter(f"no such file: {config.kubeconfig}", param_hint="--kubeconfig")
    if choice.kind == "ako" and config.kubeconfig is None:
        raise click.BadParameter("--engine ako needs --kubeconfig", param_hint="--kubeconfig")
    gc_policy.install()
    stop = catch_shutdown()
    try:
        engine = build_engine(config, choice)
        engine.start()
    except AkoSetupError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot start the engine: {exc}") from None
    except Exception as exc:  # e.g. an unreadable kubeconfig
        raise click.ClickException(str(exc)) from None
    click.echo(f"engine serving on {engine.url}")
    sys.stdout.flush()
    try:
        wait_for_shutdown(stop)
    finally:
        engine.stop()


register(main)
