"""Tests of the ``ako-sim`` command line as a user runs it."""
