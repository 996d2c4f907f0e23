"""The controller's topology as a tree: VS -> VIP -> service ports -> L4 rules -> pools -> servers.

``build_topology`` takes the Avi objects of one cluster (virtualservice, vsvip, l4policyset,
pool; as the API returns them, refs as URLs with or without ``#name``, or in the mock's stored
``/api/<type>/<uuid>`` form) and the cluster's Services, and returns JSON-ready data:

- ``virtualservices``: one tree per VS, with the Services it serves;
- ``vips``: each address, the VSes and Services on it, and whether it is shared;
- ``groups``: every shared-VIP group (``<ns>/<annotation value>``) with its state, read from
  the members' ``ako.vmware.com/VipAssigned`` condition as the engine wrote it; a group whose
  members the engine marked misconfigured, or that could not get its VIP, is ``flagged``.

Where ``avi`` also holds the controller's ``virtualservice-inventory`` and ``pool-inventory``
entries, each VS and pool carries its ``health`` (oper state, Avi UI colour, reason; see
``views/health.py``); without them ``health`` is ``None``. ``render_text`` draws the same tree
for terminals. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from simulator.domain.grouping import keys_for_service
from simulator.domain.keys import Key
from simulator.domain.model import ServiceView, Settings
from simulator.domain.observed import marker, owned_key, ref_parts, vip_addresses
from simulator.domain.reasons import FLAGGED, PARTIAL
from simulator.views.health import health_index, health_text
from simulator.views.services import condition, external_ip

Obj = Mapping[str, Any]


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# -- refs -----------------------------------------------------------------------------------


class _Index:
    """Objects of one type by uuid and by name."""

    def __init__(self, objects: Iterable[Any]) -> None:
        self.by_uuid: dict[str, Obj] = {}
        self.by_name: dict[str, Obj] = {}
        for obj in objects:
            if not isinstance(obj, Mapping):
                continue
            if isinstance(obj.get("uuid"), str):
                self.by_uuid[obj["uuid"]] = obj
            if isinstance(obj.get("name"), str):
                self.by_name[obj["name"]] = obj

    def resolve(self, ref: Any) -> Obj | None:
        uuid, name = ref_parts(ref)
        if uuid is not None and uuid in self.by_uuid:
            return self.by_uuid[uuid]
        return self.by_name.get(name) if name is not None else None


def _ref_name(ref: Any, names: Mapping[str, str]) -> str | None:
    uuid, name = ref_parts(ref)
    if name:
        return name
    return names.get(uuid) if uuid else None


def _protocol_of_profile(name: str | None) -> str | None:
    if not name:
        return None
    upper = name.upper()
    for protocol in ("UDP", "SCTP", "TCP"):
        if protocol in upper:
            return protocol
    return None


# -- pieces ---------------------------------------------------------------------------------


def _servers(pool: Obj) -> list[str]:
    out: list[str] = []
    for server in _list(pool.get("servers")):
        server = _map(server)
        addr = _map(server.get("ip")).get("addr") or server.get("hostname") or "?"
        port = server.get("port") or pool.get("default_server_port")
        text = f"{addr}:{port}" if port else str(addr)
        if server.get("enabled") is False:
            text += " (disabled)"
        out.append(text)
    return out


Health = Mapping[str, Mapping[str, Any]]


def _pool_node(pool: Obj | None, ref: Any, health: Health | None = None) -> dict[str, Any]:
    if pool is None:
        _, name = ref_parts(ref)
        return {
            "name": name or str(ref),
            "missing": True,
            "service": None,
            "servers": [],
            "health": None,
        }
    return {
        "name": str(pool.get("name") or ""),
        "missing": False,
        "service": marker(pool, "ServiceName"),
        "servers": _servers(pool),
        "enabled": pool.get("enabled", True) is not False,
        "health": (health or {}).get(str(pool.get("uuid") or "")),
    }


def _rules(
    policyset: Obj | None, pools: _Index, health: Health | None = None
) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    raw = _list(_map(_map(policyset).get("l4_connection_policy")).get("rules"))
    for position, rule in enumerate(raw):
        rule = _map(rule)
        match = _map(rule.get("match"))
        ports = [p for p in _list(_map(match.get("port")).get("ports")) if isinstance(p, int)]
        proto_text = str(_map(match.get("protocol")).get("protocol") or "")
        protocol = proto_text.removeprefix("PROTOCOL_") or None
        pool_ref = _map(_map(rule.get("action")).get("select_pool")).get("pool_ref")
        index = rule.get("index")
        rules.append(
            {
                "index": index if isinstance(index, int) else position,
                "ports": ports,
                "protocol": protocol,
                "enabled": rule.get("enable", True) is not False,
                "pool": _pool_node(pools.resolve(pool_ref), pool_ref, health),
            }
        )
    return sorted(rules, key=lambda r: r["index"])


def _port_protocols(
    vs: Obj, rules: Sequence[Mapping[str, Any]], names: Mapping[str, str]
) -> list[tuple[int, str]]:
    """(port, protocol) of every VS service entry; the protocol comes from the entry's network
    profile (its own override or the VS's), else from the L4 rules on that port."""
    vs_protocol = _protocol_of_profile(_ref_name(vs.get("network_profile_ref"), names))
    rule_protocols: dict[int, list[str]] = {}
    for rule in rules:
        for port in rule["ports"]:
            if rule["protocol"]:
                rule_protocols.setdefault(port, []).append(rule["protocol"])
    if vs_protocol is None:
        every = {p for protos in rule_protocols.values() for p in protos}
        vs_protocol = next((p for p in ("TCP", "UDP", "SCTP") if p in every), "TCP")
    out: list[tuple[int, str]] = []
    for entry in _list(vs.get("services")):
        entry = _map(entry)
        port = entry.get("port")
        if not isinstance(port, int):
            continue
        override = entry.get("override_network_profile_ref")
        if not override:
            out.append((port, vs_protocol))
            continue
        protocol = _protocol_of_profile(_ref_name(override, names))
        if protocol is None:
            others = [p for p in rule_protocols.get(port, []) if p != vs_protocol]
            protocol = others[0] if others else "?"
        out.append((port, protocol))
    return out


# -- services and groups --------------------------------------------------------------------


def _service_keys(
    services: Iterable[Obj], settings: Settings
) -> tuple[dict[Key, list[Obj]], dict[str, list[str]]]:
    """Services by the key they belong to, and ``ns/name`` refs by the VIP they show."""
    by_key: dict[Key, list[Obj]] = {}
    by_vip: dict[str, list[str]] = {}
    for svc in services:
        view = ServiceView.from_k8s(svc)
        for key in keys_for_service(view, settings):
            by_key.setdefault(key, []).append(svc)
        shown = external_ip(svc, wide=True)
        if view.is_load_balancer and shown not in ("<pending>", "<none>"):
            for ip in shown.split(","):
                by_vip.setdefault(ip, []).append(view.ref)
    for members in by_key.values():
        members.sort(key=lambda s: ServiceView.from_k8s(s).order)
    return by_key, by_vip


def _name(svc: Obj) -> str:
    return str(_map(svc.get("metadata")).get("name") or "")


def _group_state(members: Sequence[Obj]) -> tuple[str, str, str]:
    """(state, reason, message) of a group from its members' VipAssigned conditions."""
    conditions = [condition(m) for m in members]
    for cond in conditions:
        if cond and cond["status"] == "False" and cond["reason"] in FLAGGED:
            return (FLAGGED[cond["reason"]], cond["reason"], cond["message"])
    for cond in conditions:
        if cond and cond["status"] == "False" and cond["reason"] in PARTIAL:
            return (PARTIAL[cond["reason"]], cond["reason"], cond["message"])
    if conditions and all(c and c["status"] == "True" for c in conditions):
        return ("configured", "", "")
    return ("pending", "", "")


# -- the tree -------------------------------------------------------------------------------


def _vs_ports(
    vs: Obj, rules: list[dict[str, Any]], names: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The VS's service ports, each with the L4 rules matching it, and the rules matching none."""
    used: set[int] = set()
    ports: list[dict[str, Any]] = []
    for number, protocol in _port_protocols(vs, rules, names):
        matching = []
        for position, rule in enumerate(rules):
            if number in rule["ports"] and rule["protocol"] in (protocol, None):
                matching.append(rule)
                used.add(position)
        ports.append({"port": number, "protocol": protocol, "rules": matching})
    unmatched = [rule for position, rule in enumerate(rules) if position not in used]
    return ports, unmatched


def _problems(
    vs: Obj,
    vsvip: Obj | None,
    ports: Sequence[Mapping[str, Any]],
    unmatched: Sequence[Mapping[str, Any]],
) -> list[str]:
    """What is broken in one VS tree, in words."""
    problems: list[str] = []
    if vs.get("vsvip_ref") and vsvip is None:
        problems.append("its VsVip is missing")
    for entry in ports:
        if not entry["rules"]:
            problems.append(f"no L4 rule for {entry['port']}/{entry['protocol']}")
        for rule in entry["rules"]:
            if rule["pool"]["missing"]:
                problems.append(f"rule {rule['index']} selects a missing pool")
    for rule in unmatched:
        problems.append(f"rule {rule['index']} matches no service port of the VS")
    return problems


class _Objects:
    """The Avi objects of one cluster, indexed for following refs."""

    def __init__(self, avi: Mapping[str, Iterable[Any]], names: Mapping[str, str]) -> None:
        self.health = health_index(avi)
        self.vsvips = _Index(avi.get("vsvip", ()))
        self.policysets = _Index(avi.get("l4policyset", ()))
        self.pools = _Index(avi.get("pool", ()))
        self.names = names
        raw = [v for v in avi.get("virtualservice", ()) if isinstance(v, Mapping)]
        self.virtualservices = sorted(raw, key=lambda v: str(v.get("name") or ""))

    def tree(self, vs: Obj, key: Key | None, served: list[str]) -> dict[str, Any]:
        """One VS as a tree: VIPs -> service ports -> L4 rules -> pools -> servers."""
        vsvip = self.vsvips.resolve(vs.get("vsvip_ref"))
        rules: list[dict[str, Any]] = []
        for policy in _list(vs.get("l4_policies")):
            policyset = self.policysets.resolve(_map(policy).get("l4_policy_set_ref"))
            rules.extend(_rules(policyset, self.pools, self.health["pool"]))
        ports, unmatched = _vs_ports(vs, rules, self.names)
        return {
            "name": str(vs.get("name") or ""),
            "uuid": str(vs.get("uuid") or ""),
            "namespace": key.namespace if key else marker(vs, "Namespace"),
            "group": f"{key.namespace}/{key.name}" if key and key.shared else None,
            "shared_key": key.shared if key else False,
            "enabled": vs.get("enabled", True) is not False,
            "health": self.health["virtualservice"].get(str(vs.get("uuid") or "")),
            "vsvip": str(_map(vsvip).get("name") or "") or None,
            "vips": vip_addresses(vsvip),
            "members": served,
            "ports": ports,
            "unmatched_rules": unmatched,
            "problems": _problems(vs, vsvip, ports, unmatched),
        }


def _vips(
    trees: Sequence[Mapping[str, Any]], by_vip: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    """Every address: the VSes on it, the Services showing it, whether it is shared."""
    vip_users: dict[str, list[str]] = {}
    for tree in trees:
        for ip in tree["vips"]:
            vip_users.setdefault(ip, []).append(tree["name"])
    vips: list[dict[str, Any]] = []
    for ip in sorted(set(vip_users) | set(by_vip)):
        svc_refs = sorted(by_vip.get(ip, []))
        vips.append(
            {
                "ip": ip,
                "virtualservices": sorted(vip_users.get(ip, [])),
                "services": svc_refs,
                "shared": len(svc_refs) > 1,
            }
        )
    return vips


def _groups(by_key: Mapping[Key, list[Obj]], vs_by_key: Mapping[Key, str]) -> list[dict[str, Any]]:
    """Every shared-VIP group with its state (from its members' conditions)."""
    groups: list[dict[str, Any]] = []
    for key in sorted(k for k in by_key if k.shared):
        members = by_key[key]
        state, reason, message = _group_state(members)
        groups.append(
            {
                "key": f"{key.namespace}/{key.name}",
                "namespace": key.namespace,
                "name": key.name,
                "members": [_name(m) for m in members],
                "state": state,
                "flagged": state in FLAGGED.values(),
                "reason": reason,
                "message": message,
                "virtualservice": vs_by_key.get(key),
            }
        )
    return groups


def build_topology(
    avi: Mapping[str, Iterable[Any]],
    services: Iterable[Obj],
    settings: Settings | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The topology of one cluster (see the module docstring). ``avi`` maps the Avi type
    (``virtualservice``, ``vsvip``, ``l4policyset``, ``pool``) to its objects; ``names`` maps
    uuids of other referenced objects (network profiles) to names when refs lack ``#name``."""
    settings = settings or Settings()
    objects = _Objects(avi, names or {})
    by_key, by_vip = _service_keys(list(services), settings)
    vs_by_key: dict[Key, str] = {}
    trees: list[dict[str, Any]] = []
    for vs in objects.virtualservices:
        key = owned_key(vs, settings)
        if key is not None:
            vs_by_key.setdefault(key, str(vs.get("name") or ""))
        served = [_name(s) for s in by_key.get(key, [])] if key is not None else []
        trees.append(objects.tree(vs, key, served))
    vips = _vips(trees, by_vip)
    shared_ips = {v["ip"] for v in vips if v["shared"]}
    for tree in trees:
        tree["shared_vip"] = any(ip in shared_ips for ip in tree["vips"])
    groups = _groups(by_key, vs_by_key)
    return {
        "virtualservices": trees,
        "vips": vips,
        "groups": groups,
        "flagged": [g["key"] for g in groups if g["flagged"]],
    }


# -- text -----------------------------------------------------------------------------------


def _branch(lines: list[str], prefix: str, last: bool, text: str) -> str:
    lines.append(f"{prefix}{'└─ ' if last else '├─ '}{text}")
    return prefix + ("   " if last else "│  ")


def _rule_text(rule: Mapping[str, Any]) -> str:
    ports = ",".join(str(p) for p in rule["ports"]) or "any"
    text = f"rule {rule['index']}: port {ports} {rule['protocol'] or 'any'}"
    return text + ("" if rule["enabled"] else " (disabled)")


def _pool_text(pool: Mapping[str, Any]) -> str:
    if pool["missing"]:
        return f"pool {pool['name']} (MISSING)"
    service = f" (Service {pool['service']})" if pool.get("service") else ""
    health = health_text(pool.get("health"))
    return f"pool {pool['name']}{service}" + (f"  [{health}]" if health else "")


def render_text(topology: Mapping[str, Any]) -> str:
    """The tree as text (one block per VS, then the flagged groups)."""
    lines: list[str] = []
    for vs in topology["virtualservices"]:
        label = f"shared-vip group {vs['group']}" if vs["group"] else "dedicated"
        health = health_text(vs.get("health"))
        lines.append(
            f"VS {vs['name']}  [{label}]"
            + ("" if vs["enabled"] else " (disabled)")
            + (f"  {health}" if health else "")
        )
        addresses = vs["vips"] or ["<no address>"]
        for n_vip, ip in enumerate(addresses):
            members = vs["members"]
            shared = f"  shared by {len(members)} Services" if len(members) > 1 else ""
            served = f": {', '.join(members)}" if members else ""
            vip_prefix = _branch(
                lines, "", n_vip == len(addresses) - 1, f"VIP {ip}{shared}{served}"
            )
            for n_port, port in enumerate(vs["ports"]):
                port_prefix = _branch(
                    lines,
                    vip_prefix,
                    n_port == len(vs["ports"]) - 1,
                    f"{port['port']}/{port['protocol']}",
                )
                if not port["rules"]:
                    _branch(lines, port_prefix, True, "(no L4 rule)")
                for n_rule, rule in enumerate(port["rules"]):
                    rule_prefix = _branch(
                        lines, port_prefix, n_rule == len(port["rules"]) - 1, _rule_text(rule)
                    )
                    pool = rule["pool"]
                    pool_prefix = _branch(lines, rule_prefix, True, _pool_text(pool))
                    servers = pool["servers"] or ["(no servers)"]
                    for n_server, server in enumerate(servers):
                        _branch(lines, pool_prefix, n_server == len(servers) - 1, server)
        for problem in vs["problems"]:
            lines.append(f"   ! {problem}")
    for group in topology["groups"]:
        if group["flagged"] or group["state"] == "port-conflict":
            lines.append(
                f"! {group['state'].upper()} shared-vip group {group['key']} "
                f"(Services {', '.join(group['members'])}): {group['message']}"
            )
    if not lines:
        lines.append("No virtual services.")
    return "\n".join(lines) + "\n"
