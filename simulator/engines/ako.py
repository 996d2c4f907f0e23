"""The real AKO as an engine: a child process, watched from outside.

:class:`AkoEngine` is what ``--engine ako --ako-binary PATH`` runs. ``start()`` checks the
binary, makes sure the API server serves what AKO waits for, creates the objects AKO reads
(:mod:`simulator.engines.ako_setup`), writes a ``HOME`` holding ``.kube/config`` of the fake API
server, and execs AKO in its own process group with the settings of behaviour.md section 1 as its
environment. AKO's output goes to ``--ako-log`` (ANSI colours removed) and, line by line, to the
``ako_sim.ako`` logger at AKO's own level. It returns once AKO is ready: its API port serves and it
logged "AKO is now listening for Object updates" (the end of its start-up sync: caches populated,
full sync of the cluster done). It raises :class:`AkoStartError` with the last lines of the log if
AKO exits first (naming a refused Kubernetes or Avi version) or takes too long.

``settled`` is: AKO is running and ready, and neither mock has answered a write for the quiet
period (both journals, :mod:`simulator.engines.journals`). The engine endpoint (``/healthz``,
``/readyz``, ``/debug/state``, ``/metrics``, the dashboard) is served by this process; the
dashboard's Services and Avi objects are read from the API server and the controller.
``POST /debug/resync`` restarts AKO (it re-reads everything at start: how a loaded snapshot
reaches it). ``stop()`` ends the whole process group. Nothing here imports the mocks or reads
AKO's insides.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import requests
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from urllib3.exceptions import InsecureRequestWarning

from simulator.config import EngineConfig
from simulator.domain.model import Settings
from simulator.engine.endpoint import EndpointServer
from simulator.engines import AkoOptions
from simulator.engines.ako_setup import (
    AkoSetupError,
    KubeTarget,
    ako_environment,
    apply_objects,
    check_binary,
    check_served,
    cluster_objects,
    free_port,
    write_home,
)
from simulator.engines.journals import MockJournals, self_signed_session

log = logging.getLogger("ako_sim.ako")
ako_log = logging.getLogger("ako_sim.ako.log")

READY_LINE = "AKO is now listening for Object updates"
VERSION_LINE = re.compile(r"AKO is running with version: (\S+)")
K8S_REFUSAL = "Unsupported kubernetes apiserver version"
AVI_REFUSAL = "AKO is not supported for the Avi version"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "DPANIC": logging.CRITICAL,
    "PANIC": logging.CRITICAL,
    "FATAL": logging.CRITICAL,
}
TAIL_LINES = 25


class AkoStartError(AkoSetupError):
    """AKO did not come up; the message ends with the last lines of its log."""


def parse_line(raw: str) -> tuple[int, str]:
    """(logging level, text without colours) of one line of AKO's output (zap console lines:
    ``time<TAB>LEVEL<TAB>caller<TAB>message``; others, such as a Go panic, as INFO/ERROR)."""
    text = ANSI.sub("", raw).rstrip("\r\n")
    parts = text.split("\t")
    if len(parts) >= 3 and parts[1].strip().upper() in LEVELS:
        return LEVELS[parts[1].strip().upper()], text
    if text.startswith(("panic:", "fatal error:")):
        return logging.CRITICAL, text
    return logging.INFO, text


class AkoProcess:
    """One run of the binary: its own process group, output copied to the log file."""

    def __init__(
        self,
        binary: Path,
        env: dict[str, str],
        cwd: Path,
        log_file: Path,
        on_line: Callable[[int, str], None],
    ) -> None:
        self.binary = binary
        self.env = env
        self.cwd = cwd
        self.log_file = log_file
        self._on_line = on_line
        self._tail: deque[str] = deque(maxlen=400)
        self._tail_lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._log: IO[str] | None = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_file.open("a", encoding="utf-8")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._log.write(f"--- ako-sim: starting {self.binary} at {stamp} ---\n")
        self._log.flush()
        self._proc = subprocess.Popen(
            [str(self.binary)],
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches every child
        )
        self._reader = threading.Thread(target=self._read, name="ako-log", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in iter(self._proc.stdout.readline, b""):
            level, text = parse_line(raw.decode("utf-8", "replace"))
            with self._tail_lock:
                self._tail.append(text)
            if self._log is not None:
                try:
                    self._log.write(text + "\n")
                    self._log.flush()
                except ValueError:  # closed while stopping
                    pass
            self._on_line(level, text)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def exit_code(self) -> int | None:
        return self._proc.poll() if self._proc is not None else None

    def tail(self, lines: int = TAIL_LINES) -> list[str]:
        with self._tail_lock:
            return list(self._tail)[-lines:]

    def lines(self) -> list[str]:
        with self._tail_lock:
            return list(self._tail)

    def wait_output(self, timeout: float = 2.0) -> None:
        """Let the reader copy what an exited process printed."""
        if self._reader is not None:
            self._reader.join(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the process group, SIGKILL after ``timeout``; then close the log."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            self._signal(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("AKO (pid %d) ignored SIGTERM for %.0fs: killing it", proc.pid, timeout)
                self._signal(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if proc is not None:
            self._signal(proc.pid, signal.SIGKILL)  # anything left in its group
        self.wait_output()
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._log is not None:
            code = proc.returncode if proc is not None else None
            self._log.write(f"--- ako-sim: AKO stopped (exit status {code}) ---\n")
            self._log.close()
            self._log = None

    @staticmethod
    def _signal(pgid: int, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)


def _port_serves(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class _ListedStore:
    """``store.values()`` of the Services, listed from the API server on demand."""

    def __init__(self, engine: AkoEngine) -> None:
        self._engine = engine

    def values(self) -> list[dict[str, Any]]:
        return self._engine.observed_services()


class _ListedInformer:
    def __init__(self, engine: AkoEngine) -> None:
        self.store = _ListedStore(engine)


class _ControllerView:
    """The owner-key interface of the engine's Avi cache, over a listing of the controller."""

    KEY = "controller"

    def __init__(self, engine: AkoEngine) -> None:
        self._engine = engine

    def owner_keys(self) -> set[str]:
        return {self.KEY}

    def objects_of(self, key: str) -> list[tuple[str, dict[str, Any]]]:
        return self._engine.observed_avi_objects() if key == self.KEY else []


