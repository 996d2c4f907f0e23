"""Health in the views: Avi UI colours, the reason, and the topology tree carrying both."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.domain.model import Settings
from simulator.views.health import colour_of, health_index, health_of, health_text
from simulator.views.topology import build_topology, render_text


def _entry(uuid: str, state: str, reason: list[str], code: str, score: float) -> dict[str, Any]:
    status = {"state": state, "reason": reason, "reason_code_string": code, "reason_code": 857}
    return {
        "uuid": uuid,
        "runtime": {"oper_status": status},
        "health_score": {"health_score": score},
    }


@pytest.mark.parametrize(
    ("state", "colour"),
    [
        ("OPER_UP", "green"),
        ("OPER_DOWN", "red"),
        ("OPER_DISABLED", "grey"),
        ("OPER_UNKNOWN", "grey"),
        ("OPER_CREATING", "yellow"),
        (None, "grey"),
        ("SOMETHING_NEW", "grey"),
    ],
)
def test_colours_follow_the_avi_ui(state: str | None, colour: str) -> None:
    assert colour_of(state) == colour


def test_health_of_an_inventory_entry() -> None:
    down = health_of(_entry("vs-1", "OPER_DOWN", ["a", "b"], "SYSERR_UPSTREAM_LB_NO_PEERS", 0))
    assert down == {
        "state": "OPER_DOWN",
        "colour": "red",
        "text": "DOWN",
        "reason": "a; b",
        "reason_code": "SYSERR_UPSTREAM_LB_NO_PEERS",
        "health_score": 0,
    }
    up = health_of(_entry("vs-1", "OPER_UP", [], "SYSERR_SUCCESS", 100.0))
    assert (up["text"], up["reason_code"], health_text(up)) == ("UP", "", "UP")
    assert health_text(down) == "DOWN: a; b (SYSERR_UPSTREAM_LB_NO_PEERS)"
    assert health_of({})["state"] == "OPER_UNKNOWN" and health_of("junk")["colour"] == "grey"
    # a real controller's entry may carry the uuid in its config only
    real = {"config": {"uuid": "p-9"}, "runtime": {"oper_status": {"state": "OPER_UP"}}}
    assert set(health_index({"pool-inventory": [real]})["pool"]) == {"p-9"}


def _avi(with_health: bool) -> dict[str, list[dict[str, Any]]]:
    pool_ref = "/api/pool/pool-1#cluster--default-web-TCP-80"
    avi: dict[str, list[dict[str, Any]]] = {
        "virtualservice": [
            {
                "name": "cluster--default-web",
                "uuid": "vs-1",
                "services": [{"port": 80}],
                "l4_policies": [{"l4_policy_set_ref": "/api/l4policyset/l4-1#cluster--l4"}],
            }
        ],
        "l4policyset": [
            {
                "name": "cluster--l4",
                "uuid": "l4-1",
                "l4_connection_policy": {
                    "rules": [
                        {
                            "index": 1,
                            "match": {
                                "port": {"ports": [80]},
                                "protocol": {"protocol": "PROTOCOL_TCP"},
                            },
                            "action": {"select_pool": {"pool_ref": pool_ref}},
                        }
                    ]
                },
            }
        ],
        "pool": [
            {
                "name": "cluster--default-web-TCP-80",
                "uuid": "pool-1",
                "servers": [{"ip": {"addr": "10.0.0.1"}, "port": 8080}],
            }
        ],
    }
    if with_health:
        reason = ["Server 10.0.0.1:8080 marked down"]
        code = "SYSERR_UPSTREAM_LB_NO_PEERS"
        avi["virtualservice-inventory"] = [_entry("vs-1", "OPER_DOWN", reason, code, 0)]
        avi["pool-inventory"] = [_entry("pool-1", "OPER_DOWN", reason, code, 0)]
    return avi


def test_topology_carries_vs_and_pool_health_and_draws_it() -> None:
    tree = build_topology(_avi(True), [], Settings())
    vs = tree["virtualservices"][0]
    assert vs["health"]["text"] == "DOWN" and vs["health"]["colour"] == "red"
    pool = vs["ports"][0]["rules"][0]["pool"]
    assert pool["health"]["reason"] == "Server 10.0.0.1:8080 marked down"
    text = render_text(tree)
    assert "VS cluster--default-web  [dedicated]  DOWN: Server 10.0.0.1:8080 marked down" in text
    assert "pool cluster--default-web-TCP-80  [DOWN: Server 10.0.0.1:8080 marked down" in text


def test_without_inventories_health_is_unknown_and_the_text_unchanged() -> None:
    tree = build_topology(_avi(False), [], Settings())
    vs = tree["virtualservices"][0]
    assert vs["health"] is None and vs["ports"][0]["rules"][0]["pool"]["health"] is None
    assert "DOWN" not in render_text(tree) and "UP" not in render_text(tree)
