"""Deterministic benchmark workloads: LoadBalancer Services in shared-VIP groups of 1-4.

Names come from faker (fixed seed), so a run with the same N always builds the same Services:
namespaces like ``acme-payments``, Services like ``checkout-api``, ports from a realistic list,
protocols mostly TCP with some UDP (and a few SCTP). Members of one group never repeat a
(port, protocol) pair, so every group is configurable. Pure: no I/O.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

ANNOTATION = "ako.vmware.com/enable-shared-vip"
COMMON_PORTS = [80, 443, 8080, 8443, 53, 3306, 5432, 6379, 9090, 9200, 5672, 11211, 2379, 25]
PROTOCOLS = ["TCP"] * 8 + ["UDP"] * 2  # ~20% UDP
SEED = 20240607


@dataclass
class Group:
    namespace: str
    key: str | None  # None: one dedicated Service (no annotation)
    services: list[dict[str, Any]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [s["metadata"]["name"] for s in self.services]


@dataclass
class Workload:
    namespaces: list[str]
    groups: list[Group]

    @property
    def services(self) -> list[dict[str, Any]]:
        return [s for g in self.groups for s in g.services]

    def service_keys(self) -> list[str]:
        return [f"{s['metadata']['namespace']}/{s['metadata']['name']}" for s in self.services]


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out[:40].strip("-") or "x"


def service_manifest(
    namespace: str, name: str, key: str | None, ports: list[tuple[int, str]], app: str
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "labels": {"app": app}}
    if key is not None:
        metadata["annotations"] = {ANNOTATION: key}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "type": "LoadBalancer",
            "allocateLoadBalancerNodePorts": False,  # 4000 Services would exhaust node ports
            "selector": {"app": app},
            "ports": [
                {
                    "name": f"{proto.lower()}-{port}",
                    "port": port,
                    "protocol": proto,
                    "targetPort": port,
                }
                for port, proto in ports
            ],
        },
    }


def build(n: int, seed: int = SEED, namespaces: int | None = None) -> Workload:
    """``n`` Services in groups of 1-4 (a group of 1 is a lone annotated Service or, one time in
    five, a dedicated Service without the annotation) across ~n/25 namespaces."""
    fake = Faker()
    fake.seed_instance(seed)
    rng = random.Random(seed)
    ns_count = namespaces if namespaces is not None else max(1, n // 25)
    ns_names: list[str] = []
    while len(ns_names) < ns_count:
        ns = _slug(f"{fake.company().split()[0]}-{fake.word()}")[:30].strip("-")
        if ns not in ns_names and ns not in ("default", "kube-system", "kube-public"):
            ns_names.append(ns)
    used: dict[str, set[str]] = {ns: set() for ns in ns_names}
    groups: list[Group] = []
    made = 0
    while made < n:
        ns = rng.choice(ns_names)
        size = min(rng.randint(1, 4), n - made)
        dedicated = size == 1 and rng.random() < 0.2
        key = None if dedicated else f"vip-{_slug(fake.word())}-{len(groups)}"
        group = Group(ns, key)
        taken: set[tuple[int, str]] = set()
        for _ in range(size):
            while True:
                suffix = rng.choice(["api", "svc", "lb", "gw"])
                name = _slug(f"{fake.word()}-{fake.word()}-{suffix}")
                if name not in used[ns]:
                    used[ns].add(name)
                    break
            ports: list[tuple[int, str]] = []
            for _ in range(rng.choice([1, 1, 1, 2])):
                for _attempt in range(50):
                    pair = (rng.choice(COMMON_PORTS), rng.choice(PROTOCOLS))
                    if pair not in taken:
                        taken.add(pair)
                        ports.append(pair)
                        break
            group.services.append(service_manifest(ns, name, key, ports, _slug(fake.word())))
        groups.append(group)
        made += size
    return Workload(ns_names, groups)
