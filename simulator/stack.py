"""The embedded stack: mock_k8s + mock_avi + an engine (``ako-sim up``, tests, benchmarks).

This module is the composition root: :func:`start_stack` (alias ``build_stack``) is what the CLI,
the tests and the benchmarks call; it and ``simulator.cli`` are the only places that import the
mocks. The engine is a plug (:mod:`simulator.engines`): ako-sim's own engine in this process or
the real AKO as a child process; the stack only starts, stops and restarts it through
:class:`~simulator.engines.EngineHandle` and never looks inside. The engine reaches the mocks
only over HTTP, through the kubeconfig written here and the controller URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.config import EngineConfig
from simulator.engines import EngineChoice, EngineHandle, build_engine

log = logging.getLogger("ako_sim.stack")


@dataclass
class Stack:
    """Three running parts and their URLs; the engine can be restarted on its own."""

    k8s: Any
    avi: Any
    kubeconfig: Path
    config: EngineConfig
    choice: EngineChoice = field(default_factory=EngineChoice)
    engine: EngineHandle | None = None
    _engine_port: int = field(default=0, repr=False)

    @property
    def k8s_url(self) -> str:
        return str(self.k8s.url)

    @property
    def avi_url(self) -> str:
        return str(self.avi.url)

    @property
    def engine_url(self) -> str:
        return self.engine.url if self.engine is not None else ""

    @property
    def engine_kind(self) -> str:
        return self.choice.kind

    def start_engine(self, **overrides: Any) -> EngineHandle:
        """Start an engine (if none runs) with the stack's settings, changed by ``overrides``."""
        if self.engine is not None:
            return self.engine
        config = self.config.with_overrides(**overrides) if overrides else self.config
        if config.port == 0 and self._engine_port:
            config = config.with_overrides(port=self._engine_port)  # keep the URL stable
        engine = build_engine(config, self.choice)
        try:
            engine.start()
        except OSError:
            if config.port == 0:
                raise
            engine = build_engine(config.with_overrides(port=0), self.choice)
            engine.start()
        self.engine = engine
        self._engine_port = engine.port
        return engine

    def stop_engine(self) -> None:
        if self.engine is not None:
            self.engine.stop()
            self.engine = None

    def restart_engine(self, **overrides: Any) -> EngineHandle:
        """Stop the running engine and start a fresh one (same URL when the port is free)."""
        self.stop_engine()
        return self.start_engine(**overrides)

    def stop(self) -> None:
        self.stop_engine()
        for part in (self.k8s, self.avi):
            try:
                part.stop()
            except Exception:  # pragma: no cover - best effort on shutdown
                log.debug("stopping %r failed", part, exc_info=True)


def start_stack(
    host: str = "127.0.0.1",
    k8s_port: int = 0,
    avi_port: int = 0,
    engine_port: int = 0,
    kubeconfig: Path | str = "ako-sim.kubeconfig",
    cluster_name: str = "cluster",
    service_type: str = "ClusterIP",
    seed: int = 0,
    *,
    start_engine: bool = True,
    engine_overrides: dict[str, Any] | None = None,
    engine: EngineChoice | None = None,
    avi_tls: bool = False,
) -> Stack:
    """Start mock_k8s (AKO CRDs installed), mock_avi (default seed) and an engine: ako-sim's
    own unless ``engine`` chooses AKO (mock_avi then serves HTTPS, as with ``avi_tls``)."""
    from mock_avi.server import start_server as start_avi
    from mock_k8s.server import start_server as start_k8s
    from mock_k8s.server import write_kubeconfig

    choice = engine or EngineChoice()
    kubeconfig_path = Path(kubeconfig)
    k8s = start_k8s(host=host, port=k8s_port, seed=seed, install_ako_crds=True)
    try:
        avi = start_avi(host=host, port=avi_port, tls=avi_tls or choice.needs_tls)
    except BaseException:
        k8s.stop()
        raise
    try:
        kubeconfig_path.parent.mkdir(parents=True, exist_ok=True)
        write_kubeconfig(kubeconfig_path, k8s.url)
        config = EngineConfig(
            cluster_name=cluster_name,
            service_type=service_type,
            avi_controller=avi.url,
            kubeconfig=str(kubeconfig_path.resolve()),
            host=host,
            port=engine_port,
        ).with_overrides(**(engine_overrides or {}))
        stack = Stack(
            k8s=k8s, avi=avi, kubeconfig=kubeconfig_path.resolve(), config=config, choice=choice
        )
        if start_engine:
            stack.start_engine()
    except BaseException:
        avi.stop()
        k8s.stop()
        raise
    return stack


#: the composition root under the name issue 14 gives it
build_stack = start_stack
