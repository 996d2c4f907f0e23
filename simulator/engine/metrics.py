"""Counters of one engine: Prometheus metrics (own registry per engine) plus plain totals.

The plain totals (``avi_writes``, ``k8s_writes``, ...) are what tests read to assert "zero writes
on a converged pass"; the same numbers are exported on ``/metrics``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

AVI_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class EngineMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.reconciles = Counter(
            "akosim_reconciles",
            "Reconciles run, by key kind and result",
            ["kind", "result"],
            registry=self.registry,
        )
        self.reconcile_errors = Counter(
            "akosim_reconcile_errors",
            "Reconciles that ended in an error, by error class",
            ["error"],
            registry=self.registry,
        )
        self.reconcile_seconds = Histogram(
            "akosim_reconcile_duration_seconds",
            "Time spent in one reconcile",
            registry=self.registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
        )
        self.avi_calls = Counter(
            "akosim_avi_calls",
            "Calls to the Avi controller by method, object type and status",
            ["method", "type", "status"],
            registry=self.registry,
        )
        self.k8s_writes_total = Counter(
            "akosim_k8s_writes",
            "Writes to the Kubernetes API by kind",
            ["kind"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "akosim_queue_depth", "Keys ready to be reconciled", registry=self.registry
        )
        self.in_flight = Gauge("akosim_in_flight", "Keys being reconciled", registry=self.registry)
        self.retrying = Gauge("akosim_retrying", "Keys waiting for a retry", registry=self.registry)
        self._lock = threading.Lock()
        # children by label values: ``labels(...)`` looks them up under a lock on every call
        self._children: dict[tuple[str, ...], Any] = {}
        self.avi_writes = 0
        self.avi_reads = 0
        self.k8s_writes = 0
        self.status_writes = 0
        self.event_writes = 0
        self.crd_status_writes = 0
        self.reconcile_count = 0

    def bind_queue(
        self,
        depth: Callable[[], float],
        in_flight: Callable[[], float],
        retrying: Callable[[], float],
    ) -> None:
        self.queue_depth.set_function(depth)
        self.in_flight.set_function(in_flight)
        self.retrying.set_function(retrying)

    def avi_call(self, method: str, obj_type: str, status: str) -> None:
        self._child(self.avi_calls, "avi", method, obj_type, status).inc()
        with self._lock:
            if method in AVI_WRITE_METHODS and obj_type != "login":
                self.avi_writes += 1
            else:
                self.avi_reads += 1

    def k8s_write(self, kind: str) -> None:
        self._child(self.k8s_writes_total, "k8s", kind).inc()
        with self._lock:
            self.k8s_writes += 1
            if kind == "service_status":
                self.status_writes += 1
            elif kind.startswith("event"):
                self.event_writes += 1
            elif kind.endswith("_status"):
                self.crd_status_writes += 1

    def reconciled(self, kind: str, result: str, seconds: float) -> None:
        self._child(self.reconciles, "reconciles", kind, result).inc()
        self.reconcile_seconds.observe(seconds)
        with self._lock:
            self.reconcile_count += 1

    def _child(self, metric: Any, name: str, *values: str) -> Any:
        """``metric.labels(*values)``, remembered (the same child object prometheus keeps)."""
        key = (name, *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                "avi_writes": self.avi_writes,
                "avi_reads": self.avi_reads,
                "k8s_writes": self.k8s_writes,
                "status_writes": self.status_writes,
                "event_writes": self.event_writes,
                "crd_status_writes": self.crd_status_writes,
                "reconciles": self.reconcile_count,
            }
