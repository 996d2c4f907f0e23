"""The object types the mock serves and their schemas: fields, required fields, defaults, refs.

Pure data over ``schema.py``: which Avi object types the mock serves, their model names (used in
error texts), whether they belong to a cloud, and what the controller fills in on create. The
behaviour types (VS, VsVip, pool, poolgroup, L4PolicySet) are completed from ``catalog.FIELDS`` and
drop unknown fields as the real controller does; every other type of ``catalog.TYPES`` is stored
as given (required fields checked). No I/O and no store access here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_avi import catalog
from mock_avi.schema import (
    ANY,
    BOOL,
    INT,
    INTS,
    NUM,
    REF,
    REFS,
    STR,
    STRS,
    Enum,
    ListOf,
    Obj,
)


@dataclass(frozen=True)
class TypeSpec:
    type: str
    model: str
    spec: Obj
    cloud_scoped: bool = False
    has_tenant: bool = True


# Field name -> object type it must point to (anything else: the type named in the ref itself).
REF_TARGETS: Mapping[str, str] = {
    "tenant_ref": "tenant",
    "cloud_ref": "cloud",
    "vrf_context_ref": "vrfcontext",
    "vrf_ref": "vrfcontext",
    "se_group_ref": "serviceenginegroup",
    "network_ref": "network",
    "nw_ref": "network",
    "usable_network_refs": "network",
    "ipam_provider_ref": "ipamdnsproviderprofile",
    "dns_provider_ref": "ipamdnsproviderprofile",
    "east_west_ipam_provider_ref": "ipamdnsproviderprofile",
    "east_west_dns_provider_ref": "ipamdnsproviderprofile",
    "network_profile_ref": "networkprofile",
    "override_network_profile_ref": "networkprofile",
    "application_profile_ref": "applicationprofile",
    "override_application_profile_ref": "applicationprofile",
    "health_monitor_refs": "healthmonitor",
    "analytics_profile_ref": "analyticsprofile",
    "ssl_key_and_certificate_refs": "sslkeyandcertificate",
    "ssl_key_and_certificate_ref": "sslkeyandcertificate",
    "ssl_profile_ref": "sslprofile",
    "pool_ref": "pool",
    "service_pool_ref": "pool",
    "pool_group_ref": "poolgroup",
    "service_pool_group_ref": "poolgroup",
    "vsvip_ref": "vsvip",
    "l4_policy_set_ref": "l4policyset",
    "vh_parent_vs_ref": "virtualservice",
}

MARKERS = ListOf(Obj({"key": STR, "values": STRS}, required=("key",)))
COMMON: dict[str, Any] = {
    "name": STR,
    "uuid": STR,
    "url": STR,
    "_last_modified": STR,
    "tenant_ref": REF,
    "description": STR,
    "created_by": STR,
    "markers": MARKERS,
    "configpb_attributes": ANY,
}
IP_TYPE = Enum(("V4", "V6", "DNS"))
IPADDR = Obj({"addr": STR, "type": IP_TYPE}, required=("addr",), defaults={"type": "V4"})
PREFIX = Obj({"ip_addr": IPADDR, "mask": INT}, required=("ip_addr", "mask"))
MATCH_CRITERIA = Enum(("IS_IN", "IS_NOT_IN"))
PROTOCOL_TYPES = Enum(
    (
        "PROTOCOL_TYPE_TCP_PROXY",
        "PROTOCOL_TYPE_TCP_FAST_PATH",
        "PROTOCOL_TYPE_UDP_FAST_PATH",
        "PROTOCOL_TYPE_UDP_PROXY",
        "PROTOCOL_TYPE_SCTP_PROXY",
        "PROTOCOL_TYPE_SCTP_FAST_PATH",
    )
)
LB_ALGORITHMS = Enum(
    tuple(
        "LB_ALGORITHM_" + a
        for a in (
            "LEAST_CONNECTIONS",
            "ROUND_ROBIN",
            "FASTEST_RESPONSE",
            "CONSISTENT_HASH",
            "LEAST_LOAD",
            "FEWEST_SERVERS",
            "RANDOM",
            "FEWEST_TASKS",
            "CORE_AFFINITY",
            "TOPOLOGY",
        )
    )
)


def _obj(
    fields: Mapping[str, Any],
    required: tuple[str, ...] = ("name",),
    strict: bool = False,
    defaults: Mapping[str, Any] | None = None,
) -> Obj:
    return Obj({**COMMON, **fields}, required=required, strict=strict, defaults=defaults or {})


_CLOUD = "/api/cloud?name=Default-Cloud"
_GLOBAL_VRF = "/api/vrfcontext?name=global"

SERVICE = Obj(
    {
        "port": INT,
        "port_range_end": INT,
        "enable_ssl": BOOL,
        "enable_http2": BOOL,
        "override_network_profile_ref": REF,
        "override_application_profile_ref": REF,
        "horizon_internal_ports": BOOL,
        "is_active_ftp_data_port": BOOL,
    },
    required=("port",),
    defaults={"enable_ssl": False, "enable_http2": False, "horizon_internal_ports": False},
)

VIRTUALSERVICE = _obj(
    {
        "cloud_ref": REF,
        "vsvip_ref": REF,
        "pool_ref": REF,
        "pool_group_ref": REF,
        "application_profile_ref": REF,
        "network_profile_ref": REF,
        "se_group_ref": REF,
        "vrf_context_ref": REF,
        "analytics_profile_ref": REF,
        "ssl_profile_ref": REF,
        "ssl_key_and_certificate_refs": REFS,
        "network_security_policy_ref": REF,
        "error_page_profile_ref": REF,
        "security_policy_ref": REF,
        "vh_parent_vs_ref": REF,
        "services": ListOf(SERVICE),
        "service_pool_select": ListOf(
            Obj(
                {
                    "service_port": INT,
                    "service_port_range_end": INT,
                    "service_protocol": Enum(
                        (*PROTOCOL_TYPES.choices, "PROTOCOL_TYPE_TCP", "PROTOCOL_TYPE_UDP")
                    ),
                    "service_pool_ref": REF,
                    "service_pool_group_ref": REF,
                },
                required=("service_port",),
            )
        ),
        "l4_policies": ListOf(
            Obj({"index": INT, "l4_policy_set_ref": REF}, required=("index", "l4_policy_set_ref"))
        ),
        "east_west_placement": BOOL,
        "traffic_enabled": BOOL,
        "enabled": BOOL,
        "type": Enum(("VS_TYPE_NORMAL", "VS_TYPE_VH_PARENT", "VS_TYPE_VH_CHILD")),
        "vip": ANY,
        "vsvip_cloud_config_cksum": STR,
        "cloud_config_cksum": STR,
        "remove_listening_port_on_vs_down": BOOL,
        "ign_pool_net_reach": BOOL,
        "enable_rhi": BOOL,
        "enable_rhi_snat": BOOL,
        "bgp_peer_labels": STRS,
        "service_metadata": STR,
        "performance_limits": ANY,
        "analytics_policy": ANY,
        "http_policies": ANY,
        "vs_datascripts": ANY,
        "static_dns_records": ANY,
        "snat_ip": ANY,
        "sideband_profile": ANY,
        "content_rewrite": ANY,
        "topology_policies": ANY,
        "ssl_profile_selectors": ANY,
        "vh_domain_name": STRS,
        "vh_type": STR,
        "weight": INT,
        "flow_dist": STR,
        "cloud_type": STR,
        "active_standby_se_tag": STR,
        "ssl_sess_cache_avg_size": INT,
        "enable_autogw": BOOL,
        "delay_fairness": BOOL,
        "scaleout_ecmp": BOOL,
        "close_client_conn_on_config_update": BOOL,
        "limit_doser": BOOL,
        "max_cps_per_client": INT,
        "use_bridge_ip_as_vip": BOOL,
        "use_vip_as_snat": BOOL,
        "advertise_down_vs": BOOL,
        "allow_invalid_client_cert": BOOL,
        "min_pools_up": INT,
        "flow_label_type": STR,
        "host_name_xlate": STR,
        "bulk_sync_kvcache": BOOL,
        "requests_rate_limit": ANY,
        "connections_rate_limit": ANY,
        "client_auth": ANY,
        "saml_sp_config": ANY,
        "oauth_vs_config": ANY,
        "traffic_clone_profile_ref": REF,
        "waf_policy_ref": REF,
        "icap_request_profile_refs": REFS,
        "dns_policies": ANY,
        "network_security_policy": ANY,
        "vsvip_cloud_config": ANY,
    },
    defaults={
        "cloud_ref": _CLOUD,
        "application_profile_ref": "/api/applicationprofile?name=System-HTTP",
        "network_profile_ref": "/api/networkprofile?name=System-TCP-Proxy",
        "se_group_ref": "/api/serviceenginegroup?name=Default-Group",
        "vrf_context_ref": _GLOBAL_VRF,
        "analytics_profile_ref": "/api/analyticsprofile?name=System-Analytics-Profile",
        "enabled": True,
        "traffic_enabled": True,
        "type": "VS_TYPE_NORMAL",
        "east_west_placement": False,
        "weight": 1,
        "flow_dist": "LOAD_AWARE",
        "cloud_type": "CLOUD_NONE",
        "active_standby_se_tag": "ACTIVE_STANDBY_SE_1",
        "ssl_sess_cache_avg_size": 1024,
        "enable_autogw": True,
        "delay_fairness": False,
        "scaleout_ecmp": False,
        "close_client_conn_on_config_update": False,
        "limit_doser": False,
        "max_cps_per_client": 0,
        "use_bridge_ip_as_vip": False,
        "use_vip_as_snat": False,
        "advertise_down_vs": False,
        "allow_invalid_client_cert": False,
        "remove_listening_port_on_vs_down": False,
        "ign_pool_net_reach": False,
        "enable_rhi": False,
        "bulk_sync_kvcache": False,
    },
)

VIP = Obj(
    {
        "vip_id": STR,
        "ip_address": IPADDR,
        "ip6_address": IPADDR,
        "auto_allocate_ip": BOOL,
        "auto_allocate_ip_type": Enum(("V4_ONLY", "V6_ONLY", "V4_V6")),
        "ipam_network_subnet": Obj(
            {
                "network_ref": REF,
                "subnet": PREFIX,
                "subnet6": PREFIX,
                "subnet_uuid": STR,
                "subnet6_uuid": STR,
            }
        ),
        "subnet": PREFIX,
        "subnet6": PREFIX,
        "subnet_uuid": STR,
        "network_ref": REF,
        "placement_networks": ANY,
        "enabled": BOOL,
        "prefix_length": INT,
        "auto_allocate_floating_ip": BOOL,
        "floating_ip": IPADDR,
        "floating_ip6": IPADDR,
        "floating_subnet_uuid": STR,
        "discovered_networks": ANY,
        "avi_allocated_vip": BOOL,
        "avi_allocated_fip": BOOL,
        "port_uuid": STR,
        "availability_zone": STR,
        "ipv4_ipam_network_subnet": ANY,
    },
    defaults={
        "enabled": True,
        "auto_allocate_ip": False,
        "auto_allocate_ip_type": "V4_ONLY",
        "prefix_length": 32,
        "auto_allocate_floating_ip": False,
        "avi_allocated_vip": False,
        "avi_allocated_fip": False,
    },
)

VSVIP = _obj(
    {
        "cloud_ref": REF,
        "vrf_context_ref": REF,
        "vip": ListOf(VIP),
        "dns_info": ListOf(
            Obj(
                {
                    "fqdn": STR,
                    "type": STR,
                    "ttl": INT,
                    "algorithm": STR,
                    "num_records_in_response": INT,
                },
                strict=False,
            )
        ),
        "east_west_placement": BOOL,
        "vsvip_cloud_config_cksum": STR,
        "tier1_lr": STR,
        "bgp_peer_labels": STRS,
        "use_standard_alb": BOOL,
        "ipam_selector": ANY,
    },
    defaults={"cloud_ref": _CLOUD, "vrf_context_ref": _GLOBAL_VRF, "east_west_placement": False},
)

SERVER = Obj(
    {
        "ip": IPADDR,
        "port": INT,
        "hostname": STR,
        "enabled": BOOL,
        "ratio": INT,
        "verify_network": BOOL,
        "resolve_server_by_dns": BOOL,
        "static": BOOL,
        "rewrite_host_header": BOOL,
        "external_uuid": STR,
        "server_node": STR,
        "description": STR,
        "nw_ref": REF,
        "availability_zone": STR,
        "preference_order": INT,
        "mac_address": STR,
        "external_orchestration_id": STR,
        "autoscaling_group_name": STR,
        "discovered_networks": ANY,
        "location": ANY,
        "vm_ref": STR,
    },
    required=("ip",),
    defaults={
        "enabled": True,
        "ratio": 1,
        "verify_network": False,
        "resolve_server_by_dns": False,
        "static": False,
        "rewrite_host_header": False,
    },
)

POOL = _obj(
    {
        "cloud_ref": REF,
        "vrf_ref": REF,
        "analytics_profile_ref": REF,
        "health_monitor_refs": REFS,
        "application_persistence_profile_ref": REF,
        "ssl_profile_ref": REF,
        "ssl_key_and_certificate_ref": REF,
        "pki_profile_ref": REF,
        "servers": ListOf(SERVER),
        "default_server_port": INT,
        "lb_algorithm": LB_ALGORITHMS,
        "lb_algorithm_hash": STR,
        "lb_algorithm_consistent_hash_hdr": STR,
        "enabled": BOOL,
        "inline_health_monitor": BOOL,
        "connection_ramp_duration": INT,
        "graceful_disable_timeout": INT,
        "sni_enabled": BOOL,
        "delete_server_on_dns_refresh": BOOL,
        "append_port": STR,
        "placement_networks": ANY,
        "service_metadata": STR,
        "tier1_lr": STR,
        "min_servers_up": INT,
        "max_concurrent_connections_per_server": INT,
        "fail_action": ANY,
        "capacity_estimation": BOOL,
        "use_service_port": BOOL,
        "use_service_ssl_mode": BOOL,
        "ignore_servers": BOOL,
        "conn_pool_properties": ANY,
        "server_timeout": INT,
        "request_queue_enabled": BOOL,
        "request_queue_depth": INT,
        "nsx_securitygroup": STRS,
        "cloud_config_cksum": STR,
        "routing_pool": BOOL,
        "server_count": INT,
        "health_monitor_refs_config": ANY,
        "max_conn_rate_per_server": ANY,
        "lookup_server_by_name": BOOL,
        "host_check_enabled": BOOL,
        "rewrite_host_header_to_server_name": BOOL,
        "rewrite_host_header_to_sni": BOOL,
        "server_reselect": ANY,
        "pool_type": STR,
        "enable_http2": BOOL,
    },
    defaults={
        "cloud_ref": _CLOUD,
        "vrf_ref": _GLOBAL_VRF,
        "analytics_profile_ref": "/api/analyticsprofile?name=System-Analytics-Profile",
        "default_server_port": 80,
        "lb_algorithm": "LB_ALGORITHM_LEAST_CONNECTIONS",
        "lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS",
        "enabled": True,
        "inline_health_monitor": True,
        "connection_ramp_duration": 10,
        "graceful_disable_timeout": 1,
        "sni_enabled": True,
        "delete_server_on_dns_refresh": True,
        "append_port": "NON_DEFAULT_80_443",
        "capacity_estimation": False,
        "use_service_port": False,
        "ignore_servers": False,
        "request_queue_enabled": False,
        "routing_pool": False,
    },
)

POOLGROUP = _obj(
    {
        "cloud_ref": REF,
        "members": ListOf(
            Obj(
                {"pool_ref": REF, "ratio": INT, "priority_label": STR, "deployment_state": STR},
                required=("pool_ref",),
                defaults={"ratio": 1},
            )
        ),
        "min_servers": INT,
        "fail_action": ANY,
        "implicit_priority_labels": BOOL,
        "cloud_config_cksum": STR,
        "deployment_policy_ref": REF,
        "priority_labels_ref": REF,
        "enable_http2": BOOL,
    },
    defaults={"cloud_ref": _CLOUD, "min_servers": 0, "implicit_priority_labels": False},
)

L4_RULE = Obj(
    {
        "index": INT,
        "name": STR,
        "enable": BOOL,
        "match": Obj(
            {
                "port": Obj(
                    {
                        "match_criteria": MATCH_CRITERIA,
                        "ports": INTS,
                        "port_ranges": ListOf(
                            Obj({"start": INT, "end": INT}, required=("start", "end"))
                        ),
                    },
                    required=("match_criteria",),
                ),
                "protocol": Obj(
                    {
                        "match_criteria": MATCH_CRITERIA,
                        "protocol": Enum(
                            ("PROTOCOL_TCP", "PROTOCOL_UDP", "PROTOCOL_ICMP", "PROTOCOL_SCTP")
                        ),
                    },
                    required=("match_criteria", "protocol"),
                ),
                "client_ip": ANY,
            }
        ),
        "action": Obj(
            {
                "select_pool": Obj(
                    {
                        "action_type": Enum(
                            ("L4_RULE_ACTION_SELECT_POOL", "L4_RULE_ACTION_SELECT_POOLGROUP")
                        ),
                        "pool_ref": REF,
                        "pool_group_ref": REF,
                    },
                    required=("action_type",),
                )
            }
        ),
    },
    required=("index", "name"),
    defaults={"enable": True},
)

L4POLICYSET = _obj(
    {
        "l4_connection_policy": Obj({"rules": ListOf(L4_RULE)}),
        "is_internal_policy": BOOL,
    },
    defaults={"is_internal_policy": False},
)

RANGE = Obj({"begin": IPADDR, "end": IPADDR}, required=("begin", "end"))
NETWORK = _obj(
    {
        "cloud_ref": REF,
        "vrf_context_ref": REF,
        "dhcp_enabled": BOOL,
        "exclude_discovered_subnets": BOOL,
        "synced_from_se": BOOL,
        "ip6_autocfg_enabled": BOOL,
        "vcenter_dvs": BOOL,
        "attrs": ANY,
        "configured_subnets": ListOf(
            Obj(
                {
                    "prefix": PREFIX,
                    "static_ip_ranges": ListOf(
                        Obj(
                            {
                                "range": RANGE,
                                "type": Enum(
                                    (
                                        "STATIC_IPS_FOR_VIP_AND_SE",
                                        "STATIC_IPS_FOR_VIP",
                                        "STATIC_IPS_FOR_SE",
                                    )
                                ),
                            },
                            required=("range",),
                            defaults={"type": "STATIC_IPS_FOR_VIP_AND_SE"},
                        )
                    ),
                    "static_ranges": ListOf(RANGE),
                },
                required=("prefix",),
            )
        ),
    },
    defaults={
        "cloud_ref": _CLOUD,
        "vrf_context_ref": _GLOBAL_VRF,
        "dhcp_enabled": False,
        "exclude_discovered_subnets": False,
        "synced_from_se": False,
        "ip6_autocfg_enabled": False,
    },
)

IPAMDNS = _obj(
    {
        "type": Enum(
            tuple(
                "IPAMDNS_TYPE_" + t
                for t in (
                    "INTERNAL",
                    "INTERNAL_DNS",
                    "INFOBLOX",
                    "INFOBLOX_DNS",
                    "AWS",
                    "AWS_DNS",
                    "AZURE",
                    "AZURE_DNS",
                    "GCP",
                    "OPENSTACK",
                    "OCI",
                    "TENCENT",
                    "CUSTOM",
                    "CUSTOM_DNS",
                )
            )
        ),
        "internal_profile": Obj(
            {
                "usable_networks": ListOf(Obj({"nw_ref": REF}, required=("nw_ref",))),
                "usable_network_refs": REFS,
                "dns_service_domain": ANY,
                "ttl": INT,
                "dns_virtualservice_ref": REF,
            },
            strict=False,
        ),
        "allocate_ip_in_vrf": BOOL,
        "proxy_configuration": ANY,
        "infoblox_profile": ANY,
        "aws_profile": ANY,
        "azure_profile": ANY,
        "gcp_profile": ANY,
        "openstack_profile": ANY,
        "oci_profile": ANY,
        "custom_profile": ANY,
    },
    required=("name", "type"),
    defaults={"allocate_ip_in_vrf": False},
)

VRFCONTEXT = _obj(
    {
        "cloud_ref": REF,
        "system_default": BOOL,
        "static_routes": ANY,
        "bgp_profile": ANY,
        "gateway_mon": ANY,
        "internal_gateway_monitor": ANY,
        "lldp_enable": BOOL,
        "debugvrfcontext": ANY,
        "attrs": ANY,
    },
    defaults={"cloud_ref": _CLOUD, "system_default": False, "lldp_enable": True},
)

TENANT = _obj(
    {"local": BOOL, "config_settings": ANY, "enforce_label_group": BOOL},
    strict=False,
    defaults={
        "local": True,
        "config_settings": {
            "tenant_vrf": False,
            "se_in_provider_context": True,
            "tenant_access_to_provider_se": True,
        },
    },
)

CLOUD = _obj(
    {
        "vtype": STR,
        "ipam_provider_ref": REF,
        "dns_provider_ref": REF,
        "east_west_ipam_provider_ref": REF,
        "east_west_dns_provider_ref": REF,
        "dhcp_enabled": BOOL,
        "mtu": INT,
        "prefer_static_routes": BOOL,
        "enable_vip_static_routes": BOOL,
        "license_type": STR,
        "license_tier": STR,
    },
    strict=False,
    defaults={
        "vtype": "CLOUD_NONE",
        "dhcp_enabled": False,
        "mtu": 1500,
        "prefer_static_routes": False,
        "enable_vip_static_routes": False,
    },
)

SEGROUP = _obj(
    {"cloud_ref": REF, "ha_mode": STR, "max_vs_per_se": INT, "max_se": INT, "buffer_se": INT},
    strict=False,
    defaults={
        "cloud_ref": _CLOUD,
        "ha_mode": "HA_MODE_SHARED",
        "max_vs_per_se": 10,
        "max_se": 10,
        "buffer_se": 1,
    },
)

NETWORKPROFILE = _obj(
    {
        "profile": Obj({"type": PROTOCOL_TYPES}, required=("type",), strict=False),
        "connection_mirror": BOOL,
    },
    required=("name", "profile"),
    strict=False,
    defaults={"connection_mirror": False},
)

APPLICATIONPROFILE = _obj(
    {
        "type": Enum(
            tuple(
                "APPLICATION_PROFILE_TYPE_" + t
                for t in ("L4", "HTTP", "SSL", "DNS", "SYSLOG", "SIP", "DIAMETER", "RADIUS")
            )
        )
    },
    required=("name", "type"),
    strict=False,
)

HEALTHMONITOR = _obj(
    {
        "type": STR,
        "send_interval": INT,
        "receive_timeout": INT,
        "successful_checks": INT,
        "failed_checks": INT,
        "monitor_port": INT,
        "is_federated": BOOL,
    },
    strict=False,
    defaults={
        "type": "HEALTH_MONITOR_TCP",
        "send_interval": 10,
        "receive_timeout": 4,
        "successful_checks": 2,
        "failed_checks": 2,
        "is_federated": False,
    },
)

LENIENT = _obj({}, strict=False)


def _lenient(obj_type: str) -> Obj:
    """A profile stored as given, with the schema's top-level defaults filled in."""
    return _obj({}, strict=False, defaults=catalog.GENERIC_DEFAULTS.get(obj_type, {}))


