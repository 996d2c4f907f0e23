"""The namespace controller: deleting a namespace deletes what it holds, then the namespace.

A namespace with a deletionTimestamp is Terminating; every namespaced object in it is deleted
(objects with finalizers wait for them); once it is empty the namespace itself is removed.
Runs synchronously after writes, through the API object.
"""

from __future__ import annotations

from typing import Any

from mock_k8s.errors import ApiError
from mock_k8s.watch import Change


class NamespaceController:
    def __init__(self, api: Any) -> None:
        self.api = api

    def handle(self, changes: list[Change]) -> None:
        todo: set[str] = set()
        for ch in changes:
            if ch.key == "namespaces":
                if ch.obj["metadata"].get("deletionTimestamp") and ch.type != "DELETED":
                    todo.add(ch.obj["metadata"]["name"])
            elif ch.type == "DELETED" or ch.obj["metadata"].get("deletionTimestamp"):
                ns = ch.obj["metadata"].get("namespace")
                if ns:
                    found = self.api.store.get("namespaces", "", ns)
                    if found is not None and found["metadata"].get("deletionTimestamp"):
                        todo.add(ns)
        for ns in sorted(todo):
            self.sync(ns)

    def sync(self, namespace: str) -> None:
        for rt in self.api.registry.all_types():
            if not rt.namespaced or self.api.registry.by_key(rt.key) != rt:
                continue  # one version per bucket
            for obj in self.api.store.objects(rt.key, namespace):
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.api.delete(rt, namespace, obj["metadata"]["name"])
                except ApiError:
                    continue
        left = sum(
            len(self.api.store.objects(rt.key, namespace))
            for rt in self.api.registry.all_types()
            if rt.namespaced
        )
        if left == 0:
            self.api.finalize_namespace(namespace)
