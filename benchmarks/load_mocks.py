"""Load: N concurrent clients against each mock for a bounded time, loopback only.

Each mock runs in its own process (``ako-sim mock-avi`` / ``ako-sim mock-k8s`` on port 0), the
clients in ``--procs`` other processes (threads in each), so the mock's figure is not shared
with the clients' GIL; ``--in-process`` runs mocks and clients in this one process instead (the
old, pessimistic figure). Each client loops, until the deadline or its request cap, over: create
an object with a name of its own, update it twice with a counter, read it back, list its kind;
every answer must be the expected 2xx and hold what was asked (the object's name and counter, a
page of the list). ``--kinds`` runs one request kind at a time instead (create, get, list,
patch, and apply = server-side apply on mock_k8s) and reports each kind's mock CPU per request;
``--py-spy DIR`` samples the mock during each run and prints where its CPU goes. At the end
every object a client wrote is read again and must hold the client's last write ("no lost
write").

The requests are the real clients': the ``kubernetes`` client's headers for mock_k8s (its
User-Agent, ``Accept``, the kubeconfig's bearer token, the ``Content-Type`` of each call),
avisdk's for mock_avi (``Referer``, ``X-Avi-Tenant``, ``timeout``, and its login session's
cookies and ``X-CSRFToken``, or ``--avi-auth basic``). ``--client lean`` (the default) sends them
with :mod:`benchmarks.lean_http` (one kept-alive connection per client, header lines encoded
once: about a tenth of the client CPU of ``requests``), ``--client requests`` with one
``requests.Session`` per client (the previous client, to compare).

Prints one table row per mock and run (requests, req/s, p50/p95/p99/max latency, the mock's CPU
seconds and CPU ms per request, the client processes' CPU seconds and ms per request over the
same span, errors, lost writes) and a JSON line. Exit status 1 on any error or lost write.
Never targets anything but the servers it started.

    python benchmarks/load_mocks.py [--clients 50] [--seconds 30] [--max-requests 200000]
        [--procs 2] [--in-process] [--mocks avi,k8s] [--kinds mixed,create,get,list,patch,apply]
        [--client lean|requests] [--avi-auth session|basic] [--py-spy DIR]
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
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import requests

try:
    from benchmarks import lean_http
except ImportError:  # run as a script from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import lean_http

KINDS = ("mixed", "create", "get", "list", "patch", "apply")
CLIENTS = ("lean", "requests")
AVI_AUTHS = ("session", "basic")
SERVING = re.compile(r"serving on (https?://\S+)")
LIST_LIMIT = 5


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    last_written: dict[str, int] = field(default_factory=dict)
    lost: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the real client sends it: method, path and query, body, Content-Type."""

    method: str
    target: str
    body: bytes | None = None
    ctype: str | None = None


class Client:
    """One load client's connection: sends a :class:`Call`, returns (status, body)."""

    def send(self, call: Call) -> tuple[int, bytes]:
        raise NotImplementedError


class LeanClient(Client):
    """:mod:`benchmarks.lean_http`: one kept-alive connection, header lines encoded once."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.conn = lean_http.Connection(url, headers)
        self._ctypes: dict[str, bytes] = {}

    def send(self, call: Call) -> tuple[int, bytes]:
        extra = b""
        if call.ctype is not None:
            extra = self._ctypes.get(call.ctype) or self._ctypes.setdefault(
                call.ctype, lean_http.content_type(call.ctype)
            )
        answer = self.conn.request(call.method, call.target, call.body, extra)
        return answer.status, answer.body


class RequestsClient(Client):
    """The previous client: a ``requests.Session`` (keep-alive), sending the same headers."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.clear()
        self.session.headers.update(headers)

    def send(self, call: Call) -> tuple[int, bytes]:
        headers = {"Content-Type": call.ctype} if call.ctype else None
        rsp = self.session.request(
            call.method, self.url + call.target, data=call.body, headers=headers, timeout=30
        )
        return rsp.status_code, rsp.content


