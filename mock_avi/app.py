"""``create_app``: the Flask application factory of the mock Avi controller.

Builds a ``Backend`` (store seeded, sessions, faults, journal) from a ``MockAviConfig`` and
registers the Avi API routes and the ``/__mock__`` control API. No import-time side effects.
"""

from __future__ import annotations

import flask

from mock_avi import control, routes
from mock_avi.backend import EXTENSION_KEY, Backend
from mock_avi.config import MockAviConfig

__all__ = ["MockAviConfig", "create_app"]


def create_app(config: MockAviConfig | None = None) -> flask.Flask:
    app = flask.Flask("mock_avi")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    app.extensions[EXTENSION_KEY] = Backend(config or MockAviConfig())
    routes.register(app)
    app.register_blueprint(control.bp)
    return app
