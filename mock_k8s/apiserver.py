"""The API server's request handling, independent of HTTP: get, list, create, update, patch, delete.

Generic rules live here (metadata generation, optimistic concurrency, no-op updates skipped,
finalizers and deletionTimestamp, namespace checks, status subresource split, continue tokens);
kind-specific rules come from ``resources`` strategies; built-in controllers run after every
write. Every write is serialised by one lock. Never imports the HTTP layer.
"""

from __future__ import annotations

import base64
import builtins
import json
import threading
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from mock_k8s import discovery, errors, managed, validation
from mock_k8s.patch import APPLY_PATCH, apply_patch
from mock_k8s.registry import Registry, ResourceType
from mock_k8s.resources.access import AccessRules, check_eviction, root_ca_configmap
from mock_k8s.resources.allocation import Allocators
from mock_k8s.resources.common import Strategy, now_rfc3339, validate_labels, validate_name
from mock_k8s.resources.crds import CRDStrategy, CustomStrategy, types_from_crd
from mock_k8s.resources.kinds import (
    KIND_STRATEGIES,
    EndpointSliceStrategy,
    EventStrategy,
    NamespaceStrategy,
    NodeStrategy,
    PodStrategy,
)
from mock_k8s.resources.service import ServiceStrategy
from mock_k8s.resources.workloads import STRATEGIES as WORKLOAD_STRATEGIES
from mock_k8s.selectors import Matcher
from mock_k8s.store import Store, Stored, clone
from mock_k8s.watch import Change

CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"
# Kinds whose upstream strategy sets metadata.generation (custom resources always have one)
GENERATION_KINDS = frozenset(
    (
        CRD_KEY,
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
        "daemonsets.apps",
        "jobs.batch",
        "cronjobs.batch",
        "replicationcontrollers",
        "ingresses.networking.k8s.io",
        "ingressclasses.networking.k8s.io",
        "networkpolicies.networking.k8s.io",
        "poddisruptionbudgets.policy",
        "horizontalpodautoscalers.autoscaling",
        "mutatingwebhookconfigurations.admissionregistration.k8s.io",
        "validatingwebhookconfigurations.admissionregistration.k8s.io",
    )
)
NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
MSG_CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)


def _item_key(stored: Stored) -> tuple[str, str]:
    meta = stored.obj["metadata"]
    return (str(meta.get("namespace") or ""), str(meta["name"]))


@dataclass
class ClusterSettings:
    """What the seeded cluster looks like: the reported version, the default/kubernetes
    Service."""

    version_info: dict[str, str] = field(default_factory=discovery.version_info)
    kubernetes_service: bool = False


@dataclass
class ListResult:
    items: list[Stored]
    rv: int
    continue_token: str = ""
    remaining: int | None = None


