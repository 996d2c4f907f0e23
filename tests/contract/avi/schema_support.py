"""Reading the published Avi 30.2.1 schema (``../shared/reference/avi-swagger/``) for tests.

The schema files stay outside the repository: this module finds them beside the checkout at
test time and builds what the schema tests need from them (the object paths, each type's
definition, minimal bodies from required fields). ``SWAGGER`` is ``None`` when the folder is
absent; the schema tests then skip with one line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SWAGGER_DIR = ROOT.parent / "shared" / "reference" / "avi-swagger"
SWAGGER: Path | None = SWAGGER_DIR if SWAGGER_DIR.is_dir() else None
SKIP_REASON = f"the Avi schema is not at {SWAGGER_DIR} (../shared/reference/avi-swagger)"

_REF_TYPE = re.compile(r"reference to an object of type (\w+)")
_ENUM = re.compile(r"Enum options - ([A-Z0-9_, ]+)")
_RANGE = re.compile(r"Allowed values are (-?\d+)-(-?\d+)")


@dataclass(frozen=True)
class ObjectPath:
    path: str  # "pool", "virtualservice-inventory"
    model: str
    methods: frozenset[str]
    has_uuid: bool
    definitions: dict[str, Any]

    @property
    def definition(self) -> dict[str, Any]:
        found: dict[str, Any] = self.definitions[self.model]
        return found


@cache
def object_paths() -> dict[str, ObjectPath]:
    """Every top-level object path of the schema (first file that declares it wins)."""
    assert SWAGGER is not None
    out: dict[str, ObjectPath] = {}
    for file in sorted(SWAGGER.glob("*.json")):
        if file.name == "package.json":
            continue
        doc = json.loads(file.read_text(encoding="utf-8"))
        for path, ops in doc.get("paths", {}).items():
            name = path.strip("/")
            if "/" in name or name in out:
                continue
            get = ops.get("get", {})
            ref = next(
                (r.get("schema", {}).get("$ref") for r in get.get("responses", {}).values()),
                None,
            )
            model = str(ref).rsplit("/", 1)[-1].removesuffix("ApiResponse")
            out[name] = ObjectPath(
                name,
                model,
                frozenset(ops),
                f"{path}/{{uuid}}" in doc["paths"],
                doc["definitions"],
            )
    return out


def model_paths() -> dict[str, str]:
    """Model name -> its object path (``Pool`` -> ``pool``)."""
    return {p.model: p.path for p in object_paths().values()}


def enum_options(prop: dict[str, Any]) -> list[str]:
    match = _ENUM.search(prop.get("description", ""))
    return [o.strip() for o in match.group(1).split(",") if o.strip()] if match else []


def ref_target(prop: dict[str, Any]) -> str | None:
    match = _REF_TYPE.search(prop.get("description", ""))
    return match.group(1) if match else None


def sample_value(
    name: str, prop: dict[str, Any], definitions: dict[str, Any], make_ref: Any, depth: int = 0
) -> Any:
    """A value the schema allows for one property (refs through ``make_ref(model)``)."""
    if "$ref" in prop:
        sub = definitions[prop["$ref"].rsplit("/", 1)[-1]]
        return minimal(sub, definitions, make_ref, depth + 1)
    kind = prop.get("type")
    if kind == "array":
        item = prop.get("items", {})
        return [
            sample_value(
                name,
                {**item, "description": prop.get("description", "")},
                definitions,
                make_ref,
                depth,
            )
        ]
    if kind == "string":
        target = ref_target(prop)
        if name.endswith(("_ref", "_refs")) and target:
            return make_ref(target)
        options = enum_options(prop)
        return options[0] if options else f"sample-{name}"
    if kind == "integer":
        match = _RANGE.search(prop.get("description", ""))
        return int(match.group(1)) if match else 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return {}


def minimal(
    definition: dict[str, Any], definitions: dict[str, Any], make_ref: Any, depth: int = 0
) -> dict[str, Any]:
    """A body with the required fields of a definition only (recursively)."""
    body: dict[str, Any] = {}
    if depth > 6:
        return body
    for key in definition.get("required", []):
        prop = definition.get("properties", {}).get(key, {"type": "string"})
        body[key] = sample_value(key, prop, definitions, make_ref, depth)
    return body
