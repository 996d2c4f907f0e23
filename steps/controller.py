"""Steps on the Avi controller side: the VS topology checks (VS -> VsVip -> services -> L4 rules
-> pools -> servers), object counts, fields, uuids noted and compared, and changes made behind
the engine's back.

Object kinds may be written as users say them (``virtual service``, ``vsvip``, ``pool``,
``L4 policy set``) or as Avi types (``virtualservice``, ``l4policyset``, ``poolgroup``).
"""

from __future__ import annotations

import ipaddress
import json

from pytest_bdd import given, parsers, then, when

from steps.drivers.avi import AviDriver, VsTopology, field_text
from steps.drivers.engine import EngineDriver
from steps.drivers.kube import KubeDriver
from steps.drivers.tables import datatable_rows, split_list
from steps.expect import then_eventually

KINDS = {
    "virtual service": "virtualservice",
    "virtualservice": "virtualservice",
    "vs": "virtualservice",
    "vsvip": "vsvip",
    "pool": "pool",
    "poolgroup": "poolgroup",
    "l4policyset": "l4policyset",
    "l4 policy set": "l4policyset",
}
KIND = (
    r"(?P<kind>virtual services?|virtualservices?|vsvips?|pools?|poolgroups?"
    r"|l4policysets?|L4 policy sets?)"
)
ObjectKey = tuple[str, str]


def avi_type(kind: str) -> str:
    word = kind.lower()
    if word not in KINDS and word.endswith("s"):
        word = word[:-1]
    return KINDS[word]


def _vs(avi: AviDriver, name: str) -> VsTopology:
    topology = avi.vs_topology(name)
    if topology is None:
        present = [str(vs.get("name")) for vs in avi.list("virtualservice")]
        raise AssertionError(f"no virtual service {name!r} on the controller (present: {present})")
    return topology


# -- counts and existence ---------------------------------------------------------------------
@then(parsers.re(rf"the controller has exactly (?P<count>\d+) {KIND}$"))
@then_eventually
def exactly_n(engine: EngineDriver, avi: AviDriver, count: str, kind: str) -> None:
    obj_type = avi_type(kind)

    names = sorted(str(o.get("name")) for o in avi.list(obj_type))
    assert len(names) == int(count), (
        f"expected {count} {obj_type}, the controller has {len(names)}: {names}"
    )


@then(parsers.re(rf"no {KIND} exists on the controller"))
def none_exist(engine: EngineDriver, avi: AviDriver, kind: str) -> None:
    exactly_n(engine, avi, "0", kind)


@then(parsers.re(rf'the controller has no {KIND} named "(?P<name>[^"]+)"'))
@then(parsers.re(rf'no {KIND} named "(?P<name>[^"]+)" exists on the controller'))
@then_eventually
def none_named(engine: EngineDriver, avi: AviDriver, name: str, kind: str) -> None:
    obj_type = avi_type(kind)

    assert avi.by_name(obj_type, name) is None, (
        f"{obj_type} {name!r} still exists on the controller"
    )


@given(parsers.re(rf'the controller has an? {KIND} named "(?P<name>[^"]+)"'))
@then(parsers.re(rf'the controller has an? {KIND} named "(?P<name>[^"]+)"'))
@then_eventually
def one_named(engine: EngineDriver, avi: AviDriver, name: str, kind: str) -> None:
    obj_type = avi_type(kind)

    assert avi.by_name(obj_type, name) is not None, f"no {obj_type} {name!r} on the controller"


# -- the virtual service topology -------------------------------------------------------------
@given(parsers.parse('the virtual service "{name}" has VIP "{vip}"'))
@then(parsers.parse('the virtual service "{name}" has VIP "{vip}"'))
@then_eventually
def vs_has_vip(engine: EngineDriver, avi: AviDriver, name: str, vip: str) -> None:
    vs = _vs(avi, name)
    assert vs.vip == vip, f"virtual service {name} has VIP {vs.vip}, expected {vip}\n{vs.render()}"


@then(parsers.parse('the virtual services "{names}" have different VIPs'))
@then_eventually
def vses_have_different_vips(engine: EngineDriver, avi: AviDriver, names: str) -> None:
    """Each has a VIP and no two share one (allocation order between groups created together
    is not specified)."""
    wanted = split_list(names)

    vips = {name: _vs(avi, name).vip for name in wanted}
    assert all(vips.values()), f"not every virtual service has a VIP yet: {vips}"
    assert len(set(vips.values())) == len(wanted), f"virtual services share a VIP: {vips}"


@then(parsers.parse('the virtual service "{name}" has network profile "{profile}"'))
@then_eventually
def vs_has_profile(engine: EngineDriver, avi: AviDriver, name: str, profile: str) -> None:
    vs = _vs(avi, name)
    assert vs.network_profile == profile, (
        f"virtual service {name} has network profile {vs.network_profile}, expected {profile}"
    )


