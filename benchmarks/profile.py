"""Profile the scale run: py-spy samples mock_k8s, mock_avi and the engine while N Services are
created and configured; prints, per process, the functions with the most samples (own time and
inclusive) and writes collapsed stacks (flamegraph input) to the output directory.

    python -m benchmarks.profile --n 1000 [--out /tmp/ako-sim-profile]

Needs ``py-spy`` (dev extra) and permission to attach to child processes.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from benchmarks.harness import BenchError, StatusWatch
from benchmarks.scale import _create_all, _prepare


def _frame_name(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    short = "/".join(path.split("/")[-2:])
    return f"{name} ({short})"


def summarize(collapsed: Path, top: int) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return [], []

    def pct(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(f, round(100 * c / total, 1)) for f, c in counter.most_common(top)]

    return pct(own), pct(inclusive)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=Path("/tmp/ako-sim-profile"))
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument(
        "--wall", action="store_true", help="sample every thread (default: the GIL holder only)"
    )
    args = parser.parse_args()
    spy = shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy is not installed (pip install py-spy)")
    args.out.mkdir(parents=True, exist_ok=True)
    cluster, workload = _prepare(args.n)
    recorders: list[tuple[str, Path, subprocess.Popen[bytes]]] = []
    try:
        cluster.start_engine()
        cluster.wait_engine_ready()
        cluster.wait_settled()
        watch = StatusWatch(cluster)
        procs = {"engine": cluster.engine, "mock_k8s": cluster.k8s, "mock_avi": cluster.avi}
        for name, proc in procs.items():
            assert proc is not None
            path = args.out / f"{name}.collapsed"
            cmd = [spy, "record", "-p", str(proc.pid), "-r", str(args.rate), "-f", "raw"]
            cmd += ["-o", str(path), "--nonblocking"]
            if not args.wall:
                cmd.append("--gil")
            rec = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            recorders.append((name, path, rec))
        time.sleep(1.0)  # let py-spy attach
        started = time.perf_counter()
        _create_all(cluster, workload)
        if not watch.wait_for(workload.service_keys(), 600):
            raise BenchError("not every Service got a VIP")
        cluster.wait_settled()
        print(f"N={args.n}: settled in {time.perf_counter() - started:.2f}s")
        watch.close()
    finally:
        for _, _, rec in recorders:
            rec.send_signal(signal.SIGINT)
        for _, _, rec in recorders:
            try:
                rec.wait(30)
            except subprocess.TimeoutExpired:
                rec.kill()
        cluster.stop()
    for name, path, _ in recorders:
        if not path.exists():
            print(f"{name}: no profile written")
            continue
        own, inclusive = summarize(path, args.top)
        print(f"\n== {name}: own time (% of samples) ==")
        for frame, share in own:
            print(f"{share:6.1f}  {frame}")
        print(f"\n== {name}: inclusive (% of samples) ==")
        for frame, share in inclusive:
            print(f"{share:6.1f}  {frame}")
        print(f"(collapsed stacks: {path})")


if __name__ == "__main__":
    main()
