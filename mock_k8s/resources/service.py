"""The Service strategy: defaults, validation, cluster IP / node port allocation and the
main/status split, after ``pkg/registry/core/service`` and ``pkg/apis/core/v1/defaults.go``.

- create clears status; an update keeps the old status; a status update keeps the old spec;
- leaving LoadBalancer drops the type-dependent fields and the load-balancer status;
- ingress IPs get ``ipMode: VIP``.
No HTTP and no storage here: the API layer calls these hooks under its lock.
"""

from __future__ import annotations

import re
from typing import Any

from mock_k8s.errors import (
    FieldError,
    duplicate_value,
    forbidden_field,
    invalid,
    invalid_value,
    required_value,
    unsupported_value,
)
from mock_k8s.registry import ResourceType
from mock_k8s.resources.allocation import NODE_PORT_MAX, NODE_PORT_MIN, Allocators
from mock_k8s.resources.common import DNS1123_SUBDOMAIN, Context, Strategy, is_ip
from mock_k8s.store import clone

TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
CONDITION_STATUSES = ["False", "True", "Unknown"]
REASON_RE = re.compile(r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
PORT_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def needs_node_ports(spec: dict[str, Any]) -> bool:
    t = spec.get("type")
    if t == "NodePort":
        return True
    return t == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True) is not False


