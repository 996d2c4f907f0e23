"""``simulator.cli``: the mock commands start without the engine-side modules they never use
(requests, yaml, the AKO launcher's setup, the views, the engine's settings and the domain
model), and the commands that need them still load them when they run or a help lists them (in
a child process: a clean ``sys.modules``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

ENGINE_SIDE = (
    "requests",
    "yaml",
    "simulator.engines.ako_setup",
    "simulator.commands.inspect",
    "simulator.commands.nodes",
    "simulator.commands.run",
    "simulator.commands.snapshot",
    "simulator.views.topology",
    "simulator.config",
    "simulator.domain.model",
)

CHILD = textwrap.dedent(
    """
    import sys
    from click.testing import CliRunner
    from simulator.cli import main

    ENGINE_SIDE = {engine_side!r}
    result = CliRunner().invoke(main, ["mock-avi", "--help"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["mock-k8s", "--help"])
    assert result.exit_code == 0, result.output
    loaded = sorted(name for name in ENGINE_SIDE if name in sys.modules)
    assert not loaded, loaded

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for name in ("engine", "get", "mock-avi", "mock-k8s", "node", "run", "snapshot", "topology",
                 "up"):
        assert "  " + name + " " in result.output, (name, result.output)
    result = CliRunner().invoke(main, ["get", "--help"])
    assert result.exit_code == 0 and "simulator.commands.inspect" in sys.modules, result.output
    engine = main.commands["engine"]
    names = [param.name for param in engine.params]
    assert names[:2] == ["cluster_name", "service_type"] and "log_level" in names, names
    assert names.index("avi_controller") < names.index("log_level") < names.index("engine_kind")
    ctx = engine.make_context("engine", ["--avi-controller", "https://avi:8443", "--port", "0"])
    assert ctx.params["avi_controller"] == "https://avi:8443", ctx.params
    print("ok")
    """
)


def test_the_mock_commands_import_nothing_of_the_engine_side() -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(engine_side=ENGINE_SIDE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "ok"
