"""Scale, floor and restart benchmarks (issue 7, figures 2, 3, 5).

- ``run_engine(n)``: fresh mock_k8s + mock_avi + engine processes; create ``n`` Services (4
  client threads) and time until every one shows its EXTERNAL-IP and the engine says settled;
  Avi calls (mock_avi journal), Kubernetes calls (mock_k8s ``/__mock__/stats`` minus the
  benchmark's own requests), peak RSS of each process. With ``restart=True`` the engine is then
  stopped and started again on the converged cluster: settle time and writes made.
- ``run_floor(n)``: the same Services on fresh mocks, with no engine: a minimal script creates
  them (same 4 client threads) and, as each group is created, issues the necessary REST calls
  directly (4 more threads): POST VsVip, pools, L4PolicySet, VS, then PATCH each member's status.
- ``run_watched_floor(n)``: the same Services with :mod:`benchmarks.floor_engine` as the engine
  process: the least any engine must do (learn of each Service from a watch, the floor's calls
  per complete group, each member's Event).
All check the final state (every Service has a VIP, one VIP per group, no VIP shared by two
groups; the same Avi object names in every run) and report this process's own CPU seconds over
the run (``bench_cpu_s``: its client threads, the watch, the state polls). Its requests go
through :mod:`benchmarks.lean_http` (see :mod:`benchmarks.harness`).

    python -m benchmarks.scale --n 1000 [--floor] [--watched-floor] [--restart] [--cap SECONDS]
"""

from __future__ import annotations

import argparse
import json
import queue
import select
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.harness import (
    REPO_ROOT,
    BenchError,
    Cluster,
    RestCalls,
    StatusWatch,
    child_env,
    cpu_seconds,
    peak_rss_mb,
)
from benchmarks.lean_http import MERGE_PATCH
from benchmarks.timeline import Timeline
from benchmarks.workload import Group, Workload, build

CLIENT_THREADS = 4
ENGINE_WORKERS = 4
CLUSTER = "cluster"


def _create_all(cluster: Cluster, workload: Workload, after_group: Any = None) -> None:
    def create_group(group: Group) -> None:
        for manifest in group.services:
            cluster.create_service(manifest)
        if after_group is not None:
            after_group(group)

    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        list(pool.map(create_group, workload.groups))


def _check_vips(workload: Workload, vips: dict[str, str]) -> dict[str, Any]:
    missing = [k for k in workload.service_keys() if k not in vips]
    bad_groups = 0
    group_vips: list[str] = []
    for group in workload.groups:
        found = {vips.get(f"{group.namespace}/{n}") for n in group.names}
        if len(found) != 1 or None in found:
            bad_groups += 1
        else:
            group_vips.append(found.pop() or "")
    shared_across = len(group_vips) - len(set(group_vips))
    return {
        "services_without_vip": len(missing),
        "groups_not_on_one_vip": bad_groups,
        "vips_shared_by_two_groups": shared_across,
        "ok": not missing and not bad_groups and not shared_across,
    }


def avi_names(cluster: Cluster) -> dict[str, list[str]]:
    """Names of the objects of the four types on the controller (paged)."""
    names: dict[str, list[str]] = {}
    for obj_type in ("vsvip", "pool", "l4policyset", "virtualservice"):
        found: list[str] = []
        page = 1
        while page < 10_000:
            body = cluster.avi_call("GET", f"/api/{obj_type}?fields=name&page_size=200&page={page}")
            found += [r["name"] for r in body.get("results", [])]
            if not body.get("next"):
                break
            page += 1
        names[obj_type] = sorted(found)
    return names


def _prepare(n: int, *, tls: bool = False) -> tuple[Cluster, Workload]:
    workload = build(n)
    cluster = Cluster.start(avi_tls=tls)
    try:
        cluster.create_namespaces(workload.namespaces)
    except BaseException:
        cluster.stop()
        raise
    return cluster, workload


def _avi_counts(cluster: Cluster, since: int) -> dict[str, Any]:
    entries = cluster.avi_journal(since)
    by_method = Counter(e["method"] for e in entries)
    logins = sum(1 for e in entries if e["path"] == "/login")
    return {
        "total": len(entries),
        "logins": logins,
        "writes": sum(v for k, v in by_method.items() if k != "GET") - logins,
        "by_method": dict(sorted(by_method.items())),
        "last_seq": int(entries[-1]["seq"]) if entries else since,
    }


