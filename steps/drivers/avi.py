"""Avi driver: reads and (for "behind the engine's back" steps) writes the mock Avi controller
over plain HTTP, and drives its control API (journal, fault rules, session expiry).

It logs in like any Avi client (``POST /login``, CSRF header on writes) and reads objects with
``include_name`` so references carry ``#name``. It builds the VS topology the scenarios assert
on: VS -> VsVip -> services -> L4 rules -> pools -> servers. It never imports ``mock_avi``; it
reads VIPs as AKO does (``simulator.domain.observed``), whichever engine runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from simulator.domain.observed import vip_addresses, vip_of

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROFILE_PROTOCOLS = (("SCTP", "SCTP"), ("UDP", "UDP"), ("TCP", "TCP"))


class AviError(AssertionError):
    """The controller answered an error to a driver call (reported like a failed check)."""


def ref_name(ref: object) -> str:
    """The object name of an Avi reference: ``.../api/pool/pool-1#web`` -> ``web``;
    ``/api/pool?name=web`` -> ``web``; anything else is returned unchanged."""
    text = str(ref)
    if "#" in text:
        return text.rsplit("#", 1)[1]
    if "name=" in text:
        return text.split("name=", 1)[1].split("&", 1)[0]
    return text


def protocol_of_profile(profile: str) -> str:
    """The L4 protocol a network profile stands for (System-UDP-Fast-Path -> UDP)."""
    upper = profile.upper()
    for marker, proto in PROFILE_PROTOCOLS:
        if marker in upper:
            return proto
    return "?"


@dataclass
class PoolView:
    name: str
    uuid: str
    servers: list[str]
    raw: dict[str, Any]


@dataclass
class ServiceEntry:
    port: int
    port_range_end: int
    protocol: str
    network_profile: str
    override: str | None
    enable_ssl: bool

    def short(self) -> str:
        text = f"{self.port}/{self.protocol}"
        return f"{text} ({self.override})" if self.override else text


@dataclass
class L4Rule:
    ports: list[int]
    protocol: str
    pool: str


@dataclass
class VsTopology:
    """One virtual service as the scenarios see it."""

    name: str
    uuid: str
    vip: str | None
    vsvip: str
    network_profile: str
    se_group: str
    services: list[ServiceEntry]
    rules: list[L4Rule]
    pools: list[PoolView]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def render(self) -> str:
        lines = [
            f"VS {self.name}  vip={self.vip or '-'}  vsvip={self.vsvip}  "
            f"profile={self.network_profile}  se_group={self.se_group}",
            "  services: " + (", ".join(s.short() for s in self.services) or "-"),
        ]
        for rule in self.rules:
            lines.append(f"  rule {rule.ports}/{rule.protocol} -> pool {rule.pool}")
        for pool in self.pools:
            lines.append(f"  pool {pool.name}: {', '.join(pool.servers) or '(no servers)'}")
        return "\n".join(lines)


class AviDriver:
    """A logged-in HTTP session on the mock controller plus its control API."""

    def __init__(self, url: str, user: str = "admin", password: str = "admin") -> None:
        self.url = url.rstrip("/")
        self.user = user
        self.password = password
        self.http = requests.Session()
        self.http.headers.update({"X-Avi-Tenant": "admin", "Content-Type": "application/json"})
        self._logged_in = False

    # -- transport ------------------------------------------------------------------------------
    def login(self) -> None:
        response = self.http.post(
            f"{self.url}/login",
            json={"username": self.user, "password": self.password},
            timeout=10,
        )
        if response.status_code != 200:
            raise AviError(
                f"login to the mock controller failed: {response.status_code} {response.text}"
            )
        token = self.http.cookies.get("csrftoken")
        if token:
            self.http.headers["X-CSRFToken"] = token
        self.http.headers["Referer"] = self.url
        self._logged_in = True

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request; logs in first and once more on 401."""
        if not self._logged_in:
            self.login()
        kwargs.setdefault("timeout", 10)
        response = self.http.request(method, f"{self.url}{path}", **kwargs)
        if response.status_code == 401:
            self.login()
            response = self.http.request(method, f"{self.url}{path}", **kwargs)
        return response

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A control API call (``/__mock__/...``) with HTTP Basic credentials."""
        kwargs.setdefault("timeout", 10)
        return requests.request(
            method, f"{self.url}/__mock__/{path}", auth=(self.user, self.password), **kwargs
        )

    @staticmethod
    def _json(response: requests.Response, what: str) -> Any:
        if response.status_code >= 400:
            raise AviError(f"{what}: controller answered {response.status_code} {response.text}")
        return response.json() if response.content else None

    # -- objects --------------------------------------------------------------------------------
    def list(self, obj_type: str, **params: str) -> list[dict[str, Any]]:
        """Every object of a type (all pages), refs with ``#name``."""
        query: dict[str, str] = {"include_name": "true", "page_size": "200", **params}
        results: list[dict[str, Any]] = []
        response = self.call("GET", f"/api/{obj_type}", params=query)
        while True:
            body = self._json(response, f"GET /api/{obj_type}")
            results.extend(body.get("results", []))
            next_url = body.get("next")
            if not next_url:
                return results
            path = next_url.split("/api/", 1)[1]
            response = self.call("GET", f"/api/{path}")

    def by_name(self, obj_type: str, name: str) -> dict[str, Any] | None:
        found = self.list(obj_type, name=name)
        return found[0] if found else None

    def by_ref(self, ref: str) -> dict[str, Any] | None:
        """Follow a reference URL (``http://h/api/pool/pool-1#x``)."""
        path = "/api/" + ref.split("/api/", 1)[1].split("#", 1)[0]
        response = self.call("GET", path, params={"include_name": "true"})
        if response.status_code == 404:
            return None
        result: dict[str, Any] = self._json(response, f"GET {path}")
        return result

    def create(self, obj_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            self.call("POST", f"/api/{obj_type}", json=dict(payload)), f"POST /api/{obj_type}"
        )
        return result

    def patch(self, obj_type: str, uuid: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            self.call("PATCH", f"/api/{obj_type}/{uuid}", json={"replace": dict(changes)}),
            f"PATCH /api/{obj_type}/{uuid}",
        )
        return result

    def delete(self, obj_type: str, uuid: str) -> None:
        self._json(self.call("DELETE", f"/api/{obj_type}/{uuid}"), f"DELETE /api/{obj_type}/{uuid}")

    def system_configuration(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            self.call("GET", "/api/systemconfiguration"), "GET /api/systemconfiguration"
        )
        return result

    def set_license_tier(self, tier: str) -> None:
        config = self.system_configuration()
        config["default_license_tier"] = tier
        self._json(
            self.call("PUT", "/api/systemconfiguration", json=config), "PUT systemconfiguration"
        )

    # -- control API ----------------------------------------------------------------------------
    def journal(self, since: int = 0) -> list[dict[str, Any]]:
        body = self._json(self.control("GET", "journal", params={"since": str(since)}), "journal")
        return list(body) if isinstance(body, list) else list(body.get("entries", []))

    def journal_position(self) -> int:
        entries = self.journal()
        return max((int(e["seq"]) for e in entries), default=0)

    def journal_entries(
        self, method: str, path: str, status: int | None = None
    ) -> list[dict[str, Any]]:
        """Journal entries of ``method`` whose path contains ``path`` (answered ``status``)."""
        return [
            e
            for e in self.journal()
            if e.get("method") == method
            and path in str(e.get("path"))
            and (status is None or int(e.get("status", 0)) == status)
        ]

    def writes_since(self, since: int) -> list[dict[str, Any]]:
        """Journal entries with a write method on the API (``/api/...``) after ``since``."""
        return [
            e
            for e in self.journal(since)
            if e.get("method") in WRITE_METHODS and str(e.get("path", "")).startswith("/api/")
        ]

    def write_kinds_since(self, since: int) -> list[str]:
        """``METHOD type`` of every API write after ``since``, in journal order."""
        return [
            f"{e.get('method')} {str(e.get('path', '')).split('/')[2]}"
            for e in self.writes_since(since)
        ]

    def add_fault(self, rule: Mapping[str, Any]) -> str:
        body = self._json(self.control("POST", "faults", json=dict(rule)), "add fault rule")
        return str(body.get("id", "")) if isinstance(body, dict) else str(body)

    def expire_sessions(self) -> None:
        self._json(self.control("POST", "sessions/expire"), "expire sessions")

    # -- VIPs held behind the engine's back -----------------------------------------------------
    def create_foreign_vsvip(self, name: str, network: str, ip: str | None = None) -> None:
        """A VsVip another client owns, on ``network`` (holding ``ip``, else auto-allocated)."""
        self.create("vsvip", foreign_vsvip(name, network, ip))

    def exhaust_vip_range(self, network: str, limit: int = 1000) -> int:
        """Create foreign VsVips on ``network`` until the controller answers ``No available free
        IPs``; returns how many were created. Any other error, or no end within ``limit``, fails.
        """
        for index in range(limit):
            try:
                self.create_foreign_vsvip(f"filler-{network}-{index}", network)
            except AviError as error:
                assert "No available free IPs" in str(error), (
                    f"unexpected error while filling the VIP range of {network}: {error}"
                )
                return index
        raise AssertionError(f"the VIP range of {network} never ran out ({limit} VsVips)")

    def vsvip_holding(self, ip: str) -> dict[str, Any] | None:
        """The VsVip whose address is ``ip``, if any."""
        return next((v for v in self.list("vsvip") if ip in vip_addresses(v)), None)

    def pool_servers(self, name: str) -> list[str] | None:
        """``ip:port`` of every server of the pool, sorted; None when there is no such pool."""
        pool = self.by_name("pool", name)
        return servers_of(pool) if pool is not None else None

    # -- health ---------------------------------------------------------------------------------
    def mark_health(self, **body: Any) -> dict[str, Any]:
        """``POST /__mock__/health`` (a server, pool, VS or host up or down); the mark set."""
        result: dict[str, Any] = self._json(self.control("POST", "health", json=body), "health")
        return result

    def oper_states(self, name: str) -> tuple[str, str]:
        """The VS's oper state in ``/virtualservice/<uuid>/runtime`` and in its inventory."""
        vs = self.by_name("virtualservice", name)
        if vs is None:
            raise AviError(f"no virtual service {name}")
        runtime = self._json(self.call("GET", f"/api/virtualservice/{vs['uuid']}/runtime"), name)
        inventory = self._json(
            self.call("GET", f"/api/virtualservice-inventory/{vs['uuid']}"), name
        )
        return (
            str(runtime["oper_status"]["state"]),
            str(inventory["runtime"]["oper_status"]["state"]),
        )

    # -- topology -------------------------------------------------------------------------------
    def topology(self) -> list[VsTopology]:
        """Every virtual service with its VsVip, service entries, L4 rules and pools."""
        return [self._vs_topology(vs) for vs in self.list("virtualservice")]

    def vs_topology(self, name: str) -> VsTopology | None:
        vs = self.by_name("virtualservice", name)
        return self._vs_topology(vs) if vs else None

    def _vs_topology(self, vs: dict[str, Any]) -> VsTopology:
        vsvip_ref = str(vs.get("vsvip_ref", ""))
        vsvip = self.by_ref(vsvip_ref) if vsvip_ref else None
        profile = ref_name(vs.get("network_profile_ref", ""))
        services: list[ServiceEntry] = []
        for entry in vs.get("services", []) or []:
            override = entry.get("override_network_profile_ref")
            effective = ref_name(override) if override else profile
            port = int(entry.get("port", 0))
            services.append(
                ServiceEntry(
                    port=port,
                    port_range_end=int(entry.get("port_range_end", port) or port),
                    protocol=protocol_of_profile(effective),
                    network_profile=effective,
                    override=ref_name(override) if override else None,
                    enable_ssl=bool(entry.get("enable_ssl", False)),
                )
            )
        rules: list[L4Rule] = []
        pool_names: list[str] = []
        for policy in vs.get("l4_policies", []) or []:
            policy_set = self.by_ref(str(policy.get("l4_policy_set_ref", "")))
            if policy_set is None:
                continue
            connection = policy_set.get("l4_connection_policy", {}) or {}
            for rule in sorted(connection.get("rules", []) or [], key=lambda r: r.get("index", 0)):
                match = rule.get("match", {}) or {}
                pool = ref_name(rule.get("action", {}).get("select_pool", {}).get("pool_ref", ""))
                protocol = str(match.get("protocol", {}).get("protocol", "")).replace(
                    "PROTOCOL_", ""
                )
                rules.append(L4Rule(list(match.get("port", {}).get("ports", [])), protocol, pool))
                if pool not in pool_names:
                    pool_names.append(pool)
        if vs.get("pool_ref"):
            pool_names.append(ref_name(vs["pool_ref"]))
        pools = [self._pool_view(name) for name in pool_names]
        return VsTopology(
            name=str(vs.get("name")),
            uuid=str(vs.get("uuid")),
            vip=vip_of(vsvip) if vsvip else None,
            vsvip=str(vsvip.get("name")) if vsvip else "(missing)",
            network_profile=profile,
            se_group=ref_name(vs.get("se_group_ref", "")),
            services=services,
            rules=rules,
            pools=[p for p in pools if p is not None],
            raw=vs,
        )

    def _pool_view(self, name: str) -> PoolView | None:
        pool = self.by_name("pool", name)
        if pool is None:
            return PoolView(name=name, uuid="(missing)", servers=[], raw={})
        return PoolView(name=name, uuid=str(pool.get("uuid")), servers=servers_of(pool), raw=pool)

    def render_topology(self) -> str:
        """The whole controller as indented text (for failure reports)."""
        parts = [vs.render() for vs in self.topology()]
        counts = []
        for obj_type in ("virtualservice", "vsvip", "pool", "l4policyset", "poolgroup"):
            try:
                objects = self.list(obj_type)
            except AviError as error:
                counts.append(f"{obj_type}: ({error})")
                continue
            names = ", ".join(sorted(str(o.get("name")) for o in objects)) or "-"
            counts.append(f"{obj_type} ({len(objects)}): {names}")
        return "\n".join(parts or ["(no virtual service)"]) + "\n\n" + "\n".join(counts)