class Target:
    """One mock under load: the calls a client makes on its objects, and what each answer must
    hold (``check_*`` return an error text, or ``None`` when the answer is right)."""

    name = ""
    command = ""  # the ``ako-sim`` subcommand that serves it alone
    kinds: tuple[str, ...] = ("mixed", "create", "get", "list", "patch")

    def __init__(self, url: str, workdir: Path, avi_auth: str = "session") -> None:
        self.url = url
        self.workdir = workdir
        self.avi_auth = avi_auth
        self._headers: dict[str, str] | None = None

    def extra_args(self) -> list[str]:
        return []

    def headers(self) -> dict[str, str]:
        """The real client's headers (computed once per process)."""
        raise NotImplementedError

    def client(self, kind: str) -> Client:
        if self._headers is None:
            self._headers = self.headers()
        cls = LeanClient if kind == "lean" else RequestsClient
        return cls(self.url, self._headers)

    def create(self, obj: str) -> Call:
        raise NotImplementedError

    def created(self, obj: str, body: Any) -> str | None:
        """Check a create's answer (and note what later calls need from it)."""
        return self.check_value(obj, body, 0)

    def read(self, obj: str) -> Call:
        raise NotImplementedError

    def update(self, obj: str, value: int) -> Call:
        raise NotImplementedError

    def apply(self, obj: str, value: int) -> Call:
        raise NotImplementedError

    def list(self) -> Call:
        raise NotImplementedError

    def check_list(self, body: Any) -> str | None:
        raise NotImplementedError

    def name_of(self, body: Any) -> str:
        raise NotImplementedError

    def value_of(self, body: Any) -> int:
        raise NotImplementedError

    def check_value(self, obj: str, body: Any, value: int) -> str | None:
        try:
            name, found = self.name_of(body), self.value_of(body)
        except (KeyError, TypeError, ValueError) as exc:
            return f"answer without name and value: {exc!r}"
        if name != obj or found != value:
            return f"answer holds {name}={found}, expected {obj}={value}"
        return None


class AviTarget(Target):
    name = "mock_avi"
    command = "mock-avi"

    def __init__(self, url: str, workdir: Path, avi_auth: str = "session") -> None:
        super().__init__(url, workdir, avi_auth)
        self.uuids: dict[str, str] = {}

    def headers(self) -> dict[str, str]:
        return lean_http.avi_headers(self.url, self.avi_auth)

    def create(self, obj: str) -> Call:
        return Call("POST", "/api/pool", lean_http.dumps({"name": obj, "description": "0"}))

    def created(self, obj: str, body: Any) -> str | None:
        error = self.check_value(obj, body, 0)
        if error is None:
            self.uuids[obj] = body["uuid"]
        return error

    def read(self, obj: str) -> Call:
        return Call("GET", f"/api/pool/{self.uuids[obj]}")

    def update(self, obj: str, value: int) -> Call:
        body = lean_http.dumps({"replace": {"description": str(value)}})
        return Call("PATCH", f"/api/pool/{self.uuids[obj]}", body)

    def list(self) -> Call:
        return Call("GET", f"/api/pool?page_size={LIST_LIMIT}")

    def check_list(self, body: Any) -> str | None:
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or not 0 < len(results) <= LIST_LIMIT:
            return f"not a page of 1-{LIST_LIMIT} pools: {str(body)[:100]}"
        return None

    def name_of(self, body: Any) -> str:
        return str(body["name"])

    def value_of(self, body: Any) -> int:
        return int(body["description"])


