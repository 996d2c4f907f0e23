"""Watch fan-out: W watchers on Services, one writer creating then patching Services, loopback.

mock_k8s runs in its own process (``ako-sim mock-k8s --port 0``); the watchers are raw HTTP/1.1
streams (``watch=1&allowWatchBookmarks=true`` from the list's resourceVersion, as an informer
opens them) read by ``--procs`` reader processes, each with one selector loop over its sockets,
so reading costs little and every event is timed when it arrives. The writer creates
``--writes`` Services, then merge-patches each once, at ``--rate`` writes a second; a write's
clock starts when its answer has arrived ("acknowledged"), and each watcher's delivery latency is
the time from then to the moment it read the event (0 when the event came first; the figures
from the write's request being sent are printed too). Every watcher
must see every write (ADDED then MODIFIED, in resourceVersion order): a missing or unexpected
event is an error. Prints p50/p95/p99/max delivery latency, the mock's CPU seconds per delivered
event, and a JSON line; exit status 1 on any error.

    python -m benchmarks.watch_fanout [--watchers 100] [--writes 200] [--rate 50] [--procs 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

SERVING = re.compile(r"serving on (https?://\S+)")
NAMESPACE = "default"
SERVICES = f"/api/v1/namespaces/{NAMESPACE}/services"


class Stream:
    """One watch: an HTTP/1.1 response with a chunked body of JSON lines (or an HTTP/1.0 one
    that ends with the connection), parsed as it comes."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n\r\n"
        self.sock.sendall(request.encode())
        self.buf = b""
        self.body = b""
        self.headers_done = False
        self.chunked = True
        self.ended = False

    def feed(self) -> list[bytes]:
        """Read what is there; return the complete event lines."""
        data = self.sock.recv(1 << 16)
        if not data:
            self.ended = True
            return []
        self.buf += data
        if not self.headers_done:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if not sep:
                return []
            status = head.split(b"\r\n", 1)[0]
            if b" 200 " not in status + b" ":
                raise RuntimeError(f"watch answered {status!r}")
            self.headers_done, self.buf = True, rest
            self.chunked = b"transfer-encoding: chunked" in head.lower()
        if not self.chunked:  # an HTTP/1.0 stream: the body runs until the connection closes
            self.body, self.buf = self.body + self.buf, b""
        while self.chunked:  # chunked transfer coding: <hex size>\r\n<data>\r\n
            size_line, sep, rest = self.buf.partition(b"\r\n")
            if not sep:
                break
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.ended = True
                break
            if len(rest) < size + 2:
                break
            self.body += rest[:size]
            self.buf = rest[size + 2 :]
        *lines, self.body = self.body.split(b"\n")
        return [line for line in lines if line.strip()]


def _reader(host: str, port: int, rv: str, count: int, expected: int, ready: Any, out: Any) -> None:
    """A reader process: ``count`` watches, one selector; reports (name, rv, type) arrivals."""
    path = f"{SERVICES}?watch=1&allowWatchBookmarks=true&resourceVersion={rv}"
    streams = [Stream(host, port, path) for _ in range(count)]
    sel = selectors.DefaultSelector()
    for i, st in enumerate(streams):
        sel.register(st.sock, selectors.EVENT_READ, i)
    arrivals: list[list[tuple[str, str, float]]] = [[] for _ in streams]
    bookmarks = 0
    errors: list[str] = []
    ready.wait()
    deadline = time.monotonic() + 600
    seen = 0
    while seen < expected * count and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            st = streams[key.data]
            now = time.monotonic()
            try:
                lines = st.feed()
            except (OSError, RuntimeError, ValueError) as exc:
                errors.append(f"watch {key.data}: {exc!r}")
                sel.unregister(st.sock)
                continue
            for line in lines:
                event = json.loads(line)
                if event["type"] == "BOOKMARK":
                    bookmarks += 1
                    continue
                meta = event["object"]["metadata"]
                arrivals[key.data].append((event["type"], meta["name"], now))
                seen += 1
            if st.ended:
                errors.append(f"watch {key.data} ended early")
                sel.unregister(st.sock)
    for st in streams:
        st.sock.close()
    out.put((arrivals, bookmarks, errors))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_spy(pid: int, path: Path) -> subprocess.Popen[bytes]:
    exe = shutil.which("py-spy")
    if exe is None:
        raise SystemExit("--py-spy needs py-spy (dev extra)")
    cmd = [exe, "record", "-p", str(pid), "-r", "200", "-f", "raw", "-o", str(path)]
    spy = subprocess.Popen(
        [*cmd, "--nonblocking", "--gil"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(1.0)  # let it attach before the writes start
    return spy


def _print_profile(path: Path, top: int = 15) -> None:
    from benchmarks.profile import summarize

    own, inclusive = summarize(path, top)
    print("== mock_k8s during the writes: own time (% of GIL samples) ==")
    for frame, share in own:
        print(f"{share:6.1f}  {frame}")
    print("== inclusive ==")
    for frame, share in inclusive:
        print(f"{share:6.1f}  {frame}")


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"app": "fanout"}},
        "spec": {"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP"}]},
    }


