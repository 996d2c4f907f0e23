"""Root conftest: registers the BDD step modules and the shared fixtures as plugins.

Everything lives in ``steps.plugin`` (stack fixtures, drivers, step modules, failure report,
Gherkin tags as markers) so that ``ako-sim run`` can load exactly the same thing with
``-p steps.plugin``.
"""

pytest_plugins = ["steps.plugin"]
