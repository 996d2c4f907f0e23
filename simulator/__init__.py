"""ako-sim: the reconciliation engine for AKO's shared VIP and the ``ako-sim`` command.

Talks to Kubernetes and the Avi controller only over HTTP, with the same clients it would use
against a real cluster and a real controller.
"""

__version__ = "0.1.0"
