"""Engine settings: one frozen dataclass built from command-line flags and AKO-style environment.

Precedence: an explicit flag wins over the environment, which wins over the defaults of
``spec/behaviour.md`` section 1. Invalid values raise :class:`ConfigError` (a ``ValueError`` naming
the setting), which the CLI turns into a ``click.BadParameter``; parsing never lets a traceback
reach the user. This module does no I/O beyond reading the mapping it is given.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

SERVICE_TYPES = ("ClusterIP", "NodePort")

#: environment variable -> EngineConfig field (AKO's names where AKO has one)
ENV_VARS: dict[str, str] = {
    "CLUSTER_NAME": "cluster_name",
    "CLOUD_NAME": "cloud",
    "TENANT_NAME": "tenant",
    "SEG_NAME": "se_group",
    "VRF_NAME": "vrf",
    "VIP_NETWORK_LIST": "vip_networks",
    "SERVICE_TYPE": "service_type",
    "DEFAULT_LB_CONTROLLER": "default_lb_controller",
    "ENABLE_EVH": "enable_evh",
    "CTRL_IPADDRESS": "avi_controller",
    "CTRL_USERNAME": "avi_user",
    "CTRL_PASSWORD": "avi_password",
    "CTRL_TIMEOUT": "avi_timeout",
    "KUBECONFIG": "kubeconfig",
    "AKO_SIM_HOST": "host",
    "AKO_SIM_PORT": "port",
    "AKO_SIM_WORKERS": "workers",
    "AKO_SIM_RESYNC_PERIOD": "resync_period",
}


class ConfigError(ValueError):
    """An invalid setting; ``setting`` names the flag or variable at fault."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting
        self.message = message


@dataclass(frozen=True)
class EngineConfig:
    """Everything the engine needs to run (behaviour.md section 1 for the defaults)."""

    cluster_name: str = "cluster"
    cloud: str = "Default-Cloud"
    tenant: str = "admin"
    se_group: str = "Default-Group"
    vrf: str = "global"
    vip_networks: tuple[str, ...] = ("vip-network",)
    service_type: str = "ClusterIP"
    default_lb_controller: bool = True
    enable_evh: bool = False
    avi_controller: str = "http://127.0.0.1:8443"
    avi_user: str = "admin"
    avi_password: str = field(default="admin", repr=False)
    avi_timeout: float = 10.0
    kubeconfig: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4
    resync_period: float = 300.0

    def with_overrides(self, **changes: Any) -> EngineConfig:
        """A copy with some fields replaced, validated like any other input."""
        return build_config(changes, {}, base=self)


def parse_bool(setting: str, value: object) -> bool:
    """Accept booleans and the usual spellings (true/false, yes/no, 1/0, on/off)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off", ""):
        return False
    raise ConfigError(setting, f"expected true or false, got {value!r}")


def parse_vip_networks(setting: str, value: object) -> tuple[str, ...]:
    """AKO's JSON list (``[{"networkName": "x"}]``), a JSON list of names, or ``a,b``."""
    if isinstance(value, (list, tuple)):
        items: list[object] = list(value)
    else:
        text = str(value).strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(setting, f"not valid JSON: {exc.msg}") from None
            if not isinstance(parsed, list):
                raise ConfigError(setting, "expected a JSON list")
            items = parsed
        else:
            items = [part for part in text.split(",")]
    names: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            name = item.get("networkName")
            if not isinstance(name, str):
                raise ConfigError(setting, 'each JSON entry needs a "networkName" string')
        elif isinstance(item, str):
            name = item
        else:
            raise ConfigError(setting, f"unexpected entry {item!r}")
        name = name.strip()
        if name:
            names.append(name)
    if not names:
        raise ConfigError(setting, "at least one VIP network is required")
    return tuple(names)


def parse_controller_url(setting: str, value: object) -> str:
    """A controller address: a URL, or a bare host/IP (AKO style) meaning https://host."""
    text = str(value).strip().rstrip("/")
    if not text:
        raise ConfigError(setting, "the controller address is empty")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ConfigError(setting, f"unsupported scheme {parts.scheme!r} (use http or https)")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(setting, f"invalid port in {value!r}") from None
    if not parts.hostname:
        raise ConfigError(setting, f"no host in {value!r}")
    if parts.path not in ("", "/") or parts.query:
        raise ConfigError(setting, f"a controller address has no path or query: {value!r}")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _parse_number(setting: str, value: object, kind: type, minimum: float) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(setting, f"expected a number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(setting, f"must be at least {minimum}, got {number}")
    return number


def _parse_name(setting: str, value: object) -> str:
    text = str(value).strip()
    if not text:
        raise ConfigError(setting, "must not be empty")
    return text


def _parse_field(name: str, setting: str, value: object) -> Any:
    if name == "vip_networks":
        return parse_vip_networks(setting, value)
    if name in ("default_lb_controller", "enable_evh"):
        return parse_bool(setting, value)
    if name == "service_type":
        text = str(value).strip()
        for choice in SERVICE_TYPES:
            if text.lower() == choice.lower():
                return choice
        raise ConfigError(setting, f"expected one of {', '.join(SERVICE_TYPES)}, got {value!r}")
    if name == "avi_controller":
        return parse_controller_url(setting, value)
    if name == "avi_timeout":
        timeout = _parse_number(setting, value, float, 0.001)
        return timeout
    if name == "resync_period":
        return _parse_number(setting, value, float, 0.0)
    if name == "port":
        port = _parse_number(setting, value, int, 0)
        if port > 65535:
            raise ConfigError(setting, f"not a TCP port: {port}")
        return port
    if name == "workers":
        return _parse_number(setting, value, int, 1)
    if name == "kubeconfig":
        text = str(value).strip()
        return text or None
    if name == "avi_password":
        return str(value)
    if name == "cluster_name":
        text = _parse_name(setting, value)
        if len(text) > 100 or any(ch.isspace() or ch == "/" for ch in text):
            raise ConfigError(setting, f"not a usable cluster name: {text!r}")
        return text
    return _parse_name(setting, value)


def build_config(
    flags: Mapping[str, object | None],
    env: Mapping[str, str] | None = None,
    *,
    base: EngineConfig | None = None,
) -> EngineConfig:
    """Merge ``flags`` (field name -> value, ``None`` = not given) over ``env`` over ``base``.

    ``env`` defaults to ``os.environ``; pass ``{}`` to ignore the environment.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    known = {f.name for f in fields(EngineConfig)}
    unknown = set(flags) - known
    if unknown:
        raise ConfigError(", ".join(sorted(unknown)), "unknown setting")
    values: dict[str, Any] = {}
    for var, name in ENV_VARS.items():
        if var in environ and environ[var] != "":
            values[name] = _parse_field(name, var, environ[var])
    for name, value in flags.items():
        if value is not None:
            values[name] = _parse_field(name, "--" + name.replace("_", "-"), value)
    return replace(base or EngineConfig(), **values)
