"""Desired Avi objects for a resolved key: VsVip, pools, L4PolicySet, VS (behaviour.md 3, 9).

Payloads are the exact JSON bodies to POST/PUT, with refs as name queries like AKO sends them.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simulator.domain.model import (
    DesiredState,
    EndpointSliceView,
    NodeView,
    Resolution,
    Settings,
)


def build(
    resolution: Resolution,
    endpoint_slices: Sequence[EndpointSliceView],
    nodes: Sequence[NodeView],
    settings: Settings,
) -> DesiredState | None:
    """The objects that must exist for the key, or None when nothing must exist.

    ``endpoint_slices`` may hold slices of any Service of the namespace: they are matched to
    members by namespace and the ``kubernetes.io/service-name`` label.
    """
    raise NotImplementedError


def vip_of(vsvip_observed: Mapping[str, Any]) -> str | None:
    """The address the controller gave a VsVip (``vip[0].ip_address.addr``), if any."""
    raise NotImplementedError