def needs_hc_node_port(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _port_repr(p: dict[str, Any]) -> str:
    tp = p.get("targetPort")
    if isinstance(tp, int):
        tps = f'intstr.IntOrString{{Type:0, IntVal:{tp}, StrVal:""}}'
    else:
        tps = f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{tp}"}}'
    return (
        f'core.ServicePort{{Name:"{p.get("name", "")}", Protocol:"{p.get("protocol", "TCP")}", '
        f"AppProtocol:(*string)(nil), Port:{p.get('port')}, TargetPort:{tps}, "
        f"NodePort:{p.get('nodePort', 0)}}}"
    )


class ServiceStrategy(Strategy):
    name_style = "dns1035"

    def __init__(self, rt: ResourceType, alloc: Allocators) -> None:
        super().__init__(rt)
        self.alloc = alloc

    # ---- defaults --------------------------------------------------------------------------
    def _defaults(self, obj: dict[str, Any]) -> None:
        spec = obj.setdefault("spec", {})
        if not isinstance(spec, dict):
            return
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        ports = spec.get("ports")
        if isinstance(ports, list):
            for p in ports:
                if isinstance(p, dict):
                    p.setdefault("protocol", "TCP")
                    if p.get("targetPort") in (None, 0, ""):
                        p["targetPort"] = p.get("port")
        if spec["type"] != "ExternalName":
            spec.setdefault("internalTrafficPolicy", "Cluster")
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if spec["type"] == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        obj["status"] = {"loadBalancer": {}}
        self._defaults(obj)

    def prepare_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        new["status"] = old.get("status", {"loadBalancer": {}})
        self._defaults(new)
        spec, old_spec = new.get("spec"), old.get("spec", {})
        if not isinstance(spec, dict):
            return
        # patchAllocatedValues: keep what was allocated when the update leaves it empty
        if spec.get("type") != "ExternalName" and old_spec.get("type") != "ExternalName":
            if not spec.get("clusterIP") and old_spec.get("clusterIP"):
                spec["clusterIP"] = old_spec["clusterIP"]
            if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
                spec["clusterIPs"] = list(old_spec["clusterIPs"])
            for f in ("ipFamilies", "ipFamilyPolicy"):
                if f not in spec and f in old_spec:
                    spec[f] = old_spec[f]
        if needs_node_ports(spec) and needs_node_ports(old_spec):
            old_ports = [p for p in old_spec.get("ports", []) if isinstance(p, dict)]
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and not p.get("nodePort"):
                    match = next(
                        (
                            o
                            for o in old_ports
                            if o.get("port") == p.get("port")
                            and o.get("protocol", "TCP") == p.get("protocol", "TCP")
                        ),
                        None,
                    ) or next(
                        (o for o in old_ports if p.get("name") and o.get("name") == p.get("name")),
                        None,
                    )
                    if match and match.get("nodePort"):
                        p["nodePort"] = match["nodePort"]
        keep_hc = needs_hc_node_port(spec) and needs_hc_node_port(old_spec)
        if keep_hc and not spec.get("healthCheckNodePort") and old_spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]
        self._drop_type_dependent(new, old)

    def _drop_type_dependent(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        spec, old_spec = new["spec"], old.get("spec", {})
        if needs_node_ports(old_spec) and not needs_node_ports(spec):
            for p in spec.get("ports") or []:
                if isinstance(p, dict):
                    p.pop("nodePort", None)
        if not needs_hc_node_port(spec):
            spec.pop("healthCheckNodePort", None)
        if spec.get("type") not in ("NodePort", "LoadBalancer"):
            spec.pop("externalTrafficPolicy", None)
        if spec.get("type") != "LoadBalancer":
            spec.pop("loadBalancerClass", None)
            spec.pop("allocateLoadBalancerNodePorts", None)
            if old_spec.get("type") == "LoadBalancer":
                new["status"] = {"loadBalancer": {}}
        if spec.get("type") == "ExternalName":
            for f in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                spec.pop(f, None)
            spec.pop("internalTrafficPolicy", None)

    # ---- validation ------------------------------------------------------------------------
    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [required_value("spec")]
        errs: list[FieldError] = []
        stype = spec.get("type")
        if stype not in TYPES:
            errs.append(unsupported_value("spec.type", stype, TYPES))
        ports = spec.get("ports")
        if ports is None:
            ports = []
        if not isinstance(ports, list):
            return [*errs, invalid_value("spec.ports", str(ports), "must be a list")]
        if not ports and stype not in ("ExternalName",) and spec.get("clusterIP") != "None":
            errs.append(required_value("spec.ports"))
        errs += self._validate_ports(ports, stype, old)
        errs += _validate_addresses(spec, stype)
        errs += self._validate_cluster_ip(spec, stype, (old or {}).get("spec", {}))
        errs += _validate_policies(spec)
        return errs

    def _validate_ports(
        self, ports: list[Any], stype: Any, old: dict[str, Any] | None
    ) -> list[FieldError]:
        """Every entry of ``spec.ports``: name, port, protocol, targetPort, nodePort, and the
        duplicates between entries (names; port+protocol; nodePort+protocol)."""
        errs: list[FieldError] = []
        seen_names: set[str] = set()
        seen_ports: set[tuple[Any, Any]] = set()
        seen_node_ports: set[tuple[Any, Any]] = set()
        old_node_ports = self._node_ports_of(old)
        for i, p in enumerate(ports):
            path = f"spec.ports[{i}]"
            if not isinstance(p, dict):
                errs.append(invalid_value(path, str(p), "must be an object"))
                continue
            errs += _validate_port_name(path, p.get("name", ""), len(ports), seen_names)
            port = p.get("port")
            if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
                errs.append(
                    invalid_value(f"{path}.port", port, "must be between 1 and 65535, inclusive")
                )
            proto = p.get("protocol", "TCP")
            if not isinstance(proto, str) or proto not in PROTOCOLS:
                errs.append(unsupported_value(f"{path}.protocol", proto, PROTOCOLS))
            # Hashable stand-ins: a list or a map in these fields is reported above.
            hproto = proto if isinstance(proto, str) else repr(proto)
            key = (port if isinstance(port, int) else repr(port), hproto)
            if key in seen_ports:
                errs.append(
                    FieldError("FieldValueDuplicate", path, f"Duplicate value: {_port_repr(p)}")
                )
            seen_ports.add(key)
            errs += _validate_target_port(path, p.get("targetPort"))
            np = p.get("nodePort")
            if np not in (None, 0):
                errs += self._validate_node_port(
                    path, np, hproto, stype, seen_node_ports, old_node_ports
                )
                if isinstance(np, int):
                    seen_node_ports.add((np, hproto))
        return errs

    def _validate_node_port(
        self,
        path: str,
        np: Any,
        hproto: str,
        stype: Any,
        seen: set[tuple[Any, Any]],
        old_node_ports: Any,
    ) -> list[FieldError]:
        if stype not in ("NodePort", "LoadBalancer"):
            return [
                forbidden_field(f"{path}.nodePort", "may not be used when `type` is 'ClusterIP'")
            ]
        if not isinstance(np, int) or not NODE_PORT_MIN <= np <= NODE_PORT_MAX:
            return [
                invalid_value(
                    f"{path}.nodePort",
                    np,
                    "provided port is not in the valid range. The range of valid ports "
                    f"is {NODE_PORT_MIN}-{NODE_PORT_MAX}",
                )
            ]
        if (np, hproto) in seen:
            return [duplicate_value(f"{path}.nodePort", np)]
        if np in self.alloc.node_ports and np not in old_node_ports:
            return [invalid_value(f"{path}.nodePort", np, "provided port is already allocated")]
        return []

    def _validate_cluster_ip(
        self, spec: dict[str, Any], stype: Any, old_spec: dict[str, Any]
    ) -> list[FieldError]:
        """A given clusterIP: an IP, never changed once set, not held by another Service."""
        cip = spec.get("clusterIP")
        if cip in (None, "", "None") or stype == "ExternalName":
            return []
        if not is_ip(cip):
            return [invalid_value("spec.clusterIPs[0]", cip, IP_MESSAGE)]
        before = old_spec.get("clusterIP")
        if before not in (None, "") and before != cip:
            if old_spec.get("type") != "ExternalName":
                return [invalid_value("spec.clusterIPs[0]", cip, "may not change once set")]
            return []
        if cip in self.alloc.cluster_ips and before != cip:
            return [
                invalid_value(
                    "spec.clusterIPs",
                    [cip],
                    f"failed to allocate IP {cip}: provided IP is already allocated",
                )
            ]
        return []

    def validate_status(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any]
    ) -> list[FieldError]:
        errs: list[FieldError] = []
        status = obj.get("status") or {}
        if not isinstance(status, dict):
            return [invalid_value("status", str(status), "must be an object")]
        lb = status.get("loadBalancer") or {}
        ingress = lb.get("ingress") if isinstance(lb, dict) else None
        if ingress:
            if obj.get("spec", {}).get("type") != "LoadBalancer":
                errs.append(
                    forbidden_field(
                        "status.loadBalancer.ingress",
                        "may only be used when `spec.type` is 'LoadBalancer'",
                    )
                )
            if not isinstance(ingress, list):
                return [
                    *errs,
                    invalid_value("status.loadBalancer.ingress", str(ingress), "must be a list"),
                ]
            for i, ing in enumerate(ingress):
                path = f"status.loadBalancer.ingress[{i}]"
                if not isinstance(ing, dict):
                    errs.append(invalid_value(path, str(ing), "must be an object"))
                    continue
                ip = ing.get("ip")
                if ip not in (None, "") and not is_ip(ip):
                    errs.append(
                        invalid_value(
                            f"{path}.ip",
                            ip,
                            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                        )
                    )
                host = ing.get("hostname")
                if host not in (None, ""):
                    if is_ip(host):
                        errs.append(
                            invalid_value(
                                f"{path}.hostname", host, "must be a DNS name, not an IP address"
                            )
                        )
                    elif not isinstance(host, str) or not DNS1123_SUBDOMAIN.match(host):
                        errs.append(
                            invalid_value(f"{path}.hostname", host, "must be a valid DNS subdomain")
                        )
                mode = ing.get("ipMode")
                if mode is not None and mode not in ("VIP", "Proxy"):
                    errs.append(unsupported_value(f"{path}.ipMode", mode, ["Proxy", "VIP"]))
        errs.extend(validate_conditions(status.get("conditions"), "status.conditions"))
        return errs

    def prepare_status_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        super().prepare_status_update(ctx, new, old)
        status = new.get("status")
        if not isinstance(status, dict):
            new["status"] = {"loadBalancer": {}}
            return
        lb = status.get("loadBalancer")
        if not isinstance(lb, dict):
            status["loadBalancer"] = {}
            return
        for ing in lb.get("ingress") or []:
            if isinstance(ing, dict) and ing.get("ip") and "ipMode" not in ing:
                ing["ipMode"] = "VIP"

    # ---- allocation ------------------------------------------------------------------------
    @staticmethod
    def _node_ports_of(obj: dict[str, Any] | None) -> set[int]:
        if not obj:
            return set()
        spec = obj.get("spec", {})
        out = {p.get("nodePort") for p in spec.get("ports") or [] if isinstance(p, dict)}
        if spec.get("healthCheckNodePort"):
            out.add(spec["healthCheckNodePort"])
        return {p for p in out if isinstance(p, int) and p}

    def allocate(self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        spec = obj["spec"]
        if old is not None and spec is old.get("spec"):
            # a status write keeps the stored spec, the very object. Allocated already (as
            # every spec stored through a write is), it holds what allocating would fill in,
            # and what it holds is taken: nothing to do. Else what allocating fills in goes
            # into a copy: stored versions never change in place.
            if _allocated(obj["spec"]):
                return
            obj["spec"] = clone(spec)
        self._allocate(obj, old)

    def _allocate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        spec = obj["spec"]
        old_spec = (old or {}).get("spec", {})
        needed = 0
        if needs_node_ports(spec):
            needed += sum(1 for p in spec.get("ports") or [] if not p.get("nodePort"))
        if needs_hc_node_port(spec) and not spec.get("healthCheckNodePort"):
            needed += 1
        if needed > self.alloc.free_node_ports():
            raise invalid(
                "Service",
                str(obj["metadata"]["name"]),
                [
                    FieldError(
                        "InternalError",
                        "spec.ports[0].nodePort",
                        "Internal error: failed to allocate a nodePort: range is full",
                    )
                ],
            )
        if spec.get("type") != "ExternalName":
            cip = spec.get("clusterIP")
            if cip != "None":
                if not cip:
                    cip = self.alloc.cluster_ip()
                    spec["clusterIP"] = cip
                else:
                    self.alloc.cluster_ips.add(cip)
            if spec.get("clusterIPs") != [cip]:
                spec["clusterIPs"] = [cip]
            family = "IPv6" if cip and ":" in str(cip) else "IPv4"
            spec.setdefault("ipFamilies", [family])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
        old_cip = old_spec.get("clusterIP")
        if old_cip and old_cip not in ("None",) and old_cip != spec.get("clusterIP"):
            self.alloc.cluster_ips.discard(old_cip)
        if needs_node_ports(spec):
            for p in spec.get("ports") or []:
                if not p.get("nodePort"):
                    p["nodePort"] = self.alloc.node_port()
                else:
                    self.alloc.node_ports.add(p["nodePort"])
        if needs_hc_node_port(spec):
            if not spec.get("healthCheckNodePort"):
                spec["healthCheckNodePort"] = self.alloc.node_port()
            else:
                self.alloc.node_ports.add(spec["healthCheckNodePort"])
        for port in self._node_ports_of(old) - self._node_ports_of(obj):
            self.alloc.node_ports.discard(port)

    def released(self, ctx: Context, obj: dict[str, Any]) -> None:
        cip = obj.get("spec", {}).get("clusterIP")
        if cip and cip != "None":
            self.alloc.cluster_ips.discard(cip)
        for port in self._node_ports_of(obj):
            self.alloc.node_ports.discard(port)

    def restore(self, obj: dict[str, Any]) -> None:
        """Mark a loaded object's allocations as taken (state load)."""
        cip = obj.get("spec", {}).get("clusterIP")
        if cip and cip != "None":
            self.alloc.cluster_ips.add(cip)
        self.alloc.node_ports.update(self._node_ports_of(obj))


def _allocated(spec: dict[str, Any]) -> bool:
    """Would ``ServiceStrategy._allocate`` leave ``spec`` as it is (all it fills in there)?"""
    if spec.get("type") != "ExternalName":
        cip = spec.get("clusterIP")
        if not cip or spec.get("clusterIPs") != [cip]:
            return False
        if "ipFamilies" not in spec or "ipFamilyPolicy" not in spec:
            return False
    if needs_node_ports(spec) and not all(p.get("nodePort") for p in spec.get("ports") or []):
        return False
    return not needs_hc_node_port(spec) or bool(spec.get("healthCheckNodePort"))


def validate_conditions(conditions: Any, path: str) -> list[FieldError]:
    """metav1.Condition rules (type, status, reason, lastTransitionTime; unique types)."""
    if conditions is None:
        return []
    if not isinstance(conditions, list):
        return [invalid_value(path, str(conditions), "must be a list")]
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, c in enumerate(conditions):
        p = f"{path}[{i}]"
        if not isinstance(c, dict):
            errs.append(invalid_value(p, str(c), "must be an object"))
            continue
        ctype = c.get("type")
        if not ctype:
            errs.append(required_value(f"{p}.type"))
        elif ctype in seen:
            errs.append(duplicate_value(f"{p}.type", ctype))
        else:
            seen.add(str(ctype))
        if c.get("status") not in CONDITION_STATUSES:
            errs.append(unsupported_value(f"{p}.status", c.get("status"), CONDITION_STATUSES))
        if not c.get("lastTransitionTime"):
            errs.append(required_value(f"{p}.lastTransitionTime"))
        reason = c.get("reason")
        if not reason:
            errs.append(required_value(f"{p}.reason"))
        elif not isinstance(reason, str) or not REASON_RE.match(reason):
            errs.append(
                invalid_value(
                    f"{p}.reason",
                    reason,
                    "a condition reason must start with alphabetic character, optionally "
                    "followed by a string of alphanumeric characters or '_,:', and must end with "
                    "an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or "
                    "'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for "
                    "validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
                )
            )
        og = c.get("observedGeneration")
        if og is not None and (not isinstance(og, int) or og < 0):
            errs.append(
                invalid_value(
                    f"{p}.observedGeneration", og, "must be greater than or equal to zero"
                )
            )
    return errs


IP_MESSAGE = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
_RFC1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character"
)
_TARGET_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _validate_port_name(path: str, name: Any, count: int, seen: set[str]) -> list[FieldError]:
    """A port's name: required when there are several ports, a DNS label, unique."""
    errs: list[FieldError] = []
    if count > 1 and not name:
        errs.append(required_value(f"{path}.name"))
    elif name:
        if not isinstance(name, str) or not PORT_NAME_RE.match(name) or len(name) > 63:
            errs.append(invalid_value(f"{path}.name", name, _RFC1123_LABEL))
        elif name in seen:
            errs.append(duplicate_value(f"{path}.name", name))
        seen.add(str(name))
    return errs


