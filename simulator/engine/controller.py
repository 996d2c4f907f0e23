"""The engine: informers + work queue + workers + reconciler + Avi cache + endpoint, wired.

``build_sim_engine(config)`` (``simulator.engines.sim``, the composition root) builds the clients
and the settings holder and hands them to :class:`Engine`, which only wires its own parts
(informers, queue, cache, router, reconciler, recorder); ``start()`` returns at once; background
threads then
1. list+watch the six resources (informers),
2. bootstrap: log in to the controller, read the licence tier, load the Avi cache, wait for the
   informers' first lists, learn existing Events, and enqueue every key that has Services or Avi
   objects (adoption and orphan clean-up happen in those reconciles),
3. run ``workers`` reconcile threads, and a periodic resync of the Avi cache (drift repair).
Events are written by the recorder's own thread, off the reconcile path.
``stop()`` ends everything and joins the threads. ``settled()`` is true when the queue is empty,
nothing is in flight, every queued Event is written and every informer has caught up with the
API server's resourceVersion.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry

from simulator.adapters.avi import AviApi, AviError
from simulator.adapters.kube import (
    AVIINFRASETTINGS,
    ENDPOINTSLICES,
    L4RULES,
    NAMESPACES,
    NODES,
    SERVICES,
    WATCHED,
    KubeApi,
    KubeError,
    Resource,
)
from simulator.config import EngineConfig, LiveSettings
from simulator.domain.model import Settings
from simulator.engine.avi_cache import TYPES, AviCache
from simulator.engine.cluster import InformerCluster, namespace_index, service_name_index
from simulator.engine.crds import INFRA_PREFIX, L4RULE_PREFIX, CrdValidator
from simulator.engine.endpoint import EndpointServer
from simulator.engine.events import EventRecorder
from simulator.engine.handlers import EventRouter
from simulator.engine.informer import Informer, rv_at_least
from simulator.engine.metrics import EngineMetrics
from simulator.engine.queue import Backoff, Clock, ShutDown, WorkQueue
from simulator.engine.reconciler import Reconciler, RetryLater

log = logging.getLogger("ako_sim.engine")


class Engine:
    """One reconciliation engine (see the module docstring)."""

    def __init__(
        self,
        config: EngineConfig,
        *,
        kube: KubeApi,
        avi: AviApi,
        settings: LiveSettings,
        metrics: EngineMetrics,
        clock: Clock | None = None,
        backoff: Backoff | None = None,
        serve_endpoint: bool = True,
        on_stop: tuple[Callable[[], None], ...] = (),
    ) -> None:
        self.config = config
        self.metrics = metrics
        #: the one settings holder every component reads (the licence tier is learnt at start)
        self.live_settings = settings
        self.kube = kube
        self.avi = avi
        self._on_stop = on_stop
        self.queue = WorkQueue(clock=clock, backoff=backoff)
        self.metrics.bind_queue(
            lambda: float(self.queue.depth()),
            lambda: float(len(self.queue.in_flight())),
            lambda: float(len(self.queue.retrying())),
        )
        self.cache = AviCache(settings)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._bootstrapped = threading.Event()
        self.informers: dict[str, Informer] = {}
        for resource in WATCHED:
            indexes: dict[str, Any] = {}
            if resource.namespaced:
                indexes["namespace"] = namespace_index
            if resource is ENDPOINTSLICES:
                indexes["service"] = service_name_index
            self.informers[resource.name] = Informer(
                self.kube,
                resource,
                self._handle,
                indexes=indexes,
                stop=self._stop,
                echoes=resource is SERVICES,  # the status patches' answers are stored too
            )
        self.cluster = InformerCluster(
            self.informers[SERVICES.name].store,
            self.informers[ENDPOINTSLICES.name].store,
            self.informers[NODES.name].store,
            self.informers[AVIINFRASETTINGS.name].store,
            self.informers[L4RULES.name].store,
        )
        self.router = EventRouter(
            self._enqueue,
            settings,
            self.informers[SERVICES.name].store,
            self.cache.owner_keys,
            view_of=self.cluster.service_view,
        )
        self.recorder = EventRecorder(self.kube, on_write=self.metrics.k8s_write, background=True)
        self.reconciler = Reconciler(
            self.cluster,
            self.avi,
            self.cache,
            self.kube,
            self.recorder,
            settings,
            on_k8s_write=self.metrics.k8s_write,
        )
        self.validator = CrdValidator(
            self.avi,
            self.kube,
            self.informers[AVIINFRASETTINGS.name].store,
            self.informers[L4RULES.name].store,
            on_k8s_write=self.metrics.k8s_write,
        )
        self._threads: list[threading.Thread] = []
        self._endpoint: EndpointServer | None = None
        self._serve_endpoint = serve_endpoint
        self._started = False
        self.last_bootstrap_error = ""
        self._namespaces_store = self.informers[NAMESPACES.name].store

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            raise RuntimeError("engine already started")
        self._started = True
        if self._serve_endpoint:
            self._endpoint = EndpointServer(self, self.config.host, self.config.port)
            self._endpoint.start()
        self.recorder.start()
        for informer in self.informers.values():
            informer.start()
        self._spawn(self._bootstrap, "engine-bootstrap")
        log.info(
            "engine started: cluster %s, controller %s, %d workers%s",
            self.config.cluster_name,
            self.config.avi_controller,
            self.config.workers,
            f", endpoint {self.url}" if self._endpoint else "",
        )

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.queue.shutdown()
        for informer in self.informers.values():
            informer.stop()
        abort = getattr(self.kube, "abort_watches", None)
        if abort is not None:
            abort()
        deadline = time.monotonic() + timeout
        for informer in self.informers.values():
            informer.join(max(deadline - time.monotonic(), 0.1))
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.1))
        self.recorder.stop(max(deadline - time.monotonic(), 0.1))
        if self._endpoint is not None:
            self._endpoint.stop()
            self._endpoint = None
        for close in self._on_stop:  # the clients the composition root made for this engine
            close()
        log.info("engine stopped")

    @property
    def url(self) -> str:
        return self._endpoint.url if self._endpoint else ""

    @property
    def port(self) -> int:
        return self._endpoint.port if self._endpoint else 0

    @property
    def settings(self) -> Settings:
        return self.live_settings.current

    @property
    def registry(self) -> CollectorRegistry:
        return self.metrics.registry

    def healthy(self) -> bool:
        return not self._stop.is_set()

    def ready(self) -> bool:
        return (
            self._ready.is_set()
            and not self._stop.is_set()
            and all(i.synced for i in self.informers.values())
        )

    def wait_ready(self, timeout: float = 10.0) -> bool:
        return self._ready.wait(timeout)

    # -- settled --------------------------------------------------------------------------------
    def settled(self) -> bool:
        if not self.ready():
            return False
        try:
            server_rv = self.kube.server_resource_version()
        except KubeError:
            return False
        for informer in self.informers.values():
            if not rv_at_least(informer.resource_version, server_rv):
                return False
        return self.queue.idle() and self.recorder.idle()

    def wait_settled(self, timeout: float = 10.0, interval: float = 0.01) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self.settled():
                return True
            if time.monotonic() >= deadline:
                return False
            self._stop.wait(interval)

    def stats(self) -> dict[str, int]:
        return self.metrics.snapshot()

    def state(self) -> dict[str, Any]:
        try:
            server_rv: str | None = self.kube.server_resource_version()
        except KubeError:
            server_rv = None
        informers = {
            name: {
                "resource_version": inf.resource_version,
                "synced": inf.synced,
                "objects": len(inf.store),
                "lists": inf.lists,
                "watches": inf.watches,
                "errors": inf.errors,
                "caught_up": server_rv is not None and rv_at_least(inf.resource_version, server_rv),
            }
            for name, inf in self.informers.items()
        }
        in_flight = self.queue.in_flight()
        depth = self.queue.depth()
        caught_up = server_rv is not None and all(i["caught_up"] for i in informers.values())
        ready = self.ready()
        return {
            "cluster_name": self.config.cluster_name,
            "ready": ready,
            "settled": bool(ready and caught_up and self.queue.idle() and self.recorder.idle()),
            "server_resource_version": server_rv,
            "observed_resource_version": {n: i["resource_version"] for n, i in informers.items()},
            "informers": informers,
            "queue": {"depth": depth, "in_flight": in_flight},
            "queue_depth": depth,
            "in_flight": in_flight,
            "retrying": [
                {
                    "key": r.key,
                    "next_attempt_in": round(r.due_in, 3),
                    "failures": r.failures,
                    "slow": r.slow,
                }
                for r in self.queue.retrying()
            ],
            "avi_objects": self.cache.count(),
            "license_tier": self.settings.license_tier,
            "bootstrap_error": self.last_bootstrap_error,
            "stats": self.metrics.snapshot(),
        }

    # -- internals ------------------------------------------------------------------------------
    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _enqueue(self, keys: Any) -> None:
        self.queue.add_many(keys)

    def _handle(self, resource: Resource, old: Any, new: Any) -> None:
        self.router.handle(resource, old, new)

    def _bootstrap(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                tier = self.avi.license_tier()
                listing = {obj_type: self.avi.list_owned(obj_type) for obj_type in TYPES}
                break
            except AviError as exc:
                failures += 1
                self.last_bootstrap_error = exc.message
                log.warning("cannot reach the Avi controller yet: %s", exc.message)
                self._stop.wait(min(0.05 * 2 ** min(failures, 6), 2.0))
        else:
            return
        self.last_bootstrap_error = ""
        settings = self.live_settings.learn_license_tier(tier)
        self.cache.load(listing)
        for informer in self.informers.values():
            while not informer.wait_synced(0.1):
                if self._stop.is_set():
                    return
        self.recorder.preload()
        keys: list[str] = [str(k) for k in self.router.all_keys()]
        keys += [str(k) for k in self.cache.owner_keys()]
        keys += [
            INFRA_PREFIX + name for name in self.informers[AVIINFRASETTINGS.name].store.names()
        ]
        keys += [L4RULE_PREFIX + ref for ref in self.informers[L4RULES.name].store.names()]
        self.queue.add_many(dict.fromkeys(keys))
        log.info(
            "bootstrap done: licence %s, %d Avi objects adopted, %d keys queued",
            settings.license_tier,
            sum(self.cache.count().values()),
            len(set(keys)),
        )
        self._ready.set()
        for index in range(self.config.workers):
            self._spawn(self._worker, f"engine-worker-{index}")
        if self.config.resync_period > 0:
            self._spawn(self._resync_loop, "engine-resync")

    def _worker(self) -> None:
        while True:
            try:
                key = self.queue.get()
            except ShutDown:
                return
            if key is None:
                continue
            started = time.monotonic()
            kind = key.split(":", 1)[0]
            try:
                self._dispatch(key)
            except RetryLater as exc:
                delay = self.queue.retry(key, slow=exc.slow)
                self.metrics.reconcile_errors.labels(error=exc.error).inc()
                self.metrics.reconciled(kind, "retry", time.monotonic() - started)
                log.debug("%s: retry in %.3fs (%s)", key, delay, exc)
            except Exception as exc:
                self.queue.retry(key, slow=True)
                self.metrics.reconcile_errors.labels(error=type(exc).__name__).inc()
                self.metrics.reconciled(kind, "error", time.monotonic() - started)
                log.exception("%s: reconcile failed", key)
            else:
                self.queue.forget(key)
                self.metrics.reconciled(kind, "ok", time.monotonic() - started)
            finally:
                self.queue.done(key)

    def _dispatch(self, key: str) -> None:
        if key.startswith((INFRA_PREFIX, L4RULE_PREFIX)):
            self.validator.reconcile(key)
        else:
            self.reconciler.reconcile(key)

    def resync_now(self) -> set[str]:
        """Re-list the controller's objects and enqueue the keys that drifted."""
        started = self.cache.seq
        listing = {obj_type: self.avi.list_owned(obj_type) for obj_type in TYPES}
        changed = {str(k) for k in self.cache.resync(listing, started)}
        if changed:
            log.info("resync: %d keys drifted on the controller", len(changed))
            self.queue.add_many(sorted(changed))
        return changed

    def _resync_loop(self) -> None:
        while not self._stop.wait(self.config.resync_period):
            try:
                self.resync_now()
            except AviError as exc:
                log.warning("resync failed: %s", exc.message)