# ----- completing the behaviour types from the catalogue ------------------------------------
_KINDS: Mapping[str, Any] = {
    "s": STR,
    "i": INT,
    "n": NUM,
    "b": BOOL,
    "r": REF,
    "R": REFS,
    "S": STRS,
    "I": INTS,
    "o": ANY,
    "L": ANY,
}
# Fields every stored object carries whatever its schema says (identity, ownership, labels).
_KEEP = frozenset(COMMON)


def _complete(obj_type: str, hand: Obj, prefix: str = "") -> Obj:
    """``hand`` (the fields the mock checks or computes) completed with the schema's field list:
    every field accepted, schema defaults filled in, read-only fields and unknown keys dropped.
    Nested list elements declared in the catalogue (``services[]``) are completed the same way.
    """
    facts = catalog.element(obj_type, prefix) if prefix else catalog.top_level(obj_type)
    fields: dict[str, Any] = {}
    for key, fact in facts.items():
        if fact.read_only:
            continue
        sub = hand.fields.get(key, _KINDS[fact.kind])
        nested = f"{prefix}.{key}[]" if prefix else f"{key}[]"
        if (
            isinstance(sub, ListOf)
            and isinstance(sub.item, Obj)
            and any(k.startswith(nested + ".") for k in catalog.FIELDS[obj_type])
        ):
            sub = ListOf(_complete(obj_type, sub.item, nested))
        fields[key] = sub
    if not prefix:
        fields.update((k, v) for k, v in hand.fields.items() if k in _KEEP and k not in fields)
        for key in catalog.READ_ONLY_COMMON:
            fields.pop(key, None)  # accepted and ignored: the server sets them
    defaults = {k: v for k, v in hand.defaults.items() if k in fields}
    defaults.update((k, f.default) for k, f in facts.items() if f.has_default and k in fields)
    return Obj(fields, required=hand.required, strict=True, defaults=defaults)


