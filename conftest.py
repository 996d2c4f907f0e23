"""Root conftest: registers the shared fixtures and the BDD step modules as plugins.

- ``steps.plugin``: the BDD suite (drivers, step modules, failure report, Gherkin tags as
  markers), the same plugin ``ako-sim run`` loads with ``-p steps.plugin``; it also registers
  ``steps.support.stack``, the session's embedded stack and the per-test reset (every suite);
- ``tests.support.world``: ``world``, verbs over the real clients on a freshly reset stack
  (integration, reliability, security and dashboard suites).
"""

pytest_plugins = ["steps.plugin", "tests.support.world"]