def _k8s_delta(before: dict[str, Any], after: dict[str, Any], own: Counter[str]) -> dict[str, Any]:
    by_method: dict[str, int] = {}
    for method, count in after["by_method"].items():
        delta = count - before["by_method"].get(method, 0) - own.get(method, 0)
        if delta:
            by_method[method] = delta
    return {
        "total": sum(by_method.values()),
        "writes": sum(v for k, v in by_method.items() if k != "GET"),
        "by_method": dict(sorted(by_method.items())),
    }


def run_engine(
    n: int,
    *,
    restart: bool = False,
    timeout: float = 600.0,
    ako_binary: str | None = None,
    tls: bool = False,
    cap: float | None = None,
    timeline: float | None = None,
) -> dict[str, Any]:
    """Create N Services at once and time them to their VIPs and to settled; the real AKO when
    ``ako_binary`` is given (mock_avi then over HTTPS, as with ``tls``).

    ``cap`` bounds the run (seconds from the first create): past it the figures are taken as
    they are, ``settled`` is false and ``note`` says how far the engine got (Services with a
    VIP). Without a cap, ``timeout`` is a hard limit: not every VIP by then is an error.
    ``timeline`` (seconds): sample each process's CPU share and the VIPs seen at that interval
    (``result["timeline"]``, see :mod:`benchmarks.timeline`).
    """
    cluster, workload = _prepare(n, tls=tls or bool(ako_binary))
    try:
        cluster.start_engine(workers=ENGINE_WORKERS, ako_binary=ako_binary)
        cluster.wait_engine_ready()
        cluster.wait_settled()
        watch = StatusWatch(cluster)
        avi_seq = cluster.avi_seq()
        k8s_before = cluster.k8s_stats()
        cpu_before = cluster.cpu()
        reads_before = cluster.state_k8s_reads
        limit = cap if cap is not None else timeout
        sampler = Timeline(cluster.cpu, lambda: len(watch.first_vip), timeline or 1.0)
        if timeline:
            sampler.start()
        bench_cpu = time.process_time()
        started = time.perf_counter()
        _create_all(cluster, workload)
        created = time.perf_counter()

        def left() -> float:
            return max(0.0, limit - (time.perf_counter() - started))

        all_vips = watch.wait_for(workload.service_keys(), left())
        if not all_vips and cap is None:
            raise BenchError(f"N={n}: not every Service got a VIP within {timeout}s")
        settled = False
        if all_vips:
            try:
                cluster.wait_settled(max(left(), 1.0), interval=0.05)
                settled = True
            except BenchError:
                if cap is None:
                    raise
        ended = time.perf_counter()
        bench_cpu = time.process_time() - bench_cpu
        rows = sampler.stop() if timeline else None
        cpu_after = cluster.cpu()
        k8s_after = cluster.k8s_stats()
        # the benchmark's own requests: its creates, and the reads the engine made to answer
        # its state polls (ako-sim's engine: one each; AKO's launcher: none)
        own = Counter({"POST": n, "GET": cluster.state_k8s_reads - reads_before})
        vips = dict(watch.vip)
        with_vip = len(watch.first_vip)
        vips_at = max((t for t, _ in watch.first_vip.values()), default=started)
        result: dict[str, Any] = {
            "n": n,
            "groups": len(workload.groups),
            "namespaces": len(workload.namespaces),
            "create_s": round(created - started, 3),
            "all_vips_s": round(vips_at - started, 3) if all_vips else None,
            "settled_s": round(ended - started, 3) if settled else None,
            "settled": settled,
            "cap_s": cap,
            "services_with_vip": with_vip,
            "avi_calls": _avi_counts(cluster, avi_seq),
            "k8s_calls": _k8s_delta(k8s_before, k8s_after, own),
            "check": _check_vips(workload, vips),
        }
        if rows is not None:
            result["timeline"] = rows
        if not settled:
            result["note"] = (
                f"did not settle within {limit:g} s: {with_vip} of {n} Services had a VIP"
                f" ({'all' if all_vips else 'not all'} VIPs; stopped at {ended - started:.1f} s)"
            )
        watch.close()
        result["avi_objects"] = {t: len(v) for t, v in avi_names(cluster).items()}
        if restart and settled:
            result["restart"] = _restart(cluster, workload, timeout)
        result["peak_rss_mb"] = cluster.rss()
        result["cpu_s"] = {k: round(v - cpu_before.get(k, 0.0), 2) for k, v in cpu_after.items()}
        # this process (its create threads, the watch, the state polls) over the same span
        result["bench_cpu_s"] = round(bench_cpu, 3)
        return result
    finally:
        cluster.stop()


