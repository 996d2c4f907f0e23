"""The Kubernetes transport runs the kubeconfig loader's token refresh hook at most once a second
(it used to copy the whole kubeconfig onto the configuration on every write), and still runs it
again once the window has passed, so a refreshed token is used. The loader's hook puts itself
back on the configuration each time it runs (as ``KubeConfigLoader._set_config`` does); the
throttle must stay in place all the same."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client, config
from kubernetes.config import kube_config

from simulator.adapters import kube


class _Config:
    """Stands for a client Configuration whose loader hook re-installs itself."""

    def __init__(self) -> None:
        self.calls = 0
        self.refresh_api_key_hook: Any = self._hook

    def _hook(self, config: Any) -> None:
        self.calls += 1
        config.refresh_api_key_hook = self._hook  # what the kubeconfig loader does


def test_the_refresh_hook_runs_once_per_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(kube.time, "monotonic", lambda: now[0])
    cfg = _Config()
    kube._throttle_refresh(cfg, 1.0)
    for _ in range(5):
        cfg.refresh_api_key_hook(cfg)
    assert cfg.calls == 1
    now[0] += 0.5
    cfg.refresh_api_key_hook(cfg)
    assert cfg.calls == 1
    now[0] += 0.6
    cfg.refresh_api_key_hook(cfg)
    cfg.refresh_api_key_hook(cfg)
    assert cfg.calls == 2


def test_the_real_loader_hook_stays_throttled(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'http://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: secret-token}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
    loader = kube_config.KubeConfigLoader
    runs: list[int] = []
    set_config = loader._set_config

    def counting(self: Any, c: Any) -> None:
        runs.append(1)
        set_config(self, c)

    monkeypatch.setattr(loader, "_set_config", counting)  # what the loader's hook runs
    kube._throttle_refresh(cfg, 60.0)
    for _ in range(10):
        assert cfg.auth_settings()["BearerToken"]["value"] == "Bearer secret-token"
    assert len(runs) == 1
