"""Deterministic allocators: uids, Service cluster IPs (10.96.0.0/12) and node ports
(30000-32767), all drawn from one seeded random generator, never handing out a value twice.

Pure in-memory bookkeeping; callers hold the API lock.
"""

from __future__ import annotations

import ipaddress
import random

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
NODE_PORT_MIN = 30000
NODE_PORT_MAX = 32767


# RFC 4122 variant and version 4 bits, as uuid.UUID(version=4) sets them
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_V4 = (0x8000 << 48) | (4 << 76)


class Allocators:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cluster_ips: set[str] = set()
        self.node_ports: set[int] = set()

    def new_uid(self) -> str:
        # str(uuid.UUID(int=..., version=4)) without the UUID object: the same text
        value = (self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_V4
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def cluster_ip(self) -> str:
        size = SERVICE_CIDR.num_addresses
        base = int(SERVICE_CIDR.network_address)
        for _ in range(100_000):
            offset = self.rng.randrange(2, size - 1)
            ip = str(ipaddress.ip_address(base + offset))
            if ip not in self.cluster_ips:
                self.cluster_ips.add(ip)
                return ip
        raise RuntimeError("service CIDR exhausted")

    def free_node_ports(self) -> int:
        return (NODE_PORT_MAX - NODE_PORT_MIN + 1) - len(self.node_ports)

    def node_port(self) -> int:
        free = (NODE_PORT_MAX - NODE_PORT_MIN + 1) - len(self.node_ports)
        if free <= 0:
            raise RuntimeError("node port range exhausted")
        while True:
            port = self.rng.randint(NODE_PORT_MIN, NODE_PORT_MAX)
            if port not in self.node_ports:
                self.node_ports.add(port)
                return port

    def clear(self) -> None:
        self.cluster_ips.clear()
        self.node_ports.clear()

    def reset(self, seed: int) -> None:
        """Back to the state of a fresh allocator with ``seed``."""
        self.rng = random.Random(seed)
        self.clear()