def foreign_vsvip(name: str, network: str, ip: str | None) -> dict[str, Any]:
    """A VsVip body as another client would post it (``created_by`` someone else)."""
    vip: dict[str, Any] = {
        "vip_id": "0",
        "auto_allocate_ip": True,
        "ipam_network_subnet": {"network_ref": f"/api/network/?name={network}"},
    }
    if ip:
        vip["ip_address"] = {"addr": ip, "type": "V4"}
    return {
        "name": name,
        "created_by": "someone-else",
        "cloud_ref": "/api/cloud?name=Default-Cloud",
        "tenant_ref": "/api/tenant/?name=admin",
        "vip": [vip],
    }


def servers_of(pool: Mapping[str, Any]) -> list[str]:
    """``ip:port`` of every server of a pool, sorted."""
    found = []
    for server in pool.get("servers", []) or []:
        address = (server.get("ip") or {}).get("addr", "?")
        found.append(f"{address}:{server.get('port', pool.get('default_server_port', '?'))}")
    return sorted(found)


def iter_field(obj: Any, path: str) -> Iterator[Any]:
    """Values at a dotted path; list indexes are numbers and a list without an index fans out:
    ``vip.0.ipam_network_subnet.network_ref``, ``health_monitor_refs``."""
    current: list[Any] = [obj]
    for part in path.split("."):
        following: list[Any] = []
        for value in current:
            if isinstance(value, list):
                if part.isdigit():
                    if int(part) < len(value):
                        following.append(value[int(part)])
                else:
                    following.extend(
                        v.get(part) for v in value if isinstance(v, dict) and part in v
                    )
            elif isinstance(value, dict) and part in value:
                following.append(value[part])
        current = following
    for value in current:
        if isinstance(value, list):
            yield from value
        else:
            yield value


def field_text(obj: Any, path: str) -> str:
    """The value(s) at ``path`` as the scenarios write them: refs as names, booleans lower-case,
    lists comma-joined; ``(absent)`` when the path does not exist."""
    values = list(iter_field(obj, path))
    if not values:
        return "(absent)"
    rendered = []
    for value in values:
        if isinstance(value, bool):
            rendered.append("true" if value else "false")
        elif isinstance(value, str) and ("/api/" in value):
            rendered.append(ref_name(value))
        else:
            rendered.append(str(value))
    return ", ".join(rendered)
