"""Root conftest: registers the shared fixtures and the BDD step modules as plugins.

- ``tests.support.stack``: the session's embedded stack and the per-test reset (every suite);
- ``tests.support.world``: ``world``, verbs over the real clients on a freshly reset stack
  (integration, reliability, security and dashboard suites);
- ``steps.plugin``: the BDD suite (drivers, step modules, failure report, Gherkin tags as
  markers), the same plugin ``ako-sim run`` loads with ``-p steps.plugin``.
"""

pytest_plugins = ["tests.support.stack", "tests.support.world", "steps.plugin"]
