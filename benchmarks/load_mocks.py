"""Load: N concurrent clients against each mock for a bounded time, loopback only.

Each mock runs in its own process (``ako-sim mock-avi`` / ``ako-sim mock-k8s`` on port 0), the
clients in ``--procs`` other processes (threads in each), so the mock's figure is not shared
with the clients' GIL; ``--in-process`` runs mocks and clients in this one process instead (the
old, pessimistic figure). Each client loops, until the deadline or its request cap, over: create
an object with a name of its own, update it twice with a counter, read it back, list its kind;
every answer must be the expected 2xx. ``--kinds`` runs one request kind at a time instead
(create, get, list, patch, and apply = server-side apply on mock_k8s) and reports each kind's
mock CPU per request; ``--py-spy DIR`` samples the mock during each run and prints where its CPU
goes. At the end every object a client wrote is read again and must hold the client's last write
("no lost write"). Prints one table row per mock and run (requests, req/s, p50/p95/p99/max
latency, the mock's CPU seconds and CPU ms per request, errors, lost writes) and a JSON line.
Exit status 1 on any error or lost write. Never targets anything but the servers it started.

    python benchmarks/load_mocks.py [--clients 50] [--seconds 30] [--max-requests 200000]
        [--procs 2] [--in-process] [--mocks avi,k8s] [--kinds mixed,create,get,list,patch,apply]
        [--py-spy DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

AUTH = ("admin", "admin")
KINDS = ("mixed", "create", "get", "list", "patch", "apply")
SERVING = re.compile(r"serving on (https?://\S+)")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    last_written: dict[str, int] = field(default_factory=dict)
    lost: int = 0


class Target:
    """One mock under load: how a client creates, reads, updates and lists its objects."""

    name = ""
    command = ""  # the ``ako-sim`` subcommand that serves it alone
    kinds: tuple[str, ...] = ("mixed", "create", "get", "list", "patch")

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

    def apply(self, s: requests.Session, obj: str, value: int) -> requests.Response:
        raise NotImplementedError

    def list(self, s: requests.Session) -> requests.Response:
        raise NotImplementedError

    def value_of(self, body: dict[str, Any]) -> int:
        raise NotImplementedError


class AviTarget(Target):
    name = "mock_avi"
    command = "mock-avi"

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
    command = "mock-k8s"
    kinds = KINDS
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

    def apply(self, s: requests.Session, obj: str, value: int) -> requests.Response:
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": obj, "namespace": "default"},
            "data": {"n": str(value)},
        }
        return s.patch(
            f"{self.url}{self.base}/{obj}",
            params={"fieldManager": "load", "force": "true"},
            data=json.dumps(body),
            headers={"Content-Type": "application/apply-patch+yaml"},
            timeout=30,
        )

    def list(self, s: requests.Session) -> requests.Response:
        return s.get(f"{self.url}{self.base}", params={"limit": 5}, timeout=30)

    def value_of(self, body: dict[str, Any]) -> int:
        return int(body["data"]["n"])


TARGETS: dict[str, type[Target]] = {"avi": AviTarget, "k8s": K8sTarget}


def _client(
    target: Target, s: requests.Session, index: int, kind: str, deadline: float, cap: int
) -> Tally:
    """One client thread's loop; its objects are named ``load-<index>-<n>``."""
    tally = Tally()
    n = 0

    def call(what: str, fn: Callable[[], requests.Response], ok: int) -> requests.Response | None:
        start = time.perf_counter()
        try:
            rsp = fn()
        except requests.RequestException as exc:
            tally.errors.append(f"{what}: {exc!r}")
            return None
        tally.latencies.append(time.perf_counter() - start)
        if rsp.status_code != ok:
            tally.errors.append(f"{what}: HTTP {rsp.status_code} {rsp.text[:100]}")
            return None
        return rsp

    fixed = f"load-{index}-fixed"  # the object get/patch/apply work on (made before the clock)
    # every client makes at least one round, however late its first answer comes
    while n == 0 or (time.monotonic() < deadline and len(tally.latencies) < cap):
        n += 1
        if kind in ("mixed", "create"):
            obj = f"load-{index}-{n}"
            if call("create", lambda o=obj: target.create(s, o), 201) is None:  # type: ignore[misc]
                continue
            tally.last_written[obj] = 0
            if kind == "create":
                continue
            for value in (1, 2):
                if call("update", lambda o=obj, v=value: target.update(s, o, v), 200):  # type: ignore[misc]
                    tally.last_written[obj] = value
            call("read", lambda o=obj: target.read(s, o), 200)  # type: ignore[misc]
            call("list", lambda: target.list(s), 200)
        elif kind == "get":
            call("read", lambda: target.read(s, fixed), 200)
        elif kind == "list":
            call("list", lambda: target.list(s), 200)
        elif kind in ("patch", "apply"):
            write = target.update if kind == "patch" else target.apply
            if call(kind, lambda v=n, w=write: w(s, fixed, v), 200):  # type: ignore[misc]
                tally.last_written[fixed] = n
    return tally


