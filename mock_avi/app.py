"""``create_app``: the Flask application factory of the mock Avi controller.

Builds a ``Backend`` (store seeded, sessions, faults, journal) from a ``MockAviConfig`` and
registers the Avi API routes and the ``/__mock__`` control API. Flask's own JSON (``get_json``,
``jsonify``) goes through the mock's codec (orjson). Flask's cookie session is never used (the
mock keeps its own login sessions, ``sessions.py``): every request gets the one empty
``NullSession`` instead of a new one. No import-time side effects.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from itertools import chain
from types import FunctionType
from typing import Any

import flask
from flask.ctx import (
    AppContext,
    RequestContext,
    _sentinel,  # Flask's "no exc given"
)
from flask.globals import _cv_app, _cv_request
from flask.json.provider import JSONProvider
from flask.sessions import NullSession, SessionInterface, SessionMixin
from flask.signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    request_finished,
    request_started,
    request_tearing_down,
)
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


class MockAviAppContext(AppContext):
    """Flask's app context, sending its signals only when something listens to them (a signal
    without receivers does nothing when sent)."""

    app: MockAviFlask

    def push(self) -> None:
        self._cv_tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        try:
            if len(self._cv_tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            ctx = _cv_app.get()
            _cv_app.reset(self._cv_tokens.pop())
        if ctx is not self:
            raise AssertionError(f"Popped wrong app context. ({ctx!r} instead of {self!r})")
        if appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)


# The hooks of one blueprint chain, in the order Flask runs them (sync-wrapped).
_Hooks = tuple[tuple[Callable[..., Any], ...], ...]


class MockAviFlask(flask.Flask):
    """Flask, with work done once instead of on every request:

    - ``ensure_sync`` per plain function: Flask asks it for every hook and view of every
      request, and each ask inspected the function's code flags again;
    - the URL adapter per distinct request line and host (``create_url_adapter``: werkzeug
      binds the map to the environ, reading the host, path and query again each time; the
      adapter itself is never changed by matching), and the rule matched (``MockAviContext``).
    Only with Flask's defaults for them (no ``SERVER_NAME``, ``TRUSTED_HOSTS``, host or
    subdomain matching); otherwise Flask's own way;
    - the before, after and teardown hooks of a request's blueprint chain, gathered once per
      blueprint (Flask refuses new hooks once it has served a request) instead of a walk of
      the chain and the hook dicts per request and per kind of hook;
    - Flask's signals sent only when something listens (a signal without receivers does
      nothing when sent), here and in the app context (``MockAviAppContext``).
    The rest (contexts, sessions, error handling, ``make_response``) is Flask's own."""

    _sync: dict[FunctionType, Callable[..., Any]]
    _adapters: dict[tuple[Any, ...], tuple[MapAdapter, str]]
    _matches: dict[tuple[Any, ...], tuple[Rule, dict[str, Any]]]
    _hooks: dict[tuple[str, str | None], _Hooks]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._adapters = {}
        self._matches = {}
        self._hooks = {}

    def app_context(self) -> AppContext:
        return MockAviAppContext(self)

    def _chain_hooks(self, kind: str, blueprint: str | None) -> _Hooks:
        """``kind``'s hooks for ``blueprint``'s chain, as Flask's own methods walk them:
        ``before`` (url value preprocessors, then before-request functions, app first),
        ``after`` and ``teardown`` (the blueprint's first, each list reversed)."""
        key = (kind, blueprint)
        found = self._hooks.get(key)
        if found is not None:
            return found
        names = flask.helpers._split_blueprint_path(blueprint) if blueprint else []
        made: _Hooks
        if kind == "before":
            outer = (None, *reversed(names))
            made = (
                tuple(f for n in outer for f in self.url_value_preprocessors.get(n, ())),
                tuple(
                    self.ensure_sync(f) for n in outer for f in self.before_request_funcs.get(n, ())
                ),
            )
        else:
            table = self.after_request_funcs if kind == "after" else self.teardown_request_funcs
            made = (
                tuple(
                    self.ensure_sync(f)
                    for n in chain(names, (None,))
                    for f in reversed(table.get(n, ()))
                ),
            )
        if self._got_first_request:  # no hook can be added from now on
            self._hooks[key] = made
        return made

    def full_dispatch_request(self) -> flask.Response:
        self._got_first_request = True
        try:
            if request_started.receivers:
                request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def finalize_request(self, rv: Any, from_error_handler: bool = False) -> flask.Response:
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def preprocess_request(self) -> Any:
        req = _cv_request.get().request
        url_funcs, before_funcs = self._chain_hooks("before", req.blueprint)
        for url_func in url_funcs:
            url_func(req.endpoint, req.view_args)
        for before_func in before_funcs:
            rv = before_func()
            if rv is not None:
                return rv
        return None

    def process_response(self, response: flask.Response) -> flask.Response:
        ctx = _cv_request.get()
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        for func in self._chain_hooks("after", ctx.request.blueprint)[0]:
            response = func(response)
        if not self.session_interface.is_null_session(ctx._session):
            self.session_interface.save_session(self, ctx._session, response)  # type: ignore[arg-type]
        return response

    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        for func in self._chain_hooks("teardown", _cv_request.get().request.blueprint)[0]:
            func(exc)
        if request_tearing_down.receivers:
            request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        for func in reversed(self.teardown_appcontext_funcs):
            self.ensure_sync(func)(exc)
        if appcontext_tearing_down.receivers:
            appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        return MockAviContext(self, environ)

    def create_url_adapter(self, request: flask.Request | None) -> MapAdapter | None:
        config = self.config
        if request is None and config["SERVER_NAME"] is None:
            return None  # Flask's answer for an app context without a server name
        if (
            request is None
            or config["SERVER_NAME"] is not None
            or config["TRUSTED_HOSTS"] is not None
            or self.url_map.host_matching
            or self.subdomain_matching
        ):
            return super().create_url_adapter(request)
        environ = request.environ
        key = tuple(map(environ.get, _BIND_KEYS))
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
