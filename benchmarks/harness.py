"""Benchmark plumbing: the three parts as separate processes, HTTP helpers, counters, a watcher.

``Cluster`` starts ``ako-sim mock-k8s`` and ``ako-sim mock-avi`` (and, on demand, ``ako-sim
engine``) as subprocesses on free loopback ports, reads their URLs from their first output line,
and reads each process's peak RSS (``VmHWM`` in ``/proc/<pid>/status``). ``StatusWatch`` follows
Services with one watch stream and records when each first shows an EXTERNAL-IP. The benchmark's
own requests (creates, the floor's REST calls, counters, ``/debug/state`` polls, the watch) go
through :mod:`benchmarks.lean_http` with the real clients' headers (the ``kubernetes`` client's
for mock_k8s, avisdk's with HTTP Basic for mock_avi), one kept-alive connection per thread, so
the clients take little of the CPU the parts under test need. Every wait is bounded by a
deadline. Loopback only; never imported by the product or the tests' fixtures.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from benchmarks import lean_http
from benchmarks.lean_http import HttpError

URL_RE = re.compile(r"serving on (https?://127\.0\.0\.1:\d+)")
INGRESS_ANNOTATION = "ako.vmware.com/enable-shared-vip"
REPO_ROOT = Path(__file__).resolve().parent.parent
JSON = lean_http.JSON
_CTYPES = {
    ctype: lean_http.content_type(ctype)
    for ctype in (lean_http.JSON, lean_http.MERGE_PATCH, lean_http.APPLY_PATCH)
}


class BenchError(RuntimeError):
    """A benchmark could not run (a part did not start, a deadline passed)."""


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size of a live process (VmHWM), in MiB; 0.0 when unknown."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^VmHWM:\s+(\d+)\s+kB", text, re.MULTILINE)
    return round(int(match.group(1)) / 1024, 1) if match else 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (robust to a busy machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return round((int(fields[11]) + int(fields[12])) / ticks, 2)  # utime, stime


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, ...), from ``/proc``."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = [int(k) for k in children.read_text().split()]
            except (OSError, ValueError):
                continue
            found += kids
            todo += kids
    return found


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


# -- REST calls -------------------------------------------------------------------------------
class RestCalls:
    """Calls to mock_k8s and mock_avi as their real clients make them, one kept-alive
    connection per thread (:mod:`benchmarks.lean_http`); :class:`Cluster` and the floor's
    engine process (:mod:`benchmarks.floor_engine`) each have one."""

    def __init__(
        self,
        k8s_url: str,
        avi_url: str,
        kubeconfig: Path | str | None,
        conns: lean_http.PerThread | None = None,
    ) -> None:
        self.k8s_url = k8s_url
        self.avi_url = avi_url
        self.conns = conns if conns is not None else lean_http.PerThread()
        self.conns.set_headers(k8s_url, lean_http.k8s_headers(kubeconfig))
        self.conns.set_headers(avi_url, lean_http.avi_headers(avi_url, "basic"))

    def conn(self, url: str) -> lean_http.Connection:
        """This thread's kept-alive connection to ``url`` (a part's base URL)."""
        return self.conns.get(url)

    def headers(self, url: str) -> dict[str, str]:
        """The headers every request to ``url`` carries (the real client's)."""
        return self.conns.headers(url)

    def _call(self, url: str, method: str, path: str, body: Any, ctype: bytes) -> Any:
        data = None if body is None else lean_http.dumps(body)
        try:
            answer = self.conn(url).request(method, path, data, ctype if data is not None else b"")
        except HttpError as exc:
            raise BenchError(str(exc)) from exc
        if answer.status >= 300:
            raise BenchError(f"{method} {path}: HTTP {answer.status} {answer.text[:300]}")
        return answer.json()

    def k8s_call(self, method: str, path: str, body: Any = None, ctype: str = JSON) -> Any:
        """A call to mock_k8s as the ``kubernetes`` client makes it (``ctype``: the body's
        Content-Type, e.g. :data:`benchmarks.lean_http.MERGE_PATCH`); raises on non-2xx."""
        return self._call(self.k8s_url, method, path, body, _CTYPES[ctype])

    def avi_call(self, method: str, path: str, body: Any = None) -> Any:
        """A call to mock_avi with avisdk's headers and HTTP Basic; raises on non-2xx."""
        return self._call(self.avi_url, method, path, body, b"")  # avisdk's Content-Type is set

    def close(self) -> None:
        self.conns.close_all()


# -- processes --------------------------------------------------------------------------------
@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


def _ako_sim() -> list[str]:
    return [sys.executable, "-m", "simulator"]


def start_proc(name: str, args: list[str], workdir: Path, timeout: float = 30.0) -> Proc:
    """Start ``ako-sim <args>`` and wait for its "serving on URL" line."""
    return await_url(name, spawn(name, args, workdir), workdir, timeout)


def spawn(name: str, args: list[str], workdir: Path) -> subprocess.Popen[bytes]:
    """Start ``ako-sim <args>`` (stdout and stderr to files in ``workdir``); do not wait."""
    with (workdir / f"{name}.out").open("wb") as out, (workdir / f"{name}.log").open("wb") as err:
        return subprocess.Popen(
            [*_ako_sim(), *args],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
            env=child_env(),
        )


def child_env() -> dict[str, str]:
    """The environment of a started part: unbuffered, with this checkout first on the import
    path (the parts run in a temporary directory; an editable install may point elsewhere)."""
    path = [str(REPO_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(path)}


def await_url(
    name: str, popen: subprocess.Popen[bytes], workdir: Path, timeout: float = 30.0
) -> Proc:
    """Wait for the "serving on URL" line of a process started by :func:`spawn`."""
    log_path = workdir / f"{name}.log"
    out_path = workdir / f"{name}.out"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = URL_RE.search(out_path.read_text(errors="replace"))
        if match:
            return Proc(name, popen, match.group(1), log_path)
        if popen.poll() is not None:
            raise BenchError(f"{name} exited: {log_path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.02)
    popen.kill()
    raise BenchError(f"{name} did not report its URL within {timeout}s")


def wide_vip_seed(path: Path) -> Path:
    """The default mock_avi seed with vip-network widened to a /16: about 64,000 addresses,
    enough for N=10,000 (about 4,000 VIPs: one per group) many times over."""
    from mock_avi.seed import default_state

    state = default_state()
    for net in state["objects"]["network"]:
        if net["name"] == "vip-network":
            subnet = net["configured_subnets"][0]
            subnet["prefix"] = {"ip_addr": {"addr": "100.64.0.0", "type": "V4"}, "mask": 16}
            rng = subnet["static_ip_ranges"][0]["range"]
            rng["begin"]["addr"] = "100.64.0.10"
            rng["end"]["addr"] = "100.64.250.250"
    path.write_text(json.dumps(state))
    return path


@dataclass
class Cluster:
    """mock_k8s + mock_avi (+ the engine) as three processes in a temporary directory."""

    workdir: Path
    k8s: Proc
    avi: Proc
    engine: Proc | None = None
    extra_rss: dict[str, float] = field(default_factory=dict)
    state_polls: int = 0
    #: polls the engine answered by reading mock_k8s once (ako-sim's engine lists one namespace
    #: for the server's resourceVersion; AKO's launcher reads only the mocks' journals)
    state_k8s_reads: int = 0
    calls: RestCalls | None = field(default=None, repr=False)
    _conns: lean_http.PerThread = field(default_factory=lean_http.PerThread, repr=False)

    @classmethod
    def start(cls, *, avi_tls: bool = False) -> Cluster:
        """The two mocks; ``avi_tls`` serves mock_avi over HTTPS (needed by the real AKO)."""
        workdir = Path(tempfile.mkdtemp(prefix="ako-sim-bench-"))
        seed = wide_vip_seed(workdir / "avi-seed.json")
        kubeconfig = workdir / "kubeconfig"
        # both mocks start at once (their imports overlap), then each reports its URL
        k8s_popen = spawn(
            "mock-k8s", ["mock-k8s", "--port", "0", "--kubeconfig", str(kubeconfig)], workdir
        )
        try:
            avi_args = ["mock-avi", "--port", "0", "--seed-file", str(seed)]
            avi_popen = spawn("mock-avi", avi_args + (["--tls"] if avi_tls else []), workdir)
        except BaseException:
            k8s_popen.kill()
            raise
        try:
            k8s = await_url("mock-k8s", k8s_popen, workdir)
            avi = await_url("mock-avi", avi_popen, workdir)
        except BaseException:
            for popen in (k8s_popen, avi_popen):
                if popen.poll() is None:
                    popen.kill()
                    popen.wait(10)
            raise
        cluster = cls(workdir, k8s, avi)
        try:
            cluster._await_kubeconfig()
            cluster.calls = RestCalls(k8s.url, avi.url, kubeconfig, cluster._conns)
            cluster.wait_healthy()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _await_kubeconfig(self, timeout: float = 20.0) -> None:
        """mock-k8s writes the kubeconfig just after its URL line, then says so."""
        out = self.workdir / "mock-k8s.out"
        deadline = time.monotonic() + timeout
        while "export KUBECONFIG=" not in out.read_text(errors="replace"):
            if time.monotonic() > deadline or self.k8s.popen.poll() is not None:
                raise BenchError("mock-k8s wrote no kubeconfig")
            time.sleep(0.02)

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    def start_engine(
        self, workers: int = 4, log_level: str = "INFO", ako_binary: str | None = None
    ) -> Proc:
        """``ako-sim engine``: ako-sim's own, or the real AKO when ``ako_binary`` is given."""
        if self.engine is not None:
            raise BenchError("engine already running")
        ako = ["--engine", "ako", "--ako-binary", ako_binary] if ako_binary else []
        ako += ["--ako-log", str(self.workdir / "ako.log")] if ako_binary else []
        args = [
            "engine",
            *ako,
            "--kubeconfig",
            str(self.kubeconfig),
            "--avi-controller",
            self.avi.url,
            "--port",
            "0",
            "--workers",
            str(workers),
            "--resync-period",
            "0",
            "--log-level",
            log_level,
        ]
        self.engine = start_proc("engine", args, self.workdir, timeout=120)
        return self.engine

    def stop_engine(self) -> float:
        """Stop the engine; returns its peak RSS (MiB) read just before it ends."""
        if self.engine is None:
            return 0.0
        rss = self.engine.peak_rss_mb()
        self.engine.stop()
        self.engine = None
        return rss

    def stop(self) -> None:
        self.stop_engine()
        self._conns.close_all()
        self.avi.stop()
        self.k8s.stop()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each running part; ``ako`` is the real AKO, the child of
        ``ako-sim engine --engine ako`` (``engine`` is then that launcher alone)."""
        out = {"mock_k8s": self.k8s.cpu_seconds(), "mock_avi": self.avi.cpu_seconds()}
        if self.engine is not None:
            out["engine"] = self.engine.cpu_seconds()
            children = descendants(self.engine.pid)
            if children:
                out["ako"] = round(sum(cpu_seconds(c) for c in children), 2)
        return out

    def rss(self) -> dict[str, float]:
        """Peak RSS (MiB) of each running part (``ako``: as in :meth:`cpu`, the largest child)."""
        out = {"mock_k8s": self.k8s.peak_rss_mb(), "mock_avi": self.avi.peak_rss_mb()}
        if self.engine is not None:
            out["engine"] = self.engine.peak_rss_mb()
            children = descendants(self.engine.pid)
            if children:
                out["ako"] = max(peak_rss_mb(c) for c in children)
        return out

    # -- HTTP ---------------------------------------------------------------------------------
    @property
    def rest(self) -> RestCalls:
        if self.calls is None:
            raise BenchError("the cluster has not started")
        return self.calls

    def conn(self, url: str) -> lean_http.Connection:
        """This thread's kept-alive connection to ``url`` (a part's base URL)."""
        return self._conns.get(url)

    def headers(self, url: str) -> dict[str, str]:
        """The headers every request to ``url`` carries (the real client's)."""
        return self._conns.headers(url)

    def wait_healthy(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        for url in (self.k8s.url, self.avi.url):
            while True:
                try:
                    if self.conn(url).request("GET", "/__mock__/healthz").status == 200:
                        break
                except HttpError:
                    pass
                if time.monotonic() > deadline:
                    raise BenchError(f"{url} not healthy")
                time.sleep(0.02)

    def k8s_call(self, method: str, path: str, body: Any = None, ctype: str = JSON) -> Any:
        """See :meth:`RestCalls.k8s_call`."""
        return self.rest.k8s_call(method, path, body, ctype)

    def avi_call(self, method: str, path: str, body: Any = None) -> Any:
        """See :meth:`RestCalls.avi_call`."""
        return self.rest.avi_call(method, path, body)

    def create_namespaces(self, names: Iterable[str]) -> None:
        for ns in names:
            self.k8s_call(
                "POST", "/api/v1/namespaces", {"metadata": {"name": ns}, "apiVersion": "v1"}
            )

    def create_service(self, manifest: dict[str, Any]) -> None:
        ns = manifest["metadata"]["namespace"]
        self.k8s_call("POST", f"/api/v1/namespaces/{ns}/services", manifest)

    def server_rv(self) -> str:
        body = self.k8s_call("GET", "/api/v1/namespaces?limit=1")
        return str(body["metadata"]["resourceVersion"])

    # -- counters -----------------------------------------------------------------------------
    def avi_journal(self, since: int = 0) -> list[dict[str, Any]]:
        return list(self.avi_call("GET", f"/__mock__/journal?since={since}"))

    def avi_seq(self) -> int:
        entries = self.avi_journal(0)
        return int(entries[-1]["seq"]) if entries else 0

    def k8s_stats(self) -> dict[str, Any]:
        """Request counters of mock_k8s (``GET /__mock__/stats``)."""
        return dict(self.k8s_call("GET", "/__mock__/stats"))

    # -- engine -------------------------------------------------------------------------------
    def engine_state(self) -> dict[str, Any]:
        """The engine's ``/debug/state``, counted in :attr:`state_polls`; in
        :attr:`state_k8s_reads` when the answer carries ``server_resource_version`` (ako-sim's
        engine read mock_k8s once to answer it; AKO's launcher does not)."""
        if self.engine is None:
            raise BenchError("no engine")
        self.state_polls += 1
        answer = self.conn(self.engine.url).request("GET", "/debug/state")
        state = answer.json() if answer.status == 200 else None
        if not isinstance(state, dict):
            raise HttpError(f"/debug/state: HTTP {answer.status} {answer.text[:200]}")
        if "server_resource_version" in state:
            self.state_k8s_reads += 1
        return state

    def wait_engine_ready(self, timeout: float = 60.0) -> None:
        if self.engine is None:
            raise BenchError("no engine")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.conn(self.engine.url).request("GET", "/readyz").status == 200:
                    return
            except HttpError:
                pass
            time.sleep(0.01)
        raise BenchError("engine not ready")

    def wait_settled(self, timeout: float = 300.0, interval: float = 0.02) -> int:
        """Poll ``/debug/state`` until settled; returns the number of polls made."""
        deadline = time.monotonic() + timeout
        polls = 0
        while time.monotonic() < deadline:
            polls += 1
            try:
                if self.engine_state().get("settled"):
                    return polls
            except (HttpError, ValueError):  # orjson.JSONDecodeError is a ValueError
                pass
            time.sleep(interval)
        raise BenchError(f"engine not settled within {timeout}s")


def _has_ingress(obj: dict[str, Any]) -> str | None:
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress and isinstance(ingress[0], dict) and ingress[0].get("ip"):
        return str(ingress[0]["ip"])
    return None


class StatusWatch:
    """One watch on every Service: records when each first shows an EXTERNAL-IP. Events are
    decoded with orjson on the watch's own thread (one kept-alive connection of its own).

    A watch ends when its ``timeoutSeconds`` is up (or the server drops it); the run may be
    longer (the real AKO takes about an hour for N=10,000), so an ended watch is opened again
    from the last resourceVersion it delivered, and after a ``410 Gone`` from a fresh list."""

    def __init__(self, cluster: Cluster, watch_timeout_s: int = 1800) -> None:
        self._cluster = cluster
        self._watch_timeout_s = watch_timeout_s
        self._cond = threading.Condition()
        self.first_vip: dict[str, tuple[float, str]] = {}  # "ns/name" -> (perf_counter, ip)
        self.vip: dict[str, str] = {}
        self.rewatches = 0  # watches opened again after one ended
        self.relists = 0  # lists read after a 410 Gone
        self._stop = threading.Event()
        self._conn_lock = threading.Lock()
        self._conn: lean_http.Connection | None = None
        self._rv = cluster.server_rv()
        self._gone = False
        try:
            lines = self._open()  # the first watch is open on return
        except HttpError as exc:
            raise BenchError(f"watch failed: {exc}") from exc
        self._thread = threading.Thread(
            target=self._run, args=(lines,), name="bench-watch", daemon=True
        )
        self._thread.start()

    def _open(self) -> Iterator[bytes]:
        url = self._cluster.k8s.url
        conn = lean_http.Connection(
            url, self._cluster.headers(url), timeout=self._watch_timeout_s + 100
        )
        with self._conn_lock:
            if self._stop.is_set():
                raise HttpError("the watch is closed")
            self._conn = conn
        timeout = self._watch_timeout_s
        target = f"/api/v1/services?watch=1&resourceVersion={self._rv}&timeoutSeconds={timeout}"
        return conn.stream("GET", target)

    def _run(self, lines: Iterator[bytes]) -> None:
        while True:
            try:
                for line in lines:
                    if self._stop.is_set():
                        return
                    self._event(line, time.perf_counter())
            except (HttpError, OSError, ValueError, AttributeError):
                pass
            if self._stop.is_set():
                return
            try:  # the watch ended: resume where it stopped (after a 410, from a new list)
                if self._gone:
                    self._relist()
                lines = self._open()
            except (BenchError, HttpError, OSError, ValueError, KeyError):
                if self._stop.wait(0.2):
                    return
                lines = iter(())
                continue
            self.rewatches += 1

    def _relist(self) -> None:
        body = self._cluster.k8s_call("GET", "/api/v1/services")
        now = time.perf_counter()
        with self._cond:
            self.vip.clear()
            for obj in body.get("items") or []:
                self._record(obj, now)
            self._cond.notify_all()
        self._rv = str(body["metadata"]["resourceVersion"])
        self._gone = False
        self.relists += 1

    def _event(self, line: bytes, now: float) -> None:
        if not line.strip():
            return
        event = orjson.loads(line)
        obj = event.get("object") or {}
        kind = event.get("type")
        if kind == "ERROR":  # 410 Gone: the resourceVersion is too old to resume from
            self._gone = True
            return
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv:
            self._rv = str(rv)
        if kind == "BOOKMARK":
            return
        with self._cond:
            if kind == "DELETED":
                meta = obj.get("metadata") or {}
                self.vip.pop(f"{meta.get('namespace')}/{meta.get('name')}", None)
            elif self._record(obj, now):
                self._cond.notify_all()

    def _record(self, obj: dict[str, Any], now: float) -> bool:
        """Note ``obj``'s VIP (the caller holds the condition); True if it has one."""
        meta = obj.get("metadata") or {}
        key = f"{meta.get('namespace')}/{meta.get('name')}"
        ip = _has_ingress(obj)
        if ip is None:
            self.vip.pop(key, None)
            return False
        self.vip[key] = ip
        self.first_vip.setdefault(key, (now, ip))
        return True

    def wait_for(self, keys: Iterable[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            # each wake-up checks from the end of what is still missing, up to the first key
            # without a VIP (not every key: one wake-up per event at N=10,000)
            missing = [k for k in keys if k not in self.first_vip]
            missing.reverse()
            while True:
                while missing and missing[-1] in self.first_vip:
                    missing.pop()
                if not missing:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.5))

    def close(self) -> None:
        self._stop.set()
        with self._conn_lock:
            conn = self._conn
        if conn is not None:
            conn.abort()  # interrupts the blocked read
        self._thread.join(2)
