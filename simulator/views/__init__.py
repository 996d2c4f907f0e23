"""Pure view builders: kubectl-style Service rows and the controller topology.

Everything here turns raw Kubernetes and Avi dicts into plain, JSON-ready data or text. No I/O,
no HTTP, no clock of its own (callers pass ``now``); the dashboard and the CLI share it.
"""