def _restart(cluster: Cluster, workload: Workload, timeout: float) -> dict[str, Any]:
    cluster.stop_engine()
    avi_seq = cluster.avi_seq()
    k8s_before = cluster.k8s_stats()
    reads_before = cluster.state_k8s_reads
    started = time.perf_counter()
    cluster.start_engine(workers=ENGINE_WORKERS)
    cluster.wait_engine_ready(timeout)
    cluster.wait_settled(timeout, interval=0.02)
    settled = time.perf_counter()
    k8s_after = cluster.k8s_stats()
    avi = _avi_counts(cluster, avi_seq)
    own = Counter({"GET": cluster.state_k8s_reads - reads_before})
    k8s = _k8s_delta(k8s_before, k8s_after, own)
    return {
        "settled_s": round(settled - started, 3),
        "avi_writes": avi["writes"],
        "k8s_writes": k8s["writes"],
        "writes": avi["writes"] + k8s["writes"],
        "avi_calls": avi,
        "k8s_calls": k8s,
    }


# -- the floor ---------------------------------------------------------------------------------
def _marker(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "values": [value]}


def floor_vs_name(group: Group) -> str:
    """The name of a group's VS (and of its VsVip and L4PolicySet), as the engine names it."""
    return f"{CLUSTER}--{group.namespace}-{group.key if group.key is not None else group.names[0]}"


