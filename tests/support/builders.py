"""The one Service builder of the Python tests: a core/v1 Service as a raw JSON dict.

Every suite builds its Services here (the unit tests' views and fakes, the integration world);
each keeps only its own defaults in a thin wrapper. The BDD suite builds its Services from
Gherkin tables in ``steps.drivers.kube.service_manifest``, on top of this shape.

Ports are ``(port, protocol)``, ``(port, protocol, targetPort)`` or
``(port, protocol, targetPort, nodePort)``; ``port_names`` names them (``None``: no names).
Nothing here talks to a server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from simulator.domain.model import (
    INFRA_ANNOTATION,
    L4RULE_ANNOTATION,
    LB_IP_ANNOTATION,
    SHARED_VIP_ANNOTATION,
)

Port = tuple[int, str] | tuple[int, str, int | str] | tuple[int, str, int | str, int]


def port_entry(port: Port, name: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"port": port[0], "protocol": port[1]}
    if name is not None:
        entry = {"name": name, **entry}
    if len(port) > 2:
        entry["targetPort"] = port[2]  # type: ignore[misc]
    if len(port) > 3:
        entry["nodePort"] = port[3]  # type: ignore[misc]
    return entry


def _annotations(
    given: Mapping[str, str] | None,
    key: str | None,
    ip_annotation: str | None,
    infra: str | None,
    l4rule: str | None,
) -> dict[str, str]:
    notes = dict(given or {})
    for annotation, value in (
        (SHARED_VIP_ANNOTATION, key),
        (LB_IP_ANNOTATION, ip_annotation),
        (INFRA_ANNOTATION, infra),
        (L4RULE_ANNOTATION, l4rule),
    ):
        if value is not None:
            notes[annotation] = value
    return notes


def service(
    name: str,
    *,
    ns: str = "default",
    key: str | None = None,
    ports: Sequence[Port] = ((80, "TCP"),),
    port_names: Callable[[Port], str] | Sequence[str] | None = None,
    type_: str = "LoadBalancer",
    lb_ip: str | None = None,
    ip_annotation: str | None = None,
    infra: str | None = None,
    l4rule: str | None = None,
    lb_class: str | None = None,
    annotations: Mapping[str, str] | None = None,
    selector: Mapping[str, str] | None = None,
    etp: str | None = None,
    created: str | None = None,
    uid: str | None = None,
    generation: int | None = None,
    deleting: str | None = None,
    spec: Mapping[str, Any] | None = None,
    status: Mapping[str, Any] | None = None,
    typed: bool = True,
) -> dict[str, Any]:
    """A Service. ``key``, ``ip_annotation``, ``infra``, ``l4rule`` set the AKO annotations;
    ``lb_ip`` is ``spec.loadBalancerIP``; ``created``/``uid``/``generation``/``deleting`` (a
    deletionTimestamp) fill the metadata the API server would; ``spec`` adds spec fields;
    ``typed`` adds apiVersion and kind."""
    notes = _annotations(annotations, key, ip_annotation, infra, l4rule)
    if port_names is None:
        names: list[str | None] = [None] * len(ports)
    elif callable(port_names):
        names = [port_names(p) for p in ports]
    else:
        names = list(port_names)
    metadata: dict[str, Any] = {"name": name, "namespace": ns}
    optional = (("uid", uid), ("creationTimestamp", created), ("annotations", notes))
    metadata.update((k, v) for k, v in optional if v is not None)
    optional = (("generation", generation), ("deletionTimestamp", deleting))
    metadata.update((k, v) for k, v in optional if v is not None)
    body: dict[str, Any] = {
        "type": type_,
        "ports": [port_entry(p, n) for p, n in zip(ports, names, strict=True)],
        "selector": dict(selector if selector is not None else {"app": name}),
    }
    fields = (
        ("loadBalancerIP", lb_ip),
        ("loadBalancerClass", lb_class),
        ("externalTrafficPolicy", etp),
    )
    body.update((k, v) for k, v in fields if v is not None)
    body.update(spec or {})
    result: dict[str, Any] = {"metadata": metadata, "spec": body}
    if typed:
        result = {"apiVersion": "v1", "kind": "Service", **result}
    if status is not None:
        result["status"] = dict(status)
    return result
