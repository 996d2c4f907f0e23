"""Everyday ``ako-sim`` commands: ``get svc``, ``topology`` (:mod:`.inspect`), ``snapshot
save|load`` (:mod:`.snapshot`), ``run FEATURE...`` (:mod:`.run`, the BDD kit) and ``node``
(:mod:`.nodes`).

Wiring: ``simulator.cli`` makes its group a :class:`LazyGroup` and calls :func:`register` once.
The command modules are imported only when their command runs (or a help lists them): they
bring requests, yaml and the views, which ``ako-sim mock-avi`` and ``mock-k8s`` never use. The
commands talk to a running stack over HTTP only (the engine's endpoint, the API server, the
controller); they never import the mocks.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

#: command name -> ``module:attribute`` of its click command
COMMANDS = {
    "get": "simulator.commands.inspect:get",
    "topology": "simulator.commands.inspect:topology",
    "snapshot": "simulator.commands.snapshot:snapshot",
    "run": "simulator.commands.run:run",
    "node": "simulator.commands.nodes:node",
}


class LazyGroup(click.Group):
    """A click group that imports some of its commands when one is first asked for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy.pop(cmd_name, None)
        if target is not None and cmd_name not in self.commands:
            module, _, attribute = target.partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


def register(main: LazyGroup) -> None:
    """Add ``get``, ``topology``, ``snapshot``, ``run`` and ``node`` to the ``ako-sim`` group
    (imported when used)."""
    main.lazy.update(COMMANDS)
