"""Re-export of the helpers of :mod:`steps.support.stack` (the embedded stack's fixtures moved
into the BDD kit so that an installed ``ako-sim run`` has them; ``steps.plugin`` registers them).
New code imports from ``steps.support.stack``; this name keeps older imports working. It holds
no fixtures: registering it as a plugin as well would define each fixture twice.
"""

from steps.support.stack import (
    AKO_SKIP,
    AVI_AUTH,
    ako_binary_of,
    engine_kind_of,
    mock_post,
    reset_stack,
    wait_ready,
    wait_settled,
)

__all__ = [
    "AKO_SKIP",
    "AVI_AUTH",
    "ako_binary_of",
    "engine_kind_of",
    "mock_post",
    "reset_stack",
    "wait_ready",
    "wait_settled",
]
