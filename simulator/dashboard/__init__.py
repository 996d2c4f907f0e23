"""The live dashboard the engine serves at ``/``: the Services table and the VS topology.

``data`` gathers the inputs from a running engine's in-memory caches, ``routes`` serves the
static page (``index.html``, ``dashboard.js``, ``dashboard.css``: no build step, no external
assets) and the JSON view it polls. The views themselves are built by ``simulator.views``.
"""
