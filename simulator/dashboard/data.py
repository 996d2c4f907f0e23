"""What the dashboard shows, gathered from a running engine's caches (cheap, read-only).

Services come from the engine's Service informer, Avi objects from its controller cache; the
latest Warning Event per Service comes from one Event list of the API server, reused for
``EVENTS_TTL`` seconds so that fast polling does not turn into a request storm. Health (each VS
and pool's oper status) comes from the controller's ``virtualservice-inventory`` and
``pool-inventory``, read over HTTP through the engine's Avi client (``engine.avi``, which both
engines have) and reused for ``HEALTH_TTL`` seconds. The payloads are plain JSON built by the
pure builders of ``simulator.views``. It never writes anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from simulator.domain.model import Settings
from simulator.views.services import dashboard_rows
from simulator.views.topology import build_topology

log = logging.getLogger("ako_sim.dashboard")

EVENTS_TTL = 1.0
HEALTH_TTL = 1.0
AVI_TYPES = ("virtualservice", "vsvip", "l4policyset", "pool")
INVENTORY_TYPES = ("virtualservice-inventory", "pool-inventory")


@runtime_checkable
class AviReader(Protocol):
    """The listing call of the engine's Avi client (``AviSdkClient.iter_list``)."""

    def iter_list(self, obj_type: str, params: Mapping[str, Any]) -> Iterable[dict[str, Any]]: ...


class EngineLike(Protocol):
    """The parts of :class:`simulator.engine.controller.Engine` the dashboard reads."""

    @property
    def settings(self) -> Settings: ...

    @property
    def informers(self) -> Mapping[str, Any]: ...

    @property
    def cache(self) -> Any: ...

    @property
    def kube(self) -> Any: ...

    def state(self) -> dict[str, Any]: ...


def now_utc() -> datetime:
    return datetime.now(UTC)


class DashboardData:
    """Builds the dashboard's JSON from ``engine`` on demand."""

    def __init__(
        self,
        engine: EngineLike,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._events: list[dict[str, Any]] = []
        self._events_at: float | None = None
        self._health: dict[str, list[dict[str, Any]]] = {}
        self._health_at: float | None = None

    # -- inputs ---------------------------------------------------------------------------------
    def services(self) -> list[dict[str, Any]]:
        informer = self._engine.informers.get("services")
        if informer is None:
            return []
        return [dict(obj) for obj in informer.store.values()]

    def avi_objects(self) -> dict[str, list[dict[str, Any]]]:
        """Every controller object the engine owns, by type (from its cache)."""
        cache = self._engine.cache
        found: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in AVI_TYPES}
        for key in cache.owner_keys():
            for obj_type, obj in cache.objects_of(key):
                if obj_type in found:
                    found[obj_type][str(obj.get("name") or obj.get("uuid"))] = dict(obj)
        return {t: [objs[n] for n in sorted(objs)] for t, objs in found.items()}

    def warning_events(self) -> list[dict[str, Any]]:
        """Warning Events of the cluster (cached for ``EVENTS_TTL`` seconds)."""
        with self._lock:
            fresh = self._events_at is not None and self._clock() - self._events_at < EVENTS_TTL
            if fresh:
                return self._events
        try:
            events = self._engine.kube.list_events()
        except Exception as exc:  # the API server may be away; show what we had
            log.debug("dashboard: cannot list events: %s", exc)
            with self._lock:
                return self._events
        warnings = [e for e in events if isinstance(e, dict) and e.get("type") == "Warning"]
        with self._lock:
            self._events = warnings
            self._events_at = self._clock()
            return warnings

    def inventories(
        self, owned: Mapping[str, list[dict[str, Any]]] | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """The controller's VS and pool inventories (runtime and health score only), through
        the engine's Avi client; cached for ``HEALTH_TTL`` seconds, unless the cached entries miss
        one of the ``owned`` VSes or pools (objects made since, e.g. by a snapshot load); ``{}``
        when unreadable."""
        with self._lock:
            fresh = self._health_at is not None and self._clock() - self._health_at < HEALTH_TTL
            if fresh and _covers(self._health, owned or {}):
                return self._health
        reader = getattr(self._engine, "avi", None)
        if not isinstance(reader, AviReader):
            return {}
        params = {"page_size": 200, "include": "runtime,health_score"}
        found: dict[str, list[dict[str, Any]]] = {}
        try:
            for inventory in INVENTORY_TYPES:
                found[inventory] = [dict(e) for e in reader.iter_list(inventory, params)]
        except Exception as exc:  # the controller may be away; show what we had
            log.debug("dashboard: cannot read the controller's inventories: %s", exc)
            with self._lock:
                return self._health
        with self._lock:
            self._health = found
            self._health_at = self._clock()
            return found

    def engine_state(self) -> dict[str, Any]:
        try:
            state = self._engine.state()
        except Exception as exc:
            log.debug("dashboard: engine state unavailable: %s", exc)
            return {"ready": False, "settled": False}
        return {
            "ready": bool(state.get("ready")),
            "settled": bool(state.get("settled")),
            "queue_depth": state.get("queue_depth", 0),
            "retrying": len(state.get("retrying") or []),
        }

    def avi_with_health(self) -> dict[str, list[dict[str, Any]]]:
        """The engine's controller objects, with the inventories that cover them."""
        owned = self.avi_objects()
        return {**owned, **self.inventories(owned)}

    # -- payloads -------------------------------------------------------------------------------
    def raw(self) -> dict[str, Any]:
        """The inputs, for clients that build the views themselves (``ako-sim get/topology``)."""
        settings = self._engine.settings
        return {
            "cluster": settings.cluster_name,
            "now": self._now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "services": self.services(),
            "events": self.warning_events(),
            "avi": self.avi_with_health(),
        }

    def view(self) -> dict[str, Any]:
        """The dashboard's payload: engine state, Service rows and the topology."""
        settings = self._engine.settings
        services = self.services()
        now = self._now()
        return {
            "cluster": settings.cluster_name,
            "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "engine": self.engine_state(),
            "services": dashboard_rows(services, self.warning_events(), now),
            "topology": build_topology(self.avi_with_health(), services, settings),
        }


def _covers(
    inventories: Mapping[str, list[dict[str, Any]]], owned: Mapping[str, list[dict[str, Any]]]
) -> bool:
    """Whether every owned VS and pool has an entry in the cached inventories."""
    for obj_type, inventory in (
        ("virtualservice", INVENTORY_TYPES[0]),
        ("pool", INVENTORY_TYPES[1]),
    ):
        known = {str(e.get("uuid")) for e in inventories.get(inventory, [])}
        if any(str(o.get("uuid")) not in known for o in owned.get(obj_type, [])):
            return False
    return True
