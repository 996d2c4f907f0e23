"""Snapshots: the cluster's objects and the controller's state in one YAML file, and back.

A snapshot is ``{version: 1, saved_at, kubernetes: <mock_k8s state>, avi: <mock_avi state>}``
as the two mocks' control APIs dump it (``GET /__mock__/state``). Loading PUTs both states
back (controller first), asks the engine to re-list the controller (``POST /debug/resync``;
its informers relist by themselves when the API server's history expires) and waits until the
engine has settled, so a bug report can carry its exact state and QA can replay it on a fresh
stack (see :func:`load` for the order). Talks to the mocks and the engine over HTTP only
(never imports them); progress goes to the ``progress`` callback.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import yaml
from urllib3.exceptions import InsecureRequestWarning

from simulator.engines.journals import self_signed_session

VERSION = 1
Progress = Callable[[str], None]


class SnapshotError(Exception):
    """A snapshot that cannot be read, saved or loaded; the message says why."""


@dataclass(frozen=True)
class Targets:
    """Where a snapshot comes from or goes to."""

    k8s_url: str
    avi_url: str
    avi_user: str = "admin"
    avi_password: str = "admin"
    engine_url: str | None = None
    timeout: float = 30.0

    @property
    def avi_auth(self) -> tuple[str, str]:
        return (self.avi_user, self.avi_password)


def kubeconfig_server(path: str | Path) -> str:
    """The API server URL of a kubeconfig's current context."""
    try:
        config = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SnapshotError(f"cannot read kubeconfig {path}: {exc}") from None
    current = config.get("current-context")
    contexts = {c.get("name"): c.get("context") or {} for c in config.get("contexts") or []}
    clusters = {c.get("name"): c.get("cluster") or {} for c in config.get("clusters") or []}
    cluster_name = contexts.get(current, {}).get("cluster") if current else None
    if cluster_name is None and len(clusters) == 1:
        cluster_name = next(iter(clusters))
    server = clusters.get(cluster_name, {}).get("server")
    if not isinstance(server, str) or not server:
        raise SnapshotError(f"kubeconfig {path} names no API server for its current context")
    return server.rstrip("/")


def _no_progress(_: str) -> None:
    return None


def _request(method: str, url: str, **kwargs: Any) -> requests.Response:
    # the mock controller's self-signed certificate (--tls, always under AKO)
    http = self_signed_session() if url.startswith("https://") else requests
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureRequestWarning)
            response = http.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise SnapshotError(f"{method} {url}: {exc}") from None
    if response.status_code >= 300:
        raise SnapshotError(f"{method} {url}: HTTP {response.status_code} {response.text[:500]}")
    return response


def _state_url(base: str) -> str:
    return base.rstrip("/") + "/__mock__/state"


def take(targets: Targets) -> dict[str, Any]:
    """Read both states now."""
    kubernetes = _request("GET", _state_url(targets.k8s_url), timeout=targets.timeout).json()
    avi = _request(
        "GET", _state_url(targets.avi_url), auth=targets.avi_auth, timeout=targets.timeout
    ).json()
    return {
        "version": VERSION,
        "saved_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kubernetes": kubernetes,
        "avi": avi,
    }


