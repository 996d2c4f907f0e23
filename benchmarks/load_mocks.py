"""Load: N concurrent clients against each mock for a bounded time, loopback only.

Starts its own mock_avi and mock_k8s on 127.0.0.1 (port 0). Each client thread loops, until the
deadline or its request cap, over: create an object with a name of its own, read it back, update
it with a counter, list its kind; every answer must be the expected 2xx. At the end every object a
client wrote is read again and must hold the client's last write ("no lost write"). Prints one
table row per mock (requests, req/s, p50/p95/max latency, errors, lost writes) and a JSON line.
Exit status 1 on any error or lost write. Never targets anything but the servers it started.

    python benchmarks/load_mocks.py [--clients 50] [--seconds 30] [--max-requests 200000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

AUTH = ("admin", "admin")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    last_written: dict[str, int] = field(default_factory=dict)


class Target:
    """One mock under load: how a client creates, reads, updates and lists its objects."""

    name = ""

    def __init__(self, url: str) -> None:
        self.url = url

    def session(self) -> requests.Session:
        return requests.Session()

    def create(self, s: requests.Session, obj: str) -> requests.Response:
        raise NotImplementedError

    def read(self, s: requests.Session, obj: str) -> requests.Response:
        raise NotImplementedError

    def update(self, s: requests.Session, obj: str, value: int) -> requests.Response:
        raise NotImplementedError

    def list(self, s: requests.Session) -> requests.Response:
        raise NotImplementedError

    def value_of(self, body: dict[str, Any]) -> int:
        raise NotImplementedError


class AviTarget(Target):
    name = "mock_avi"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.uuids: dict[str, str] = {}

    def session(self) -> requests.Session:
        s = requests.Session()
        s.auth = AUTH
        return s

    def create(self, s: requests.Session, obj: str) -> requests.Response:
        rsp = s.post(f"{self.url}/api/pool", json={"name": obj, "description": "0"}, timeout=30)
        if rsp.status_code == 201:
            self.uuids[obj] = rsp.json()["uuid"]
        return rsp

    def read(self, s: requests.Session, obj: str) -> requests.Response:
        return s.get(f"{self.url}/api/pool/{self.uuids[obj]}", timeout=30)

    def update(self, s: requests.Session, obj: str, value: int) -> requests.Response:
        body = {"replace": {"description": str(value)}}
        return s.patch(f"{self.url}/api/pool/{self.uuids[obj]}", json=body, timeout=30)

    def list(self, s: requests.Session) -> requests.Response:
        return s.get(f"{self.url}/api/pool", params={"page_size": 5}, timeout=30)

    def value_of(self, body: dict[str, Any]) -> int:
        return int(body["description"])


class K8sTarget(Target):
    name = "mock_k8s"
    base = "/api/v1/namespaces/default/configmaps"

    def create(self, s: requests.Session, obj: str) -> requests.Response:
        body = {"metadata": {"name": obj}, "data": {"n": "0"}}
        return s.post(f"{self.url}{self.base}", json=body, timeout=30)

    def read(self, s: requests.Session, obj: str) -> requests.Response:
        return s.get(f"{self.url}{self.base}/{obj}", timeout=30)

    def update(self, s: requests.Session, obj: str, value: int) -> requests.Response:
        return s.patch(
            f"{self.url}{self.base}/{obj}",
            data=json.dumps({"data": {"n": str(value)}}),
            headers={"Content-Type": "application/merge-patch+json"},
            timeout=30,
        )

    def list(self, s: requests.Session) -> requests.Response:
        return s.get(f"{self.url}{self.base}", params={"limit": 5}, timeout=30)

    def value_of(self, body: dict[str, Any]) -> int:
        return int(body["data"]["n"])


def _client(
    target: Target, index: int, deadline: float, cap: int, tally: Tally, lock: threading.Lock
) -> None:
    s = target.session()
    latencies: list[float] = []
    errors: list[str] = []
    written: dict[str, int] = {}
    n = 0

    def call(what: str, fn: Callable[[], requests.Response], ok: int) -> requests.Response | None:
        start = time.perf_counter()
        try:
            rsp = fn()
        except requests.RequestException as exc:
            errors.append(f"{what}: {exc!r}")
            return None
        latencies.append(time.perf_counter() - start)
        if rsp.status_code != ok:
            errors.append(f"{what}: HTTP {rsp.status_code} {rsp.text[:100]}")
            return None
        return rsp

    while time.monotonic() < deadline and len(latencies) < cap:
        obj = f"load-{index}-{n}"
        n += 1
        if call("create", lambda o=obj: target.create(s, o), 201) is None:  # type: ignore[misc]
            continue
        written[obj] = 0
        for value in (1, 2):
            if call("update", lambda o=obj, v=value: target.update(s, o, v), 200):  # type: ignore[misc]
                written[obj] = value
        call("read", lambda o=obj: target.read(s, o), 200)  # type: ignore[misc]
        call("list", lambda: target.list(s), 200)
    with lock:
        tally.latencies.extend(latencies)
        tally.errors.extend(errors)
        tally.last_written.update(written)


def run(target: Target, clients: int, seconds: float, max_requests: int) -> dict[str, Any]:
    tally = Tally()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    cap = max(1, max_requests // clients)
    threads = [
        threading.Thread(target=_client, args=(target, i, deadline, cap, tally, lock))
        for i in range(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    checker = target.session()
    lost = 0
    for obj, value in tally.last_written.items():
        rsp = target.read(checker, obj)
        if rsp.status_code != 200 or target.value_of(rsp.json()) != value:
            lost += 1
    lat = sorted(tally.latencies) or [0.0]
    return {
        "target": target.name,
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(tally.latencies) + len(tally.errors),
        "rps": round(len(tally.latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 2),
        "max_ms": round(lat[-1] * 1000, 2),
        "objects_written": len(tally.last_written),
        "errors": len(tally.errors),
        "first_errors": tally.errors[:3],
        "lost_writes": lost,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per mock")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 0 < args.seconds <= 600:
        parser.error("--clients 1..200 and --seconds 0..600 (a bounded run)")

    from mock_avi.server import start_server as start_avi
    from mock_k8s.server import start_server as start_k8s

    results = []
    for make, kind in ((start_avi, AviTarget), (start_k8s, K8sTarget)):
        server = make(host="127.0.0.1", port=0)
        try:
            results.append(run(kind(server.url), args.clients, args.seconds, args.max_requests))
        finally:
            server.stop()
    header = f"{'mock':<9} {'clients':>7} {'s':>6} {'requests':>9} {'req/s':>8} {'p50 ms':>7} "
    header += f"{'p95 ms':>7} {'max ms':>8} {'objects':>8} {'errors':>6} {'lost':>5}"
    print(header)
    for r in results:
        print(
            f"{r['target']:<9} {r['clients']:>7} {r['seconds']:>6} {r['requests']:>9} "
            f"{r['rps']:>8} {r['p50_ms']:>7} {r['p95_ms']:>7} {r['max_ms']:>8} "
            f"{r['objects_written']:>8} {r['errors']:>6} {r['lost_writes']:>5}"
        )
        for err in r["first_errors"]:
            print(f"  error: {err}")
    print(json.dumps({"load": results}))
    return 0 if all(r["errors"] == 0 and r["lost_writes"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
