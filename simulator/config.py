"""Engine settings: the one settings holder, built from command-line flags and AKO environment.

:class:`EngineConfig` is the domain's :class:`~simulator.domain.model.Settings` (the settings the
pure domain reads, declared there) plus what only the engine reads (the controller, the
kubeconfig, the endpoint, workers...), declared here. Each field's metadata says its environment
variable, whether ``ako-sim engine`` has a flag for it and its help text; fields declared here
also name their parser, the domain's get one by name or type (:func:`settings_of`). Everything
else is derived from those fields: the environment table (:data:`ENV_VARS`), validation, the
``ako-sim engine`` options (``simulator.cli.config_options``) and the domain's own copy
(:meth:`EngineConfig.domain`). Adding a setting is one field (in ``domain/model.py`` if the domain
reads it, else here) plus the code that reads it.

Precedence: an explicit flag wins over the environment, which wins over the defaults of
``spec/behaviour.md`` section 1. Invalid values raise :class:`ConfigError` (a ``ValueError`` naming
the setting), which the CLI turns into a ``click.BadParameter``; parsing never lets a traceback
reach the user. This module does no I/O beyond reading the mapping it is given; it imports no
CLI library.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from simulator.domain.model import Settings
from simulator.domain.service_types import SERVICE_TYPES


class ConfigError(ValueError):
    """An invalid setting; ``setting`` names the flag or variable at fault."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting
        self.message = message


Parser = Callable[[str, object], Any]


@dataclass(frozen=True)
class Setting:
    """What a field of :class:`EngineConfig` is outside Python: its environment variable (AKO's
    name where AKO has one), its ``ako-sim engine`` flag (``--<field-name>``) and help, its
    parser (``parse(setting_name, value)``)."""

    env: str
    parse: Parser
    help: str = ""
    flag: bool = False
    #: the flag takes a file path (the CLI shows it as such)
    path: bool = False
    #: never shown (help, repr)
    secret: bool = False


def setting(
    default: Any,
    env: str,
    parse: Parser,
    help: str = "",
    *,
    flag: bool = False,
    path: bool = False,
    secret: bool = False,
) -> Any:
    """A dataclass field of :class:`EngineConfig` with its :class:`Setting` metadata."""
    meta = {"env": env, "parse": parse, "help": help, "flag": flag, "path": path, "secret": secret}
    return field(default=default, metadata=meta, repr=not secret)


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


def _parse_service_type(setting: str, value: object) -> str:
    text = str(value).strip()
    for choice in SERVICE_TYPES:
        if text.lower() == choice.lower():
            return choice
    raise ConfigError(setting, f"expected one of {', '.join(SERVICE_TYPES)}, got {value!r}")


def _parse_port(setting: str, value: object) -> int:
    port: int = _parse_number(setting, value, int, 0)
    if port > 65535:
        raise ConfigError(setting, f"not a TCP port: {port}")
    return port


def _parse_cluster_name(setting: str, value: object) -> str:
    text = _parse_name(setting, value)
    if len(text) > 100 or any(ch.isspace() or ch == "/" for ch in text):
        raise ConfigError(setting, f"not a usable cluster name: {text!r}")
    return text


def _parse_optional_path(setting: str, value: object) -> str | None:
    return str(value).strip() or None


def _parse_text(setting: str, value: object) -> str:
    return str(value)


def _at_least(kind: type, minimum: float) -> Parser:
    def parse(setting: str, value: object) -> Any:
        return _parse_number(setting, value, kind, minimum)

    return parse


