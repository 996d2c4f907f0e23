"""The engine plug: which controller runs against the mocks (``--engine sim`` or ``--engine ako``).

One module per engine says how to start it, what it needs in the cluster, how to tell it is
ready and settled, and how to stop it: :mod:`simulator.engines.sim` (ako-sim's own engine, in
this process) and :mod:`simulator.engines.ako` (the real AKO binary a user brings, as a child
process). :func:`build_engine` is the one place that chooses; the stack, the CLI, the tests and
the benchmarks call it and then only use :class:`EngineHandle` (the endpoint URL and the
lifecycle), never an engine's insides.

It must not import the mocks: an engine reaches them over HTTP only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # only named in annotations: the CLI imports this module for every command
    from simulator.config import EngineConfig

ENGINES = ("sim", "ako")


class EngineHandle(Protocol):
    """What the stack and its users may rely on, whatever the engine."""

    @property
    def url(self) -> str: ...

    @property
    def port(self) -> int: ...

    def start(self) -> None: ...

    def stop(self, timeout: float = 5.0) -> None: ...

    def ready(self) -> bool: ...

    def settled(self) -> bool: ...

    def wait_settled(self, timeout: float = 10.0, interval: float = 0.01) -> bool: ...

    def state(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class AkoOptions:
    """How to run the real AKO (``--ako-binary``, ``--ako-log``, ``--settle-quiet-ms``)."""

    binary: str
    log_file: Path = Path("ako.log")
    settle_quiet_ms: int = 500
    #: no StatefulSet: AKO then runs leader election on Leases
    leader_election: bool = False
    #: seconds AKO may take from exec to "listening" (its start-up sync)
    start_timeout: float = 60.0
    #: ConfigMap ``avi-k8s-config`` logLevel
    log_level: str = "INFO"


@dataclass(frozen=True)
class EngineChoice:
    """Which engine a stack runs: ``kind`` is ``sim`` or ``ako`` (then ``ako`` is required)."""

    kind: str = "sim"
    ako: AkoOptions | None = None

    def __post_init__(self) -> None:
        if self.kind not in ENGINES:
            raise ValueError(f"unknown engine {self.kind!r} (choose {' or '.join(ENGINES)})")
        if self.kind == "ako" and self.ako is None:
            raise ValueError("--engine ako needs --ako-binary PATH (or AKO_BINARY)")

    @property
    def needs_tls(self) -> bool:
        """AKO speaks only HTTPS to the controller."""
        return self.kind == "ako"


def build_engine(
    config: EngineConfig,
    choice: EngineChoice | None = None,
    *,
    kube: Any = None,
    avi: Any = None,
) -> EngineHandle:
    """A not yet started engine of the chosen kind, configured by ``config``; ``kube``/``avi``
    replace ako-sim's own engine's clients (fakes in tests; the AKO binary brings its own)."""
    choice = choice or EngineChoice()
    if choice.kind == "ako":
        from simulator.engines.ako import AkoEngine

        assert choice.ako is not None
        if kube is not None or avi is not None:
            raise ValueError("the real AKO talks to the cluster and controller itself")
        return AkoEngine(config, choice.ako)
    from simulator.engines.sim import build_sim_engine

    return build_sim_engine(config, kube=kube, avi=avi)