class K8sTarget(Target):
    name = "mock_k8s"
    command = "mock-k8s"
    kinds = KINDS
    base = "/api/v1/namespaces/default/configmaps"

    def extra_args(self) -> list[str]:
        return ["--kubeconfig", str(self.workdir / "kubeconfig")]

    def headers(self) -> dict[str, str]:
        return lean_http.k8s_headers(self.workdir / "kubeconfig")

    def create(self, obj: str) -> Call:
        body = lean_http.dumps({"metadata": {"name": obj}, "data": {"n": "0"}})
        return Call("POST", self.base, body, lean_http.JSON)

    def read(self, obj: str) -> Call:
        return Call("GET", f"{self.base}/{obj}")

    def update(self, obj: str, value: int) -> Call:
        body = lean_http.dumps({"data": {"n": str(value)}})
        return Call("PATCH", f"{self.base}/{obj}", body, lean_http.MERGE_PATCH)

    def apply(self, obj: str, value: int) -> Call:
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": obj, "namespace": "default"},
            "data": {"n": str(value)},
        }
        target = f"{self.base}/{obj}?fieldManager=load&force=true"
        return Call("PATCH", target, lean_http.dumps(body), lean_http.APPLY_PATCH)

    def list(self) -> Call:
        return Call("GET", f"{self.base}?limit={LIST_LIMIT}")

    def check_list(self, body: Any) -> str | None:
        items = body.get("items") if isinstance(body, dict) else None
        if body.get("kind") != "ConfigMapList" or not isinstance(items, list):
            return f"not a ConfigMapList: {str(body)[:100]}"
        if not 0 < len(items) <= LIST_LIMIT:
            return f"{len(items)} items for limit={LIST_LIMIT}"
        return None

    def name_of(self, body: Any) -> str:
        return str(body["metadata"]["name"])

    def value_of(self, body: Any) -> int:
        return int(body["data"]["n"])


TARGETS: dict[str, type[Target]] = {"avi": AviTarget, "k8s": K8sTarget}


def _client(target: Target, c: Client, index: int, kind: str, deadline: float, cap: int) -> Tally:
    """One client thread's loop; its objects are named ``load-<index>-<n>``. Every answer's
    status and body are checked."""
    tally = Tally()
    n = 0

    def call(what: str, request: Call, ok: int, check: Callable[[Any], str | None]) -> bool:
        start = time.perf_counter()
        try:
            status, body = c.send(request)
        except OSError as exc:  # lean_http.HttpError and requests' errors alike
            tally.errors.append(f"{what}: {exc!r}")
            return False
        tally.latencies.append(time.perf_counter() - start)
        if status != ok:
            tally.errors.append(f"{what}: HTTP {status} {body[:100]!r}")
            return False
        try:
            error = check(orjson.loads(body))
        except orjson.JSONDecodeError as exc:
            error = f"not JSON: {exc}"
        if error is not None:
            tally.errors.append(f"{what}: {error}")
            return False
        return True

    fixed = f"load-{index}-fixed"  # the object get/patch/apply work on (made before the clock)
    # every client makes at least one round, however late its first answer comes
    while n == 0 or (time.monotonic() < deadline and len(tally.latencies) < cap):
        n += 1
        if kind in ("mixed", "create"):
            obj = f"load-{index}-{n}"
            if not call("create", target.create(obj), 201, partial(target.created, obj)):
                continue
            tally.last_written[obj] = 0
            if kind == "create":
                continue
            for value in (1, 2):
                check = partial(target.check_value, obj, value=value)
                if call("update", target.update(obj, value), 200, check):
                    tally.last_written[obj] = value
            check = partial(target.check_value, obj, value=tally.last_written[obj])
            call("read", target.read(obj), 200, check)
            call("list", target.list(), 200, target.check_list)
        elif kind == "get":
            call("read", target.read(fixed), 200, partial(target.check_value, fixed, value=0))
        elif kind == "list":
            call("list", target.list(), 200, target.check_list)
        elif kind in ("patch", "apply"):
            request = target.update(fixed, n) if kind == "patch" else target.apply(fixed, n)
            if call(kind, request, 200, partial(target.check_value, fixed, value=n)):
                tally.last_written[fixed] = n
    return tally


