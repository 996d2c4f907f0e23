"""Type descriptions of the built-in kinds, read from the installed ``kubernetes`` client's models.

Each generated model class carries ``openapi_types`` (Python type names), ``attribute_map``
(JSON names) and pydantic field infos (descriptions, required). From them this module builds, once
per class and lazily, a ``Model``: its JSON fields and their ``TypeRef``s, which the OpenAPI
documents and the decoding checks of ``mock_k8s.validation`` both read. It also maps a served kind
(group, version, kind) to its model class. Pure data; no HTTP, no storage, no validation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

CLASS_NAME = re.compile(
    r"^(?P<prefix>[A-Z][a-z]+)?(?P<version>V\d+(?:alpha\d+|beta\d+)?)(?P<name>[A-Z]\w*)$"
)
LIST_TYPE = re.compile(r"^List\[(.+)\]$")
DICT_TYPE = re.compile(r"^Dict\[str, (.+)\]$")

# Types of apimachinery's meta/v1 package (their upstream definition names live there).
META_TYPES = frozenset(
    {
        "ObjectMeta",
        "ListMeta",
        "LabelSelector",
        "LabelSelectorRequirement",
        "ManagedFieldsEntry",
        "OwnerReference",
        "Condition",
        "Status",
        "StatusCause",
        "StatusDetails",
        "DeleteOptions",
        "Preconditions",
        "APIResource",
        "APIResourceList",
        "APIGroup",
        "APIGroupList",
        "APIVersions",
        "GroupVersionForDiscovery",
        "ServerAddressByClientCIDR",
        "WatchEvent",
    }
)
# Package of each API group in kubernetes/api (the default is the group's first label).
GROUP_PACKAGES = {
    "": "io.k8s.api.core",
    "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
    "apiregistration.k8s.io": "io.k8s.kube-aggregator.pkg.apis.apiregistration",
    "rbac.authorization.k8s.io": "io.k8s.api.rbac",
    "authorization.k8s.io": "io.k8s.api.authorization",
    "authentication.k8s.io": "io.k8s.api.authentication",
    "admissionregistration.k8s.io": "io.k8s.api.admissionregistration",
    "coordination.k8s.io": "io.k8s.api.coordination",
    "networking.k8s.io": "io.k8s.api.networking",
    "scheduling.k8s.io": "io.k8s.api.scheduling",
    "storage.k8s.io": "io.k8s.api.storage",
    "flowcontrol.apiserver.k8s.io": "io.k8s.api.flowcontrol",
    "certificates.k8s.io": "io.k8s.api.certificates",
    "events.k8s.io": "io.k8s.api.events",
    "discovery.k8s.io": "io.k8s.api.discovery",
    "node.k8s.io": "io.k8s.api.node",
    "resource.k8s.io": "io.k8s.api.resource",
}
# Resource quantities: strings in the Python client, but a number is accepted on the wire.
QUANTITY_FIELDS = frozenset(
    {
        ("V1ResourceRequirements", "limits"),
        ("V1ResourceRequirements", "requests"),
        ("V1VolumeResourceRequirements", "limits"),
        ("V1VolumeResourceRequirements", "requests"),
        ("V1NodeStatus", "capacity"),
        ("V1NodeStatus", "allocatable"),
        ("V1ResourceQuotaSpec", "hard"),
        ("V1ResourceQuotaStatus", "hard"),
        ("V1ResourceQuotaStatus", "used"),
        ("V1LimitRangeItem", "default"),
        ("V1LimitRangeItem", "defaultRequest"),
        ("V1LimitRangeItem", "max"),
        ("V1LimitRangeItem", "min"),
        ("V1LimitRangeItem", "maxLimitRequestRatio"),
        ("V1EmptyDirVolumeSource", "sizeLimit"),
        ("V1PersistentVolumeSpec", "capacity"),
        ("V1PersistentVolumeClaimStatus", "capacity"),
        ("V1PersistentVolumeClaimStatus", "allocatedResources"),
        ("V1ContainerStatus", "allocatedResources"),
        ("V1PodSpec", "overhead"),
        ("V1Overhead", "podFixed"),
    }
)
# Integer fields that are int64 in Go (the client models do not keep the format).
INT64_NAME = re.compile(
    r"(Seconds|generation|Generation|runAsUser|runAsGroup|fsGroup|supplementalGroups|"
    r"Revision|ActiveDeadline|ProgressDeadline|Timestamp)$"
)
INT32_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class TypeRef:
    """The type of a value: a scalar, a list or map of a type, or a model (object)."""

    kind: str  # string integer number boolean bytes time int-or-string quantity any list map model
    item: TypeRef | None = None  # list / map
    model: str = ""  # model class name
    fmt: str = ""  # int32 / int64 / double / date-time / byte

    def go_name(self) -> str:
        """The Go type as encoding/json names it in an unmarshal error."""
        if self.kind == "list":
            assert self.item is not None
            return "[]" + self.item.go_name()
        if self.kind == "map":
            assert self.item is not None
            return "map[string]" + self.item.go_name()
        if self.kind == "model":
            return f"{go_package(self.model)}.{short_name(self.model)}"
        return {
            "string": "string",
            "integer": self.fmt or "int32",
            "number": "float64",
            "boolean": "bool",
            "bytes": "[]uint8",
            "time": "v1.Time",
            "int-or-string": "intstr.IntOrString",
            "quantity": "resource.Quantity",
            "any": "interface {}",
        }[self.kind]


@dataclass
class Field:
    json_name: str
    type: TypeRef
    description: str
    required: bool


@dataclass
class Model:
    name: str  # class name, e.g. V1ServicePort
    description: str
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def short(self) -> str:
        return short_name(self.name)


def short_name(class_name: str) -> str:
    m = CLASS_NAME.match(class_name)
    return m.group("name") if m else class_name


def go_package(class_name: str) -> str:
    m = CLASS_NAME.match(class_name)
    return m.group("version").lower() if m else "v1"


def model_class(name: str) -> type[Any] | None:
    from kubernetes.client import models as client_models  # heavy: imported on first use

    cls = getattr(client_models, name, None)
    if isinstance(cls, type) and hasattr(cls, "openapi_types"):
        return cls
    return None


def _clean_doc(doc: str | None) -> str:
    text = (doc or "").strip()
    text = text.split("Attributes:")[0].strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip()) if text else ""


def _is_int_or_string(annotation: Any) -> bool:
    text = repr(annotation)
    return ("int" in text and "str" in text and "Union" in text) or "StrictInt | StrictStr" in text


def _type_of(py_type: str, owner: str, json_name: str, annotation: Any) -> TypeRef:
    m = LIST_TYPE.match(py_type)
    if m:
        return TypeRef("list", item=_type_of(m.group(1), owner, json_name, None))
    m = DICT_TYPE.match(py_type)
    if m:
        if (owner, json_name) in QUANTITY_FIELDS:
            return TypeRef("map", item=TypeRef("quantity"))
        return TypeRef("map", item=_type_of(m.group(1), owner, json_name, None))
    if (owner, json_name) in QUANTITY_FIELDS:
        return TypeRef("quantity")
    if py_type == "str":
        return TypeRef("string")
    if py_type == "int":
        wide = INT64_NAME.search(json_name) is not None
        return TypeRef("integer", fmt="int64" if wide else "int32")
    if py_type == "float":
        return TypeRef("number", fmt="double")
    if py_type == "bool":
        return TypeRef("boolean")
    if py_type == "bytes":
        return TypeRef("bytes", fmt="byte")
    if py_type == "datetime":
        return TypeRef("time", fmt="date-time")
    if py_type == "object":
        if annotation is not None and _is_int_or_string(annotation):
            return TypeRef("int-or-string")
        return TypeRef("any")
    if model_class(py_type) is not None:
        return TypeRef("model", model=py_type)
    return TypeRef("any")


@functools.cache
def model(name: str) -> Model | None:
    """The description of one model class (cached; built on first use)."""
    cls = model_class(name)
    if cls is None:
        return None
    out = Model(name, _clean_doc(cls.__doc__))
    infos = getattr(cls, "model_fields", {})
    for attr, py_type in cls.openapi_types.items():
        json_name = cls.attribute_map.get(attr, attr)
        info = infos.get(attr)
        annotation = info.annotation if info is not None else None
        description = (info.description if info is not None else "") or ""
        required = bool(info.is_required()) if info is not None else False
        out.fields[json_name] = Field(
            json_name, _type_of(py_type, name, json_name, annotation), description, required
        )
    return out


def _group_prefix(group: str) -> str:
    if not group:
        return "Core"
    return group.split(".")[0].capitalize()


@functools.cache
def model_for_kind(group: str, version: str, kind: str) -> str | None:
    """The model class of a built-in kind: ``V1Service``, ``CoreV1Event``, ``EventsV1Event``."""
    ver = version[:1].upper() + version[1:]
    candidates = [f"{_group_prefix(group)}{ver}{kind}", f"{ver}{kind}"]
    for name in candidates:
        if model_class(name) is not None:
            return name
    return None


def definition_name(class_name: str, group: str) -> str:
    """An upstream-style definition name: ``io.k8s.api.core.v1.ServicePort``."""
    short = short_name(class_name)
    version = go_package(class_name)
    if short in META_TYPES:
        return f"io.k8s.apimachinery.pkg.apis.meta.v1.{short}"
    package = GROUP_PACKAGES.get(group, f"io.k8s.api.{group.split('.')[0]}")
    return f"{package}.{version}.{short}"