def _worker(
    target: Target,
    kind: str,
    indexes: list[int],
    seconds: float,
    cap: int,
    start: Any,
    done: Any,
    out: Any,
) -> None:
    """A client process (or thread): threads for ``indexes``; waits on ``start`` once its
    objects are made, on ``done`` once the load is over, then checks its writes."""
    sessions = {i: target.session() for i in indexes}
    setup = Tally()
    for i in indexes:  # each client's connection is open before the clock starts
        target.list(sessions[i])
    if kind in ("get", "patch", "apply"):
        for i in indexes:
            obj = f"load-{i}-fixed"
            rsp = target.create(sessions[i], obj)
            if rsp.status_code != 201:
                setup.errors.append(f"create {obj}: HTTP {rsp.status_code} {rsp.text[:100]}")
            setup.last_written[obj] = 0
    results: dict[int, Tally] = {}
    start.wait()
    deadline = time.monotonic() + seconds

    def run(i: int) -> None:
        results[i] = _client(target, sessions[i], i, kind, deadline, cap)

    threads = [threading.Thread(target=run, args=(i,)) for i in indexes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.wait()
    total = setup
    for tally in results.values():
        total.latencies.extend(tally.latencies)
        total.errors.extend(tally.errors)
        total.last_written.update(tally.last_written)
    checker = target.session()
    for obj, value in total.last_written.items():
        rsp = target.read(checker, obj)
        if rsp.status_code != 200 or target.value_of(rsp.json()) != value:
            total.lost += 1
    out.put((total.latencies, total.errors, len(total.last_written), total.lost))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Mock:
    """A mock under test: its own process (``pid`` for CPU and py-spy) or in this process."""

    def __init__(self, key: str, in_process: bool) -> None:
        self.target_type = TARGETS[key]
        self.proc: subprocess.Popen[str] | None = None
        self.server: Any = None
        if in_process:
            if key == "avi":
                from mock_avi.server import start_server as start_avi

                self.server = start_avi(host="127.0.0.1", port=0)
            else:
                from mock_k8s.server import start_server as start_k8s

                self.server = start_k8s(host="127.0.0.1", port=0)
            self.url, self.pid = self.server.url, os.getpid()
            return
        cmd = [sys.executable, "-m", "simulator", self.target_type.command]
        self.proc = subprocess.Popen(
            [*cmd, "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            found = SERVING.search(line)
            if found:
                self.url, self.pid = found.group(1), self.proc.pid
                break
        else:
            raise SystemExit(f"{self.target_type.command} did not start")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # drain it

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run(
    mock: Mock,
    kind: str,
    clients: int,
    seconds: float,
    max_requests: int,
    procs: int,
    spy_dir: Path | None = None,
) -> dict[str, Any]:
    target = mock.target_type(mock.url)
    warm = target.session()  # the mock's first write of a kind loads its schema: not measured
    target.create(warm, f"load-warm-{kind}")
    cap = max(1, max_requests // clients)
    groups = [list(range(p, clients, procs)) for p in range(procs)]
    groups = [g for g in groups if g]
    out: Any
    if mock.proc is None:  # one process: client threads beside the mock
        start: Any = threading.Barrier(len(groups) + 1)
        done: Any = threading.Barrier(len(groups) + 1)
        out = queue.Queue()
        workers: list[Any] = [
            threading.Thread(target=_worker, args=(target, kind, g, seconds, cap, start, done, out))
            for g in groups
        ]
    else:
        ctx = multiprocessing.get_context("spawn")
        start, done, out = ctx.Barrier(len(groups) + 1), ctx.Barrier(len(groups) + 1), ctx.Queue()
        workers = [
            ctx.Process(target=_worker, args=(target, kind, g, seconds, cap, start, done, out))
            for g in groups
        ]
    for w in workers:
        w.start()
    spy = _start_spy(mock.pid, spy_dir / f"{target.name}-{kind}.collapsed") if spy_dir else None
    start.wait()
    cpu0, started = cpu_seconds(mock.pid), time.perf_counter()
    done.wait()
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(mock.pid) - cpu0
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    tally = Tally()
    written = 0
    for _ in workers:
        latencies, errs, n_written, lost = out.get(timeout=300)
        tally.latencies.extend(latencies)
        tally.errors.extend(errs)
        written += n_written
        tally.lost += lost
    for w in workers:
        w.join()
    lat = sorted(tally.latencies) or [0.0]
    ok = len(tally.latencies)

    def pct(q: float) -> float:
        return round(lat[int(q * (len(lat) - 1))] * 1000, 2)

    result = {
        "target": target.name,
        "kind": kind,
        "clients": clients,
        "client_procs": len(groups) if mock.proc is not None else 0,
        "seconds": round(elapsed, 2),
        "requests": ok + len(tally.errors),
        "rps": round(ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1] * 1000, 2),
        "mock_cpu_s": round(cpu, 2),
        "mock_cpu_ms_per_request": round(1000 * cpu / ok, 3) if ok else None,
        "objects_written": written,
        "errors": len(tally.errors),
        "first_errors": tally.errors[:3],
        "lost_writes": tally.lost,
    }
    if mock.proc is None:
        result["mock_cpu_note"] = "in-process: CPU of the mock and the clients together"
    if spy is not None and spy_dir is not None:
        result["profile"] = str(spy_dir / f"{target.name}-{kind}.collapsed")
    return result


def _start_spy(pid: int, path: Path) -> subprocess.Popen[bytes]:
    exe = shutil.which("py-spy")
    if exe is None:
        raise SystemExit("--py-spy needs py-spy (dev extra)")
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [exe, "record", "-p", str(pid), "-r", "200", "-f", "raw", "-o", str(path)]
    spy = subprocess.Popen(
        [*cmd, "--nonblocking", "--gil"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(1.0)  # let it attach before the clock starts
    return spy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per mock and run")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--in-process", action="store_true", help="mocks and clients in one")
    parser.add_argument("--mocks", default="avi,k8s", help="comma list of avi, k8s")
    parser.add_argument("--kinds", default="mixed", help=f"comma list of {', '.join(KINDS)}")
    parser.add_argument("--py-spy", type=Path, help="write py-spy collapsed stacks here")
    parser.add_argument("--top", type=int, default=12, help="profile lines per run")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 0 < args.seconds <= 600:
        parser.error("--clients 1..200 and --seconds 0..600 (a bounded run)")
    mocks = [m.strip() for m in args.mocks.split(",") if m.strip()]
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not mocks or any(m not in TARGETS for m in mocks) or any(k not in KINDS for k in kinds):
        parser.error("--mocks from avi,k8s; --kinds from " + ",".join(KINDS))
    if not 1 <= args.procs <= 16:
        parser.error("--procs 1..16")

    results = []
    for key in mocks:
        for kind in kinds:
            if kind not in TARGETS[key].kinds:
                continue
            mock = Mock(key, args.in_process)  # a fresh mock per run: runs do not add up
            try:
                results.append(
                    run(
                        mock,
                        kind,
                        args.clients,
                        args.seconds,
                        args.max_requests,
                        args.procs,
                        args.py_spy,
                    )
                )
            finally:
                mock.stop()
    header = f"{'mock':<9} {'kind':<7} {'clients':>7} {'s':>6} {'requests':>9} {'req/s':>8} "
    header += f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>8} {'cpu s':>6} "
    header += f"{'ms/req':>7} {'objects':>8} {'errors':>6} {'lost':>5}"
    print(header)
    for r in results:
        print(
            f"{r['target']:<9} {r['kind']:<7} {r['clients']:>7} {r['seconds']:>6} "
            f"{r['requests']:>9} {r['rps']:>8} {r['p50_ms']:>7} {r['p95_ms']:>7} "
            f"{r['p99_ms']:>7} {r['max_ms']:>8} {r['mock_cpu_s']:>6} "
            f"{r['mock_cpu_ms_per_request']!s:>7} {r['objects_written']:>8} {r['errors']:>6} "
            f"{r['lost_writes']:>5}"
        )
        for err in r["first_errors"]:
            print(f"  error: {err}")
    if args.in_process:
        print("(in-process: cpu s is this whole process, mocks and clients together)")
    for r in results:
        if "profile" in r:
            _print_profile(r, args.top)
    print(json.dumps({"load": results}))
    return 0 if all(r["errors"] == 0 and r["lost_writes"] == 0 for r in results) else 1


def _print_profile(result: dict[str, Any], top: int) -> None:
    try:
        from benchmarks.profile import summarize
    except ImportError:  # run as a script from the repository root
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from benchmarks.profile import summarize

    path = Path(result["profile"])
    if not path.exists():
        print(f"\n{result['target']} {result['kind']}: no profile written")
        return
    own, inclusive = summarize(path, top)
    print(f"\n== {result['target']} {result['kind']}: own time (% of GIL samples) ==")
    for frame, share in own:
        print(f"{share:6.1f}  {frame}")
    print(f"== {result['target']} {result['kind']}: inclusive ==")
    for frame, share in inclusive:
        print(f"{share:6.1f}  {frame}")


if __name__ == "__main__":
    sys.exit(main())
