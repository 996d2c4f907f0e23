"""The default seed (spec/interfaces.md, mock_avi) and loading a seed file.

The seed is expressed in the same format as ``GET /__mock__/state`` (refs may be name queries;
the store resolves them on load), with stable uuids derived from the names so that a fresh
mock always looks the same. Loading a file only parses it; the store validates it.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from pathlib import Path
from typing import Any

import yaml

_NS = uuidlib.UUID("5b0f8f3e-6d0a-4b8e-9a57-0a7a1c0d5e11")


def stable_uuid(obj_type: str, name: str) -> str:
    return f"{obj_type}-{uuidlib.uuid5(_NS, f'{obj_type}/{name}')}"


def _obj(obj_type: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"uuid": stable_uuid(obj_type, name), "name": name, **fields}


def _network(name: str, prefix: str, begin: str, end: str) -> dict[str, Any]:
    return _obj(
        "network",
        name,
        configured_subnets=[
            {
                "prefix": {"ip_addr": {"addr": prefix, "type": "V4"}, "mask": 24},
                "static_ip_ranges": [
                    {
                        "range": {
                            "begin": {"addr": begin, "type": "V4"},
                            "end": {"addr": end, "type": "V4"},
                        },
                        "type": "STATIC_IPS_FOR_VIP_AND_SE",
                    }
                ],
            }
        ],
    )


SYSTEM_DEFAULT_NAMES = {
    "tenant": ["admin"],
    "cloud": ["Default-Cloud"],
    "vrfcontext": ["global", "management"],
    "serviceenginegroup": ["Default-Group"],
}


def default_state(
    allow_basic_auth: bool = True, license_tier: str = "ENTERPRISE"
) -> dict[str, Any]:
    """The default seed as a state document."""
    ipam_name = "Default-IPAM"
    objects: dict[str, list[dict[str, Any]]] = {
        "tenant": [
            {
                "uuid": "admin",
                "name": "admin",
                "local": True,
                "description": "Default tenant",
                "config_settings": {
                    "tenant_vrf": False,
                    "se_in_provider_context": True,
                    "tenant_access_to_provider_se": True,
                },
            }
        ],
        "network": [
            _network("vip-network", "100.64.196.0", "100.64.196.61", "100.64.196.250"),
            _network("vip-network-2", "100.64.197.0", "100.64.197.10", "100.64.197.250"),
        ],
        "ipamdnsproviderprofile": [
            _obj(
                "ipamdnsproviderprofile",
                ipam_name,
                type="IPAMDNS_TYPE_INTERNAL",
                internal_profile={
                    "ttl": 30,
                    "usable_networks": [
                        {"nw_ref": "/api/network?name=vip-network"},
                        {"nw_ref": "/api/network?name=vip-network-2"},
                    ],
                },
            )
        ],
        "cloud": [
            _obj(
                "cloud",
                "Default-Cloud",
                vtype="CLOUD_NONE",
                ipam_provider_ref=f"/api/ipamdnsproviderprofile?name={ipam_name}",
            )
        ],
        "vrfcontext": [
            _obj("vrfcontext", "global", system_default=True),
            _obj("vrfcontext", "management", system_default=False),
        ],
        "serviceenginegroup": [
            _obj("serviceenginegroup", "Default-Group"),
            _obj("serviceenginegroup", "SEG-2"),
        ],
        "networkprofile": [
            _obj("networkprofile", n, profile={"type": t})
            for n, t in (
                ("System-TCP-Proxy", "PROTOCOL_TYPE_TCP_PROXY"),
                ("System-TCP-Fast-Path", "PROTOCOL_TYPE_TCP_FAST_PATH"),
                ("System-UDP-Fast-Path", "PROTOCOL_TYPE_UDP_FAST_PATH"),
                ("System-SCTP-Proxy", "PROTOCOL_TYPE_SCTP_PROXY"),
            )
        ],
        "applicationprofile": [
            _obj("applicationprofile", n, type=f"APPLICATION_PROFILE_TYPE_{t}")
            for n, t in (
                ("System-L4-Application", "L4"),
                ("System-SSL-Application", "SSL"),
                ("System-HTTP", "HTTP"),
                ("System-Secure-HTTP", "HTTP"),
            )
        ],
        "healthmonitor": [
            _obj("healthmonitor", n, type=f"HEALTH_MONITOR_{t}")
            for n, t in (
                ("System-TCP", "TCP"),
                ("System-UDP", "UDP"),
                ("System-SCTP", "SCTP"),
                ("System-Ping", "PING"),
                ("System-HTTP", "HTTP"),
            )
        ],
        "analyticsprofile": [_obj("analyticsprofile", "System-Analytics-Profile")],
    }
    defaults = [o["uuid"] for o in objects["tenant"]]
    for obj_type, names in SYSTEM_DEFAULT_NAMES.items():
        if obj_type != "tenant":
            defaults += [stable_uuid(obj_type, n) for n in names]
    for obj_type in ("networkprofile", "applicationprofile", "healthmonitor", "analyticsprofile"):
        defaults += [o["uuid"] for o in objects[obj_type]]
    return {
        "objects": objects,
        "systemconfiguration": {
            "uuid": "default",
            "default_license_tier": license_tier,
            "portal_configuration": {
                "allow_basic_authentication": allow_basic_auth,
                "enable_https": True,
                "enable_http": True,
            },
            "welcome_workflow_complete": True,
        },
        "system_defaults": defaults,
        "singletons": {
            "cluster": {
                "uuid": "cluster-0",
                "name": "cluster-0-1",
                "nodes": [{"name": "127.0.0.1", "ip": {"addr": "127.0.0.1", "type": "V4"}}],
                "rejoin_nodes_automatically": True,
                "tenant_ref": "/api/tenant/admin",
            },
            "controllerproperties": {"uuid": "default", "api_idle_timeout": 15},
            "seproperties": {"uuid": "default"},
        },
    }


def load_seed_file(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON state document."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a seed file must hold a mapping (the /__mock__/state format)")
    return data
