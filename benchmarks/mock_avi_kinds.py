"""mock_avi by request kind: server CPU seconds per request, latency and connection reuse.

Starts mock_avi (``start_server``, as ``ako-sim mock-avi`` does) as its own process on a free
loopback port (``--tls`` for HTTPS), fills it with pools, VsVips and virtual services over the
API, then runs each request kind with a few concurrent clients (``requests`` sessions:
keep-alive, as avisdk): GET one object, GET by name, a filtered list (``created_by`` and
``cloud_ref.name``, as AKO lists), a list by ``refers_to``, create (POST), PUT, PATCH, login, a
GET and a PATCH on a logged-in session (session and CSRF checks) instead of Basic auth, an
inventory GET and a runtime GET; ``floor_healthz`` (``/__mock__/healthz``: no auth, no store)
is what server and Flask cost alone. CPU is the mock process's own (``/proc/<pid>/stat``), so the
client threads do not count. Connection reuse: the TCP (TLS) connections the clients opened
during a kind, against its requests. ``--spy DIR`` records py-spy (dev extra) per kind and prints
where the mock's time goes. Prints a table and a JSON line. Never targets anything but the
server it started.

    python -m benchmarks.mock_avi_kinds [--tls] [--requests 1000] [--clients 4] [--objects 300]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import urllib3

from benchmarks.profile import summarize

AUTH = ("admin", "admin")
TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


# What ``ako-sim mock-avi --port 0 [--tls]`` runs, without the rest of the CLI.
SERVE = """
import signal, sys
from mock_avi.server import start_server
server = start_server(host="127.0.0.1", port=0, tls=sys.argv[1] == "--tls")
print(f"mock-avi serving on {server.url}", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
server.stop()
"""


class Mock:
    """The mock controller in a child process (``start_server``, as ``ako-sim mock-avi``)."""

    def __init__(self, tls: bool) -> None:
        cmd = [sys.executable, "-c", SERVE, "--tls" if tls else "--plain"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "serving on " not in line:
            self.proc.kill()
            raise SystemExit(f"mock-avi did not start: {line!r}")
        self.url = line.rsplit("serving on ", 1)[1].strip()

    def cpu(self) -> float:
        return _cpu(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _session(url: str, basic: bool = True) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # a CA bundle from the environment would override verify=False
    s.verify = False
    if basic:
        s.auth = AUTH
    return s


def _login(url: str) -> requests.Session:
    s = _session(url, basic=False)
    rsp = s.post(f"{url}/login", json={"username": "admin", "password": "admin"}, timeout=30)
    rsp.raise_for_status()
    s.headers["X-CSRFToken"] = s.cookies["csrftoken"]
    s.headers["Referer"] = url
    return s


class _ConnectCounter:
    """Counts the TCP connections urllib3 opens (each TLS one pays a handshake)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        original = urllib3.connection.HTTPConnection._new_conn
        counter = self

        def counted(conn: urllib3.connection.HTTPConnection) -> Any:
            with counter._lock:
                counter.count += 1
            return original(conn)

        urllib3.connection.HTTPConnection._new_conn = counted  # type: ignore[method-assign]


CONNECTS = _ConnectCounter()


def _check(rsp: requests.Response, ok: int) -> None:
    if rsp.status_code != ok:
        raise RuntimeError(f"{rsp.request.method} {rsp.url}: {rsp.status_code} {rsp.text[:200]}")


def _fill(url: str, objects: int) -> dict[str, list[str]]:
    s = _session(url)
    made: dict[str, list[str]] = {"pool": [], "vsvip": [], "virtualservice": []}
    vses = min(objects, 150)  # the seed's vip-network has 190 addresses
    for i in range(objects):
        body = {
            "name": f"bench-pool-{i}",
            "created_by": "ako-bench",
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "servers": [{"ip": {"addr": f"10.1.{i // 250}.{i % 250 + 1}", "type": "V4"}}],
            "markers": [{"key": "clustername", "values": ["bench"]}],
        }
        rsp = s.post(f"{url}/api/pool", json=body, timeout=30)
        _check(rsp, 201)
        made["pool"].append(rsp.json()["uuid"])
    for i in range(vses):
        vip = {"name": f"bench-vip-{i}", "vip": [{"vip_id": "0", "auto_allocate_ip": True}]}
        vip["created_by"] = "ako-bench"
        rsp = s.post(f"{url}/api/vsvip", json=vip, timeout=30)
        _check(rsp, 201)
        made["vsvip"].append(rsp.json()["uuid"])
        vs = {
            "name": f"bench-vs-{i}",
            "created_by": "ako-bench",
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "vsvip_ref": f"/api/vsvip/{made['vsvip'][-1]}",
            "pool_ref": f"/api/pool/{made['pool'][i]}",
            "services": [{"port": 80}],
            "application_profile_ref": "/api/applicationprofile?name=System-L4-Application",
            "network_profile_ref": "/api/networkprofile?name=System-TCP-Proxy",
        }
        rsp = s.post(f"{url}/api/virtualservice", json=vs, timeout=30)
        _check(rsp, 201)
        made["virtualservice"].append(rsp.json()["uuid"])
    return made


Call = Callable[[requests.Session, int], None]


def _kinds(url: str, made: dict[str, list[str]], tag: str) -> dict[str, tuple[Call, bool]]:
    pools, vses = made["pool"], made["virtualservice"]

    def pick(items: list[str], i: int) -> str:
        return items[i % len(items)]

    def floor(s: requests.Session, i: int) -> None:
        _check(s.get(f"{url}/__mock__/healthz", timeout=30), 200)

    def get_one(s: requests.Session, i: int) -> None:
        _check(s.get(f"{url}/api/pool/{pick(pools, i)}", timeout=30), 200)

    def get_name(s: requests.Session, i: int) -> None:
        name = f"bench-pool-{i % len(pools)}"
        rsp = s.get(f"{url}/api/pool", params={"name": name, "include_name": "true"}, timeout=30)
        _check(rsp, 200)

    def list_filter(s: requests.Session, i: int) -> None:
        params = {
            "created_by": "ako-bench",
            "cloud_ref.name": "Default-Cloud",
            "include_name": "true",
            "page_size": "100",
            "page": str(i % 3 + 1),
        }
        _check(s.get(f"{url}/api/pool", params=params, timeout=30), 200)

    def list_refers_to(s: requests.Session, i: int) -> None:
        params = {"refers_to": f"pool:{pick(pools, i % len(vses))}", "include_name": "true"}
        _check(s.get(f"{url}/api/virtualservice", params=params, timeout=30), 200)

    def create(s: requests.Session, i: int) -> None:
        body = {
            "name": f"{tag}-new-pool-{i}",
            "created_by": "ako-bench",
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "servers": [{"ip": {"addr": "10.9.0.1", "type": "V4"}, "port": 8080}],
        }
        _check(s.post(f"{url}/api/pool", json=body, timeout=30), 201)

    def put(s: requests.Session, i: int) -> None:
        uuid = pick(pools, i)
        body = {
            "name": f"bench-pool-{pools.index(uuid)}",
            "created_by": "ako-bench",
            "description": f"{tag}-{i}",
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "servers": [{"ip": {"addr": "10.8.0.1", "type": "V4"}}],
        }
        _check(s.put(f"{url}/api/pool/{uuid}", json=body, timeout=30), 200)

    def patch(s: requests.Session, i: int) -> None:
        body = {"replace": {"description": f"{tag}-p{i}"}}
        _check(s.patch(f"{url}/api/pool/{pick(pools, i)}", json=body, timeout=30), 200)

    def login(s: requests.Session, i: int) -> None:
        body = {"username": "admin", "password": "admin"}
        _check(s.post(f"{url}/login", json=body, timeout=30), 200)

    def inventory(s: requests.Session, i: int) -> None:
        path = f"{url}/api/virtualservice-inventory/{pick(vses, i)}"
        _check(s.get(path, params={"include_name": "true"}, timeout=30), 200)

    def runtime(s: requests.Session, i: int) -> None:
        _check(s.get(f"{url}/api/virtualservice/{pick(vses, i)}/runtime", timeout=30), 200)

    # name -> (call, True when the call runs on a logged-in session instead of Basic auth)
    return {
        "floor_healthz": (floor, False),
        "get_one": (get_one, False),
        "get_one_session": (get_one, True),
        "get_by_name": (get_name, False),
        "list_filtered_100": (list_filter, False),
        "list_refers_to": (list_refers_to, False),
        "create": (create, False),
        "put": (put, False),
        "patch": (patch, False),
        "patch_session": (patch, True),
        "login": (login, False),
        "inventory": (inventory, False),
        "runtime": (runtime, False),
    }


class Spy:
    """py-spy (dev extra) on the mock while one kind runs: collapsed stacks, GIL holder only."""

    def __init__(self, out: Any, pid: int, name: str) -> None:
        self.path = out / f"mock_avi-{name}.collapsed"
        cmd = ["py-spy", "record", "-p", str(pid), "-r", "200", "-f", "raw", "--gil"]
        cmd += ["--nonblocking", "-o", str(self.path)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # let py-spy attach

    def stop(self, top: int) -> list[tuple[str, float]]:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if not self.path.exists():
            return []
        return summarize(self.path, top)[1]


def _run_kind(
    mock: Mock, call: Call, session_auth: bool, total: int, clients: int
) -> dict[str, Any]:
    sessions = [_login(mock.url) if session_auth else _session(mock.url) for _ in range(clients)]
    for s in sessions:  # warm: connections open, sessions logged in
        s.get(f"{mock.url}/api/cloud", timeout=30)
    opened_before = CONNECTS.count
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    counter = iter(range(total))
    lock = threading.Lock()

    def worker(k: int) -> None:
        s = sessions[k]
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            start = time.perf_counter()
            try:
                call(s, i)
            except Exception as exc:  # a failed request is counted, the run goes on
                errors.append(repr(exc)[:200])
            latencies[k].append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    cpu0, wall0 = mock.cpu(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu, wall = mock.cpu() - cpu0, time.perf_counter() - wall0
    lat = sorted(x for per in latencies for x in per)
    return {
        "requests": total,
        "cpu_ms_per_req": round(1000 * cpu / total, 3),
        "rps": round(total / wall, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000, 2),
        "connections": CONNECTS.count - opened_before,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tls", action="store_true", help="HTTPS (as for the real AKO)")
    parser.add_argument("--requests", type=int, default=1000, help="per kind")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--objects", type=int, default=300, help="pools to fill (VSs: <=150)")
    parser.add_argument("--kinds", default="", help="comma-separated subset of the kinds")
    parser.add_argument("--spy", type=Path, help="py-spy each kind; collapsed stacks to DIR")
    parser.add_argument("--top", type=int, default=15, help="functions shown per kind (--spy)")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 1 <= args.clients <= 100:
        parser.error("--requests 1..100000, --clients 1..100 (a bounded run)")
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    mock = Mock(args.tls)
    results: dict[str, dict[str, Any]] = {}
    profiles: dict[str, list[tuple[str, float]]] = {}
    if args.spy:
        args.spy.mkdir(parents=True, exist_ok=True)
    try:
        cpu0 = mock.cpu()
        made = _fill(mock.url, max(3, args.objects))
        fill_cpu = mock.cpu() - cpu0
        tag = f"t{time.monotonic_ns()}"
        wanted = {k for k in args.kinds.split(",") if k}
        for name, (call, session_auth) in _kinds(mock.url, made, tag).items():
            if wanted and name not in wanted:
                continue
            spy = Spy(args.spy, mock.proc.pid, name) if args.spy else None
            results[name] = _run_kind(mock, call, session_auth, args.requests, args.clients)
            if spy is not None:
                profiles[name] = spy.stop(args.top)
    finally:
        mock.stop()
    scheme = "https" if args.tls else "http"
    print(f"mock_avi over {scheme}, {args.clients} clients, {args.requests} requests per kind")
    print(f"fill: {len(made['pool'])} pools + {len(made['virtualservice'])} VsVips and VSs, ")
    print(f"      {fill_cpu:.2f} CPU s in mock_avi")
    head = f"{'kind':<18} {'CPU ms/req':>10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
    print(head + f"{'conns':>6} {'errors':>6}")
    for name, r in results.items():
        print(
            f"{name:<18} {r['cpu_ms_per_req']:>10} {r['rps']:>8} {r['p50_ms']:>7} "
            f"{r['p99_ms']:>7} {r['connections']:>6} {r['errors']:>6}"
        )
        if r["first_error"]:
            print(f"  error: {r['first_error']}")
    for name, top in profiles.items():
        print(f"\n== {name}: inclusive % of the mock's samples (py-spy --gil) ==")
        for frame, share in top:
            print(f"{share:6.1f}  {frame}")
    summary = {"scheme": scheme, "clients": args.clients, "fill_cpu_s": round(fill_cpu, 2)}
    print(json.dumps({"mock_avi_kinds": {**summary, "kinds": results}}))
    return 0 if all(r["errors"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
