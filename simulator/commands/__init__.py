"""Everyday ``ako-sim`` commands: ``get svc``, ``topology`` and ``snapshot save|load``.

Wiring: ``simulator.cli`` calls :func:`register` once. The commands talk to a running stack
over HTTP only (the engine's endpoint, the API server, the controller); they never import the
mocks.
"""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add ``get``, ``topology`` and ``snapshot`` to the ``ako-sim`` command group."""
    from simulator.commands.snapshot import snapshot
    from simulator.commands.views import get, topology

    main.add_command(get)
    main.add_command(topology)
    main.add_command(snapshot)