@then(parsers.parse('the virtual service "{name}" has the services:'))
@then_eventually
def vs_has_service_table(
    engine: EngineDriver, avi: AviDriver, name: str, datatable: list[list[str]]
) -> None:
    """Columns: port, protocol, network profile (the entry's override, else the VS profile);
    rows in the VS's order."""
    expected = [
        (int(r["port"]), r.get("protocol", ""), r.get("network profile", ""))
        for r in datatable_rows(datatable)
    ]

    vs = _vs(avi, name)
    actual = [(s.port, s.protocol, s.network_profile) for s in vs.services]
    if not all(e[2] for e in expected):
        actual = [(p, proto, "") for p, proto, _ in actual]
    if not all(e[1] for e in expected):
        actual = [(p, "", prof) for p, _, prof in actual]
    assert actual == expected, (
        f"services of {name}: expected {expected}, found {actual}\n{vs.render()}"
    )


@then(parsers.parse('the virtual service "{name}" has services "{services}"'))
@then_eventually
def vs_has_services(engine: EngineDriver, avi: AviDriver, name: str, services: str) -> None:
    """Compact form: ``80/TCP, 80/UDP (System-UDP-Fast-Path)`` in the VS's order; the profile
    in brackets is the entry's override."""
    expected = split_list(services)

    vs = _vs(avi, name)
    actual = [s.short() for s in vs.services]
    assert actual == expected, (
        f"services of {name}: expected {expected}, found {actual}\n{vs.render()}"
    )


@then(parsers.parse('the virtual service "{name}" has the L4 rules:'))
@then_eventually
def vs_has_rules(
    engine: EngineDriver, avi: AviDriver, name: str, datatable: list[list[str]]
) -> None:
    """Columns: port, protocol, pool; compared as a set (rule order is an implementation
    detail, the match is not)."""
    expected = sorted((int(r["port"]), r["protocol"], r["pool"]) for r in datatable_rows(datatable))

    vs = _vs(avi, name)
    actual = sorted((p, rule.protocol, rule.pool) for rule in vs.rules for p in rule.ports)
    assert actual == expected, (
        f"L4 rules of {name}: expected {expected}, found {actual}\n{vs.render()}"
    )


@then(parsers.parse('the virtual service "{name}" has the pools:'))
@then_eventually
def vs_has_pools(
    engine: EngineDriver, avi: AviDriver, name: str, datatable: list[list[str]]
) -> None:
    """Columns: pool, servers (``ip:port`` list, any order; blank = no server)."""
    expected = {
        r["pool"]: sorted(split_list(r.get("servers", ""))) for r in datatable_rows(datatable)
    }

    vs = _vs(avi, name)
    actual = {pool.name: pool.servers for pool in vs.pools}
    assert actual == expected, (
        f"pools of {name}: expected {expected}, found {actual}\n{vs.render()}"
    )


@then(parsers.re(r'the virtual service "(?P<name>[^"]+)" has (?P<count>\d+) pools?$'))
@then_eventually
def vs_has_n_pools(engine: EngineDriver, avi: AviDriver, name: str, count: str) -> None:
    vs = _vs(avi, name)
    assert len(vs.pools) == int(count), (
        f"{name} has {len(vs.pools)} pools, expected {count}\n{vs.render()}"
    )


_HAS_FIELDS = r'the (?P<kind>virtual service|vsvip|pool|l4policyset) "(?P<name>[^"]+)" has:'


@given(parsers.re(_HAS_FIELDS))
@then(parsers.re(_HAS_FIELDS))
@then_eventually
def object_has_fields(
    engine: EngineDriver, avi: AviDriver, kind: str, name: str, datatable: list[list[str]]
) -> None:
    """Columns: field (dotted path, list index as a number), value (refs compare by name,
    lists comma-joined, booleans lower-case)."""
    obj_type = avi_type(kind)
    rows = datatable_rows(datatable)

    obj = avi.by_name(obj_type, name)
    assert obj is not None, f"no {obj_type} {name!r} on the controller"
    wrong = {
        r["field"]: f"expected {r['value']!r}, found {field_text(obj, r['field'])!r}"
        for r in rows
        if field_text(obj, r["field"]) != r["value"]
    }
    assert not wrong, f"{obj_type} {name}: {wrong}\n{json.dumps(obj, indent=1)[:3000]}"


@then(parsers.parse('the pool "{pool}" has the node servers of the Service "{service}"'))
@then_eventually
def pool_has_node_servers(
    engine: EngineDriver, avi: AviDriver, kube: KubeDriver, pool: str, service: str
) -> None:
    """NodePort mode: one server per node InternalIP, on the Service's node port."""
    expected = kube.node_servers(service)
    servers = avi.pool_servers(pool)
    assert servers is not None, f"no pool {pool!r}"
    assert servers == expected, f"pool {pool} servers {servers}, expected {expected}"


# -- uuids noted and compared -----------------------------------------------------------------
def _all_uuids(avi: AviDriver) -> dict[ObjectKey, str]:
    return {
        (obj_type, str(obj["name"])): str(obj["uuid"])
        for obj_type in ("virtualservice", "vsvip", "pool", "l4policyset")
        for obj in avi.list(obj_type)
    }