def floor_group(calls: RestCalls, group: Group) -> dict[str, str]:
    """The necessary calls for one group, straight REST; returns {service: vip}."""
    ns = group.namespace
    shared = group.key is not None
    base = floor_vs_name(group)
    owner = _marker("GatewayName" if shared else "ServiceName", group.key or group.names[0])
    markers = [_marker("clustername", CLUSTER), _marker("Namespace", ns), owner]
    common = {"tenant_ref": "/api/tenant/?name=admin", "cloud_ref": "/api/cloud?name=Default-Cloud"}
    vsvip = calls.avi_call(
        "POST",
        "/api/vsvip",
        {
            "name": base,
            **common,
            "markers": markers,
            "vrf_context_ref": "/api/vrfcontext?name=global",
            "vip": [
                {
                    "vip_id": "0",
                    "auto_allocate_ip": True,
                    "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
                }
            ],
        },
    )
    vip = vsvip["vip"][0]["ip_address"]["addr"]
    rules: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    protocols: set[str] = set()
    for manifest in group.services:
        svc = manifest["metadata"]["name"]
        for port in manifest["spec"]["ports"]:
            proto, number = port["protocol"], port["port"]
            protocols.add(proto)
            pool = (
                f"{CLUSTER}--{ns}-{svc}-{group.key}-{proto}-{number}"
                if shared
                else f"{CLUSTER}--{ns}-{svc}-{proto}-{number}"
            )
            calls.avi_call(
                "POST",
                "/api/pool",
                {
                    "name": pool,
                    **common,
                    "created_by": f"ako-{CLUSTER}",
                    "vrf_ref": "/api/vrfcontext?name=global",
                    "servers": [],
                    "health_monitor_refs": [f"/api/healthmonitor/?name=System-{proto}"],
                    "markers": [*markers, _marker("ServiceName", svc)],
                },
            )
            rules.append(
                {
                    "name": f"{pool}-rule",
                    "index": len(rules) + 1,
                    "enable": True,
                    "match": {
                        "port": {"match_criteria": "IS_IN", "ports": [number]},
                        "protocol": {"match_criteria": "IS_IN", "protocol": f"PROTOCOL_{proto}"},
                    },
                    "action": {
                        "select_pool": {
                            "action_type": "L4_RULE_ACTION_SELECT_POOL",
                            "pool_ref": f"/api/pool?name={pool}",
                        }
                    },
                }
            )
            services.append({"port": number, "port_range_end": number, "proto": proto})
    calls.avi_call(
        "POST",
        "/api/l4policyset",
        {
            "name": base,
            "tenant_ref": common["tenant_ref"],
            "created_by": f"ako-{CLUSTER}",
            "markers": markers,
            "l4_connection_policy": {"rules": rules},
        },
    )
    profile = "System-TCP-Proxy" if "TCP" in protocols else "System-UDP-Fast-Path"
    own = {"TCP": "System-TCP-Proxy", "UDP": "System-UDP-Fast-Path", "SCTP": "System-SCTP-Proxy"}
    for entry in services:
        entry_profile = own[entry.pop("proto")]
        if entry_profile != profile:
            entry["override_network_profile_ref"] = f"/api/networkprofile/?name={entry_profile}"
    calls.avi_call(
        "POST",
        "/api/virtualservice",
        {
            "name": base,
            **common,
            "created_by": f"ako-{CLUSTER}",
            "markers": markers,
            "vsvip_ref": f"/api/vsvip/?name={base}",
            "l4_policies": [{"index": 1, "l4_policy_set_ref": f"/api/l4policyset/?name={base}"}],
            "application_profile_ref": "/api/applicationprofile/?name=System-L4-Application",
            "network_profile_ref": f"/api/networkprofile/?name={profile}",
            "se_group_ref": "/api/serviceenginegroup?name=Default-Group",
            "services": sorted(services, key=lambda s: s["port"]),
        },
    )
    out: dict[str, str] = {}
    for svc in group.names:
        calls.k8s_call(
            "PATCH",
            f"/api/v1/namespaces/{ns}/services/{svc}/status",
            {"status": {"loadBalancer": {"ingress": [{"ip": vip, "ipMode": "VIP"}]}}},
            ctype=MERGE_PATCH,
        )
        out[f"{ns}/{svc}"] = vip
    return out


def run_floor(n: int, timeout: float = 600.0) -> dict[str, Any]:
    cluster, workload = _prepare(n)
    try:
        avi_seq = cluster.avi_seq()
        k8s_before = cluster.k8s_stats()
        cpu_before = cluster.cpu()
        work: queue.Queue[Group | None] = queue.Queue()
        vips: dict[str, str] = {}
        errors: list[BaseException] = []
        lock = threading.Lock()

        def worker() -> None:
            while True:
                group = work.get()
                if group is None:
                    return
                try:
                    done = floor_group(cluster.rest, group)
                except BaseException as exc:  # reported after the run
                    errors.append(exc)
                    continue
                with lock:
                    vips.update(done)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(ENGINE_WORKERS)]
        for t in threads:
            t.start()
        bench_cpu = time.process_time()
        started = time.perf_counter()
        _create_all(cluster, workload, after_group=work.put)
        created = time.perf_counter()
        for _ in threads:
            work.put(None)
        for t in threads:
            t.join(timeout)
        finished = time.perf_counter()
        bench_cpu = time.process_time() - bench_cpu
        if errors:
            raise BenchError(f"floor failed: {errors[0]}")
        k8s_after = cluster.k8s_stats()
        cpu_after = cluster.cpu()
        result = {
            "n": n,
            "create_s": round(created - started, 3),
            "all_vips_s": round(finished - started, 3),
            "avi_calls": _avi_counts(cluster, avi_seq),
            "k8s_calls": _k8s_delta(k8s_before, k8s_after, Counter({"POST": n})),
            "check": _check_vips(workload, vips),
            "avi_objects": {t: len(v) for t, v in avi_names(cluster).items()},
            "peak_rss_mb": cluster.rss(),
            "cpu_s": {k: round(v - cpu_before.get(k, 0.0), 2) for k, v in cpu_after.items()},
            "bench_cpu_s": round(bench_cpu, 3),
        }
        return result
    finally:
        cluster.stop()