def _spec_part(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    out = dict(obj)
    meta = dict(out.get("metadata", {}))
    meta.pop("resourceVersion", None)
    meta.pop("managedFields", None)
    out["metadata"] = meta
    return out


class Api:
    def __init__(self, seed: int = 0, history_limit: int = 50_000) -> None:
        self.seed = seed
        self.lock = threading.RLock()
        self.store = Store(history_limit)
        self.registry = Registry()
        self.alloc = Allocators(seed)
        self._strategies: dict[tuple[str, str], Strategy] = {}
        self._pending: list[Change] = []
        self._controllers: list[Any] = []
        self.access = AccessRules()
        self.cluster = ClusterSettings()
        # set by the workload controllers: propagation policies, graceful Pod deletion
        self.delete_hook: Any = None
        self.workloads: Any = None

    # ---- context for strategies ----------------------------------------------------------
    def new_uid(self) -> str:
        return self.alloc.new_uid()

    def get_object(self, key: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.store.get(key, namespace, name)

    def list_objects(self, key: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return self.store.objects(key, namespace)

    def add_controller(self, controller: Any) -> None:
        self._controllers.append(controller)

    def rebuild_controllers(self) -> None:
        """After a reset or state load: controllers re-read what they index."""
        self._pending = []
        for controller in self._controllers:
            rebuild = getattr(controller, "rebuild", None)
            if rebuild is not None:
                rebuild()

    def strategy(self, rt: ResourceType) -> Strategy:
        cache_key = (rt.key, rt.version)
        found = self._strategies.get(cache_key)
        if found is not None and found.rt == rt:
            return found
        strat: Strategy
        if not rt.builtin:
            strat = CustomStrategy(rt)
        elif rt.key == "services":
            strat = ServiceStrategy(rt, self.alloc)
        elif rt.key == "namespaces":
            strat = NamespaceStrategy(rt)
        elif rt.key == "pods":
            strat = PodStrategy(rt)
        elif rt.key in KIND_STRATEGIES:
            strat = KIND_STRATEGIES[rt.key](rt)
        elif rt.key == "nodes":
            strat = NodeStrategy(rt)
        elif rt.key == "events":
            strat = EventStrategy(rt)
        elif rt.key == "endpointslices.discovery.k8s.io":
            strat = EndpointSliceStrategy(rt)
        elif rt.key == CRD_KEY:
            strat = CRDStrategy(rt)
        elif rt.key in WORKLOAD_STRATEGIES:
            strat = WORKLOAD_STRATEGIES[rt.key](rt)
        else:
            strat = Strategy(rt)
        self._strategies[cache_key] = strat
        return strat

    # ---- reads ---------------------------------------------------------------------------
    def get(self, rt: ResourceType, namespace: str, name: str) -> Stored:
        found = self.store.get_stored(rt.key, namespace if rt.namespaced else "", name)
        if found is None:
            raise errors.not_found(rt.plural, name, rt.group)
        return found

    def list(
        self,
        rt: ResourceType,
        namespace: str | None,
        label: Matcher | None = None,
        field: Matcher | None = None,
        limit: int = 0,
        continue_token: str = "",
        exact_rv: int | None = None,
    ) -> ListResult:
        """``exact_rv``: the list as it was at that resourceVersion (Exact semantics)."""
        scope = namespace if rt.namespaced else None
        token = self._continue_from(continue_token) if continue_token else None
        if limit and label is None and field is None and (exact_rv is None or token):
            page, rv, remaining = self.store.page(rt.key, scope, token and token[1], limit)
            if token:
                rv = token[0]
            if remaining:
                return ListResult(page, rv, self._continue_token(rv, page[-1]), remaining)
            return ListResult(page, rv)
        if exact_rv is not None and not token:
            items, rv = self.store.items_at(rt.key, scope, exact_rv)
        else:
            items, rv = self.store.items(rt.key, scope)
        if token:
            rv = token[0]
            items = items[bisect_right(items, token[1], key=_item_key) :]
        selected: list[Stored]
        if label is None and field is None:
            selected = items
        else:
            selected = []
            for stored in items:
                obj = stored.obj
                if label is not None and not label(obj["metadata"].get("labels") or {}):
                    continue
                if field is not None and not field(obj):
                    continue
                selected.append(stored)
        if limit and len(selected) > limit:
            token_text = self._continue_token(rv, selected[limit - 1])
            return ListResult(selected[:limit], rv, token_text, len(selected) - limit)
        return ListResult(selected, rv)

    def _continue_from(self, continue_token: str) -> tuple[int, tuple[str, str]]:
        """A list's continue token: the resourceVersion it lists at, and the (namespace, name)
        its page ended on (410 once the history no longer reaches that resourceVersion)."""
        try:
            token = json.loads(base64.urlsafe_b64decode(continue_token.encode()).decode())
            token_rv, start_after = int(token["rv"]), str(token["start"])
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.bad_request(f"continue key is not valid: {exc}") from None
        if token_rv < self.store.floor:
            raise errors.ApiError(410, "Expired", MSG_CONTINUE_EXPIRED)
        # "<namespace>/<name>": the items are in (namespace, name) order, so compare pairs
        # ("default-2/a" sorts before "default/b" as text, after it as a pair)
        ns, sep, name = start_after.partition("/")
        return token_rv, (ns, name) if sep else ("", start_after)

    @staticmethod
    def _continue_token(rv: int, last: Stored) -> str:
        meta = last.obj["metadata"]
        cont = {"rv": rv, "start": f"{meta.get('namespace', '')}/{meta['name']}"}
        return base64.urlsafe_b64encode(json.dumps(cont).encode()).decode()

    # ---- writes --------------------------------------------------------------------------
    def create(
        self,
        rt: ResourceType,
        namespace: str,
        body: Any,
        *,
        dry_run: bool = False,
        manager: str = "",
        managed_fields: builtins.list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """``manager``: the field manager recorded in managedFields (none for the server's own
        writes); ``managed_fields``: already computed (server-side apply of a new object)."""
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        checked = validation.check_create(self, rt, body)
        with self.lock:
            # a request's body comes back decoded afresh (nobody else holds it); the server's own
            # writes pass their dicts through, and those are copied
            obj: dict[str, Any] = checked if checked is not body else clone(body)
            meta = obj.get("metadata")
            if not isinstance(meta, dict):
                meta = {}
            obj["metadata"] = meta
            obj["kind"] = rt.kind
            obj["apiVersion"] = rt.api_version
            if rt.namespaced:
                body_ns = meta.get("namespace")
                if body_ns and body_ns != namespace:
                    raise errors.bad_request(
                        "the namespace of the provided object does not match the namespace "
                        "sent on the request"
                    )
                meta["namespace"] = namespace
                self._check_namespace(rt, namespace, str(meta.get("name") or ""))
            else:
                meta.pop("namespace", None)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = str(meta["generateName"]) + "".join(
                    self.alloc.rng.choice(NAME_CHARS) for _ in range(5)
                )
            strat = self.strategy(rt)
            causes = validate_name(meta.get("name"), strat.name_style)
            causes += validate_labels(meta)
            if causes:
                raise errors.invalid(rt.kind, str(meta.get("name") or ""), causes, rt.group)
            name = str(meta["name"])
            if self.store.get(rt.key, namespace if rt.namespaced else "", name) is not None:
                raise errors.already_exists(rt.plural, name, rt.group)
            if meta.get("resourceVersion"):
                raise errors.bad_request(errors.MSG_RV_ON_CREATE)
            for f in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
                meta.pop(f, None)
            meta.pop("managedFields", None)
            meta["uid"] = self.alloc.new_uid()
            meta["creationTimestamp"] = now_rfc3339()
            if rt.key in GENERATION_KINDS or not rt.builtin:
                meta["generation"] = 1
            strat.prepare_create(self, obj)
            if managed_fields is not None:
                meta["managedFields"] = managed_fields
            elif manager:
                meta["managedFields"] = managed.record_update(
                    None, obj, rt.kind, manager, rt.api_version
                )
            causes = strat.validate(self, obj, None)
            if rt.has_status and "status" in obj:
                causes += strat.validate_status(self, obj, obj)
            if causes:
                raise errors.invalid(rt.kind, name, causes, rt.group)
            if dry_run:
                return obj
            strat.allocate(self, obj, None)
            if rt.key == CRD_KEY:
                self.registry.set_crd(name, types_from_crd(obj))
            stored = self.store.write(rt.key, "ADDED", obj, None)
            if rt.key == "namespaces":
                self._namespace_defaults(name)
            self._run_controllers()
            return stored

    def _namespace_defaults(self, namespace: str) -> None:
        """What the serviceaccount and root-CA publisher controllers add to a new namespace."""
        sa_rt = self.registry.lookup("", "v1", "serviceaccounts")
        cm_rt = self.registry.lookup("", "v1", "configmaps")
        assert sa_rt is not None and cm_rt is not None
        self.create(sa_rt, namespace, {"metadata": {"name": "default"}})
        self.create(cm_rt, namespace, root_ca_configmap())

    def update(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        *,
        status: bool = False,
        dry_run: bool = False,
        expect_rv: bool = True,
        manager: str = "",
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        checked = validation.check_update(self, rt, body)
        with self.lock:
            ns = namespace if rt.namespaced else ""
            current = self.store.get(rt.key, ns, name)
            if current is None:
                raise errors.not_found(rt.plural, name, rt.group)
            new = checked if checked is not body else clone(body)  # as on create
            meta = new.get("metadata")
            if not isinstance(meta, dict):
                meta = {}
            new["metadata"] = meta
            if meta.get("name") not in (None, name):
                raise errors.bad_request(
                    f"the name of the object ({meta.get('name')}) does not match the name on "
                    f"the URL ({name})"
                )
            if rt.namespaced and meta.get("namespace") not in (None, "", namespace):
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on "
                    "the request"
                )
            want_rv = meta.get("resourceVersion")
            if expect_rv and want_rv and want_rv != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rt.plural, name, rt.group)
            return self._apply_update(
                rt, current, new, status=status, dry_run=dry_run, manager=manager
            )

    def _apply_update(
        self,
        rt: ResourceType,
        current: dict[str, Any],
        new: dict[str, Any],
        *,
        status: bool,
        dry_run: bool = False,
        manager: str = "",
        managed_fields: builtins.list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        cur_meta = current["metadata"]
        meta = new.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        new["kind"] = rt.kind
        new["apiVersion"] = rt.api_version
        meta["name"] = cur_meta["name"]
        if rt.namespaced:
            meta["namespace"] = cur_meta["namespace"]
        else:
            meta.pop("namespace", None)
        for f in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
            if f in cur_meta:
                meta[f] = cur_meta[f]
            else:
                meta.pop(f, None)
        meta.pop("managedFields", None)
        if "generateName" in cur_meta and "generateName" not in meta:
            meta["generateName"] = cur_meta["generateName"]
        strat = self.strategy(rt)
        if status and rt.has_status:
            strat.prepare_status_update(self, new, current)
        else:
            strat.prepare_update(self, new, current)
        causes = validate_labels(meta)
        if status and rt.has_status:
            causes += strat.validate_status(self, new, current)
        else:
            causes += strat.validate(self, new, current)
            if rt.has_status and rt.key == "pods":
                causes += strat.validate_status(self, new, current)
        if causes:
            raise errors.invalid(rt.kind, str(meta["name"]), causes, rt.group)
        if "generation" in cur_meta:
            gen = int(cur_meta["generation"])
            if _spec_part(new) != _spec_part(current):
                gen += 1
            meta["generation"] = gen
        # a deleting object whose last finalizer went away is removed now
        finalized = meta.get("deletionTimestamp") and not meta.get("finalizers")
        if finalized and rt.key != "namespaces":
            return new if dry_run else self._remove(rt, new)
        meta = new["metadata"]  # a strategy may have replaced it
        if managed_fields is not None:
            meta["managedFields"] = managed_fields
        elif manager:
            meta["managedFields"] = managed.record_update(
                current, new, rt.kind, manager, rt.api_version, status and rt.has_status
            )
        elif "managedFields" in cur_meta:
            meta["managedFields"] = cur_meta["managedFields"]
        if _comparable(new) == _comparable(current) and meta.get("managedFields") == cur_meta.get(
            "managedFields"
        ):
            return current
        if dry_run:
            return new
        strat.allocate(self, new, current)
        if rt.key == CRD_KEY:
            self.registry.set_crd(str(meta["name"]), types_from_crd(new))
        stored = self.store.write(rt.key, "MODIFIED", new, current)
        self._run_controllers()
        return stored

    def patch(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        body: Any,
        *,
        status: bool = False,
        dry_run: bool = False,
        manager: str = "",
        force: bool = False,
    ) -> dict[str, Any]:
        with self.lock:
            ns = namespace if rt.namespaced else ""
            current = self.store.get(rt.key, ns, name)
            ctype = content_type.split(";")[0].strip().lower()
            is_apply = ctype == APPLY_PATCH
            if is_apply:
                if not manager:
                    cause = errors.required_value("fieldManager", "is required for apply patch")
                    raise errors.invalid("PatchOptions", "", [cause], "meta.k8s.io")
                if not isinstance(body, dict):
                    raise errors.bad_request("the applied configuration must be an object")
            if current is None:
                if is_apply and not status:
                    body.setdefault("metadata", {})["name"] = name
                    applied = managed.apply(None, body, rt.kind, manager, rt.api_version)
                    entries = applied["metadata"].pop("managedFields")
                    return self.create(
                        rt, namespace, applied, dry_run=dry_run, managed_fields=entries
                    )
                raise errors.not_found(rt.plural, name, rt.group)
            entries = None
            if is_apply:
                patched = managed.apply(
                    current,
                    body,
                    rt.kind,
                    manager,
                    rt.api_version,
                    force=force,
                    status=status and rt.has_status,
                )
                entries = patched["metadata"].get("managedFields")
            else:
                # the patch functions never change their target: what they leave alone is
                # shared with the stored version until the decoding below builds a new object
                patched = apply_patch(current, content_type, body, rt.kind, not rt.builtin)
            if not isinstance(patched, dict):
                raise errors.bad_request("the patched object must be a JSON object")
            checked = validation.check_patch(
                self, rt, patched, current, content_type, body, status and rt.has_status
            )
            if checked is patched and not is_apply:  # not decoded (no request): copy it
                checked = clone(patched)
            patched = checked
            pmeta = patched.get("metadata")
            if isinstance(pmeta, dict):
                want = pmeta.get("resourceVersion")
                if want and want != current["metadata"]["resourceVersion"]:
                    raise errors.conflict(rt.plural, name, rt.group)
                if pmeta.get("name") not in (None, name):
                    raise errors.bad_request("the name of the object cannot be changed by a patch")
            return self._apply_update(
                rt,
                current,
                patched,
                status=status,
                dry_run=dry_run,
                manager=manager,
                managed_fields=entries,
            )

    def delete(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        with self.lock:
            ns = namespace if rt.namespaced else ""
            current = self.store.get(rt.key, ns, name)
            if current is None:
                raise errors.not_found(rt.plural, name, rt.group)
            pre = (options or {}).get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != current["metadata"].get("uid"):
                raise errors.ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {rt.qualified} "{name}": Precondition '
                    f"failed: UID in precondition: {pre['uid']}, UID in object meta: "
                    f"{current['metadata'].get('uid')}",
                    {"name": name, "kind": rt.plural},
                )
            if (
                pre.get("resourceVersion")
                and pre["resourceVersion"] != current["metadata"]["resourceVersion"]
            ):
                raise errors.conflict(rt.plural, name, rt.group)
            if dry_run:
                return current
            if rt.key == "namespaces":
                return self._begin_namespace_delete(rt, current)
            if self.delete_hook is not None:
                handled = self.delete_hook(rt, current, options or {})
                if handled is not None:
                    return dict(handled)
            if current["metadata"].get("finalizers"):
                if current["metadata"].get("deletionTimestamp"):
                    return current
                new = clone(current)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                stored = self.store.write(rt.key, "MODIFIED", new, current)
                self._run_controllers()
                return stored
            return self._remove(rt, clone(current))

    def evict(self, namespace: str, name: str, options: dict[str, Any] | None) -> None:
        """``pods/<name>/eviction``: delete the Pod unless a PodDisruptionBudget forbids it."""
        rt = self.registry.lookup("", "v1", "pods")
        assert rt is not None
        with self.lock:
            pod = self.get(rt, namespace, name).obj
            check_eviction(self, pod)
            self.delete(rt, namespace, name, options)

    def _remove(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        ns = meta.get("namespace", "") if rt.namespaced else ""
        old = self.store.get(rt.key, ns, meta["name"])
        self.strategy(rt).released(self, obj)
        stored = self.store.write(rt.key, "DELETED", obj, old)
        if rt.key == CRD_KEY:
            self._drop_crd(obj)
        self._run_controllers()
        return stored

    def remove(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """Remove an object now (a force delete; for the delete hook)."""
        with self.lock:
            return self._remove(rt, clone(obj))

    def mark_deleting(
        self, rt: ResourceType, current: dict[str, Any], grace: int, finalizers: builtins.list[str]
    ) -> dict[str, Any]:
        """Begin a deletion: deletionTimestamp, grace period, extra finalizers."""
        with self.lock:
            new = clone(current)
            meta = new["metadata"]
            meta["deletionTimestamp"] = now_rfc3339()
            meta["deletionGracePeriodSeconds"] = grace
            if finalizers:
                meta["finalizers"] = list(meta.get("finalizers") or []) + [
                    f for f in finalizers if f not in (meta.get("finalizers") or [])
                ]
            stored = self.store.write(rt.key, "MODIFIED", new, current)
            self._run_controllers()
            return stored

    def _drop_crd(self, crd: dict[str, Any]) -> None:
        types = self.registry.remove_crd(crd["metadata"]["name"])
        if not types:
            return
        rt = types[0]
        for obj in self.store.objects(rt.key):
            self.store.write(rt.key, "DELETED", clone(obj), obj)
        self.store.drop_bucket(rt.key)

    def _begin_namespace_delete(self, rt: ResourceType, current: dict[str, Any]) -> dict[str, Any]:
        if current["metadata"].get("deletionTimestamp"):
            return current
        new = clone(current)
        new["metadata"]["deletionTimestamp"] = now_rfc3339()
        new["metadata"]["deletionGracePeriodSeconds"] = 0
        new["status"] = {"phase": "Terminating"}
        stored = self.store.write(rt.key, "MODIFIED", new, current)
        self._run_controllers()
        return self.store.get(rt.key, "", current["metadata"]["name"]) or stored

    def delete_collection(
        self,
        rt: ResourceType,
        namespace: str | None,
        label: Matcher | None,
        field: Matcher | None,
    ) -> builtins.list[dict[str, Any]]:  # ``list`` is the method above in this class
        with self.lock:
            result = self.list(rt, namespace, label, field)
            out = []
            for stored in result.items:
                meta = stored.obj["metadata"]
                try:
                    out.append(self.delete(rt, meta.get("namespace", ""), meta["name"]))
                except errors.ApiError:
                    continue
            return out

    def finalize_namespace(self, name: str) -> None:
        """Called by the namespace controller once the namespace holds nothing."""
        rt = self.registry.lookup("", "v1", "namespaces")
        assert rt is not None
        current = self.store.get("namespaces", "", name)
        if current is not None:
            self._remove(rt, clone(current))

    def _check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        ns = self.store.get("namespaces", "", namespace)
        if ns is None:
            raise errors.not_found("namespaces", namespace)
        if ns["metadata"].get("deletionTimestamp") and rt.key != "events":
            raise errors.forbidden(
                rt.plural, name, errors.MSG_TERMINATING.format(namespace=namespace)
            )

    # ---- controllers ---------------------------------------------------------------------
    def record(self, change: Change) -> None:
        """Store listener: remember the change for the controllers (under the API lock)."""
        self._pending.append(change)

    def _run_controllers(self) -> None:
        if getattr(self, "_in_controllers", False):
            return
        self._in_controllers = True
        try:
            rounds = 0
            while self._pending and rounds < 1000:
                rounds += 1
                batch, self._pending = self._pending, []
                for controller in self._controllers:
                    controller.handle(batch)
        finally:
            self._in_controllers = False
            self._pending = []

    # ---- seed / reset / state --------------------------------------------------------------
    def install_crd(self, manifest: dict[str, Any]) -> None:
        rt = self.registry.lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        assert rt is not None
        self.create(rt, "", manifest)

    def restore_allocations(self) -> None:
        self.alloc.clear()
        svc_rt = self.registry.lookup("", "v1", "services")
        assert svc_rt is not None
        strat = self.strategy(svc_rt)
        assert isinstance(strat, ServiceStrategy)
        for obj in self.store.objects("services"):
            strat.restore(obj)
