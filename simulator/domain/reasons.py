"""Event and condition reasons: the one home of every reason the engine writes on a Service.

A reason is the ``reason`` of a core/v1 Event and of the ``ako.vmware.com/VipAssigned``
condition. The domain decides which reason applies (``grouping``, ``status``); the engine writes
it; the views read it back (``FLAGGED``, ``PARTIAL``: how a group's state is shown). Adding a
reason: a constant here, and the line that decides it (``grouping`` or ``status``); a reason that
marks a whole group as not configured also goes into ``FLAGGED``. Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Event types (core/v1 Event ``type``).
NORMAL = "Normal"
WARNING = "Warning"

# Normal Events of a configured member (behaviour.md section 8).
REASON_SYNCED = "Synced"  # also the reason of VipAssigned=True
REASON_REMOVED = "Removed"
REASON_VIP_CHANGED = "VipChanged"

# Warnings (behaviour.md sections 3-7 and 10): Event and VipAssigned=False reasons.
REASON_MISCONFIGURED = "SharedVipMisconfigured"
REASON_PORT_CONFLICT = "SharedVipPortConflict"
REASON_IGNORED = "SharedVipIgnored"
REASON_NAME_TOO_LONG = "NameTooLong"
REASON_NAME_CONFLICT = "NameConflict"
REASON_INFRA_NOT_USED = "AviInfraSettingNotApplied"
REASON_L4RULE_NOT_USED = "L4RuleNotApplied"
REASON_VIP_ALLOCATION_FAILED = "VipAllocationFailed"

#: Reasons that leave a whole group without a VS, with the state a view shows for it.
FLAGGED: Mapping[str, str] = MappingProxyType(
    {
        REASON_MISCONFIGURED: "misconfigured",
        REASON_VIP_ALLOCATION_FAILED: "vip-allocation-failed",
        REASON_NAME_CONFLICT: "name-conflict",
        REASON_NAME_TOO_LONG: "name-too-long",
    }
)

#: Reasons that leave some members of a configured group out, with the state a view shows.
PARTIAL: Mapping[str, str] = MappingProxyType({REASON_PORT_CONFLICT: "port-conflict"})