def _process_cpu() -> float:
    """User + system CPU seconds of this whole process (every thread)."""
    times = os.times()
    return times.user + times.system


def _worker(
    target: Target,
    kind: str,
    client_kind: str,
    indexes: list[int],
    seconds: float,
    cap: int,
    start: Any,
    done: Any,
    out: Any,
) -> None:
    """A client process (or thread): threads for ``indexes``; waits on ``start`` once its
    objects are made, on ``done`` once the load is over, then checks its writes. Reports its
    own CPU seconds between the two (the clients' cost)."""
    clients = {i: target.client(client_kind) for i in indexes}
    setup = Tally()
    for i in indexes:  # each client's connection is open before the clock starts
        status, body = clients[i].send(target.list())
        if status != 200:
            setup.errors.append(f"list: HTTP {status} {body[:100]!r}")
    if kind in ("get", "patch", "apply"):
        for i in indexes:
            obj = f"load-{i}-fixed"
            status, body = clients[i].send(target.create(obj))
            error = target.created(obj, orjson.loads(body)) if status == 201 else None
            if status != 201 or error:
                setup.errors.append(f"create {obj}: HTTP {status} {error or body[:100]!r}")
            setup.last_written[obj] = 0
    results: dict[int, Tally] = {}
    start.wait()
    cpu0 = _process_cpu()
    deadline = time.monotonic() + seconds

    def run(i: int) -> None:
        results[i] = _client(target, clients[i], i, kind, deadline, cap)

    threads = [threading.Thread(target=run, args=(i,)) for i in indexes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = _process_cpu() - cpu0
    done.wait()
    total = setup
    for tally in results.values():
        total.latencies.extend(tally.latencies)
        total.errors.extend(tally.errors)
        total.last_written.update(tally.last_written)
    checker = target.client(client_kind)
    for obj, value in total.last_written.items():
        status, body = checker.send(target.read(obj))
        if status != 200 or target.check_value(obj, orjson.loads(body), value) is not None:
            total.lost += 1
    out.put((total.latencies, total.errors, len(total.last_written), total.lost, cpu))


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
        self.workdir = Path(tempfile.mkdtemp(prefix="ako-sim-load-"))  # the kubeconfig
        if in_process:
            if key == "avi":
                from mock_avi.server import start_server as start_avi

                self.server = start_avi(host="127.0.0.1", port=0)
            else:
                from mock_k8s.server import start_server as start_k8s
                from mock_k8s.server import write_kubeconfig

                self.server = start_k8s(host="127.0.0.1", port=0)
                write_kubeconfig(self.workdir / "kubeconfig", self.server.url)
            self.url, self.pid = self.server.url, os.getpid()
            return
        cmd = [sys.executable, "-m", "simulator", self.target_type.command]
        extra = self.target_type("", self.workdir).extra_args()
        self.proc = subprocess.Popen(
            [*cmd, "--host", "127.0.0.1", "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        url = ""
        for line in self.proc.stdout:
            found = SERVING.search(line)
            url = found.group(1) if found else url
            # mock-k8s writes its kubeconfig after the URL line, then says so
            if url and (not extra or line.startswith("export KUBECONFIG=")):
                self.url, self.pid = url, self.proc.pid
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
        shutil.rmtree(self.workdir, ignore_errors=True)


def run(
    mock: Mock,
    kind: str,
    clients: int,
    seconds: float,
    max_requests: int,
    procs: int,
    spy_dir: Path | None = None,
    *,
    client: str = "lean",
    avi_auth: str = "session",
) -> dict[str, Any]:
    target = mock.target_type(mock.url, mock.workdir, avi_auth)
    # the mock's first write of a kind loads its schema: not measured
    warm = target.create(f"load-warm-{kind}")
    status, body = target.client("lean").send(warm)
    if status != 201:
        raise SystemExit(f"{target.name}: warm-up create: HTTP {status} {body[:200]!r}")
    cap = max(1, max_requests // clients)
    groups = [list(range(p, clients, procs)) for p in range(procs)]
    groups = [g for g in groups if g]
    out: Any
    if mock.proc is None:  # one process: client threads beside the mock
        start: Any = threading.Barrier(len(groups) + 1)
        done: Any = threading.Barrier(len(groups) + 1)
        out = queue.Queue()
        workers: list[Any] = [
            threading.Thread(
                target=_worker, args=(target, kind, client, g, seconds, cap, start, done, out)
            )
            for g in groups
        ]
    else:
        ctx = multiprocessing.get_context("spawn")
        start, done, out = ctx.Barrier(len(groups) + 1), ctx.Barrier(len(groups) + 1), ctx.Queue()
        workers = [
            ctx.Process(
                target=_worker, args=(target, kind, client, g, seconds, cap, start, done, out)
            )
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
    client_cpu = 0.0
    for _ in workers:
        latencies, errs, n_written, lost, worker_cpu = out.get(timeout=300)
        tally.latencies.extend(latencies)
        tally.errors.extend(errs)
        written += n_written
        tally.lost += lost
        client_cpu += worker_cpu
    for w in workers:
        w.join()
    lat = sorted(tally.latencies) or [0.0]
    ok = len(tally.latencies)

    def pct(q: float) -> float:
        return round(lat[int(q * (len(lat) - 1))] * 1000, 2)

    result = {
        "target": target.name,
        "kind": kind,
        "client": client,
        "avi_auth": avi_auth if target.name == "mock_avi" else None,
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
        # the client processes' own CPU over the same span (in-process: not told apart)
        "client_cpu_s": round(client_cpu, 2) if mock.proc is not None else None,
        "client_cpu_ms_per_request": (
            round(1000 * client_cpu / ok, 3) if ok and mock.proc is not None else None
        ),
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
    parser.add_argument(
        "--client",
        choices=CLIENTS,
        default="lean",
        help="lean: kept-alive http connections, headers encoded once (default); requests: "
        "a requests.Session per client (the previous client, ~10x its CPU per request)",
    )
    parser.add_argument(
        "--avi-auth",
        choices=AVI_AUTHS,
        default="session",
        help="mock_avi: avisdk's login session (cookies, X-CSRFToken; default) or HTTP Basic",
    )
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
                        client=args.client,
                        avi_auth=args.avi_auth,
                    )
                )
            finally:
                mock.stop()
    header = f"{'mock':<9} {'kind':<7} {'clients':>7} {'s':>6} {'requests':>9} {'req/s':>8} "
    header += f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>8} {'cpu s':>6} "
    header += f"{'ms/req':>7} {'client cpu s':>12} {'ms/req':>7} {'objects':>8} {'errors':>6} "
    header += f"{'lost':>5}"
    print(
        f"client: {args.client}" + (f", mock_avi auth: {args.avi_auth}" if "avi" in mocks else "")
    )
    print(header)
    for r in results:
        print(
            f"{r['target']:<9} {r['kind']:<7} {r['clients']:>7} {r['seconds']:>6} "
            f"{r['requests']:>9} {r['rps']:>8} {r['p50_ms']:>7} {r['p95_ms']:>7} "
            f"{r['p99_ms']:>7} {r['max_ms']:>8} {r['mock_cpu_s']:>6} "
            f"{r['mock_cpu_ms_per_request']!s:>7} {r['client_cpu_s']!s:>12} "
            f"{r['client_cpu_ms_per_request']!s:>7} {r['objects_written']:>8} {r['errors']:>6} "
            f"{r['lost_writes']:>5}"
        )
        for err in r["first_errors"]:
            print(f"  error: {err}")
    if args.in_process:
        print("(in-process: cpu s is this whole process, mocks and clients together)")
    else:
        print("(cpu s: the mock's process; client cpu s: the client processes', same span)")
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
