"""Steps on health: servers marked down or up through mock_avi's control API, and the oper state
that follows in the controller's runtime, its inventory and the dashboard's view data.

The marks go to ``POST /__mock__/health`` (mock_avi), whichever engine made the objects; the
dashboard is read at the engine's ``/api/view`` (both engines serve it).
"""

from __future__ import annotations

from typing import Any

import requests
from pytest_bdd import parsers, then, when

from steps.drivers.avi import AviDriver
from steps.drivers.engine import EngineDriver
from steps.drivers.tables import split_list
from steps.expect import then_eventually


@when(parsers.parse('the controller marks every server of the pool "{pool}" down'))
def mark_every_server_down(avi: AviDriver, pool: str) -> None:
    servers = avi.pool_servers(pool)
    assert servers, f"pool {pool} has no servers to mark down"
    for server in servers:
        avi.mark_health(pool=pool, server=server, state="down", reason="health monitor failed")


@when(parsers.parse('the controller marks the servers "{servers}" of the pool "{pool}" {state}'))
def mark_servers(avi: AviDriver, servers: str, pool: str, state: str) -> None:
    for server in split_list(servers):
        avi.mark_health(pool=pool, server=server, state=state)


@then(parsers.parse('the virtual service "{name}" is {state} in its runtime and inventory'))
@then_eventually
def vs_oper_state(engine: EngineDriver, avi: AviDriver, name: str, state: str) -> None:
    runtime, inventory = avi.oper_states(name)
    assert (runtime, inventory) == (state, state), (
        f"{name}: runtime {runtime}, inventory {inventory}, expected {state}"
    )


def _dashboard_vs(engine: EngineDriver, name: str) -> dict[str, Any]:
    response = requests.get(f"{engine.url}/api/view", timeout=10)
    assert response.status_code == 200, f"GET /api/view: {response.status_code}"
    trees = response.json()["topology"]["virtualservices"]
    found = [vs for vs in trees if vs["name"] == name]
    assert found, f"the dashboard shows no VS {name}: {[vs['name'] for vs in trees]}"
    result: dict[str, Any] = found[0]
    return result


@then(parsers.parse('the dashboard shows the virtual service "{name}" {text}'))
@then_eventually
def dashboard_vs_health(engine: EngineDriver, name: str, text: str) -> None:
    health = _dashboard_vs(engine, name)["health"]
    assert health is not None, f"the dashboard shows no health for {name}"
    assert health["text"] == text, f"{name} on the dashboard: {health}"
    colour = {"UP": "green", "DOWN": "red"}.get(text)
    assert colour is None or health["colour"] == colour, health
    if text == "DOWN":
        assert health["reason"], f"a DOWN VS shows its reason: {health}"
