"""The composition root of ako-sim's engine: parts are built once and shared, fakes go in there."""

from __future__ import annotations

from simulator.config import EngineConfig
from simulator.engines import build_engine
from simulator.engines.sim import build_sim_engine
from tests.unit.engine.fakes import FakeAvi, FakeKube


def test_given_clients_are_used_and_never_closed_by_the_engine() -> None:
    kube, avi = FakeKube(), FakeAvi()
    engine = build_sim_engine(EngineConfig(), kube=kube, avi=avi, serve_endpoint=False)
    assert engine.kube is kube and engine.avi is avi
    assert engine.reconciler.avi is avi and engine.reconciler.kube is kube
    assert engine._on_stop == (), "clients the caller made are the caller's to close"


def test_every_component_reads_the_one_settings_holder() -> None:
    config = EngineConfig().with_overrides(cluster_name="blue", service_type="NodePort")
    engine = build_engine(config, kube=FakeKube(), avi=FakeAvi())
    parts = (engine, engine.router, engine.cache, engine.reconciler)  # type: ignore[attr-defined]
    assert {p.settings.cluster_name for p in parts} == {"blue"}
    assert {p.settings.service_type for p in parts} == {"NodePort"}
    engine.live_settings.learn_license_tier("ESSENTIALS")  # type: ignore[attr-defined]
    assert {p.settings.license_tier for p in parts} == {"ESSENTIALS"}, "no stale copy"
