"""Helpers shared by the tests and the BDD steps (waiting, servers, kubectl)."""
