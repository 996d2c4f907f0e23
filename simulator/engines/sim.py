"""ako-sim's own engine as a plug: it runs in this process, needs nothing in the cluster beyond
what ``behaviour.md`` reads, is ready when its informers have synced and its start-up bootstrap
is done, and settled when its queue is idle and its watches have caught up.

It must not import the mocks (the engine reaches them over HTTP only).
"""

from __future__ import annotations

from simulator.config import EngineConfig
from simulator.engine.controller import Engine


def build_sim_engine(config: EngineConfig) -> Engine:
    """A not yet started :class:`Engine` with its own Kubernetes and Avi clients."""
    return Engine(config)