def _validate_target_port(path: str, tp: Any) -> list[FieldError]:
    """A targetPort: a port number, or a port name of at most 15 characters."""
    if isinstance(tp, int) and not isinstance(tp, bool):
        if not 1 <= tp <= 65535:
            return [
                invalid_value(f"{path}.targetPort", tp, "must be between 1 and 65535, inclusive")
            ]
        return []
    if not isinstance(tp, str) or not _TARGET_PORT_NAME.match(tp) or len(tp) > 15:
        return [
            invalid_value(
                f"{path}.targetPort",
                tp,
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            )
        ]
    return []


def _validate_addresses(spec: dict[str, Any], stype: Any) -> list[FieldError]:
    """loadBalancerIP and externalIPs are IPs (a loadBalancerIP on another type is accepted and
    ignored, as the real server does); an ExternalName Service names its externalName."""
    errs: list[FieldError] = []
    lb_ip = spec.get("loadBalancerIP")
    if lb_ip not in (None, "") and not is_ip(lb_ip):
        errs.append(invalid_value("spec.loadBalancerIP", lb_ip, IP_MESSAGE))
    for i, ip in enumerate(spec.get("externalIPs") or []):
        if not is_ip(ip):
            errs.append(invalid_value(f"spec.externalIPs[{i}]", ip, IP_MESSAGE))
    if stype == "ExternalName" and not spec.get("externalName"):
        errs.append(required_value("spec.externalName"))
    return errs


_POLICIES = (
    ("sessionAffinity", ["ClientIP", "None"]),
    ("externalTrafficPolicy", ["Cluster", "Local"]),
    ("internalTrafficPolicy", ["Cluster", "Local"]),
)


def _validate_policies(spec: dict[str, Any]) -> list[FieldError]:
    """The enumerated policy fields, and a selector that is a map."""
    errs: list[FieldError] = []
    for f, allowed in _POLICIES:
        v = spec.get(f)
        if v is not None and v not in allowed:
            errs.append(unsupported_value(f"spec.{f}", v, allowed))
    sel = spec.get("selector")
    if sel is not None and not isinstance(sel, dict):
        errs.append(invalid_value("spec.selector", str(sel), "must be a map"))
    return errs
