"""Value types of the pure domain: settings, views of Kubernetes objects, keys, results.

Every type here is a frozen dataclass. Views are parsed from the raw JSON dicts the Kubernetes API
returns (``from_k8s``); parsing never raises: a field of the wrong type is treated as absent.
This module must not do any I/O and imports only the standard library.

Names kept from the engine brief, with one rename: the per-Service warning type is
``ServiceWarning`` (``Warning`` would shadow the builtin); ``Warning`` is kept as an alias.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from simulator.domain.keys import Key as Key  # re-exported: its home is keys.py
from simulator.domain.reasons import REASON_MISCONFIGURED

# --- constants shared with the engine -------------------------------------------------------

SHARED_VIP_ANNOTATION = "ako.vmware.com/enable-shared-vip"
LB_IP_ANNOTATION = "ako.vmware.com/load-balancer-ip"
INFRA_ANNOTATION = "aviinfrasetting.ako.vmware.com/name"
L4RULE_ANNOTATION = "ako.vmware.com/l4rule"
AVI_LB_CLASS = "ako.vmware.com/avi-lb"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
ENTERPRISE_TIERS = frozenset({"ENTERPRISE", "ENTERPRISE_WITH_CLOUD_SERVICES"})


EMPTY_MAP: Mapping[str, str] = MappingProxyType({})


def _empty_map() -> Mapping[str, str]:
    return EMPTY_MAP


# --- tolerant accessors for raw JSON --------------------------------------------------------


def _map(value: Any) -> Mapping[str, Any]:
    # a dict first: the ABC check of isinstance(value, Mapping) costs several times more
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _opt_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str_tuple(value: Any) -> tuple[str, ...]:
    return tuple(v for v in _list(value) if isinstance(v, str))


def _str_map(value: Any) -> Mapping[str, str]:
    raw = _map(value)
    return MappingProxyType(
        {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}
    )


def _protocol(value: Any) -> str:
    text = _str(value).strip().upper()
    return text or "TCP"


# --- settings ------------------------------------------------------------------------------


def setting(default: Any, env: str, help: str = "", *, flag: bool = False) -> Any:
    """A field of :class:`Settings` that users set, with its environment variable (AKO's name),
    help text and whether ``ako-sim engine`` has a ``--<field-name>`` flag for it. This is plain
    data: ``simulator.config`` reads it to parse the environment and to make the flag; the domain
    only reads the value."""
    return field(default=default, metadata={"env": env, "help": help, "flag": flag})


@dataclass(frozen=True)
class Settings:
    """The engine settings the domain needs (behaviour.md section 1). A setting the domain reads
    is one field here (``simulator.config.EngineConfig`` inherits it, with its variable and
    flag); the parts only the engine reads are declared in ``simulator.config``."""

    cluster_name: str = setting("cluster", "CLUSTER_NAME", flag=True)
    cloud: str = setting("Default-Cloud", "CLOUD_NAME")
    tenant: str = setting("admin", "TENANT_NAME")
    se_group: str = setting("Default-Group", "SEG_NAME")
    vrf: str = setting("global", "VRF_NAME")
    vip_networks: tuple[str, ...] = setting(("vip-network",), "VIP_NETWORK_LIST")
    service_type: str = setting(  # "ClusterIP" | "NodePort"
        "ClusterIP", "SERVICE_TYPE", "ClusterIP or NodePort", flag=True
    )
    default_lb_controller: bool = setting(True, "DEFAULT_LB_CONTROLLER")
    enable_evh: bool = setting(False, "ENABLE_EVH")
    #: what the controller reports at start (not a user setting: no variable, no flag)
    license_tier: str = "ENTERPRISE"

    @property
    def name_prefix(self) -> str:
        return f"{self.cluster_name}--"

    @property
    def created_by(self) -> str:
        return f"ako-{self.cluster_name}"


# --- Kubernetes views ----------------------------------------------------------------------


@dataclass(frozen=True)
class ServicePort:
    name: str
    port: int
    protocol: str = "TCP"
    target_port: int | str = 0
    node_port: int | None = None


@dataclass(frozen=True)
class ServiceView:
    """What the domain reads from a Service."""

    namespace: str
    name: str
    uid: str = ""
    creation_timestamp: str = ""
    type: str = "ClusterIP"
    annotations: Mapping[str, str] = field(default_factory=_empty_map, hash=False)
    load_balancer_class: str | None = None
    load_balancer_ip: str = ""
    ports: tuple[ServicePort, ...] = ()
    selector: Mapping[str, str] = field(default_factory=_empty_map, hash=False)
    deleting: bool = False
    external_traffic_policy: str = "Cluster"

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> ServiceView:
        obj = _map(obj)
        meta = _map(obj.get("metadata"))
        spec = _map(obj.get("spec"))
        ports: list[ServicePort] = []
        for raw in _list(spec.get("ports")):
            p = _map(raw)
            number = _int(p.get("port"))
            if number is None:
                continue
            target = p.get("targetPort")
            target_port: int | str = (
                target if isinstance(target, str) and target else (_int(target) or number)
            )
            ports.append(
                ServicePort(
                    name=_str(p.get("name")),
                    port=number,
                    protocol=_protocol(p.get("protocol")),
                    target_port=target_port,
                    node_port=_int(p.get("nodePort")),
                )
            )
        return cls(
            namespace=_str(meta.get("namespace")),
            name=_str(meta.get("name")),
            uid=_str(meta.get("uid")),
            creation_timestamp=_str(meta.get("creationTimestamp")),
            type=_str(spec.get("type"), "ClusterIP") or "ClusterIP",
            annotations=_str_map(meta.get("annotations")),
            load_balancer_class=_opt_str(spec.get("loadBalancerClass")),
            load_balancer_ip=_str(spec.get("loadBalancerIP")).strip(),
            ports=tuple(ports),
            selector=_str_map(spec.get("selector")),
            deleting=meta.get("deletionTimestamp") not in (None, ""),
            external_traffic_policy=_str(spec.get("externalTrafficPolicy"), "Cluster") or "Cluster",
        )

    @property
    def ref(self) -> str:
        """``<namespace>/<name>``, as AKO names Services in its logs."""
        return f"{self.namespace}/{self.name}"

    @property
    def order(self) -> tuple[str, str]:
        """Join order: creationTimestamp, then name (behaviour.md sections 3 and 6)."""
        return (self.creation_timestamp, self.name)

    @property
    def is_load_balancer(self) -> bool:
        return self.type == "LoadBalancer"

    @property
    def shared_vip_value(self) -> str | None:
        """The shared-VIP annotation value, or None when absent or blank."""
        value = self.annotations.get(SHARED_VIP_ANNOTATION)
        return value if value is not None and value.strip() else None

    @property
    def preferred_ip(self) -> str | None:
        """``spec.loadBalancerIP`` if set, else the load-balancer-ip annotation (section 4)."""
        if self.load_balancer_ip:
            return self.load_balancer_ip
        value = self.annotations.get(LB_IP_ANNOTATION, "").strip()
        return value or None

    @property
    def infra_setting_name(self) -> str | None:
        value = self.annotations.get(INFRA_ANNOTATION, "").strip()
        return value or None

    @property
    def l4rule_ref(self) -> tuple[str, str] | None:
        """The L4Rule annotation as (namespace, name); ``<name>`` means the Service's namespace."""
        value = self.annotations.get(L4RULE_ANNOTATION, "").strip()
        if not value:
            return None
        if "/" in value:
            ns, _, name = value.partition("/")
            return (ns, name)
        return (self.namespace, value)

    @property
    def class_is_ours_or_unset(self) -> bool:
        return self.load_balancer_class in (None, AVI_LB_CLASS)


@dataclass(frozen=True)
class EndpointPort:
    name: str
    port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class Endpoint:
    addresses: tuple[str, ...]
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node_name: str = ""


@dataclass(frozen=True)
class EndpointSliceView:
    namespace: str
    name: str
    service_name: str
    ports: tuple[EndpointPort, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> EndpointSliceView:
        obj = _map(obj)
        meta = _map(obj.get("metadata"))
        labels = _map(meta.get("labels"))
        ports: list[EndpointPort] = []
        for raw in _list(obj.get("ports")):
            p = _map(raw)
            number = _int(p.get("port"))
            if number is None:
                continue
            ports.append(EndpointPort(_str(p.get("name")), number, _protocol(p.get("protocol"))))
        endpoints: list[Endpoint] = []
        for raw in _list(obj.get("endpoints")):
            e = _map(raw)
            cond = _map(e.get("conditions"))
            ready = _bool(cond.get("ready"), True)  # nil means ready (discovery.k8s.io/v1)
            endpoints.append(
                Endpoint(
                    addresses=_str_tuple(e.get("addresses")),
                    ready=ready,
                    serving=_bool(cond.get("serving"), ready),
                    terminating=_bool(cond.get("terminating"), False),
                    node_name=_str(e.get("nodeName")),
                )
            )
        return cls(
            namespace=_str(meta.get("namespace")),
            name=_str(meta.get("name")),
            service_name=_str(labels.get(SERVICE_NAME_LABEL)),
            ports=tuple(ports),
            endpoints=tuple(endpoints),
        )


@dataclass(frozen=True)
class NodeView:
    name: str
    internal_ip: str | None = None

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> NodeView:
        obj = _map(obj)
        meta = _map(obj.get("metadata"))
        internal: str | None = None
        for raw in _list(_map(obj.get("status")).get("addresses")):
            a = _map(raw)
            if a.get("type") == "InternalIP" and _opt_str(a.get("address")):
                internal = _str(a.get("address")).strip()
                break
        return cls(name=_str(meta.get("name")), internal_ip=internal)


@dataclass(frozen=True)
class NodeNetwork:
    name: str
    cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class InfraSettingView:
    """An AviInfraSetting (ako.vmware.com/v1beta1, cluster-scoped)."""

    name: str
    accepted: bool = False
    se_group: str | None = None
    vip_networks: tuple[str, ...] = ()
    node_networks: tuple[NodeNetwork, ...] = ()
    enable_rhi: bool | None = None
    bgp_peer_labels: tuple[str, ...] = ()

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> InfraSettingView:
        obj = _map(obj)
        meta = _map(obj.get("metadata"))
        spec = _map(obj.get("spec"))
        network = _map(spec.get("network"))
        vip_networks = tuple(
            name
            for name in (
                _opt_str(_map(n).get("networkName")) for n in _list(network.get("vipNetworks"))
            )
            if name
        )
        node_networks: list[NodeNetwork] = []
        for raw in _list(network.get("nodeNetworks")):
            n = _map(raw)
            name = _opt_str(n.get("networkName"))
            if name:
                node_networks.append(NodeNetwork(name, _str_tuple(n.get("cidrs"))))
        return cls(
            name=_str(meta.get("name")),
            accepted=_map(obj.get("status")).get("status") == "Accepted",
            se_group=_opt_str(_map(spec.get("seGroup")).get("name")),
            vip_networks=vip_networks,
            node_networks=tuple(node_networks),
            enable_rhi=_opt_bool(network.get("enableRhi")),
            bgp_peer_labels=_str_tuple(network.get("bgpPeerLabels")),
        )


@dataclass(frozen=True)
class ListenerProperty:
    port: int
    protocol: str = "TCP"
    enable_ssl: bool = False


@dataclass(frozen=True)
class BackendProperty:
    port: int
    protocol: str = "TCP"
    lb_algorithm: str | None = None
    health_monitor_refs: tuple[str, ...] | None = None
    enabled: bool | None = None
    min_servers_up: int | None = None


@dataclass(frozen=True)
class PerformanceLimits:
    max_concurrent_connections: int | None = None
    max_throughput: int | None = None


@dataclass(frozen=True)
class L4RuleView:
    """An L4Rule (ako.vmware.com/v1alpha2, namespaced); refs are Avi object names."""

    namespace: str
    name: str
    accepted: bool = False
    application_profile_ref: str | None = None
    network_profile_ref: str | None = None
    analytics_profile_ref: str | None = None
    performance_limits: PerformanceLimits | None = None
    load_balancer_ip: str | None = None
    listener_properties: tuple[ListenerProperty, ...] = ()
    backend_properties: tuple[BackendProperty, ...] = ()

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> L4RuleView:
        obj = _map(obj)
        meta = _map(obj.get("metadata"))
        spec = _map(obj.get("spec"))
        limits_raw = spec.get("performanceLimits")
        limits: PerformanceLimits | None = None
        if isinstance(limits_raw, Mapping):
            limits = PerformanceLimits(
                _int(limits_raw.get("maxConcurrentConnections")),
                _int(limits_raw.get("maxThroughput")),
            )
        listeners: list[ListenerProperty] = []
        for raw in _list(spec.get("listenerProperties")):
            lp = _map(raw)
            number = _int(lp.get("port"))
            if number is not None:
                listeners.append(
                    ListenerProperty(
                        number, _protocol(lp.get("protocol")), _bool(lp.get("enableSsl"), False)
                    )
                )
        backends: list[BackendProperty] = []
        for raw in _list(spec.get("backendProperties")):
            bp = _map(raw)
            number = _int(bp.get("port"))
            if number is None:
                continue
            hms = bp.get("healthMonitorRefs")
            backends.append(
                BackendProperty(
                    port=number,
                    protocol=_protocol(bp.get("protocol")),
                    lb_algorithm=_opt_str(bp.get("lbAlgorithm")),
                    health_monitor_refs=_str_tuple(hms) if isinstance(hms, list) else None,
                    enabled=_opt_bool(bp.get("enabled")),
                    min_servers_up=_int(bp.get("minServersUp")),
                )
            )
        lb_ip = _opt_str(spec.get("loadBalancerIP"))
        return cls(
            namespace=_str(meta.get("namespace")),
            name=_str(meta.get("name")),
            accepted=_map(obj.get("status")).get("status") == "Accepted",
            application_profile_ref=_opt_str(spec.get("applicationProfileRef")),
            network_profile_ref=_opt_str(spec.get("networkProfileRef")),
            analytics_profile_ref=_opt_str(spec.get("analyticsProfileRef")),
            performance_limits=limits,
            load_balancer_ip=lb_ip.strip() if lb_ip else None,
            listener_properties=tuple(listeners),
            backend_properties=tuple(backends),
        )

    @property
    def enables_ssl(self) -> bool:
        return any(lp.enable_ssl for lp in self.listener_properties)


# --- keys ----------------------------------------------------------------------------------


# ``Key`` (a group key) lives with the other queue key kinds in ``simulator.domain.keys``.


# --- resolution results --------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    """A Service of the group left out of the VS (e.g. a port/protocol conflict, section 6)."""

    service: ServiceView
    reason: str
    message: str


@dataclass(frozen=True)
class ServiceWarning:
    """A Warning Event to record on one Service."""

    service: ServiceView
    reason: str
    message: str


Warning = ServiceWarning  # the name used by the engine brief


@dataclass(frozen=True)
class Misconfiguration:
    """Why a whole group is not configured (section 5).

    ``log`` is the ERROR line in AKO's words; ``message`` goes into each member's Warning Event
    (reason ``reason``) and its ``VipAssigned=False`` condition; ``kind`` is a short tag for
    metrics (preferred-ip, invalid-ip, infra-setting, l4rule, lb-class, l4rule-ssl).
    """

    kind: str
    log: str
    message: str
    reason: str = REASON_MISCONFIGURED


@dataclass(frozen=True)
class Resolution:
    """What a key should look like now.

    ``members``: the Services configured in the VS, in join order. ``candidates``: every Service
    that claims the key (members, excluded ones and, when misconfigured, all of them). Empty
    ``members`` and no misconfiguration means nothing is desired for the key.
    """

    key: Key
    members: tuple[ServiceView, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    misconfiguration: Misconfiguration | None = None
    preferred_ip: str | None = None
    infra: InfraSettingView | None = None
    l4rule: L4RuleView | None = None
    warnings: tuple[ServiceWarning, ...] = ()
    candidates: tuple[ServiceView, ...] = ()


# --- Avi objects ---------------------------------------------------------------------------

AviType = Literal["vsvip", "pool", "l4policyset", "virtualservice"]


@dataclass(frozen=True)
class AviObject:
    """One Avi object to POST/PUT: ``payload`` is the exact JSON body (refs as name queries)."""

    type: str
    name: str
    payload: Mapping[str, Any] = field(hash=False)


@dataclass(frozen=True)
class DesiredState:
    key: Key
    vsvip: AviObject
    pools: tuple[AviObject, ...]
    l4policyset: AviObject
    virtualservice: AviObject
    member_names: tuple[str, ...]  # Service names (namespace = key.namespace), join order


@dataclass(frozen=True)
class ObservedState:
    """What the controller holds for one key (GET bodies, refs as URLs with ``#name``)."""

    vsvip: Mapping[str, Any] | None = field(default=None, hash=False)
    pools: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    l4policyset: Mapping[str, Any] | None = field(default=None, hash=False)
    virtualservice: Mapping[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class Operation:
    """One controller call: ``uuid`` for update/delete, ``payload`` for create/update."""

    action: Literal["create", "update", "delete"]
    type: str
    name: str
    payload: Mapping[str, Any] | None = field(default=None, hash=False)
    uuid: str | None = None


def sorted_services(services: Sequence[ServiceView]) -> tuple[ServiceView, ...]:
    """Services in join order: creationTimestamp, then name."""
    return tuple(sorted(services, key=lambda s: s.order))
