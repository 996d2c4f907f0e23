"""A real controller's objects POSTed back, with avisdk: read again unchanged.

The bodies have the shape of avisdk's recordings of a real 20.1 controller (``test_clone_vs``:
``GET /api/pool/<uuid>``, ``GET /api/vsvip/<uuid>``, ``GET /api/virtualservice?name=...``),
with their refs pointed at this mock's objects. Every field of the 30.2.1 schema comes back as
sent; the read-only and runtime keys a GET carries (``url``, ``_last_modified``, ``vs_refs``,
``vip_runtime``, ``redis_db``, ``redis_port``, ``tls_ticket_key``, ``version``,
``marked_for_delete``, ``self_se_election``) are ignored on write, as the real controller does.
A second GET-then-PUT changes nothing.
"""

from __future__ import annotations

from typing import Any

from avi.sdk.avi_api import ApiSession

from mock_avi import object_types
from tests.contract.avi.avi_support import MARKS

pytestmark = MARKS

IGNORED = {
    "url",
    "uuid",
    "_last_modified",
    "vs_refs",
    "vip_runtime",
    "redis_db",
    "redis_port",
    "tls_ticket_key",
    "version",
    "marked_for_delete",
    "self_se_election",
}


def _refs(api: ApiSession) -> dict[str, str]:
    def url(obj_type: str, name: str) -> str:
        found = api.get_object_by_name(obj_type, name)
        assert found is not None, (obj_type, name)
        return str(found["url"])

    return {
        "tenant": url("tenant", "admin"),
        "cloud": url("cloud", "Default-Cloud"),
        "vrf": url("vrfcontext", "global"),
        "analytics": url("analyticsprofile", "System-Analytics-Profile"),
        "app": url("applicationprofile", "System-HTTP"),
        "net": url("networkprofile", "System-TCP-Proxy"),
        "seg": url("serviceenginegroup", "Default-Group"),
    }


def _pool(r: dict[str, str]) -> dict[str, Any]:
    return {
        "url": "https://avi-controller/api/pool/pool-0e96e00e-f2c6-4312-b228-1e926c1554be",
        "uuid": "pool-0e96e00e-f2c6-4312-b228-1e926c1554be",
        "name": "basic_vs-pool",
        "enabled": True,
        "tenant_ref": r["tenant"],
        "cloud_ref": r["cloud"],
        "_last_modified": "1595317884495886",
        "default_server_port": 80,
        "graceful_disable_timeout": 1,
        "connection_ramp_duration": 10,
        "max_concurrent_connections_per_server": 0,
        "servers": [
            {
                "ip": {"addr": "10.90.64.10", "type": "V4"},
                "port": 80,
                "hostname": "10.90.64.10",
                "enabled": True,
                "ratio": 1,
                "verify_network": False,
                "resolve_server_by_dns": False,
                "static": False,
                "rewrite_host_header": False,
            }
        ],
        "lb_algorithm": "LB_ALGORITHM_LEAST_CONNECTIONS",
        "lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS",
        "inline_health_monitor": True,
        "use_service_port": False,
        "capacity_estimation": False,
        "capacity_estimation_ttfb_thresh": 0,
        "fewest_tasks_feedback_delay": 10,
        "request_queue_enabled": False,
        "request_queue_depth": 128,
        "host_check_enabled": False,
        "sni_enabled": True,
        "rewrite_host_header_to_sni": False,
        "rewrite_host_header_to_server_name": False,
        "lb_algorithm_core_nonaffinity": 2,
        "lookup_server_by_name": False,
        "server_timeout": 0,
        "delete_server_on_dns_refresh": True,
        "enable_http2": False,
        "ignore_server_port": False,
        "routing_pool": False,
        "vrf_ref": r["vrf"],
        "analytics_profile_ref": r["analytics"],
    }


def _vsvip(r: dict[str, str]) -> dict[str, Any]:
    return {
        "url": "https://avi-controller/api/vsvip/vsvip-26c3137f-7b37-45d5-8361-dfc4983bc076",
        "uuid": "vsvip-26c3137f-7b37-45d5-8361-dfc4983bc076",
        "name": "basic_vs_vip",
        "vrf_context_ref": r["vrf"],
        "tenant_ref": r["tenant"],
        "cloud_ref": r["cloud"],
        "_last_modified": "1595317884631601",
        "vip": [
            {
                "vip_id": "0",
                "ip_address": {"addr": "10.90.64.123", "type": "V4"},
                "enabled": True,
                "auto_allocate_ip": False,
                "auto_allocate_floating_ip": False,
                "avi_allocated_vip": False,
                "avi_allocated_fip": False,
                "auto_allocate_ip_type": "V4_ONLY",
                "prefix_length": 32,
            }
        ],
        "east_west_placement": False,
        "vs_refs": ["https://avi-controller/api/virtualservice/virtualservice-3a14ec26"],
    }


