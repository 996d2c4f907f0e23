"""Operational state: health marks set through the control API and what follows from them.

``Health`` holds the marks (a server, a pool or a virtual service forced up or down, with a
reason) that ``POST /__mock__/health`` sets; ``Runtime`` computes, from the store and the marks,
the oper status and health score of servers, pools and virtual services, and renders them in
the shapes of the Go SDK's models (``OperationalStatus``: ``reason_code`` an integer,
``last_changed_time`` ``{secs, usecs}``; ``VsInventory``, ``PoolInventory``,
``VsvipInventory``). Rules: a disabled object is OPER_DISABLED; a mark wins; a pool with no
servers, or whose enabled servers are all down (or all disabled), is OPER_DOWN; a VS is
OPER_DOWN when none of its pools is up, with the reason of its pool.

What a pool's health monitors can see follows their type: a host mark (``{host: ip}``: the
machine is down) downs that address in every pool; a server mark (``ip:port``: the port stopped
answering) is seen by port-level monitors (TCP, UDP, HTTP(S), DNS, ... or no monitor, when the
mark stands for the passive checks) but not by a pool whose monitors are all
``HEALTH_MONITOR_PING``, which only checks that the host answers.

The reason codes are names of the controller's published ``SysErr`` enum (30.2.1 schema, e.g.
``EventLog.reason_code``); ``reason_code`` is the name's position in that list, since the schema
publishes names, not numbers. Reads the store, never writes it.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_avi import errors
from mock_avi.errors import BadRequest, NotFound
from mock_avi.refs import split_stored
from mock_avi.store import Record, Store

UP, DOWN, DISABLED = "OPER_UP", "OPER_DOWN", "OPER_DISABLED"

# reason_code_string -> reason_code: the names the mock uses, each with its position in the
# schema's SysErr enum list (tests/contract/avi/test_avi_health_reasons.py holds them to it).
SUCCESS = "SYSERR_SUCCESS"  # up
FAILURE = "SYSERR_FAILURE"  # marked down through the control API, or a monitor failed
VS_DISABLED = "SYSERR_VS_DISABLED"  # the VS has enabled: false
USER_DISABLED = "SYSERR_RM_RES_USER_DISABLED"  # a pool or server the user disabled
NO_POOL = "SYSERR_DEFAULT_POOL_NOT_FOUND"  # a VS with no pool at all
NO_SERVERS = "SYSERR_UPSTREAM_INIT_NO_SERVERS"  # a pool with no servers
NO_PEERS = "SYSERR_UPSTREAM_LB_NO_PEERS"  # a pool with no server up to balance to
REASONS: Mapping[str, int] = {
    SUCCESS: 0,
    FAILURE: 1,
    VS_DISABLED: 67,
    USER_DISABLED: 178,
    NO_POOL: 756,
    NO_SERVERS: 851,
    NO_PEERS: 857,
}
# Monitors that see only the host, not the port.
HOST_ONLY_MONITORS = frozenset({"HEALTH_MONITOR_PING"})


@dataclass(frozen=True)
class Mark:
    up: bool
    reason: str
    since: float


@dataclass(frozen=True)
class State:
    state: str
    code: str
    reason: tuple[str, ...]
    since: float

    def oper_status(self) -> dict[str, Any]:
        secs = int(self.since)
        return {
            "state": self.state,
            "reason": list(self.reason),
            "reason_code": REASONS[self.code],
            "reason_code_string": self.code,
            "last_changed_time": {"secs": secs, "usecs": int((self.since - secs) * 1e6)},
        }


class Health:
    """The marks: ``("virtualservice" | "pool", uuid)`` or ``("server", pool, "ip:port")``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: dict[tuple[str, ...], Mark] = {}

    def clear(self) -> None:
        with self._lock:
            self._marks.clear()

    def get(self, key: tuple[str, ...]) -> Mark | None:
        with self._lock:
            return self._marks.get(key)

    def set(self, key: tuple[str, ...], up: bool, reason: str) -> None:
        with self._lock:
            self._marks[key] = Mark(up, reason, time.time())

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"target": list(k), "state": UP if m.up else DOWN, "reason": m.reason}
                for k, m in self._marks.items()
            ]

    def apply(self, store: Store, body: Any) -> dict[str, Any]:
        """``{virtualservice | pool: <uuid or name>, server?: "ip[:port]", state: up|down,
        reason?}`` or ``{host: ip, state, reason?}`` -> the mark set; 400/404 (and no change)
        when the body is wrong."""
        if not isinstance(body, dict):
            raise BadRequest(errors.NOT_AN_OBJECT)
        state = body.get("state")
        if state not in ("up", "down"):
            raise BadRequest(errors.BAD_FILTER.format(param="state", value=state))
        reason = body.get("reason", "")
        if not isinstance(reason, str):
            raise BadRequest(errors.BAD_FILTER.format(param="reason", value=reason))
        kinds = [k for k in ("virtualservice", "pool", "host") if k in body]
        if len(kinds) != 1 or not isinstance(body[kinds[0]], str):
            raise BadRequest(
                "health: give exactly one of virtualservice or pool (a uuid or name) or host"
            )
        kind = kinds[0]
        if kind == "host":
            if "server" in body:
                raise BadRequest("health: a host mark names no server")
            try:
                host = str(ipaddress.ip_address(body["host"]))
            except ValueError:
                raise BadRequest(f"health: host {body['host']!r} is not an IP address") from None
            self.set(("host", host), state == "up", reason)
            return {
                "target": ["host", host],
                "state": UP if state == "up" else DOWN,
                "reason": reason,
            }
        with store.lock:
            rec = _find(store, kind, body[kind])
            key: tuple[str, ...] = (kind, rec.uuid)
            server = body.get("server")
            if server is not None:
                if kind != "pool" or not isinstance(server, str):
                    raise BadRequest("health: a server is named inside a pool, as 'ip[:port]'")
                key = ("server", rec.uuid, _server_key(rec, server))
        self.set(key, state == "up", reason)
        return {"target": list(key), "state": UP if state == "up" else DOWN, "reason": reason}


