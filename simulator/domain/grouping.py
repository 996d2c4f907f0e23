"""Which Services make up a key, and whether the key may be configured (behaviour.md 2-6).

``keys_for_service`` maps one Service to the key it belongs to now; ``resolve`` takes every
Service of the key's namespace and returns the configured members, excluded members
(port/protocol conflicts, names too long), a whole-group misconfiguration, the preferred IP, the
AviInfraSetting / L4Rule that applies, and Warning Events. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from simulator.domain.model import (
    InfraSettingView,
    Key,
    L4RuleView,
    Resolution,
    ServiceView,
    ServiceWarning,
    Settings,
)


def keys_for_service(svc: ServiceView, settings: Settings) -> tuple[Key, ...]:
    """The key ``svc`` belongs to now (zero or one key).

    Shared ``ns/<value>`` when it is a LoadBalancer with a non-blank shared-VIP annotation (any
    loadBalancerClass: a foreign class still joins, so the group gets flagged, section 5);
    dedicated ``ns/<svc>`` when it is a LoadBalancer without the annotation and ours by class
    (``ako.vmware.com/avi-lb``, or unset with the default LB controller); nothing otherwise or
    while it is being deleted.
    """
    raise NotImplementedError


def ignored_annotation_warning(svc: ServiceView) -> ServiceWarning | None:
    """Warning ``SharedVipIgnored`` for the annotation on a Service that is not a LoadBalancer."""
    raise NotImplementedError


def resolve(
    key: Key,
    services_in_namespace: Sequence[ServiceView],
    infra: Mapping[str, InfraSettingView],
    l4rules: Mapping[tuple[str, str], L4RuleView],
    settings: Settings,
) -> Resolution:
    """Decide what ``key`` should look like, from every Service of its namespace."""
    raise NotImplementedError
