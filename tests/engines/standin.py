"""A stand-in for the AKO binary: a small Python program that shows AKO's observable surface.

Like AKO it reads ``$HOME/.kube/config`` (and nothing like ``KUBECONFIG``), asks the API server
for ``/version``, serves ``AKO_API_PORT``, logs zap-style lines (``time<TAB>LEVEL<TAB>caller<TAB>
message``, with colours) on stdout, says "AKO is now listening for Object updates" when its
start-up is done, and exits on SIGTERM. A ``mode`` makes it misbehave the way the launcher must
report: exit early, refuse the Kubernetes version, never get ready, ignore SIGTERM. It records
its environment and its child's pid in files for the tests to read.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

SCRIPT = r"""#!{python}
import json, os, signal, subprocess, sys, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = {mode!r}
RECORD = {record!r}

def log(level, message):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    colour = {{"INFO": "34", "WARN": "33", "ERROR": "31", "FATAL": "35"}}.get(level, "0")
    sys.stdout.write(f"{{stamp}}\t\x1b[{{colour}}m{{level}}\x1b[0m\tstandin/main.go:1\t{{message}}\n")
    sys.stdout.flush()

def server_of(kubeconfig):
    for line in open(kubeconfig):
        line = line.strip()
        if line.startswith("server:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("no server in kubeconfig")

log("INFO", "AKO is running with version: v0.0.0-standin")
home = os.environ["HOME"]
server = server_of(os.path.join(home, ".kube", "config"))
# a child that waits for a signal, like AKO's own helpers: stopping the engine must reach it too
child = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
with open(RECORD, "w") as out:
    seen = {{"env": dict(os.environ), "child": child.pid, "pid": os.getpid(), "server": server}}
    json.dump(seen, out)
if MODE == "exit-early":
    log("ERROR", "Avi Controller information missing")
    log("FATAL", "Avi client not initialized")
    sys.exit(1)
version = json.load(urllib.request.urlopen(server + "/version"))
log("INFO", "Kubernetes cluster apiserver version %s.%s" % (version["major"], version["minor"]))
if MODE == "refuse-version":
    log("FATAL", "Unsupported kubernetes apiserver version detected. Please check the guide.")
    sys.exit(1)

class Status(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{{}}")
    def log_message(self, *args):
        pass

api = ThreadingHTTPServer(("0.0.0.0", int(os.environ["AKO_API_PORT"])), Status)
threading.Thread(target=api.serve_forever, daemon=True).start()
log("INFO", "Starting API server at :" + os.environ["AKO_API_PORT"])
stop = threading.Event()
if MODE == "ignore-sigterm":
    signal.signal(signal.SIGTERM, lambda *a: log("WARN", "ignoring SIGTERM"))
else:
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
if MODE != "never-ready":
    event = "Event(v1.ObjectReference{{Kind:Pod, Namespace:avi-system, Name:ako-0}}): "
    log("INFO", event + "type: 'Normal' reason: 'AKOReady' AKO is now listening for Object updates")
log("ERROR", "standin error line for the log capture")
while not stop.wait(0.05):
    pass
log("INFO", "Shutting down the API server")
child.terminate()
"""


def write_standin(directory: Path, mode: str = "normal") -> tuple[Path, Path]:
    """Write the stand-in program; returns (its path, the file where it records what it saw)."""
    directory.mkdir(parents=True, exist_ok=True)
    record = directory / f"standin-{mode}.json"
    program = directory / f"ako-standin-{mode}"
    program.write_text(SCRIPT.format(python=sys.executable, mode=mode, record=str(record)))
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return program, record


def read_record(record: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads(record.read_text())
    return result


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    try:  # a zombie (exited, not yet reaped by its parent) is not running
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False