def _read_line(proc: subprocess.Popen[bytes], deadline: float) -> str:
    """The next line the floor's engine prints (its standard output), by ``deadline``."""
    assert proc.stdout is not None
    left = deadline - time.monotonic()
    ready, _, _ = select.select([proc.stdout], [], [], max(left, 0.0))
    if not ready:
        raise BenchError("the floor's engine said nothing in time")
    line = proc.stdout.readline().decode(errors="replace").strip()
    if not line:
        raise BenchError(f"the floor's engine ended (exit {proc.wait(10)})")
    return line


def _start_floor_engine(cluster: Cluster, n: int) -> subprocess.Popen[bytes]:
    args = [
        *("--k8s", cluster.k8s.url, "--avi", cluster.avi.url),
        *("--kubeconfig", str(cluster.kubeconfig), "--n", str(n)),
        *("--resource-version", cluster.server_rv(), "--workers", str(ENGINE_WORKERS)),
    ]
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.floor_engine", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO_ROOT,
        env=child_env(),
    )


def run_watched_floor(n: int, timeout: float = 600.0) -> dict[str, Any]:
    """The watching floor: the same Services with :mod:`benchmarks.floor_engine` as the engine
    (a process that learns of them from a watch, makes the plain floor's calls per complete
    group and posts each member's Event): ``all_vips_s`` when the last VIP showed, ``done_s``
    when its Events were in too (what the engine's ``settled_s`` compares with)."""
    cluster, workload = _prepare(n)
    proc: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + timeout
        proc = _start_floor_engine(cluster, n)
        if (line := _read_line(proc, deadline)) != "watching":
            raise BenchError(f"the floor's engine: {line}")
        watch = StatusWatch(cluster)
        avi_seq = cluster.avi_seq()
        k8s_before = cluster.k8s_stats()
        cpu_before = {**cluster.cpu(), "floor_engine": cpu_seconds(proc.pid)}
        bench_cpu = time.process_time()
        started = time.perf_counter()
        _create_all(cluster, workload)
        created = time.perf_counter()
        if not watch.wait_for(workload.service_keys(), deadline - time.monotonic()):
            raise BenchError(f"watched floor N={n}: not every Service got a VIP in time")
        if (line := _read_line(proc, deadline)) != "done":
            raise BenchError(f"the floor's engine: {line}")
        done = time.perf_counter()
        bench_cpu = time.process_time() - bench_cpu
        cpu_after = {**cluster.cpu(), "floor_engine": cpu_seconds(proc.pid)}
        rss = {**cluster.rss(), "floor_engine": peak_rss_mb(proc.pid)}
        k8s_after = cluster.k8s_stats()
        watch.close()
        vips_at = max(t for t, _ in watch.first_vip.values())
        return {
            "n": n,
            "create_s": round(created - started, 3),
            "all_vips_s": round(vips_at - started, 3),
            "done_s": round(done - started, 3),
            "avi_calls": _avi_counts(cluster, avi_seq),
            "k8s_calls": _k8s_delta(k8s_before, k8s_after, Counter({"POST": n})),
            "check": _check_vips(workload, dict(watch.vip)),
            "avi_objects": {t: len(v) for t, v in avi_names(cluster).items()},
            "peak_rss_mb": rss,
            "cpu_s": {k: round(v - cpu_before.get(k, 0.0), 2) for k, v in cpu_after.items()},
            "bench_cpu_s": round(bench_cpu, 3),
        }
    finally:
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=250)
    parser.add_argument("--floor", action="store_true")
    parser.add_argument("--watched-floor", action="store_true", help="and the watching floor")
    parser.add_argument("--restart", action="store_true")
    parser.add_argument("--cap", type=float, help="stop waiting after this many seconds")
    parser.add_argument(
        "--timeline", type=float, metavar="SECONDS", help="sample CPU shares at this interval"
    )
    args = parser.parse_args()
    run = run_engine(args.n, restart=args.restart, cap=args.cap, timeline=args.timeline)
    out = {"engine": run}
    if args.floor:
        out["floor"] = run_floor(args.n)
    if args.watched_floor:
        out["watched_floor"] = run_watched_floor(args.n)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
