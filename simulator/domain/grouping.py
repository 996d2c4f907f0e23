"""Which Services make up a key, and whether the key may be configured (behaviour.md 2-6).

``keys_for_service`` maps one Service to the key it belongs to now; ``resolve`` takes every
Service of the key's namespace and returns the configured members, excluded members
(port/protocol conflicts, pool names too long), a whole-group misconfiguration, the preferred IP,
the AviInfraSetting / L4Rule that applies, and Warning Events. Pure: no I/O, no clock.

Decisions beyond the contract: checks run in the order lbClass, invalid IP, distinct IPs,
AviInfraSetting, L4Rule, L4Rule SSL and the first failure is reported; the preferred IP comes
from configured members only (an excluded member does not pick the VIP); for a dedicated Service
the precedence is AKO's (spec, annotation, then L4Rule).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence

from simulator.domain import naming
from simulator.domain.keys import Key
from simulator.domain.model import (
    AVI_LB_CLASS,
    INFRA_ANNOTATION,
    L4RULE_ANNOTATION,
    SHARED_VIP_ANNOTATION,
    Exclusion,
    InfraSettingView,
    L4RuleView,
    Misconfiguration,
    Resolution,
    ServiceView,
    ServiceWarning,
    Settings,
    sorted_services,
)
from simulator.domain.reasons import (
    REASON_IGNORED,
    REASON_INFRA_NOT_USED,
    REASON_L4RULE_NOT_USED,
    REASON_NAME_CONFLICT,
    REASON_NAME_TOO_LONG,
    REASON_PORT_CONFLICT,
)

_CONFLICT_SUFFIX = "is not consistent with Services grouped using shared-vip annotation."
LOG_IP_CONFLICT = "Service loadBalancerIP " + _CONFLICT_SUFFIX
LOG_INFRA_CONFLICT = "Service AviInfraSetting annotation value " + _CONFLICT_SUFFIX
LOG_L4RULE_CONFLICT = "L4Rule annotation value " + _CONFLICT_SUFFIX


def _is_ours(svc: ServiceView, settings: Settings) -> bool:
    if svc.load_balancer_class is None:
        return settings.default_lb_controller
    return svc.load_balancer_class == AVI_LB_CLASS


def keys_for_service(svc: ServiceView, settings: Settings) -> tuple[Key, ...]:
    """The key ``svc`` belongs to now (zero or one key).

    Shared ``ns/<value>`` when it is a LoadBalancer with a non-blank shared-VIP annotation (any
    loadBalancerClass: a foreign class still joins, so the group gets flagged, section 5);
    dedicated ``ns/<svc>`` when it is a LoadBalancer without the annotation and ours by class
    (``ako.vmware.com/avi-lb``, or unset with the default LB controller); nothing otherwise or
    while it is being deleted.
    """
    if svc.deleting or not svc.is_load_balancer or not svc.namespace or not svc.name:
        return ()
    value = svc.shared_vip_value
    if value is not None:
        return (Key(svc.namespace, value, True),)
    if _is_ours(svc, settings):
        return (Key(svc.namespace, svc.name, False),)
    return ()


def ignored_annotation_warning(svc: ServiceView) -> ServiceWarning | None:
    """Warning ``SharedVipIgnored`` for the annotation on a Service that is not a LoadBalancer."""
    if svc.is_load_balancer or svc.deleting or svc.shared_vip_value is None:
        return None
    return ServiceWarning(
        svc,
        REASON_IGNORED,
        f"Annotation {SHARED_VIP_ANNOTATION}={svc.shared_vip_value} is ignored: "
        f"Service {svc.ref} is of type {svc.type}, not LoadBalancer",
    )


def _claims(svc: ServiceView, key: Key, settings: Settings) -> bool:
    """``keys_for_service(svc) == (key,)``, cheaply (resolve calls it for a whole namespace)."""
    if svc.namespace != key.namespace or svc.type != "LoadBalancer" or svc.deleting:
        return False
    raw = svc.annotations.get(SHARED_VIP_ANNOTATION)
    if key.shared:
        return raw == key.name and bool(raw.strip())
    return (raw is None or not raw.strip()) and svc.name == key.name and _is_ours(svc, settings)


def services_by_key(
    services: Iterable[ServiceView], settings: Settings
) -> dict[Key, tuple[ServiceView, ...]]:
    """Index Services by the key they belong to now (one pass; for narrowing ``resolve``)."""
    index: dict[Key, list[ServiceView]] = {}
    for svc in services:
        for key in keys_for_service(svc, settings):
            index.setdefault(key, []).append(svc)
    return {key: tuple(found) for key, found in index.items()}


def relevant_services(
    index: Mapping[Key, Sequence[ServiceView]], key: Key
) -> tuple[ServiceView, ...]:
    """The Services ``resolve(key, ...)`` needs: those of ``key`` and of ``twin(key)``."""
    return (*index.get(key, ()), *index.get(twin(key), ()))


def twin(key: Key) -> Key:
    """The other kind of key with the same Avi names (a group named like a dedicated Service)."""
    return Key(key.namespace, key.name, not key.shared)


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _misconfigured(
    key: Key, candidates: Sequence[ServiceView], l4rules: Mapping[tuple[str, str], L4RuleView]
) -> Misconfiguration | None:
    """The first group-wide misconfiguration of a shared group (section 5), or None."""
    group = f"{key.namespace}/{key.name}"
    for svc in candidates:
        if not svc.class_is_ours_or_unset:
            return Misconfiguration(
                "lb-class",
                f"Service {svc.ref} has loadBalancerClass {svc.load_balancer_class}, which is not "
                f"{AVI_LB_CLASS}; shared-vip group {group} is not configured",
                f"Service {svc.ref} has foreign loadBalancerClass {svc.load_balancer_class}",
            )
    for svc in candidates:
        ip = svc.preferred_ip
        if ip is not None and not _valid_ip(ip):
            return Misconfiguration(
                "invalid-ip",
                f"Service {svc.ref} preferred IP {ip} is not a valid IP address; "
                f"shared-vip group {group} is not configured",
                f"preferred IP {ip!r} of Service {svc.ref} is not an IP address",
            )
    with_ip = [s for s in candidates if s.preferred_ip is not None]
    if with_ip:
        ref = with_ip[0]
        ref_ip = ipaddress.ip_address(ref.preferred_ip or "")
        other = next(
            (s for s in with_ip if ipaddress.ip_address(s.preferred_ip or "") != ref_ip), None
        )
        if other is not None:
            pairs = ", ".join(f"{s.ref}: {s.preferred_ip}" for s in with_ip)
            return Misconfiguration(
                "preferred-ip",
                f"{LOG_IP_CONFLICT} Conflict found for Services "
                f"[{ref.ref}: {ref.preferred_ip} {other.ref}: {other.preferred_ip}]",
                f"Services of shared-vip group {group} request different preferred IPs: {pairs}",
            )
    first = candidates[0]
    for svc in candidates[1:]:
        if svc.infra_setting_name != first.infra_setting_name:
            return Misconfiguration(
                "infra-setting",
                f"{LOG_INFRA_CONFLICT} Conflict found for Services "
                f"[{svc.ref}: {svc.infra_setting_name or ''} "
                f"{first.ref}: {first.infra_setting_name or ''}]",
                f"Services of shared-vip group {group} differ in {INFRA_ANNOTATION}: "
                f"{first.ref}={first.infra_setting_name or '<none>'}, "
                f"{svc.ref}={svc.infra_setting_name or '<none>'}",
            )
    for svc in candidates[1:]:
        if svc.l4rule_ref != first.l4rule_ref:
            return Misconfiguration(
                "l4rule",
                f"{LOG_L4RULE_CONFLICT} Conflict found for Services "
                f"[{svc.ref}: {svc.annotations.get(L4RULE_ANNOTATION, '')} "
                f"{first.ref}: {first.annotations.get(L4RULE_ANNOTATION, '')}]",
                f"Services of shared-vip group {group} differ in {L4RULE_ANNOTATION}: "
                f"{first.ref}={first.annotations.get(L4RULE_ANNOTATION) or '<none>'}, "
                f"{svc.ref}={svc.annotations.get(L4RULE_ANNOTATION) or '<none>'}",
            )
    if len(candidates) > 1 and first.l4rule_ref is not None:
        rule = l4rules.get(first.l4rule_ref)
        if rule is not None and rule.enables_ssl:
            names = " ".join(s.ref for s in candidates)
            return Misconfiguration(
                "l4rule-ssl",
                f"L4Rule {rule.namespace}/{rule.name} enables SSL and cannot be used by Services "
                f"sharing a VIP: Conflict found for Services [{names}]",
                f"L4Rule {rule.namespace}/{rule.name} enables SSL but is shared by "
                f"{len(candidates)} Services of shared-vip group {group}",
            )
    return None


def _port_conflicts(
    key: Key, members: Sequence[ServiceView]
) -> tuple[list[ServiceView], list[Exclusion]]:
    """Leave out later joiners that reuse a (port, protocol) an earlier member holds (section 6)."""
    holders: dict[tuple[int, str], ServiceView] = {}
    kept: list[ServiceView] = []
    excluded: list[Exclusion] = []
    for svc in members:
        clash = next(
            ((p.port, p.protocol) for p in svc.ports if (p.port, p.protocol) in holders), None
        )
        if clash is not None:
            holder = holders[clash]
            excluded.append(
                Exclusion(
                    svc,
                    REASON_PORT_CONFLICT,
                    f"Port {clash[0]}/{clash[1]} of Service {svc.ref} is already used by Service "
                    f"{holder.ref} in shared-vip group {key.namespace}/{key.name}; "
                    f"{svc.ref} is left out of the virtual service",
                )
            )
            continue
        for p in svc.ports:
            holders[(p.port, p.protocol)] = svc
        kept.append(svc)
    return kept, excluded


def _long_pool_names(
    key: Key, members: Sequence[ServiceView], settings: Settings
) -> tuple[list[ServiceView], list[Exclusion]]:
    kept: list[ServiceView] = []
    excluded: list[Exclusion] = []
    for svc in members:
        long_names = [
            name
            for name in (
                naming.pool_name(key, svc.name, p.protocol, p.port, settings) for p in svc.ports
            )
            if naming.too_long(name)
        ]
        if long_names:
            excluded.append(
                Exclusion(
                    svc,
                    REASON_NAME_TOO_LONG,
                    f"Pool name {long_names[0]} is longer than {naming.MAX_NAME_LENGTH} "
                    f"characters; Service {svc.ref} is not configured",
                )
            )
        else:
            kept.append(svc)
    return kept, excluded


def _name_conflict_winner(
    key: Key,
    candidates: Sequence[ServiceView],
    namespace_services: Sequence[ServiceView],
    settings: Settings,
) -> ServiceView | None:
    """The older claimant of this key's VS name under the other kind of key, if it wins."""
    other = twin(key)
    rivals = sorted_services([s for s in namespace_services if _claims(s, other, settings)])
    if not rivals:
        return None
    if rivals[0].order < candidates[0].order:
        return rivals[0]
    return None