def percentile(values: list[float], q: float) -> float:
    return values[int(q * (len(values) - 1))] if values else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchers", type=int, default=100)
    parser.add_argument("--writes", type=int, default=200, help="Services created (and patched)")
    parser.add_argument("--rate", type=float, default=50.0, help="writes per second")
    parser.add_argument("--procs", type=int, default=2, help="reader processes")
    parser.add_argument("--py-spy", type=Path, help="sample the mock into this collapsed file")
    args = parser.parse_args(argv)
    if not 1 <= args.watchers <= 1000 or not 1 <= args.writes <= 5000 or args.rate <= 0:
        parser.error("--watchers 1..1000, --writes 1..5000, --rate > 0")

    cmd = [sys.executable, "-m", "simulator", "mock-k8s", "--host", "127.0.0.1", "--port", "0"]
    mock = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        return _run(mock, args)
    finally:
        mock.send_signal(signal.SIGTERM)
        try:
            mock.wait(15)
        except subprocess.TimeoutExpired:
            mock.kill()


def _run(mock: subprocess.Popen[str], args: argparse.Namespace) -> int:
    assert mock.stdout is not None
    url = ""
    for line in mock.stdout:
        found = SERVING.search(line)
        if found:
            url = found.group(1)
            break
    if not url:
        raise SystemExit("mock-k8s did not start")
    threading.Thread(target=mock.stdout.read, daemon=True).start()
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    s = requests.Session()
    rv = s.get(f"{url}{SERVICES}", timeout=30).json()["metadata"]["resourceVersion"]
    expected = 2 * args.writes  # ADDED and MODIFIED per Service
    ctx = multiprocessing.get_context("spawn")
    procs = max(1, min(args.procs, args.watchers))
    counts = [len(range(p, args.watchers, procs)) for p in range(procs)]
    ready, out = ctx.Barrier(procs + 1), ctx.Queue()
    readers = [
        ctx.Process(target=_reader, args=(host, int(port), rv, n, expected, ready, out))
        for n in counts
    ]
    for r in readers:
        r.start()
    ready.wait()
    opened = time.monotonic() + 60
    while time.monotonic() < opened:  # every watch registered before the first write
        if s.get(f"{url}/__mock__/watches", timeout=30).json().get("open", 0) >= args.watchers:
            break
        time.sleep(0.05)  # a benchmark script, not a test: polling the server's count
    acked: dict[tuple[str, str], float] = {}
    sent: dict[tuple[str, str], float] = {}
    errors: list[str] = []
    names = [f"fanout-{i}" for i in range(args.writes)]
    plan = [("ADDED", n) for n in names] + [("MODIFIED", n) for n in names]
    spy = _start_spy(mock.pid, args.py_spy) if args.py_spy else None
    cpu0 = cpu_seconds(mock.pid)
    started = time.monotonic()
    for i, (etype, name) in enumerate(plan):
        due = started + i / args.rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)  # the writer's pace
        sent[(etype, name)] = time.monotonic()
        if etype == "ADDED":
            rsp = s.post(f"{url}{SERVICES}", json=service(name), timeout=30)
            ok = rsp.status_code == 201
        else:
            rsp = s.patch(
                f"{url}{SERVICES}/{name}",
                data=json.dumps({"metadata": {"labels": {"patched": "yes"}}}),
                headers={"Content-Type": "application/merge-patch+json"},
                timeout=30,
            )
            ok = rsp.status_code == 200
        acked[(etype, name)] = time.monotonic()
        if not ok:
            errors.append(f"{etype} {name}: HTTP {rsp.status_code} {rsp.text[:100]}")
    writes_s = time.monotonic() - started
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    latencies: list[float] = []
    from_sent: list[float] = []
    bookmarks = 0
    for _ in readers:
        arrivals, n_bookmarks, reader_errors = out.get(timeout=900)
        bookmarks += n_bookmarks
        errors.extend(reader_errors)
        for seen in arrivals:
            if [(t, n) for t, n, _ in seen] != plan:
                errors.append(f"a watcher saw {len(seen)} events, not the {len(plan)} writes")
                continue
            latencies.extend(max(0.0, at - acked[(t, n)]) for t, n, at in seen)
            from_sent.extend(at - sent[(t, n)] for t, n, at in seen)
    cpu = cpu_seconds(mock.pid) - cpu0
    for r in readers:
        r.join()
    latencies.sort()
    from_sent.sort()
    delivered = len(latencies)
    result = {
        "watchers": args.watchers,
        "writes": len(plan),
        "rate": args.rate,
        "writes_s": round(writes_s, 2),
        "delivered": delivered,
        "bookmarks": bookmarks,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round((latencies[-1] if latencies else 0.0) * 1000, 2),
        "from_request_p50_ms": round(percentile(from_sent, 0.50) * 1000, 2),
        "from_request_p99_ms": round(percentile(from_sent, 0.99) * 1000, 2),
        "mock_cpu_s": round(cpu, 2),
        "mock_cpu_us_per_event": round(1e6 * cpu / delivered, 1) if delivered else None,
        "errors": len(errors),
        "first_errors": errors[:3],
    }
    print(
        f"{args.watchers} watchers, {len(plan)} writes at {args.rate}/s ({writes_s:.1f} s): "
        f"{delivered} events delivered, {bookmarks} bookmarks"
    )
    print(
        f"delivery latency p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms"
    )
    print(
        f"from the write's request: p50 {result['from_request_p50_ms']} ms, "
        f"p99 {result['from_request_p99_ms']} ms"
    )
    print(
        f"mock_k8s CPU {result['mock_cpu_s']} s, {result['mock_cpu_us_per_event']} us per "
        f"delivered event; errors {len(errors)}"
    )
    for err in errors[:3]:
        print(f"  error: {err}")
    if args.py_spy:
        _print_profile(args.py_spy)
    print(json.dumps({"watch_fanout": result}))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
