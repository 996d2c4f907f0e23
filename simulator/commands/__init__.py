"""Everyday ``ako-sim`` commands: ``get svc``, ``topology`` (:mod:`.inspect`), ``snapshot
save|load`` (:mod:`.snapshot`) and ``run FEATURE...`` (:mod:`.run`, the BDD kit).

Wiring: ``simulator.cli`` calls :func:`register` once. The commands talk to a running stack
over HTTP only (the engine's endpoint, the API server, the controller); they never import the
mocks.
"""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add ``get``, ``topology``, ``snapshot`` and ``run`` to the ``ako-sim`` command group."""
    from simulator.commands.inspect import get, topology
    from simulator.commands.run import run
    from simulator.commands.snapshot import snapshot

    main.add_command(get)
    main.add_command(topology)
    main.add_command(snapshot)
    main.add_command(run)
