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
from flask.ctx import RequestContext
from flask.json.provider import JSONProvider
from flask.sessions import NullSession, SessionInterface, SessionMixin
from werkzeug.routing import MapAdapter, Rule

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


# What werkzeug's ``bind_to_environ`` (and Flask's ``request.host``) read from the environ.
_BIND_KEYS = (
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "HTTP_CONNECTION",
    "HTTP_UPGRADE",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "REQUEST_METHOD",
)
_KEPT_MAX = 1024  # adapters and matches kept per app; each dict starts over past it


class MockAviContext(RequestContext):
    """Flask's request context, with the URL rule a request matches kept per (method, path,
    scheme): a successful match depends on nothing else here (no host or subdomain matching;
    Flask refuses new rules once it has served a request). Failures (404, 405, redirects) are
    matched every time."""

    app: MockAviFlask

    def match_request(self) -> None:
        adapter = self.url_adapter
        if adapter is None:
            return super().match_request()
        matches = self.app._matches
        key = (adapter.default_method, adapter.path_info, adapter.websocket, adapter.subdomain)
        hit = matches.get(key)
        if hit is not None:
            request = self.request
            request.url_rule, request.view_args = hit[0], dict(hit[1])
            return None
        super().match_request()
        request = self.request
        if request.routing_exception is None and request.url_rule is not None:
            if len(matches) >= _KEPT_MAX:
                matches.clear()
            view_args = dict(request.view_args or {})
            matches[key] = (request.url_rule, view_args)
        return None


class MockAviFlask(flask.Flask):
    """Flask, with work done once instead of on every request:

    - ``ensure_sync`` per plain function: Flask asks it for every hook and view of every
      request, and each ask inspected the function's code flags again;
    - the URL adapter per distinct request line and host (``create_url_adapter``: werkzeug
      binds the map to the environ, reading the host, path and query again each time; the
      adapter itself is never changed by matching), and the rule matched (``MockAviContext``).
    Only with Flask's defaults for them (no ``SERVER_NAME``, ``TRUSTED_HOSTS``, host or
    subdomain matching); otherwise Flask's own way."""

    _sync: dict[FunctionType, Callable[..., Any]]
    _adapters: dict[tuple[Any, ...], tuple[MapAdapter, str]]
    _matches: dict[tuple[Any, ...], tuple[Rule, dict[str, Any]]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._adapters = {}
        self._matches = {}

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        return MockAviContext(self, environ)

    def create_url_adapter(self, request: flask.Request | None) -> MapAdapter | None:
        config = self.config
        if (
            request is None
            or config["SERVER_NAME"] is not None
            or config["TRUSTED_HOSTS"] is not None
            or self.url_map.host_matching
            or self.subdomain_matching
        ):
            return super().create_url_adapter(request)
        environ = request.environ
        key = tuple([environ.get(k) for k in _BIND_KEYS])
        hit = self._adapters.get(key)
        if hit is None:
            adapter = super().create_url_adapter(request)  # sets request.host
            assert adapter is not None
            if len(self._adapters) >= _KEPT_MAX:
                self._adapters.clear()
            hit = self._adapters[key] = (adapter, request.host)
        else:
            request.host = hit[1]  # what Flask sets it to
        return hit[0]

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