def _find(store: Store, kind: str, ident: str) -> Record:
    rec = store.records.get(ident)
    if rec is not None and rec.type == kind:
        return rec
    named = list(store.by_name.get((kind, ident), {}).values())
    if len(named) == 1:
        return named[0]
    raise NotFound(errors.NOT_FOUND.format(model="VirtualService" if kind != "pool" else "Pool"))


def _server_id(pool: Mapping[str, Any], server: Mapping[str, Any]) -> str:
    port = server.get("port", pool.get("default_server_port", 80))
    return f"{(server.get('ip') or {}).get('addr', '')}:{port}"


def _server_key(pool: Record, wanted: str) -> str:
    for server in pool.body.get("servers", []) or []:
        sid = _server_id(pool.body, server)
        if wanted in (sid, sid.rsplit(":", 1)[0]):
            return sid
    raise NotFound(f"Server {wanted} not found in pool {pool.name}")


def _since(rec: Record) -> float:
    stamp = rec.body.get("_last_modified")
    return int(stamp) / 1e6 if isinstance(stamp, str) and stamp.isdigit() else time.time()


class Runtime:
    """Computed states over one store snapshot (take ``store.lock`` around its use)."""

    def __init__(self, store: Store, health: Health) -> None:
        self.store = store
        self.health = health

    # ----- servers and pools ----------------------------------------------------------------
    def monitor_types(self, pool: Record) -> set[str]:
        """The types of the health monitors a pool names (refs the store cannot find skipped)."""
        types: set[str] = set()
        for ref in pool.body.get("health_monitor_refs", []) or []:
            monitor = self.store.records.get(split_stored(ref)[1]) if isinstance(ref, str) else None
            if monitor is not None and isinstance(monitor.body.get("type"), str):
                types.add(monitor.body["type"])
        return types

    def servers(self, pool: Record) -> list[tuple[dict[str, Any], State]]:
        out = []
        pool_enabled = bool(pool.body.get("enabled", True))
        types = self.monitor_types(pool)
        sees_ports = not types or bool(types - HOST_ONLY_MONITORS)
        for server in pool.body.get("servers", []) or []:
            sid = _server_id(pool.body, server)
            host = self.health.get(("host", sid.rsplit(":", 1)[0]))
            mark = self.health.get(("server", pool.uuid, sid)) if sees_ports else None
            if not server.get("enabled", True) or not pool_enabled:
                state = State(DISABLED, USER_DISABLED, ("Server is disabled",), _since(pool))
            elif host is not None and not host.up:
                reason = host.reason or f"Server {sid}: host is down"
                state = State(DOWN, FAILURE, (reason,), host.since)
            elif mark is not None and not mark.up:
                reason = mark.reason or f"Server {sid} marked down"
                state = State(DOWN, FAILURE, (reason,), mark.since)
            else:
                since = mark.since if mark else _since(pool)
                state = State(UP, SUCCESS, (), since)
            out.append((server, state))
        return out

    def pool(self, pool: Record) -> State:
        mark = self.health.get(("pool", pool.uuid))
        if not pool.body.get("enabled", True):
            return State(DISABLED, USER_DISABLED, ("Pool is disabled",), _since(pool))
        if mark is not None and not mark.up:
            reason = mark.reason or f"Pool {pool.name} marked down"
            return State(DOWN, FAILURE, (reason,), mark.since)
        servers = self.servers(pool)
        if not servers:
            return State(DOWN, NO_SERVERS, ("Pool has no servers",), _since(pool))
        if not any(s.state == UP for _, s in servers):
            since = max(s.since for _, s in servers)
            if all(s.state == DISABLED for _, s in servers):
                disabled = (f"All servers of pool {pool.name} are disabled",)
                return State(DOWN, NO_PEERS, disabled, since)
            reasons: tuple[str, ...] = tuple(
                r for _, s in servers if s.state == DOWN for r in s.reason
            ) or (f"All servers of pool {pool.name} are down",)
            return State(DOWN, NO_PEERS, reasons, since)
        since = mark.since if mark else _since(pool)
        return State(UP, SUCCESS, (), since)

    def pool_counts(self, pool: Record) -> dict[str, Any]:
        servers = self.servers(pool)
        total = len(servers)
        enabled = sum(1 for _, s in servers if s.state != DISABLED)
        up = sum(1 for _, s in servers if s.state == UP)
        return {
            "num_servers": total,
            "num_servers_enabled": enabled,
            "num_servers_up": up,
            "percent_servers_up_enabled": int(100 * up / enabled) if enabled else 0,
            "percent_servers_up_total": int(100 * up / total) if total else 0,
        }

    def pool_health(self, pool: Record) -> float:
        if self.pool(pool).state != UP:
            return 0.0
        counts = self.pool_counts(pool)
        up, enabled = int(counts["num_servers_up"]), int(counts["num_servers_enabled"])
        return round(100.0 * up / max(enabled, 1), 1)

    # ----- virtual services -----------------------------------------------------------------
    def pools_of(self, vs: Record) -> list[Record]:
        """Every pool a VS sends traffic to: pool_ref, pool groups, service pools, L4 rules."""
        found: dict[str, Record] = {}

        def add(rec: Record | None) -> None:
            if rec is None:
                return
            if rec.type == "pool":
                found[rec.uuid] = rec
            elif rec.type in ("poolgroup", "l4policyset"):
                for target in self.store.targets_of(rec):
                    if target.type == "pool":
                        found[target.uuid] = target

        for target in self.store.targets_of(vs):
            add(target)
        return sorted(found.values(), key=lambda r: r.name)

    def poolgroups_of(self, vs: Record) -> list[Record]:
        return [t for t in self.store.targets_of(vs) if t.type == "poolgroup"]

    def vs(self, vs: Record) -> State:
        mark = self.health.get(("virtualservice", vs.uuid))
        if not vs.body.get("enabled", True):
            disabled = ("Virtual service is disabled",)
            return State(DISABLED, VS_DISABLED, disabled, _since(vs))
        if mark is not None and not mark.up:
            reason = mark.reason or f"Virtual service {vs.name} marked down"
            return State(DOWN, FAILURE, (reason,), mark.since)
        pools = self.pools_of(vs)
        if not pools:
            return State(DOWN, NO_POOL, ("Virtual service has no pool",), _since(vs))
        states = [(p, self.pool(p)) for p in pools]
        if not any(s.state == UP for _, s in states):
            reasons = tuple(f"Pool {p.name} is down: {'; '.join(s.reason)}" for p, s in states)
            code = next((s.code for _, s in states if s.state == DOWN), states[0][1].code)
            return State(DOWN, code, reasons, max(s.since for _, s in states))
        return State(UP, SUCCESS, (), mark.since if mark else _since(vs))

    def vs_health(self, vs: Record) -> float:
        if self.vs(vs).state != UP:
            return 0.0
        scores = [self.pool_health(p) for p in self.pools_of(vs)]
        return max(scores) if scores else 0.0

    def vsvip_of(self, vs: Record) -> Record | None:
        ref = vs.body.get("vsvip_ref")
        return self.store.records.get(split_stored(ref)[1]) if isinstance(ref, str) else None

    def vip_summaries(self, vs: Record) -> list[dict[str, Any]]:
        state = self.vs(vs)
        vsvip = self.vsvip_of(vs)
        up = state.state == UP
        out = []
        for vip in (vsvip.body.get("vip", []) if vsvip else []) or []:
            entry: dict[str, Any] = {
                "vip_id": vip.get("vip_id"),
                "oper_status": state.oper_status(),
                "num_se_assigned": 1 if up else 0,
                "num_se_requested": 1,
                "percent_ses_up": 100 if up else 0,
                "enabled": bool(vip.get("enabled", True)),
                "auto_allocate_ip": bool(vip.get("auto_allocate_ip", False)),
            }
            if vip.get("ip_address"):
                entry["ip_address"] = dict(vip["ip_address"])
            out.append(entry)
        return out

    def vs_runtime(self, vs: Record) -> dict[str, Any]:
        """``/virtualservice/<uuid>/runtime``: one object per VS (its VIPs in ``vip_summary``)."""
        state = self.vs(vs)
        return {
            "name": vs.name,
            "uuid": vs.uuid,
            "oper_status": state.oper_status(),
            "percent_ses_up": 100 if state.state == UP else 0,
            "vip_summary": self.vip_summaries(vs),
        }