def _infra_for(
    first: ServiceView, infra: Mapping[str, InfraSettingView], members: Sequence[ServiceView]
) -> tuple[InfraSettingView | None, list[ServiceWarning]]:
    name = first.infra_setting_name
    if name is None:
        return None, []
    setting = infra.get(name)
    if setting is not None and setting.accepted:
        return setting, []
    why = "does not exist" if setting is None else "is not Accepted"
    return None, [
        ServiceWarning(
            s,
            REASON_INFRA_NOT_USED,
            f"AviInfraSetting {name} {why}; Service {s.ref} uses the default settings",
        )
        for s in members
    ]


def _l4rule_for(
    first: ServiceView,
    l4rules: Mapping[tuple[str, str], L4RuleView],
    members: Sequence[ServiceView],
) -> tuple[L4RuleView | None, list[ServiceWarning]]:
    ref = first.l4rule_ref
    if ref is None:
        return None, []
    rule = l4rules.get(ref)
    if rule is not None and rule.accepted:
        return rule, []
    why = "does not exist" if rule is None else "is not Accepted"
    return None, [
        ServiceWarning(
            s,
            REASON_L4RULE_NOT_USED,
            f"L4Rule {ref[0]}/{ref[1]} {why}; Service {s.ref} uses the default properties",
        )
        for s in members
    ]


