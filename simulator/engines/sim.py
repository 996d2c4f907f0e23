"""ako-sim's own engine as a plug: it runs in this process, needs nothing in the cluster beyond
what ``behaviour.md`` reads, is ready when its informers have synced and its start-up bootstrap
is done, and settled when its queue is idle and its watches have caught up.

:func:`build_sim_engine` is where its parts are made from the settings (the Kubernetes and Avi
clients, the metrics, the one settings holder) and handed to :class:`Engine`; tests inject fakes
here. It must not import the mocks (the engine reaches them over HTTP only).
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.adapters.avi import AviApi, AviSdkClient
from simulator.adapters.kube import KubeApi, KubeClient
from simulator.config import EngineConfig, LiveSettings
from simulator.engine.controller import Engine
from simulator.engine.metrics import EngineMetrics
from simulator.engine.queue import Backoff, Clock


def build_sim_engine(
    config: EngineConfig,
    *,
    kube: KubeApi | None = None,
    avi: AviApi | None = None,
    clock: Clock | None = None,
    backoff: Backoff | None = None,
    serve_endpoint: bool = True,
) -> Engine:
    """A not yet started :class:`Engine`; it gets its own Kubernetes and Avi clients (closed when
    it stops) unless ``kube``/``avi`` are given."""
    settings = LiveSettings(config.domain())
    metrics = EngineMetrics()
    owned: list[Callable[[], None]] = []
    if kube is None:
        kube_client = KubeClient(config.kubeconfig)
        owned.append(kube_client.close)
        kube = kube_client
    if avi is None:
        avi_client = AviSdkClient(
            config.avi_controller,
            config.avi_user,
            config.avi_password,
            tenant=config.tenant,
            timeout=config.avi_timeout,
            created_by=settings.current.created_by,
            name_prefix=settings.current.name_prefix,
            observer=metrics.avi_call,
        )
        owned.append(avi_client.close)
        avi = avi_client
    return Engine(
        config,
        kube=kube,
        avi=avi,
        settings=settings,
        metrics=metrics,
        clock=clock,
        backoff=backoff,
        serve_endpoint=serve_endpoint,
        on_stop=tuple(owned),
    )
