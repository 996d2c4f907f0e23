"""Allows ``python -m simulator`` as an alias of the ``ako-sim`` command."""

from simulator.cli import main

main()