def _since_map(obj_type: str) -> dict[str, tuple[int, ...]]:
    return {k: f.since for k, f in catalog.FIELDS[obj_type].items() if f.since is not None}


_BEHAVIOUR = {
    "virtualservice": VIRTUALSERVICE,
    "vsvip": VSVIP,
    "pool": POOL,
    "poolgroup": POOLGROUP,
    "l4policyset": L4POLICYSET,
}
COMPLETE: Mapping[str, Obj] = {t: _complete(t, spec) for t, spec in _BEHAVIOUR.items()}
# Field path (``services[].enable_http2``) -> version that introduced it, per behaviour type.
SINCE: Mapping[str, Mapping[str, tuple[int, ...]]] = {t: _since_map(t) for t in _BEHAVIOUR}

_HAND = (
    TypeSpec("tenant", "Tenant", TENANT, has_tenant=False),
    TypeSpec("cloud", "Cloud", CLOUD),
    TypeSpec("vrfcontext", "VrfContext", VRFCONTEXT, cloud_scoped=True),
    TypeSpec("serviceenginegroup", "ServiceEngineGroup", SEGROUP, cloud_scoped=True),
    TypeSpec("network", "Network", NETWORK, cloud_scoped=True),
    TypeSpec("ipamdnsproviderprofile", "IpamDnsProviderProfile", IPAMDNS),
    TypeSpec("networkprofile", "NetworkProfile", NETWORKPROFILE),
    TypeSpec("applicationprofile", "ApplicationProfile", APPLICATIONPROFILE),
    TypeSpec("healthmonitor", "HealthMonitor", HEALTHMONITOR),
    TypeSpec("analyticsprofile", "AnalyticsProfile", _lenient("analyticsprofile")),
    TypeSpec("sslkeyandcertificate", "SSLKeyAndCertificate", _lenient("sslkeyandcertificate")),
    TypeSpec("sslprofile", "SSLProfile", _lenient("sslprofile")),
    TypeSpec("pool", "Pool", COMPLETE["pool"], cloud_scoped=True),
    TypeSpec("poolgroup", "PoolGroup", COMPLETE["poolgroup"], cloud_scoped=True),
    TypeSpec("vsvip", "VsVip", COMPLETE["vsvip"], cloud_scoped=True),
    TypeSpec("virtualservice", "VirtualService", COMPLETE["virtualservice"], cloud_scoped=True),
    TypeSpec("l4policyset", "L4PolicySet", COMPLETE["l4policyset"]),
)