@dataclass(frozen=True)
class EngineConfig(Settings):
    """Everything the engine needs to run (behaviour.md section 1 for the defaults): the domain's
    :class:`Settings` and these."""

    avi_controller: str = setting(
        "http://127.0.0.1:8443",
        "CTRL_IPADDRESS",
        parse_controller_url,
        "controller URL or address",
        flag=True,
    )
    avi_user: str = setting("admin", "CTRL_USERNAME", _parse_name, flag=True)
    avi_password: str = setting("admin", "CTRL_PASSWORD", _parse_text, flag=True, secret=True)
    avi_timeout: float = setting(10.0, "CTRL_TIMEOUT", _at_least(float, 0.001))
    kubeconfig: str | None = setting(None, "KUBECONFIG", _parse_optional_path, flag=True, path=True)
    host: str = setting("127.0.0.1", "AKO_SIM_HOST", _parse_name, "endpoint address", flag=True)
    port: int = setting(
        8080, "AKO_SIM_PORT", _parse_port, "endpoint port (0 = any free port)", flag=True
    )
    workers: int = setting(4, "AKO_SIM_WORKERS", _at_least(int, 1), "reconcile workers", flag=True)
    resync_period: float = setting(
        300.0,
        "AKO_SIM_RESYNC_PERIOD",
        _at_least(float, 0.0),
        "seconds between controller re-lists (0 = off)",
        flag=True,
    )

    def with_overrides(self, **changes: Any) -> EngineConfig:
        """A copy with some fields replaced, validated like any other input."""
        return build_config(changes, {}, base=self)

    def domain(self, license_tier: str = "ENTERPRISE") -> Settings:
        """The domain's own copy of its settings, with the licence tier the controller reported."""
        values = {f.name: getattr(self, f.name) for f in fields(Settings)}
        return Settings(**{**values, "license_tier": license_tier})


#: parsers of the domain's settings that are more than their type (the rest go by type)
_DOMAIN_PARSERS: dict[str, Parser] = {
    "cluster_name": _parse_cluster_name,
    "service_type": _parse_service_type,
    "vip_networks": parse_vip_networks,
}
_BY_TYPE: dict[str, Parser] = {
    "bool": parse_bool,
    "int": _at_least(int, 0),
    "float": _at_least(float, 0.0),
}


def settings_of(config: type[EngineConfig] = EngineConfig) -> list[tuple[str, Setting, Any]]:
    """(field name, :class:`Setting`, default) of every setting (a field with an environment
    variable), in declaration order: the domain's first."""
    found = []
    for f in fields(config):
        meta = f.metadata
        if "env" not in meta:
            continue
        parse = meta.get("parse") or _DOMAIN_PARSERS.get(f.name) or _BY_TYPE.get(str(f.type))
        setting_ = Setting(
            meta["env"],
            parse or _parse_name,
            meta.get("help", ""),
            flag=bool(meta.get("flag")),
            path=bool(meta.get("path")),
            secret=bool(meta.get("secret")),
        )
        found.append((f.name, setting_, f.default))
    return found


_SETTINGS = {name: meta for name, meta, _ in settings_of()}

#: environment variable -> EngineConfig field (AKO's names where AKO has one)
ENV_VARS: dict[str, str] = {meta.env: name for name, meta in _SETTINGS.items()}


class LiveSettings:
    """The running engine's one holder of the domain settings, shared by every component (the
    event router, the Avi cache, the reconciler): what the config says, plus what the
    controller told at start (its licence tier). Readers take :attr:`current` when they need it,
    so nobody keeps a stale copy."""

    def __init__(self, settings: Settings) -> None:
        self._current = settings
        self._lock = threading.Lock()

    @property
    def current(self) -> Settings:
        return self._current

    def learn_license_tier(self, tier: str) -> Settings:
        """The controller's licence tier, learnt at bootstrap; returns the new settings."""
        with self._lock:
            self._current = replace(self._current, license_tier=tier)
            return self._current


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
    unknown = set(flags) - set(_SETTINGS)
    if unknown:
        raise ConfigError(", ".join(sorted(unknown)), "unknown setting")
    values: dict[str, Any] = {}
    for name, meta in _SETTINGS.items():
        if environ.get(meta.env, "") != "":
            values[name] = meta.parse(meta.env, environ[meta.env])
    for name, value in flags.items():
        if value is not None:
            values[name] = _SETTINGS[name].parse("--" + name.replace("_", "-"), value)
    return replace(base or EngineConfig(), **values)