@given("I note the uuids of the controller objects", target_fixture="noted_uuids")
@when("I note the uuids of the controller objects", target_fixture="noted_uuids")
def note_uuids(engine: EngineDriver, avi: AviDriver) -> dict[ObjectKey, str]:
    engine.wait_settled()
    return _all_uuids(avi)


@given(
    parsers.re(rf'I note the uuid of the {KIND} "(?P<name>[^"]+)"'), target_fixture="noted_uuids"
)
def note_uuid(avi: AviDriver, kind: str, name: str) -> dict[ObjectKey, str]:
    obj = avi.by_name(avi_type(kind), name)
    assert obj is not None, f"no {kind} {name!r} to note"
    return {(avi_type(kind), name): str(obj["uuid"])}


@then("the controller objects have the same uuids as noted")
@then_eventually
def same_uuids(engine: EngineDriver, avi: AviDriver, noted_uuids: dict[ObjectKey, str]) -> None:
    now = _all_uuids(avi)
    changed = {
        f"{t}/{n}": f"{noted_uuids.get((t, n), '(absent)')} -> {now.get((t, n), '(absent)')}"
        for (t, n) in set(now) | set(noted_uuids)
        if now.get((t, n)) != noted_uuids.get((t, n))
    }
    assert not changed, f"controller objects changed identity (re-created or lost): {changed}"


@then(
    parsers.re(
        r'the (?P<kind>virtual service|vsvip|pool|l4policyset) "(?P<name>[^"]+)"'
        r" has the same uuid as noted"
    )
)
@then_eventually
def same_uuid(
    engine: EngineDriver, avi: AviDriver, noted_uuids: dict[ObjectKey, str], kind: str, name: str
) -> None:
    obj_type = avi_type(kind)
    assert (obj_type, name) in noted_uuids, (
        f"{obj_type} {name} was not noted (noted: {sorted(noted_uuids)})"
    )

    obj = avi.by_name(obj_type, name)
    assert obj is not None, f"no {obj_type} {name!r} on the controller"
    assert obj["uuid"] == noted_uuids[(obj_type, name)], (
        f"{obj_type} {name} was re-created: uuid {noted_uuids[(obj_type, name)]} -> {obj['uuid']}"
    )


# -- behind the engine's back -----------------------------------------------------------------
@given(parsers.re(rf'the {KIND} "(?P<name>[^"]+)" is deleted on the controller'))
@when(parsers.re(rf'the {KIND} "(?P<name>[^"]+)" is deleted on the controller'))
def delete_on_controller(avi: AviDriver, kind: str, name: str) -> None:
    obj_type = avi_type(kind)
    obj = avi.by_name(obj_type, name)
    assert obj is not None, f"no {obj_type} {name!r} to delete"
    avi.delete(obj_type, str(obj["uuid"]))


@when(parsers.parse('the pool "{name}" is changed on the controller with:'))
def change_pool(avi: AviDriver, name: str, docstring: str) -> None:
    obj = avi.by_name("pool", name)
    assert obj is not None, f"no pool {name!r} to change"
    avi.patch("pool", str(obj["uuid"]), json.loads(docstring))


@given(parsers.parse('the controller has a pool "{name}" created by "{owner}"'))
def pool_created_by(avi: AviDriver, name: str, owner: str) -> None:
    avi.create(
        "pool",
        {
            "name": name,
            "created_by": owner,
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "tenant_ref": "/api/tenant/?name=admin",
        },
    )


@given(parsers.parse('the controller has a vsvip "{name}" holding "{ip}"'))
def vsvip_holding(avi: AviDriver, name: str, ip: str) -> None:
    avi.create_foreign_vsvip(name, "vip-network", ip)


@given(parsers.parse('the VIP range of "{network}" is exhausted on the controller'))
def exhaust_range(avi: AviDriver, network: str) -> None:
    """Create foreign VsVips until the controller answers ``No available free IPs``."""
    avi.exhaust_vip_range(network)


@when(parsers.parse('the vsvip holding "{ip}" is deleted on the controller'))
def delete_vsvip_holding(avi: AviDriver, ip: str) -> None:
    ipaddress.ip_address(ip)
    vsvip = avi.vsvip_holding(ip)
    assert vsvip is not None, f"no vsvip holds {ip}"
    avi.delete("vsvip", str(vsvip["uuid"]))


@given(parsers.parse('the controller\'s licence tier is "{tier}"'))
def licence_tier(avi: AviDriver, tier: str) -> None:
    avi.set_license_tier(tier)


@then(parsers.parse('the controller\'s writes since the noted position were "{writes}"'))
@then_eventually
def writes_since_were(engine: EngineDriver, avi: AviDriver, journal_mark: int, writes: str) -> None:
    """Every API write after the noted journal position, in order, as ``METHOD type``
    (``POST pool, PUT virtualservice``)."""
    expected = split_list(writes)
    actual = avi.write_kinds_since(journal_mark)
    assert actual == expected, f"controller writes: expected {expected}, the journal has {actual}"
