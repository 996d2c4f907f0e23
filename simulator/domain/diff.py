"""Desired vs observed Avi objects -> the minimum ordered list of controller calls.

Compares only the fields the desired payload sets (recursively), with refs normalised to
(type, name) on both sides, so controller defaults and URL refs never cause an update.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.domain.model import DesiredState, Key, ObservedState, Operation, Settings


def plan(desired: DesiredState | None, observed: ObservedState) -> tuple[Operation, ...]:
    """Operations that turn ``observed`` into ``desired`` (None: delete all), in a safe order.

    Creates/updates: VsVip, pools, L4PolicySet, VS; then deletes: VS, L4PolicySet, pools, VsVip.
    A changed preferred IP re-creates the VsVip: delete VS, delete VsVip, create VsVip, create VS.
    ``observed`` must only hold objects owned by the key (see ``owned_key``).
    """
    raise NotImplementedError


def owned_key(obj: Mapping[str, Any], settings: Settings) -> Key | None:
    """The key an observed Avi object belongs to, from its markers, or None if not ours."""
    raise NotImplementedError
