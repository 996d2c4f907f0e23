"""CustomResourceDefinitions: their validation and status, and the resource types they define.

A CRD becomes one ``ResourceType`` per served version (status subresource and printer columns
as declared). The AKO CRDs ship as YAML files in ``mock_k8s/crds``. No HTTP, no storage.
"""

from __future__ import annotations

from importlib import resources as importlib_resources
from typing import Any

import yaml

from mock_k8s.errors import FieldError, invalid_value, required_value, unsupported_value
from mock_k8s.registry import ResourceType
from mock_k8s.resources.common import Context, Strategy, now_rfc3339


def ako_crd_manifests() -> list[dict[str, Any]]:
    """The AKO CRDs packaged with mock_k8s (AviInfraSetting, L4Rule)."""
    out: list[dict[str, Any]] = []
    folder = importlib_resources.files("mock_k8s").joinpath("crds")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            out.extend(d for d in yaml.safe_load_all(entry.read_text()) if d)
    return out


def types_from_crd(crd: dict[str, Any]) -> list[ResourceType]:
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    out: list[ResourceType] = []
    for v in spec.get("versions", []):
        if not v.get("served", True):
            continue
        out.append(
            ResourceType(
                group=spec["group"],
                version=v["name"],
                plural=names["plural"],
                singular=names.get("singular") or names["kind"].lower(),
                kind=names["kind"],
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                has_status="status" in (v.get("subresources") or {}),
                categories=tuple(names.get("categories") or ()),
                builtin=False,
                printer_columns=tuple(v.get("additionalPrinterColumns") or ()),
            )
        )
    return out


class CRDStrategy(Strategy):
    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        obj.pop("status", None)
        self._defaults(obj)
        obj["status"] = self._status(obj)

    def prepare_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        self._defaults(new)
        new["status"] = self._status(new, old.get("status"))

    @staticmethod
    def _defaults(obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        names = spec.get("names")
        if isinstance(names, dict):
            kind = names.get("kind", "")
            names.setdefault("singular", str(kind).lower())
            names.setdefault("listKind", f"{kind}List")
        for v in spec.get("versions") or []:
            if isinstance(v, dict):
                v.setdefault("served", True)

    @staticmethod
    def _status(obj: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
        spec = obj.get("spec", {})
        now = now_rfc3339()
        stored = [v["name"] for v in spec.get("versions", []) if v.get("storage")]
        if old and old.get("storedVersions"):
            stored = sorted(set(old["storedVersions"]) | set(stored))
        return {
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                    "lastTransitionTime": now,
                },
                {
                    "type": "Established",
                    "status": "True",
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                    "lastTransitionTime": now,
                },
            ],
            "acceptedNames": dict(spec.get("names", {})),
            "storedVersions": stored,
        }

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        errs: list[FieldError] = []
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [required_value("spec")]
        group = spec.get("group")
        names = spec.get("names")
        if not group:
            errs.append(required_value("spec.group"))
        if not isinstance(names, dict) or not names.get("plural") or not names.get("kind"):
            errs.append(required_value("spec.names.plural"))
            return errs
        expected = f"{names['plural']}.{group}"
        if obj["metadata"]["name"] != expected:
            errs.append(
                invalid_value(
                    "metadata.name",
                    obj["metadata"]["name"],
                    'must be spec.names.plural+"."+spec.group',
                )
            )
        scope = spec.get("scope")
        if scope not in ("Namespaced", "Cluster"):
            errs.append(unsupported_value("spec.scope", scope, ["Cluster", "Namespaced"]))
        versions = spec.get("versions")
        if not isinstance(versions, list) or not versions:
            errs.append(required_value("spec.versions", "must have at least one version"))
        else:
            storage = [v for v in versions if isinstance(v, dict) and v.get("storage")]
            if len(storage) != 1:
                errs.append(
                    invalid_value(
                        "spec.versions",
                        len(storage),
                        "must have exactly one version marked as storage version",
                    )
                )
        if old is not None:
            old_spec = old.get("spec", {})
            if old_spec.get("group") != group:
                errs.append(invalid_value("spec.group", group, "field is immutable"))
        return errs


class CustomStrategy(Strategy):
    """Custom resources: status split only when the version declares the subresource."""
