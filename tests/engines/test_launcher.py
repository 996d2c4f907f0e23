"""The AKO launcher against a stand-in program (always runs, no AKO needed): the objects it
creates, AKO's environment, readiness, settled, stop without orphans, and the error paths."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from kubernetes import client, config

from simulator.engines import EngineChoice
from simulator.engines.ako import AkoEngine, AkoStartError, parse_line
from simulator.engines.ako_setup import AkoSetupError, check_binary
from simulator.stack import Stack, start_stack
from steps.support.wait import consistently, eventually
from tests.engines.standin import pid_alive, read_record, write_standin

MakeEngine = Callable[..., AkoEngine]


def api_clients(stack: Stack) -> tuple[client.CoreV1Api, client.AppsV1Api]:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(stack.kubeconfig), client_configuration=configuration)
    api = client.ApiClient(configuration)
    return client.CoreV1Api(api), client.AppsV1Api(api)


def test_creates_the_objects_ako_reads(
    make_engine: MakeEngine, fresh_mocks: Stack, tmp_path: Path
) -> None:
    program, _ = write_standin(tmp_path)
    make_engine(program)
    core, apps = api_clients(fresh_mocks)
    assert core.read_namespace("avi-system").metadata.name == "avi-system"
    secret = core.read_namespaced_secret("avi-secret", "avi-system")
    assert {k: base64.b64decode(v).decode() for k, v in secret.data.items()} == {
        "username": "admin",
        "password": "admin",
    }
    configmap = core.read_namespaced_config_map("avi-k8s-config", "avi-system")
    assert configmap.data["deleteConfig"] == "false"
    assert configmap.data["enableEvents"] == "true"
    assert set(configmap.data) >= {"logLevel", "layer7Only", "noPGForSNI"}
    assert core.read_namespaced_pod("ako-0", "avi-system").metadata.name == "ako-0"
    statefulset = apps.read_namespaced_stateful_set("ako", "avi-system", _preload_content=False)
    assert json.loads(statefulset.data)["spec"]["replicas"] == 1


def test_leader_election_mode_creates_no_statefulset(
    make_engine: MakeEngine, fresh_mocks: Stack, tmp_path: Path
) -> None:
    program, _ = write_standin(tmp_path)
    make_engine(program, options={"leader_election": True})
    _, apps = api_clients(fresh_mocks)
    listing = apps.list_namespaced_stateful_set("avi-system", _preload_content=False)
    names = [s["metadata"]["name"] for s in json.loads(listing.data)["items"]]
    assert "ako" not in names


def test_a_second_start_replaces_the_objects(
    make_engine: MakeEngine, fresh_mocks: Stack, tmp_path: Path
) -> None:
    program, _ = write_standin(tmp_path)
    make_engine(program).stop(timeout=2)
    make_engine(program, avi_password="other")
    core, _ = api_clients(fresh_mocks)
    secret = core.read_namespaced_secret("avi-secret", "avi-system")
    assert base64.b64decode(secret.data["password"]).decode() == "other"


def test_environment_maps_the_engine_settings(
    make_engine: MakeEngine, fresh_mocks: Stack, tmp_path: Path
) -> None:
    program, record = write_standin(tmp_path)
    engine = make_engine(
        program,
        cluster_name="east",
        service_type="NodePort",
        vip_networks="vip-network,vip-network-2",
        resync_period=120,
    )
    seen = read_record(record)
    env = seen["env"]
    assert isinstance(env, dict)
    avi = fresh_mocks.avi_url.removeprefix("https://")
    assert env["CTRL_IPADDRESS"] == avi
    assert env["CLUSTER_NAME"] == "east"
    assert env["SERVICE_TYPE"] == "NodePort"
    assert json.loads(env["VIP_NETWORK_LIST"]) == [
        {"networkName": "vip-network"},
        {"networkName": "vip-network-2"},
    ]
    assert env["FULL_SYNC_INTERVAL"] == "120"
    assert env["CLOUD_NAME"] == "Default-Cloud"
    assert env["SEG_NAME"] == "Default-Group"
    assert env["TENANT_NAME"] == "admin"
    assert env["POD_NAMESPACE"] == "avi-system"
    assert env["POD_NAME"] == "ako-0"
    assert env["DEFAULT_LB_CONTROLLER"] == "true"
    assert env["ENABLE_EVH"] == "false"
    assert "KUBECONFIG" not in env and "KUBERNETES_SERVICE_HOST" not in env
    assert seen["server"] == fresh_mocks.k8s_url, "HOME/.kube/config names the fake API server"
    assert engine.state()["ako_api_port"] == int(env["AKO_API_PORT"])
    assert engine.port != int(env["AKO_API_PORT"])


def test_ready_endpoint_state_and_metrics(make_engine: MakeEngine, tmp_path: Path) -> None:
    program, _ = write_standin(tmp_path)
    engine = make_engine(program)
    assert requests.get(f"{engine.url}/healthz", timeout=5).status_code == 200
    assert requests.get(f"{engine.url}/readyz", timeout=5).status_code == 200
    state = requests.get(f"{engine.url}/debug/state", timeout=5).json()
    assert state["engine"] == "ako"
    assert state["ready"] is True
    assert state["ako_version"] == "v0.0.0-standin"
    assert state["calls"]["kubernetes"]["by_method"].get("GET", 0) >= 1
    metrics = requests.get(f"{engine.url}/metrics", timeout=5).text
    assert "ako_sim_ako_up 1.0" in metrics
    assert 'ako_sim_mock_requests_total{method="GET",mock="kubernetes"}' in metrics
    page = requests.get(f"{engine.url}/", timeout=5)
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_settled_follows_the_writes_both_mocks_answer(
    make_engine: MakeEngine, fresh_mocks: Stack, tmp_path: Path
) -> None:
    program, _ = write_standin(tmp_path)
    engine = make_engine(program, options={"settle_quiet_ms": 1500})
    eventually(lambda: _assert_settled(engine), timeout=10)
    core, _ = api_clients(fresh_mocks)
    core.create_namespaced_config_map(
        "default", {"metadata": {"name": "a-write"}, "data": {"k": "v"}}
    )
    state = engine.state()
    assert state["settled"] is False, state
    assert state["quiet_for_ms"] < 1500
    eventually(lambda: _assert_settled(engine), timeout=10)
    requests.put(  # a write answered by the controller counts too
        f"{fresh_mocks.avi_url}/api/tenant/admin",
        json={"name": "admin"},
        auth=("admin", "admin"),
        verify=False,
        timeout=5,
    )
    assert engine.state()["settled"] is False


def _assert_settled(engine: AkoEngine) -> None:
    state = engine.state()
    assert state["settled"] is True, state


def test_no_settled_while_not_ready(make_engine: MakeEngine, tmp_path: Path) -> None:
    program, _ = write_standin(tmp_path, "never-ready")
    engine = make_engine(program, start=False, options={"start_timeout": 1.0})
    with pytest.raises(AkoStartError, match="did not finish its start-up within 1s"):
        engine.start()
    assert not engine.settled()


def test_stop_leaves_no_process(make_engine: MakeEngine, tmp_path: Path) -> None:
    program, record = write_standin(tmp_path)
    engine = make_engine(program)
    seen = read_record(record)
    pid, child = int(str(seen["pid"])), int(str(seen["child"]))
    assert pid_alive(pid) and pid_alive(child)
    url = engine.url
    engine.stop(timeout=5)
    assert not pid_alive(pid)
    eventually(lambda: _assert_gone(child), timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/healthz", timeout=1)


def _assert_gone(pid: int) -> None:
    assert not pid_alive(pid), f"process {pid} is still running"


def test_stop_kills_an_ako_that_ignores_sigterm(make_engine: MakeEngine, tmp_path: Path) -> None:
    program, record = write_standin(tmp_path, "ignore-sigterm")
    engine = make_engine(program)
    pid = int(str(read_record(record)["pid"]))
    engine.stop(timeout=0.5)
    assert not pid_alive(pid)
    assert "ignoring SIGTERM" in (tmp_path / "ako.log").read_text()


def test_log_file_and_log_lines(
    make_engine: MakeEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    program, _ = write_standin(tmp_path)
    with caplog.at_level(logging.INFO, logger="ako_sim.ako.log"):
        engine = make_engine(program)
        eventually(lambda: _assert_logged(caplog, "standin error line", logging.ERROR), timeout=5)
    engine.stop(timeout=5)
    text = (tmp_path / "ako.log").read_text()
    assert "AKO is running with version: v0.0.0-standin" in text
    assert "\x1b[" not in text, "colours are removed"
    assert "AKO stopped (exit status" in text


def _assert_logged(caplog: pytest.LogCaptureFixture, fragment: str, level: int) -> None:
    assert any(fragment in r.getMessage() and r.levelno == level for r in caplog.records)


def test_parse_line_levels() -> None:
    line = "2026-12-01T10:00:00.000Z\t\x1b[31mERROR\x1b[0m\tnodes/x.go:1\tboom"
    assert parse_line(line) == (
        logging.ERROR,
        "2026-12-01T10:00:00.000Z\tERROR\tnodes/x.go:1\tboom",
    )
    assert parse_line("t\tWARN\tc\tm")[0] == logging.WARNING
    assert parse_line("panic: nil map")[0] == logging.CRITICAL
    assert parse_line("plain")[0] == logging.INFO


def test_missing_and_non_executable_binary(tmp_path: Path) -> None:
    with pytest.raises(AkoSetupError, match="AKO binary not found"):
        check_binary(tmp_path / "nope")
    with pytest.raises(AkoSetupError, match="not a file"):
        check_binary(tmp_path)
    plain = tmp_path / "ako"
    plain.write_text("#!/bin/sh\n")
    plain.chmod(0o644)
    with pytest.raises(AkoSetupError, match="not executable"):
        check_binary(plain)


def test_ako_exiting_during_start_shows_its_last_lines(
    make_engine: MakeEngine, tmp_path: Path
) -> None:
    program, _ = write_standin(tmp_path, "exit-early")
    engine = make_engine(program, start=False)
    with pytest.raises(AkoStartError) as error:
        engine.start()
    message = str(error.value)
    assert "AKO exited during start (status 1)" in message
    assert "Avi Controller information missing" in message
    assert engine.url == "" and not engine.healthy()


def test_refused_kubernetes_version_is_named(make_engine: MakeEngine, tmp_path: Path) -> None:
    program, _ = write_standin(tmp_path, "refuse-version")
    engine = make_engine(program, start=False)
    with pytest.raises(AkoStartError) as error:
        engine.start()
    message = str(error.value)
    assert "AKO refused the Kubernetes version the API server reports (v1." in message
    assert "Unsupported kubernetes apiserver version detected" in message


def test_plain_http_controller_is_refused(mocks: Stack, tmp_path: Path) -> None:
    program, _ = write_standin(tmp_path)
    config = mocks.config.with_overrides(avi_controller="http://127.0.0.1:1", port=0)
    from simulator.engines import AkoOptions

    engine = AkoEngine(config, AkoOptions(str(program), log_file=tmp_path / "ako.log"))
    with pytest.raises(AkoSetupError, match="HTTPS only"):
        engine.start()
    engine.stop()


def test_resync_restarts_ako(make_engine: MakeEngine, tmp_path: Path) -> None:
    program, record = write_standin(tmp_path)
    engine = make_engine(program)
    first = int(str(read_record(record)["pid"]))
    answer = requests.post(f"{engine.url}/debug/resync", timeout=30)
    assert answer.status_code == 200
    assert answer.json() == {"changed": ["ako:restarted"]}
    second = int(str(read_record(record)["pid"]))
    assert second != first and not pid_alive(first) and pid_alive(second)
    assert engine.state()["starts"] == 2 and engine.ready()


def test_dashboard_reads_the_cluster_and_the_controller(
    make_engine: MakeEngine, fresh_mocks: Stack, tmp_path: Path
) -> None:
    program, _ = write_standin(tmp_path)
    engine = make_engine(program)
    core, _ = api_clients(fresh_mocks)
    core.create_namespaced_service(
        "default",
        {
            "metadata": {"name": "web"},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 80}], "selector": {"a": "b"}},
        },
    )
    raw = requests.get(f"{engine.url}/api/view/raw", timeout=10).json()
    assert [s["metadata"]["name"] for s in raw["services"]] == ["web"]
    assert set(raw["avi"]) == {
        "virtualservice",
        "vsvip",
        "l4policyset",
        "pool",
        "virtualservice-inventory",  # the health the dashboard and ako-sim topology show
        "pool-inventory",
    }
    view = requests.get(f"{engine.url}/api/view", timeout=10).json()
    assert view["engine"]["ready"] is True


def test_stack_runs_the_ako_engine(tmp_path: Path) -> None:
    from simulator.engines import AkoOptions

    program, record = write_standin(tmp_path)
    choice = EngineChoice(
        "ako", AkoOptions(str(program), log_file=tmp_path / "ako.log", settle_quiet_ms=100)
    )
    stack = start_stack(
        k8s_port=0,
        avi_port=0,
        engine_port=0,
        kubeconfig=tmp_path / "kubeconfig",
        engine=choice,
    )
    try:
        assert stack.avi_url.startswith("https://")
        assert stack.engine_kind == "ako"
        url = stack.engine_url
        first = int(str(read_record(record)["pid"]))
        stack.restart_engine()
        assert stack.engine_url == url, "the endpoint keeps its port across restarts"
        assert int(str(read_record(record)["pid"])) != first
        assert not pid_alive(first)
        assert stack.engine is not None and stack.engine.wait_settled(10)
    finally:
        stack.stop()
    assert not pid_alive(int(str(read_record(record)["pid"])))


def test_engine_choice_needs_a_binary() -> None:
    with pytest.raises(ValueError, match="--ako-binary"):
        EngineChoice("ako")
    with pytest.raises(ValueError, match="unknown engine"):
        EngineChoice("nginx")


def _ako_sim(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def test_cli_up_errors_for_a_bad_binary(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AKO_BINARY"}
    result = _ako_sim("up", "--engine", "ako", env=env)
    assert result.returncode == 2 and "--engine ako needs --ako-binary PATH" in result.stderr
    result = _ako_sim("up", "--engine", "ako", "--ako-binary", str(tmp_path / "nope"), env=env)
    assert result.returncode == 2 and "AKO binary not found" in result.stderr


def test_cli_up_reports_ako_exiting_during_start(tmp_path: Path) -> None:
    program, _ = write_standin(tmp_path, "exit-early")
    result = _ako_sim(
        "up",
        *("--engine", "ako", "--ako-binary", str(program), "--ako-log", str(tmp_path / "a.log")),
        *("--k8s-port", "0", "--avi-port", "0", "--engine-port", "0"),
        *("--kubeconfig", str(tmp_path / "kubeconfig")),
    )
    assert result.returncode == 1, result.stderr
    assert "AKO exited during start (status 1)" in result.stderr
    assert "Avi Controller information missing" in result.stderr


def test_cli_up_with_ako_serves_and_stops_cleanly(tmp_path: Path) -> None:
    program, record = write_standin(tmp_path)
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "simulator", "up"),
            *("--engine", "ako", "--ako-binary", str(program)),
            *("--ako-log", str(tmp_path / "ako.log"), "--kubeconfig", str(tmp_path / "kc")),
            *("--k8s-port", "0", "--avi-port", "0", "--engine-port", "0"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("engine (ako) serving on"):
                break
        assert any(
            line.startswith("mock-avi (Avi controller) serving on https://") for line in lines
        )
        url = lines[-1].split()[-1]
        assert requests.get(f"{url}/readyz", timeout=5).status_code == 200
        assert requests.get(f"{url}/debug/state", timeout=5).json()["engine"] == "ako"
        pid = int(str(read_record(record)["pid"]))
    finally:
        process.terminate()
        process.wait(30)
    assert process.returncode == 0
    assert not pid_alive(pid)
    consistently(lambda: _assert_gone(pid), duration=0.3)
