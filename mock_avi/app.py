"""``create_app``: the Flask application factory of the mock Avi controller.

Builds a ``Backend`` (store seeded, sessions, faults, journal) from a ``MockAviConfig`` and
registers the Avi API routes and the ``/__mock__`` control API. Flask's own JSON (``get_json``,
``jsonify``) goes through the mock's codec (orjson). Flask's cookie session is never used (the
mock keeps its own login sessions, ``sessions.py``): every request gets the one empty
``NullSession`` instead of a new one. No import-time side effects.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any

import flask
from flask.json.provider import JSONProvider
from flask.sessions import NullSession, SessionInterface, SessionMixin

from mock_avi import codec, control, routes
from mock_avi.backend import EXTENSION_KEY, Backend
from mock_avi.config import MockAviConfig

__all__ = ["MockAviConfig", "create_app"]


class CodecJSONProvider(JSONProvider):
    """Flask's JSON through ``mock_avi.codec`` (keys in the order given, compact)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return codec.dumps(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return codec.loads(s)


class NoCookieSession(SessionInterface):
    """Flask's session, unused: one empty read-only session for every request (Flask skips
    saving a null session, as it does without a secret key)."""

    null = NullSession()

    def open_session(self, app: flask.Flask, request: flask.Request) -> SessionMixin:
        return self.null

    def save_session(
        self, app: flask.Flask, session: SessionMixin, response: flask.Response
    ) -> None:
        return None


class MockAviFlask(flask.Flask):
    """Flask, with ``ensure_sync`` worked out once per plain function: Flask asks it for every
    hook and view of every request, and each ask inspected the function's code flags again."""

    _sync: dict[FunctionType, Callable[..., Any]]

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if type(func) is not FunctionType:
            return super().ensure_sync(func)
        cache: dict[FunctionType, Callable[..., Any]] = self.__dict__.setdefault("_sync", {})
        found = cache.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if len(cache) < 1024:
                cache[func] = found
        return found


def create_app(config: MockAviConfig | None = None) -> flask.Flask:
    app = MockAviFlask("mock_avi")
    app.json = CodecJSONProvider(app)
    app.session_interface = NoCookieSession()
    app.url_map.strict_slashes = False
    app.extensions[EXTENSION_KEY] = Backend(config or MockAviConfig())
    routes.register(app)
    app.register_blueprint(control.bp)
    return app