def _generic(facts: catalog.TypeFacts) -> TypeSpec:
    """A type the mock stores as given: its required fields checked, the schema's top-level
    defaults filled in (a required field with a default is never missing), everything else
    kept."""
    defaults = catalog.GENERIC_DEFAULTS.get(facts.path, {})
    required = tuple(r for r in facts.required if r not in defaults)
    return TypeSpec(
        facts.path,
        facts.model,
        _obj({}, required=required, defaults=defaults),
        cloud_scoped=facts.cloud,
        has_tenant=facts.tenant,
    )


# The types with hand-written rules (the rest of ``TYPES`` is generic storage).
HAND_TYPES: tuple[str, ...] = tuple(t.type for t in _HAND)
TYPES: Mapping[str, TypeSpec] = {
    **{t.type: t for t in _HAND},
    **{
        path: _generic(facts)
        for path, facts in catalog.TYPES.items()
        if not facts.singleton and not facts.inventory and path not in {t.type for t in _HAND}
    },
}
# Admin-tenant objects of these types are shared: visible (read-only) from every tenant, and a
# tenant's edit makes its own copy (copy-on-write). Everything else is isolated per tenant.
_SHARED_EXTRA = (
    "healthmonitor",
    "sslkeyandcertificate",
    "cloud",
    "vrfcontext",
    "network",
    "serviceenginegroup",
    "stringgroup",
    "ipaddrgroup",
    "wafpolicy",
    "wafcrs",
    "errorpagebody",
)
SHARED_TYPES: frozenset[str] = frozenset(
    t
    for t, spec in TYPES.items()
    if not spec.has_tenant or t.endswith("profile") or t in _SHARED_EXTRA
)
# Singletons (``/api/systemconfiguration``: no uuid in the path, GET/PUT/PATCH).
SINGLETONS: Mapping[str, str] = {p: f.model for p, f in catalog.TYPES.items() if f.singleton}
# Inventory views (read-only, computed) -> the type they describe.
INVENTORY_TYPES: Mapping[str, str] = {
    p: p.removesuffix("-inventory") for p, f in catalog.TYPES.items() if f.inventory
}

READ_ONLY_FIELDS = ("uuid", "url", "_last_modified")

# Profile type prefix -> L4 protocol name used in port-conflict checks.
PROTOCOL_OF_PROFILE: Mapping[str, str] = {
    "PROTOCOL_TYPE_TCP": "TCP",
    "PROTOCOL_TYPE_UDP": "UDP",
    "PROTOCOL_TYPE_SCTP": "SCTP",
}
