"""Builders for raw Kubernetes objects and domain views for the domain's unit tests (Services
through ``tests.support.builders``; the fake controller is ``tests.support.fake_avi``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from simulator.domain.model import (
    ServiceView,
)
from tests.support import builders

Port = tuple[str, int, str] | tuple[str, int, str, int | str] | tuple[str, int, str, int | str, int]


def service(
    name: str,
    *,
    ns: str = "default",
    key: str | None = None,
    type_: str = "LoadBalancer",
    ports: Sequence[Port] = (("", 80, "TCP"),),
    ts: str = "2024-01-01T00:00:00Z",
    lb_ip: str | None = None,
    ip_annotation: str | None = None,
    lb_class: str | None = None,
    infra: str | None = None,
    l4rule: str | None = None,
    deleting: bool = False,
    etp: str | None = None,
) -> dict[str, Any]:
    """A Service (``tests.support.builders``) with this suite's defaults: ports as
    ``(name, port, protocol[, targetPort[, nodePort]])``, targetPort = port when not given."""
    return builders.service(
        name,
        ns=ns,
        key=key,
        ports=[(p[1], p[2], p[3] if len(p) > 3 else p[1], *p[4:]) for p in ports],  # type: ignore[misc]
        port_names=[p[0] for p in ports],
        type_=type_,
        lb_ip=lb_ip,
        ip_annotation=ip_annotation,
        lb_class=lb_class,
        infra=infra,
        l4rule=l4rule,
        etp=etp,
        created=ts,
        uid=f"uid-{ns}-{name}",
        deleting="2024-06-01T00:00:00Z" if deleting else None,
    )


def sv(name: str, **kwargs: Any) -> ServiceView:
    return ServiceView.from_k8s(service(name, **kwargs))


def ts(n: int) -> str:
    """A creationTimestamp n minutes after a fixed origin."""
    return f"2024-01-01T00:{n:02d}:00Z"


def slice_(
    svc: str,
    endpoints: Iterable[tuple[str, bool] | tuple[str, bool, str]],
    *,
    ns: str = "default",
    name: str | None = None,
    ports: Sequence[tuple[str, int, str]] = (("", 8080, "TCP"),),
) -> dict[str, Any]:
    eps = []
    for e in endpoints:
        item: dict[str, Any] = {"addresses": [e[0]], "conditions": {"ready": e[1]}}
        if len(e) > 2:
            item["nodeName"] = e[2]
        eps.append(item)
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name or f"{svc}-abcde",
            "namespace": ns,
            "labels": {"kubernetes.io/service-name": svc},
        },
        "addressType": "IPv4",
        "ports": [{"name": n, "port": p, "protocol": pr} for n, p, pr in ports],
        "endpoints": eps,
    }


def node(name: str, ip: str | None) -> dict[str, Any]:
    addresses = [{"type": "Hostname", "address": name}]
    if ip is not None:
        addresses.append({"type": "InternalIP", "address": ip})
    return {"metadata": {"name": name}, "status": {"addresses": addresses}}