class _Metrics(Collector):
    def __init__(self, engine: AkoEngine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Any]:
        engine = self._engine
        up = GaugeMetricFamily("ako_sim_ako_up", "1 while the AKO process runs")
        up.add_metric([], 1.0 if engine.healthy() else 0.0)
        yield up
        ready = GaugeMetricFamily("ako_sim_engine_ready", "1 once AKO finished its start-up sync")
        ready.add_metric([], 1.0 if engine.ready() else 0.0)
        yield ready
        starts = CounterMetricFamily("ako_sim_ako_starts", "AKO processes started by this engine")
        starts.add_metric([], float(engine.starts))
        yield starts
        calls = CounterMetricFamily(
            "ako_sim_mock_requests",
            "requests the mocks answered since AKO started",
            labels=["mock", "method"],
        )
        errors = CounterMetricFamily(
            "ako_sim_mock_error_answers", "answers with status >= 400", labels=["mock"]
        )
        for mock, summary in engine.journals.summary().items():
            for method, count in summary["by_method"].items():
                calls.add_metric([mock, method], float(count))
            errors.add_metric([mock], float(summary["errors"]))
        yield calls
        yield errors


class AkoEngine:
    """The real AKO behind the engine endpoint (see the module docstring)."""

    def __init__(self, config: EngineConfig, options: AkoOptions) -> None:
        self.config = config
        self.options = options
        self.settings: Settings = config.domain()
        self.binary = Path(options.binary)
        self.log_file = Path(options.log_file).resolve()
        self.quiet = max(options.settle_quiet_ms, 0) / 1000.0
        self.journals = MockJournals(
            "http://invalid", config.avi_controller, (config.avi_user, config.avi_password)
        )
        self.informers: dict[str, Any] = {"services": _ListedInformer(self)}
        self.cache = _ControllerView(self)
        self.starts = 0
        self.version = ""
        self.started_at = 0.0
        self.ready_after = 0.0
        self._kube_target: KubeTarget | None = None
        self._kube: Any = None
        self._avi: Any = None
        self._avi_client: Any = None
        self._process: AkoProcess | None = None
        self._ready = threading.Event()
        self._endpoint: EndpointServer | None = None
        self._home: Path | None = None
        self._api_port = 0
        self._lock = threading.RLock()
        self._stopped = False
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_Metrics(self))

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Set up the cluster, start AKO, return once it is ready (or raise AkoStartError)."""
        self.binary = check_binary(self.options.binary)
        kube = KubeTarget.from_kubeconfig(self.config.kubeconfig or "")
        self._kube_target = kube
        self.journals = MockJournals(
            kube.url,
            self.config.avi_controller,
            (self.config.avi_user, self.config.avi_password),
        )
        ako_environment(self.config, home=Path("."), api_port=0)  # fails early on http://
        self._endpoint = EndpointServer(self, self.config.host, self.config.port)
        self._endpoint.start()
        try:
            self._launch()
        except BaseException:
            self.stop()
            raise
        log.info(
            "AKO %s ready in %.2fs (pid %s, log %s), endpoint %s",
            self.version or "(version unknown)",
            self.ready_after,
            self._process.pid if self._process else "?",
            self.log_file,
            self.url,
        )

    def _launch(self) -> None:
        kube = self._kube_target
        assert kube is not None
        started = time.monotonic()
        check_served(kube)
        apply_objects(
            kube,
            cluster_objects(
                self.config,
                leader_election=self.options.leader_election,
                log_level=self.options.log_level,
            ),
        )
        self._home = Path(tempfile.mkdtemp(prefix="ako-sim-home-"))
        write_home(self._home, self.config.kubeconfig)
        self._api_port = free_port(self.config.host)
        env = ako_environment(self.config, home=self._home, api_port=self._api_port)
        self._ready.clear()
        self.journals.mark()
        process = AkoProcess(self.binary, env, self._home, self.log_file, self._on_line)
        with self._lock:
            self._process = process
        self.started_at = time.monotonic()
        process.start()
        self.starts += 1
        deadline = self.started_at + self.options.start_timeout
        while True:
            if self._ready.is_set() and _port_serves("127.0.0.1", self._api_port):
                break
            if not process.alive():
                process.wait_output()
                raise AkoStartError(self._exit_message(process))
            if time.monotonic() >= deadline:
                tail = "\n  ".join(process.tail())
                raise AkoStartError(
                    f"AKO did not finish its start-up within {self.options.start_timeout:g}s "
                    f"(no {READY_LINE!r} in its log {self.log_file}); last lines:\n  {tail}"
                )
            self._ready.wait(0.02)
        self.ready_after = time.monotonic() - started

    def _exit_message(self, process: AkoProcess) -> str:
        lines = process.lines()
        tail = "\n  ".join(process.tail())
        code = process.exit_code()
        if any(K8S_REFUSAL in line for line in lines):
            reported = self._reported_k8s_version()
            return (
                f"AKO refused the Kubernetes version the API server reports ({reported}) and "
                f"exited (status {code}); this build's supported range is in its release notes "
                f"(AKO 2.2.1 accepts 1.29-1.34). Last lines of {self.log_file}:\n  {tail}"
            )
        if any(AVI_REFUSAL in line for line in lines):
            return (
                f"AKO refused the Avi controller's version and exited (status {code}); "
                f"start mock-avi with a --version it accepts. Last lines of {self.log_file}:"
                f"\n  {tail}"
            )
        return f"AKO exited during start (status {code}); last lines of {self.log_file}:\n  {tail}"

    def _reported_k8s_version(self) -> str:
        if self._kube_target is None:
            return "?"
        try:
            body = self._kube_target.request("GET", "/version").json()
            return str(body.get("gitVersion") or f"{body.get('major')}.{body.get('minor')}")
        except (AkoSetupError, ValueError, AttributeError):
            return "?"

    def _on_line(self, level: int, text: str) -> None:
        if READY_LINE in text:
            self._ready.set()
        match = VERSION_LINE.search(text)
        if match:
            self.version = match.group(1)
        ako_log.log(level, "%s", text)

    def _stop_process(self, timeout: float) -> None:
        with self._lock:
            process, self._process = self._process, None
        self._ready.clear()
        if process is not None:
            process.stop(timeout)
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped = True
        self._stop_process(timeout)
        if self._endpoint is not None:
            self._endpoint.stop()
            self._endpoint = None
        for client in (self._kube, self._avi, self._avi_client):
            if client is not None:
                try:
                    client.close()
                except Exception:  # pragma: no cover - best effort
                    log.debug("closing a client failed", exc_info=True)
        self._kube = self._avi = self._avi_client = None
        log.info("AKO engine stopped")

    def restart_process(self) -> None:
        """Stop AKO and start it again over the current cluster and controller state."""
        self._stop_process(10.0)
        self._launch()

    def resync_now(self) -> set[str]:
        """What ``POST /debug/resync`` does for AKO: a restart (AKO re-reads everything)."""
        self.restart_process()
        return {"ako:restarted"}

    # -- what the endpoint reads ----------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._endpoint.url if self._endpoint else ""

    @property
    def port(self) -> int:
        return self._endpoint.port if self._endpoint else 0

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process else None

    def healthy(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.alive()

    def ready(self) -> bool:
        return self._ready.is_set() and self.healthy()

    def settled(self) -> bool:
        return self.ready() and self.journals.quiet_for() >= self.quiet

    def wait_settled(self, timeout: float = 10.0, interval: float = 0.01) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self.settled():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(max(interval, 0.02))  # a poll of two journals, not a fixed wait

    def log_lines(self) -> list[str]:
        with self._lock:
            return self._process.lines() if self._process else []

    def state(self) -> dict[str, Any]:
        ready = self.ready()
        quiet = self.journals.quiet_for()
        settled = ready and quiet >= self.quiet
        with self._lock:
            process = self._process
        return {
            "engine": "ako",
            "cluster_name": self.config.cluster_name,
            "ready": ready,
            "settled": settled,
            "alive": self.healthy(),
            "pid": process.pid if process else None,
            "exit_status": process.exit_code() if process else None,
            "ako_version": self.version,
            "ako_binary": str(self.binary),
            "ako_log": str(self.log_file),
            "ako_api_port": self._api_port,
            "starts": self.starts,
            "ready_after_s": round(self.ready_after, 3),
            "quiet_for_ms": round(quiet * 1000),
            "settle_quiet_ms": round(self.quiet * 1000),
            "calls": self.journals.summary(),
            "resync": "restarts AKO",
            "queue_depth": 0,
            "in_flight": [],
            "retrying": [],
            "license_tier": self.settings.license_tier,
        }

    # -- what the dashboard reads (from the API server and the controller) ------------------
    @property
    def kube(self) -> Any:
        if self._kube is None:
            from simulator.adapters.kube import KubeClient

            self._kube = KubeClient(self.config.kubeconfig)
        return self._kube

    @property
    def avi(self) -> Any:
        """A controller client of this engine's own (the dashboard reads health through it)."""
        if self._avi_client is None:
            from simulator.adapters.avi import AviSdkClient

            self._avi_client = AviSdkClient(
                self.config.avi_controller,
                self.config.avi_user,
                self.config.avi_password,
                tenant=self.config.tenant,
                created_by=self.settings.created_by,
                name_prefix=self.settings.name_prefix,
            )
        return self._avi_client

    def observed_services(self) -> list[dict[str, Any]]:
        from simulator.adapters.kube import SERVICES, KubeError

        try:
            return list(self.kube.list_objects(SERVICES).items)
        except KubeError as exc:
            log.debug("cannot list Services: %s", exc)
            return []

    def observed_avi_objects(self) -> list[tuple[str, dict[str, Any]]]:
        """The controller's objects of this cluster (as the engine's cache would hold them)."""
        if self._avi is None:
            self._avi = self_signed_session()
        found: list[tuple[str, dict[str, Any]]] = []
        base = self.config.avi_controller.rstrip("/")
        auth = (self.config.avi_user, self.config.avi_password)
        for obj_type in ("virtualservice", "vsvip", "l4policyset", "pool"):
            params = {"include_name": "true", "page_size": "200"}
            if obj_type == "vsvip":
                params["name.contains"] = self.settings.name_prefix
            else:
                params["created_by"] = self.settings.created_by
            url: str | None = f"{base}/api/{obj_type}"
            while url:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", InsecureRequestWarning)
                        answer = self._avi.get(
                            url,
                            params=params,
                            auth=auth,
                            headers={"X-Avi-Tenant": self.config.tenant},
                            timeout=10,
                        )
                    body = answer.json() if answer.status_code == 200 else {}
                except (requests.RequestException, ValueError) as exc:
                    log.debug("cannot list %s on the controller: %s", obj_type, exc)
                    break
                found += [(obj_type, obj) for obj in body.get("results") or []]
                url, params = body.get("next") or None, {}
        return found
