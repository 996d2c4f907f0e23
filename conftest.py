"""Root conftest: registers the shared fixtures and the BDD step modules as plugins.

- ``steps.plugin``: the BDD suite (drivers, step modules, failure report, Gherkin tags as
  markers), the same plugin ``ako-sim run`` loads with ``-p steps.plugin``; it also registers
  ``steps.support.stack``, the session's embedded stack and the per-test reset (every suite);
- ``tests.support.world``: ``world``, verbs over the real clients on a freshly reset stack
  (integration, reliability, security and dashboard suites).

Bytecode: every pytest process (each xdist worker) compiles the project and pytest rewrites the
asserts of every test and step module. Without a bytecode cache (``PYTHONDONTWRITEBYTECODE``
set, as on some machines) that is redone in every process, every run: collecting the whole suite
took 20 CPU s per process instead of 8. So the compiled files go to a per-user cache under the
system's temporary directory (``sys.pycache_prefix``), never into the checkout; a prefix the
user set (``PYTHONPYCACHEPREFIX``) is kept. The processes the tests start inherit the same cache.

Order: tests marked ``slow`` (whole modules: processes, compose) run first, so that under xdist
they run beside the many short tests instead of forming the run's tail.
"""

import os
import sys
import tempfile

import pytest

if sys.pycache_prefix is None:
    _uid = os.getuid() if hasattr(os, "getuid") else 0
    sys.pycache_prefix = os.path.join(tempfile.gettempdir(), f"ako-sim-pycache-{_uid}")
sys.dont_write_bytecode = False
# the processes the tests start (ako-sim commands, mocks, the killed engine) cache there too
os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

pytest_plugins = ["steps.plugin", "tests.support.world"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``slow`` tests first; the order within each part is kept (a stable sort)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
