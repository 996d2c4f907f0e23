"""A thin adapter over the embedded stack (``simulator.stack.Stack``, started once per session
by ``steps.support.stack``): the URLs the drivers need and the engine's stop/start/restart.

The BDD steps only talk to the stack through this class, so a change in the stack's shape is
absorbed here.
"""

from __future__ import annotations

from typing import Any, Protocol


class StackLike(Protocol):
    """What the BDD suite needs from ``simulator.stack.Stack``."""

    def restart_engine(self, **overrides: Any) -> Any: ...


class StackControl:
    """URLs of the three parts and control of the engine."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack

    @property
    def k8s_url(self) -> str:
        return str(self.stack.k8s_url)

    @property
    def avi_url(self) -> str:
        return str(self.stack.avi_url)

    @property
    def engine_url(self) -> str:
        return str(self.stack.engine_url)

    @property
    def engine(self) -> Any:
        return self.stack.engine

    def restart_engine(self, **overrides: Any) -> None:
        """Stop the engine (if it runs) and start a fresh one, optionally with other settings
        (``service_type="NodePort"``)."""
        self.stack.restart_engine(**overrides)

    def stop_engine(self) -> None:
        self.stack.stop_engine()

    def start_engine(self) -> None:
        self.stack.start_engine()