def _vs(r: dict[str, str], pool_url: str, vsvip_url: str) -> dict[str, Any]:
    return {
        "_last_modified": "1595317884783241",
        "active_standby_se_tag": "ACTIVE_STANDBY_SE_1",
        "advertise_down_vs": False,
        "allow_invalid_client_cert": False,
        "analytics_profile_ref": r["analytics"],
        "application_profile_ref": r["app"],
        "bulk_sync_kvcache": False,
        "close_client_conn_on_config_update": False,
        "cloud_ref": r["cloud"],
        "cloud_type": "CLOUD_NONE",
        "delay_fairness": False,
        "east_west_placement": False,
        "enable_autogw": True,
        "enabled": True,
        "flow_dist": "LOAD_AWARE",
        "flow_label_type": "NO_LABEL",
        "ign_pool_net_reach": False,
        "limit_doser": False,
        "marked_for_delete": False,
        "max_cps_per_client": 0,
        "name": "basic_vs",
        "network_profile_ref": r["net"],
        "pool_ref": pool_url,
        "redis_db": 10,
        "redis_port": 5022,
        "remove_listening_port_on_vs_down": False,
        "scaleout_ecmp": False,
        "se_group_ref": r["seg"],
        "self_se_election": True,
        "services": [
            {"enable_http2": False, "enable_ssl": False, "port": 80, "port_range_end": 80}
        ],
        "ssl_sess_cache_avg_size": 1024,
        "tenant_ref": r["tenant"],
        "tls_ticket_key": [
            {"aes_key": "PJJSMpFup1UWCWhVTxd33A==", "hmac_key": "NEOostlSKV39", "name": "k1"}
        ],
        "traffic_enabled": True,
        "type": "VS_TYPE_NORMAL",
        "url": "https://avi-controller/api/virtualservice/virtualservice-3a14ec26",
        "use_bridge_ip_as_vip": False,
        "use_vip_as_snat": False,
        "uuid": "virtualservice-3a14ec26-6965-4066-a174-882e01f8f1bd",
        "version": "2",
        "vip_runtime": [
            {"num_additional_se": 0, "requested_resource": {"num_se": 1}, "vip_id": "0"}
        ],
        "vrf_context_ref": r["vrf"],
        "vsvip_ref": vsvip_url,
        "weight": 1,
    }


def _within(sent: Any, got: Any) -> bool:
    """``sent`` is found in ``got`` (the controller may add defaults of its own version)."""
    if isinstance(sent, dict):
        return isinstance(got, dict) and all(
            k in got and _within(v, got[k]) for k, v in sent.items()
        )
    if isinstance(sent, list):
        return (
            isinstance(got, list)
            and len(sent) == len(got)
            and all(_within(a, b) for a, b in zip(sent, got, strict=True))
        )
    return bool(sent == got)


def _same(sent: dict[str, Any], got: dict[str, Any], obj_type: str) -> None:
    assert set(sent) - IGNORED <= set(object_types.TYPES[obj_type].spec.fields), "schema fields"
    for key, value in sent.items():
        if key in IGNORED:
            assert got.get(key) != value or key == "url", key
            continue
        if key.endswith("_ref"):
            assert got[key].split("#")[0] == value.split("#")[0], key
        else:
            assert _within(value, got[key]), key


def _round_trip(api: ApiSession, obj_type: str, body: dict[str, Any]) -> dict[str, Any]:
    created = api.post(obj_type, data=body)
    assert created.status_code == 201, created.text
    got = api.get(f"{obj_type}/{created.json()['uuid']}").json()
    _same(body, got, obj_type)
    again = api.put(f"{obj_type}/{got['uuid']}", data=got)
    assert again.status_code == 200, again.text
    reread = api.get(f"{obj_type}/{got['uuid']}").json()
    assert {k: v for k, v in reread.items() if k != "_last_modified"} == {
        k: v for k, v in got.items() if k != "_last_modified"
    }
    return got


def test_a_real_pool_vsvip_and_vs_come_back_unchanged(api: ApiSession):
    refs = _refs(api)
    pool = _round_trip(api, "pool", _pool(refs))
    vsvip = _round_trip(api, "vsvip", _vsvip(refs))
    vs = _round_trip(api, "virtualservice", _vs(refs, pool["url"], vsvip["url"]))
    assert vs["pool_ref"] == pool["url"] and vs["vsvip_ref"] == vsvip["url"]
