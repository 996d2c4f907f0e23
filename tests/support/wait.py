"""Re-export of :mod:`steps.support.wait` (``eventually``, ``consistently``): the helpers moved
into the BDD kit, which an installed ``ako-sim`` ships, so ``ako-sim run`` has them without a
checkout. New code imports them from ``steps.support.wait``; this name keeps older imports working.
"""

from steps.support.wait import consistently, eventually

__all__ = ["consistently", "eventually"]
