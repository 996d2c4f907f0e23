"""The control API under ``/__mock__/``: healthz, reset, state dump/load, faults, journal, stats.

``GET /__mock__/stats`` gives request counters since start: ``{requests, by_method}``.

Reset and state load keep the resourceVersion counter monotonic, end open watches and compact
the history, so a watcher resuming from an older RV gets 410 and relists. Never part of the
Kubernetes API surface.
"""

from __future__ import annotations

import copy
from typing import Any

from werkzeug.wrappers import Request, Response

from mock_k8s import errors
from mock_k8s.apiserver import CRD_KEY, Api
from mock_k8s.controllers.workloads import control_request
from mock_k8s.faults import Faults
from mock_k8s.journal import Journal
from mock_k8s.resources.crds import types_from_crd
from mock_k8s.routes import json_response, read_body
from mock_k8s.seed import seed


class Control:
    def __init__(self, api: Api, faults: Faults, journal: Journal, install_ako_crds: bool) -> None:
        self.api = api
        self.faults = faults
        self.journal = journal
        self.install_ako_crds = install_ako_crds

    def reset(self) -> None:
        api = self.api
        # the store lock too, for the whole reset: a list sees the old state or the new one
        with api.lock, api.store.lock:
            api.store.wipe()
            api.registry.clear_crds()
            api.alloc.reset(api.seed)
            api.rebuild_controllers()
            seed(api, self.install_ako_crds)
            api.store.drop_watches("reset")
            api.store.compact()
        self.faults.remove()
        self.journal.clear()
        api.access.reset()

    def dump(self) -> dict[str, Any]:
        api = self.api
        with api.lock:
            objects: list[dict[str, Any]] = []
            keys = sorted(api.store.buckets(), key=lambda k: (k != CRD_KEY, k))
            for key in keys:
                objects.extend(api.store.objects(key))
            return {"resourceVersion": str(api.store.rv), "objects": copy.deepcopy(objects)}

    def load(self, state: Any) -> int:
        """Replace every object; a refused document leaves the previous state in place."""
        if not isinstance(state, dict) or not isinstance(state.get("objects"), list):
            raise errors.bad_request('state must be {"objects": [...]}')
        with self.api.lock:
            previous = self.dump()
            try:
                return self._load(state)
            except Exception as exc:
                self._load(previous)
                if isinstance(exc, errors.ApiError):
                    raise
                raise errors.bad_request(f"cannot load the state: {exc!r}") from None

    def _load(self, state: dict[str, Any]) -> int:
        api = self.api
        # the store lock too, for the whole load: a list sees the old state or the new one
        with api.lock, api.store.lock:
            api.store.wipe()
            api.registry.clear_crds()
            objs = [o for o in state["objects"] if isinstance(o, dict)]
            crds = [o for o in objs if o.get("kind") == "CustomResourceDefinition"]
            for crd in crds:
                api.registry.set_crd(crd["metadata"]["name"], types_from_crd(crd))
            count = 0
            for obj in objs:
                api_version = str(obj.get("apiVersion", "v1"))
                group, _, version = api_version.rpartition("/")
                kind = obj.get("kind")
                rt = next(
                    (
                        t
                        for t in api.registry.all_types()
                        if t.group == group and t.version == version and t.kind == kind
                    ),
                    None,
                )
                meta = obj.get("metadata")
                if rt is None or not isinstance(meta, dict) or not meta.get("name"):
                    raise errors.bad_request(f"cannot load object of kind {kind} ({api_version})")
                api.store.load(rt.key, copy.deepcopy(obj))
                count += 1
            api.restore_allocations()
            api.rebuild_controllers()
            api.store.drop_watches("state loaded")
            api.store.compact()
            return count

    def handle(self, req: Request) -> Response:
        path = req.path[len("/__mock__") :].strip("/")
        method = req.method.upper()
        if path == "healthz":
            return json_response({"status": "ok"})
        if path == "reset" and method == "POST":
            self.reset()
            return json_response({"reset": True, "resourceVersion": str(self.api.store.rv)})
        if path == "access":
            if method == "GET":
                return json_response(self.api.access.dump())
            if method in ("POST", "PUT"):
                return json_response(self.api.access.set(read_body(req)))
            if method == "DELETE":
                self.api.access.reset()
                return json_response(self.api.access.dump())
        if path == "state":
            if method == "GET":
                return json_response(self.dump())
            if method == "PUT":
                count = self.load(read_body(req))
                return json_response({"loaded": count, "resourceVersion": str(self.api.store.rv)})
        if path == "journal" and method == "GET":
            try:
                since = int(req.args.get("since", "0"))
            except ValueError:
                raise errors.bad_request("since must be an integer") from None
            return json_response(self.journal.since(since))
        if path == "stats" and method == "GET":
            return json_response(self.journal.stats())
        if path == "watches" and method == "GET":
            return json_response(
                {"open": self.api.store.watcher_count(), "resourceVersion": str(self.api.store.rv)}
            )
        if path == "faults":
            if method == "GET":
                return json_response(self.faults.list())
            if method == "DELETE":
                return json_response({"removed": self.faults.remove()})
            if method == "POST":
                body = read_body(req)
                if not isinstance(body, dict):
                    raise errors.bad_request("a fault rule must be a JSON object")
                if body.get("drop_watches"):
                    return json_response({"dropped": self.api.store.drop_watches("dropped")})
                if body.get("compact"):
                    self.api.store.compact()
                    return json_response(
                        {"compacted": True, "resourceVersion": str(self.api.store.rv)}
                    )
                rule = self.faults.add(body)
                return json_response(rule.as_dict(), 201)
        if path.startswith("faults/") and method == "DELETE":
            removed = self.faults.remove(path.split("/", 1)[1])
            if not removed:
                raise errors.ApiError(404, "NotFound", "no such fault rule")
            return json_response({"removed": removed})
        if path in ("nodes", "workloads") or path.startswith("nodes/"):
            body = read_body(req) if method in ("POST", "PUT") else None
            return json_response(control_request(self.api.workloads, method, path, body))
        raise errors.ApiError(404, "NotFound", f"unknown control endpoint: {req.method} {req.path}")