def dumps(snapshot: Mapping[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(
        dict(snapshot), Dumper=dumper, sort_keys=False, default_flow_style=False, width=100
    )
    return text


def loads(text: str) -> dict[str, Any]:
    """Parse and check a snapshot document."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(text, Loader=loader)  # a safe loader
    except yaml.YAMLError as exc:
        raise SnapshotError(f"not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise SnapshotError("a snapshot is a YAML mapping with version, kubernetes and avi")
    if document.get("version") != VERSION:
        raise SnapshotError(
            f"unsupported snapshot version {document.get('version')!r} (expected {VERSION})"
        )
    for part in ("kubernetes", "avi"):
        if not isinstance(document.get(part), dict):
            raise SnapshotError(f"the snapshot has no {part} state")
    if not isinstance(document["kubernetes"].get("objects"), list):
        raise SnapshotError("the kubernetes state has no objects list")
    if not isinstance(document["avi"].get("objects"), dict):
        raise SnapshotError("the avi state has no objects mapping")
    return document


def save(path: str | Path, targets: Targets) -> dict[str, Any]:
    """Write both states to ``path`` (``-`` is not special here); returns the snapshot."""
    snapshot = take(targets)
    try:
        Path(path).write_text(dumps(snapshot), encoding="utf-8")
    except OSError as exc:
        raise SnapshotError(f"cannot write {path}: {exc}") from None
    return snapshot


def counts(snapshot: Mapping[str, Any]) -> tuple[int, int]:
    """(Kubernetes objects, Avi objects) in a snapshot."""
    k8s = len(snapshot["kubernetes"].get("objects") or [])
    avi = sum(len(v) for v in (snapshot["avi"].get("objects") or {}).values())
    return k8s, avi


def wait_settled(
    engine_url: str, timeout: float, progress: Progress = _no_progress
) -> dict[str, Any]:
    """Poll the engine's ``/debug/state`` until it says ``settled``."""
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    pause = 0.02
    while True:
        try:
            last = requests.get(engine_url.rstrip("/") + "/debug/state", timeout=5).json()
        except (requests.RequestException, ValueError) as exc:
            last = {"error": str(exc)}
        if last.get("settled"):
            return last
        if time.monotonic() >= deadline:
            raise SnapshotError(
                f"the engine did not settle within {timeout:g}s (queue depth "
                f"{last.get('queue_depth', '?')}, in flight {last.get('in_flight', '?')})"
            )
        time.sleep(pause)  # a client-side poll interval, not part of any reconcile
        pause = min(pause * 1.5, 0.25)


def _rv(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


def wait_caught_up(engine_url: str, resource_version: int, timeout: float) -> None:
    """Poll ``/debug/state`` until every informer has seen ``resource_version`` (a relist)."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        try:
            state = requests.get(engine_url + "/debug/state", timeout=5).json()
            observed = state.get("observed_resource_version") or {}
        except (requests.RequestException, ValueError, AttributeError):
            observed = {}
        if observed and all(_rv(v) >= resource_version for v in observed.values()):
            return
        if time.monotonic() >= deadline:
            raise SnapshotError(
                f"the engine did not re-read the cluster within {timeout:g}s "
                f"(observed {observed}, loaded {resource_version})"
            )
        time.sleep(pause)  # a client-side poll interval, not part of any reconcile
        pause = min(pause * 1.5, 0.25)


def _engine_restarts_on_resync(engine_url: str, timeout: float) -> bool:
    """True for an engine whose ``/debug/resync`` is a restart (the real AKO: it re-reads the
    cluster and the controller at start and has no re-list of its own)."""
    try:
        state = _request("GET", engine_url + "/debug/state", timeout=timeout).json()
    except (SnapshotError, ValueError):
        return False
    return isinstance(state, dict) and state.get("engine") == "ako"


def load(
    snapshot: Mapping[str, Any], targets: Targets, progress: Progress = _no_progress
) -> dict[str, Any]:
    """Replace both states with ``snapshot`` and let the engine reconcile from there.

    Order matters: the controller first, then the cluster; then wait until the engine's
    informers have relisted the loaded cluster (a resync before that would find the loaded
    controller objects without their Services and delete them as orphans); then the resync,
    which makes the engine re-read the controller and reconcile every key whose objects
    changed; then wait until it has settled. For the real AKO (``--engine ako``) the resync is a
    restart of AKO, which re-reads both at start. Returns the engine's final ``/debug/state``
    (empty without an engine URL)."""
    k8s_count, avi_count = counts(snapshot)
    steps = 5 if targets.engine_url else 2
    started = time.monotonic()
    progress(f"[1/{steps}] loading the controller state ({avi_count} objects)")
    _request(
        "PUT",
        _state_url(targets.avi_url),
        json=snapshot["avi"],
        auth=targets.avi_auth,
        timeout=targets.timeout,
    )
    progress(f"[2/{steps}] loading the cluster state ({k8s_count} objects)")
    answer = _request("PUT", _state_url(targets.k8s_url), json=snapshot["kubernetes"], timeout=60)
    if not targets.engine_url:
        progress(f"done in {time.monotonic() - started:.1f}s (no engine to resync)")
        return {}
    engine = targets.engine_url.rstrip("/")
    try:
        loaded_rv = _rv(answer.json().get("resourceVersion"))
    except (ValueError, AttributeError):
        loaded_rv = -1
    restarts = _engine_restarts_on_resync(engine, targets.timeout)
    if restarts:
        progress(f"[3/{steps}] the engine is AKO: it re-reads the cluster when it restarts")
    else:
        progress(f"[3/{steps}] waiting for the engine to re-read the cluster")
        if loaded_rv >= 0:
            wait_caught_up(engine, loaded_rv, targets.timeout)
    progress(
        f"[4/{steps}] "
        + (
            "restarting AKO over the loaded state"
            if restarts
            else "asking the engine to re-list the controller"
        )
    )
    changed = _request("POST", engine + "/debug/resync", timeout=targets.timeout).json()
    drifted = len(changed.get("changed") or []) if isinstance(changed, dict) else 0
    plural = "" if drifted == 1 else "s"
    progress(f"[5/{steps}] waiting for the engine to settle ({drifted} key{plural} to re-check)")
    state = wait_settled(engine, targets.timeout, progress)
    progress(f"done in {time.monotonic() - started:.1f}s: the engine has settled")
    return state
