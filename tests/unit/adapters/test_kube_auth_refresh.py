"""The Kubernetes transport runs the kubeconfig loader's token refresh hook at most once a second
(it used to copy the whole kubeconfig onto the configuration on every write), and still runs it
again once the window has passed, so a refreshed token is used."""

from __future__ import annotations

from typing import Any

from simulator.adapters import kube


class _Config:
    def __init__(self) -> None:
        self.calls = 0
        self.refresh_api_key_hook: Any = self._hook

    def _hook(self, config: Any) -> None:
        self.calls += 1


def test_the_refresh_hook_runs_once_per_window(monkeypatch: Any) -> None:
    now = [100.0]
    monkeypatch.setattr(kube.time, "monotonic", lambda: now[0])
    config = _Config()
    kube._throttle_refresh(config, 1.0)
    for _ in range(5):
        config.refresh_api_key_hook(config)
    assert config.calls == 1
    now[0] += 0.5
    config.refresh_api_key_hook(config)
    assert config.calls == 1
    now[0] += 0.6
    config.refresh_api_key_hook(config)
    assert config.calls == 2


def test_no_hook_is_left_alone() -> None:
    class Bare:
        refresh_api_key_hook = None

    config = Bare()
    kube._throttle_refresh(config, 1.0)
    assert config.refresh_api_key_hook is None
