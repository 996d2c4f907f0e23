"""Example budgets of the property-based tests and fuzzers: small in CI, larger on demand.

``AKO_SIM_FUZZ_EXAMPLES=N`` raises every budget to N examples (docs/reliability.md gives the
longer commands). ``settings_for(n)`` returns hypothesis settings for a budget: no deadline (the
2-core CI machine is slow and shared), no example database (nothing written to the checkout).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

ENV_VAR = "AKO_SIM_FUZZ_EXAMPLES"


def examples(ci_default: int) -> int:
    """The number of examples to run: ``ci_default`` unless the environment asks for more."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return ci_default
    try:
        wanted = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_VAR} must be an integer, got {raw!r}") from None
    return max(wanted, 1)


def extended() -> bool:
    """True when the longer budget was asked for (the environment variable is set)."""
    return bool(os.environ.get(ENV_VAR, "").strip())


def settings_for(ci_default: int, **extra: object) -> settings:
    return settings(
        max_examples=examples(ci_default),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
        **extra,  # type: ignore[arg-type]
    )
