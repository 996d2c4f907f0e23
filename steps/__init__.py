"""Gherkin step definitions for the ako-sim BDD suite (``features/``).

Step modules stay thin: they translate a sentence into one call on a driver from
``steps.drivers`` and pass data between steps with ``target_fixture``, never through a shared
context dict. Nothing in the product imports this package.
"""
