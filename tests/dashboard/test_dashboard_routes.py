"""The dashboard's routes and data over a fake engine (no servers, no browser)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from simulator.dashboard.data import EVENTS_TTL, DashboardData
from simulator.dashboard.routes import DashboardRoutes
from simulator.domain.model import Settings


class FakeStore:
    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects

    def values(self) -> list[dict[str, Any]]:
        return list(self.objects)


class FakeInformer:
    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.store = FakeStore(objects)


class FakeCache:
    def __init__(self, by_key: dict[str, list[tuple[str, dict[str, Any]]]]) -> None:
        self.by_key = by_key

    def owner_keys(self) -> set[str]:
        return set(self.by_key)

    def objects_of(self, key: str) -> list[tuple[str, dict[str, Any]]]:
        return self.by_key[key]


class FakeKube:
    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.events: list[dict[str, Any]] = []

    def list_events(self) -> list[dict[str, Any]]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("API server away")
        return self.events


class FakeEngine:
    def __init__(self) -> None:
        self.settings = Settings()
        self.informers = {
            "services": FakeInformer(
                [
                    {
                        "metadata": {"name": "web", "namespace": "default"},
                        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
                        "status": {"loadBalancer": {"ingress": [{"ip": "100.64.196.61"}]}},
                    }
                ]
            )
        }
        self.cache = FakeCache(
            {
                "dedicated:default/web": [
                    ("virtualservice", {"name": "cluster--default-web", "uuid": "vs-1"}),
                    ("pool", {"name": "cluster--default-web-TCP-80", "uuid": "p-1"}),
                ]
            }
        )
        self.kube = FakeKube()

    def state(self) -> dict[str, Any]:
        return {"ready": True, "settled": True, "queue_depth": 0, "retrying": []}


def request(path: str, method: str = "GET") -> Request:
    return Request(EnvironBuilder(path=path, method=method).get_environ())


def test_page_and_assets_are_served_from_package_data() -> None:
    routes = DashboardRoutes(FakeEngine())
    page = routes.handle(request("/"))
    assert page is not None and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert '<script src="dashboard.js"></script>' in text
    assert "http" not in text.split("<body>")[0], "no external assets in the head"
    script = routes.handle(request("/dashboard.js"))
    assert script is not None and 'fetch("api/view"' in script.get_data(as_text=True)
    style = routes.handle(request("/dashboard.css"))
    assert style is not None and style.mimetype == "text/css"


def test_other_paths_and_methods_are_left_to_the_endpoint() -> None:
    routes = DashboardRoutes(FakeEngine())
    assert routes.handle(request("/healthz")) is None
    assert routes.handle(request("/api/view", method="POST")) is None


def test_view_is_built_from_the_engine_caches() -> None:
    engine = FakeEngine()
    response = DashboardRoutes(engine).handle(request("/api/view"))
    assert response is not None and response.headers["Cache-Control"] == "no-store"
    view = json.loads(response.get_data(as_text=True))
    assert view["engine"] == {"ready": True, "settled": True, "queue_depth": 0, "retrying": 0}
    assert [(s["name"], s["external_ip"]) for s in view["services"]] == [("web", "100.64.196.61")]
    assert [vs["name"] for vs in view["topology"]["virtualservices"]] == ["cluster--default-web"]
    raw = json.loads(DashboardRoutes(engine).handle(request("/api/view/raw")).get_data())  # type: ignore[union-attr]
    assert raw["avi"]["pool"] == [{"name": "cluster--default-web-TCP-80", "uuid": "p-1"}]
    assert raw["services"][0]["metadata"]["name"] == "web"


def test_events_are_listed_at_most_once_per_ttl_and_kept_when_the_api_fails() -> None:
    engine = FakeEngine()
    now = [100.0]
    data = DashboardData(engine, clock=lambda: now[0], now=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    warning = {"type": "Warning", "reason": "X", "involvedObject": {"name": "web"}}
    engine.kube.events = [warning, {"type": "Normal", "reason": "Synced"}]
    assert data.warning_events() == [warning]
    data.warning_events()
    assert engine.kube.calls == 1
    now[0] += EVENTS_TTL
    engine.kube.fail = True
    assert data.warning_events() == [warning]
    assert engine.kube.calls == 2


class FakeAvi:
    """The engine's Avi client: ``iter_list`` over canned inventories."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = False

    def iter_list(self, obj_type: str, params: Any) -> list[dict[str, Any]]:
        self.calls.append((obj_type, dict(params)))
        if self.fail:
            raise RuntimeError("controller away")
        down = {
            "state": "OPER_DOWN",
            "reason": ["Server 10.0.0.1:80 marked down"],
            "reason_code_string": "SYSERR_UPSTREAM_LB_NO_PEERS",
        }
        uuid = "vs-1" if obj_type == "virtualservice-inventory" else "p-1"
        return [
            {"uuid": uuid, "runtime": {"oper_status": down}, "health_score": {"health_score": 0}}
        ]


def test_view_shows_vs_and_pool_health_read_through_the_engines_avi_client() -> None:
    engine = FakeEngine()
    engine.avi = FakeAvi()  # type: ignore[attr-defined]
    now = [100.0]
    data = DashboardData(engine, clock=lambda: now[0])
    vs = data.view()["topology"]["virtualservices"][0]
    assert vs["health"]["state"] == "OPER_DOWN" and vs["health"]["colour"] == "red"
    assert vs["health"]["reason_code"] == "SYSERR_UPSTREAM_LB_NO_PEERS"
    assert "marked down" in vs["health"]["reason"]
    data.view()
    assert [c[0] for c in engine.avi.calls] == ["virtualservice-inventory", "pool-inventory"]  # type: ignore[attr-defined]
    assert engine.avi.calls[0][1]["include"] == "runtime,health_score"  # type: ignore[attr-defined]
    raw = data.raw()["avi"]
    assert raw["pool-inventory"][0]["uuid"] == "p-1"
    now[0] += 5
    engine.avi.fail = True  # type: ignore[attr-defined]
    assert data.view()["topology"]["virtualservices"][0]["health"]["text"] == "DOWN"


def test_without_an_avi_client_health_is_unknown() -> None:
    vs = DashboardData(FakeEngine()).view()["topology"]["virtualservices"][0]
    assert vs["health"] is None