def resolve(
    key: Key,
    services_in_namespace: Sequence[ServiceView],
    infra: Mapping[str, InfraSettingView],
    l4rules: Mapping[tuple[str, str], L4RuleView],
    settings: Settings,
) -> Resolution:
    """Decide what ``key`` should look like, from every Service of its namespace.

    Services of other namespaces in ``services_in_namespace`` are ignored. The result's
    ``members`` are the Services to configure in join order (creationTimestamp, then name).
    Cost is linear in ``services_in_namespace``: a caller that indexes Services by key may pass
    only those whose key is ``key`` or ``twin(key)`` (needed for the NameConflict rule), e.g.
    ``relevant_services(services_by_key(all_services, settings), key)``; the result is the same.
    """
    candidates = sorted_services([s for s in services_in_namespace if _claims(s, key, settings)])
    if not candidates:
        return Resolution(key)

    if key.shared:
        misconfig = _misconfigured(key, candidates, l4rules)
    else:
        misconfig = _dedicated_misconfigured(candidates[0])
    if misconfig is not None:
        return Resolution(key, misconfiguration=misconfig, candidates=candidates)

    vs = naming.vs_name(key, settings)
    if naming.too_long(vs):
        warnings = tuple(
            ServiceWarning(
                s,
                REASON_NAME_TOO_LONG,
                f"Virtual service name {vs} is longer than {naming.MAX_NAME_LENGTH} characters; "
                f"Service {s.ref} is not configured",
            )
            for s in candidates
        )
        return Resolution(key, warnings=warnings, candidates=candidates)

    winner = _name_conflict_winner(key, candidates, services_in_namespace, settings)
    if winner is not None:
        what = "dedicated Service" if key.shared else "shared-vip group of Service"
        warnings = tuple(
            ServiceWarning(
                s,
                REASON_NAME_CONFLICT,
                f"Virtual service name {vs} is already used by the older {what} {winner.ref}; "
                f"Service {s.ref} is not configured",
            )
            for s in candidates
        )
        return Resolution(key, warnings=warnings, candidates=candidates)

    members, excluded = _port_conflicts(key, candidates)
    members, too_long = _long_pool_names(key, members, settings)
    excluded += too_long
    if not members:
        return Resolution(key, excluded=tuple(excluded), candidates=candidates)

    first = members[0]
    infra_setting, infra_warnings = _infra_for(first, infra, members)
    rule, rule_warnings = _l4rule_for(first, l4rules, members)

    member_ip = next((s.preferred_ip for s in members if s.preferred_ip is not None), None)
    rule_ip = rule.load_balancer_ip if rule is not None else None
    if rule is not None and rule_ip is not None and not _valid_ip(rule_ip):
        return Resolution(
            key,
            misconfiguration=Misconfiguration(
                "invalid-ip",
                f"L4Rule {rule.namespace}/{rule.name} loadBalancerIP {rule_ip} is not a valid "
                f"IP address; {key} is not configured",
                f"loadBalancerIP {rule_ip!r} of L4Rule {rule.namespace}/{rule.name} "
                "is not an IP address",
            ),
            candidates=candidates,
        )
    # shared: an L4Rule's IP overrides the members' (section 4); dedicated: AKO's precedence.
    preferred = (rule_ip or member_ip) if key.shared else (member_ip or rule_ip)
    if preferred is not None:
        preferred = str(ipaddress.ip_address(preferred))

    return Resolution(
        key,
        members=tuple(members),
        excluded=tuple(excluded),
        preferred_ip=preferred,
        infra=infra_setting,
        l4rule=rule,
        warnings=tuple(infra_warnings + rule_warnings),
        candidates=candidates,
    )


def _dedicated_misconfigured(svc: ServiceView) -> Misconfiguration | None:
    ip = svc.preferred_ip
    if ip is not None and not _valid_ip(ip):
        return Misconfiguration(
            "invalid-ip",
            f"Service {svc.ref} preferred IP {ip} is not a valid IP address; "
            "the virtual service is not configured",
            f"preferred IP {ip!r} of Service {svc.ref} is not an IP address",
        )
    return None
