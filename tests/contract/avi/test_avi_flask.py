"""mock_avi's lean Flask path does what Flask and werkzeug do.

``MockAviFlask`` gathers a request's hooks once per blueprint and sends Flask's signals only
when something listens; ``routes.ApiResponse`` sends a plain JSON answer without werkzeug's
generic header work. Held here against plain ``flask.Flask`` and werkzeug's own
``Response.get_wsgi_response``: the same hooks and signals in the same order, the same status,
headers and body.
"""

from __future__ import annotations

from typing import Any

import flask
import pytest
from flask import signals
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as WerkzeugResponse

from mock_avi import routes
from mock_avi.app import MockAviFlask

SIGNALS = (
    "request_started",
    "request_finished",
    "request_tearing_down",
    "got_request_exception",
    "appcontext_pushed",
    "appcontext_popped",
    "appcontext_tearing_down",
)


def _app(cls: type[flask.Flask], seen: list[str]) -> flask.Flask:
    app = cls("hooks")
    outer = flask.Blueprint("outer", __name__, url_prefix="/outer")
    inner = flask.Blueprint("inner", __name__, url_prefix="/inner")

    def note(what: str) -> Any:
        def hook(*args: Any) -> Any:
            seen.append(what)
            return args[0] if what.startswith("after") else None

        return hook

    for where, scaffold in (("app", app), ("outer", outer), ("inner", inner)):
        scaffold.url_value_preprocessor(note(f"url_values {where}"))
        for n in (1, 2):
            scaffold.before_request(note(f"before {where} {n}"))
            scaffold.after_request(note(f"after {where} {n}"))
            scaffold.teardown_request(note(f"teardown {where} {n}"))
    app.teardown_appcontext(note("teardown_appcontext"))

    @inner.get("/ok")
    def inner_ok() -> Any:
        seen.append("view inner")
        return flask.jsonify(ok=True)

    @inner.get("/stop")
    def stop() -> Any:
        raise RuntimeError("stop")

    @app.get("/top")
    def top() -> Any:
        seen.append("view top")
        return "top"

    @app.errorhandler(RuntimeError)
    def handled(exc: RuntimeError) -> Any:
        seen.append("handler")
        return flask.jsonify(error=str(exc)), 500

    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    return app


def _run(cls: type[flask.Flask], paths: list[str], listen: bool) -> list[Any]:
    seen: list[str] = []
    app = _app(cls, seen)
    receivers: list[tuple[str, Any]] = []
    for name in SIGNALS if listen else ():

        def receiver(sender: Any, _name: str = name, **extra: Any) -> None:
            seen.append(f"signal {_name}")

        receivers.append((name, receiver))  # kept alive: blinker holds weak references
        getattr(signals, name).connect(receiver, app)
    client = app.test_client()
    out: list[Any] = []
    try:
        for path in paths:
            seen.clear()
            rsp = client.get(path)
            out.append((path, rsp.status_code, rsp.get_data(), list(seen)))
    finally:
        for name, receiver in receivers:
            getattr(signals, name).disconnect(receiver, app)
    return out


@pytest.mark.parametrize("listen", [False, True])
def test_the_lean_flask_runs_the_hooks_and_signals_flask_runs_in_its_order(listen: bool):
    paths = ["/outer/inner/ok", "/top", "/outer/inner/stop", "/nowhere", "/outer/inner/ok"]
    assert _run(MockAviFlask, paths, listen) == _run(flask.Flask, paths, listen)


def _environ(method: str) -> dict[str, Any]:
    return EnvironBuilder(path="/api/pool", method=method).get_environ()


CASES = [
    (b'{"a":1}', 200, None),
    (b"{}", 201, {"AVI_API_VERSION": "30_2_1"}),
    (b"", 200, {"X-Extra": "1"}),
    (b'{"a":1}', 204, None),
    (b'{"a":1}', 304, None),
    (b'{"a":1}', 101, None),
    (b'{"a":1}', 200, {"Location": "/api/pool/\u00e9"}),
    (b'{"a":1}', 200, {"content-location": "/api/x y"}),
    (b'{"a":1}', 200, {"Content-Type": "text/plain"}),
    (b'{"a":1}', 200, {"Content-Length": "3"}),
]


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
@pytest.mark.parametrize(("data", "status", "headers"), CASES)
def test_an_api_answer_is_sent_as_werkzeug_sends_it(
    method: str, data: bytes, status: int, headers: dict[str, str] | None
):
    def sent(response: WerkzeugResponse, lean: bool) -> tuple[str, list[Any], bytes]:
        environ = _environ(method)
        if lean:
            app_iter, status_line, pairs = response.get_wsgi_response(environ)
        else:
            app_iter, status_line, pairs = WerkzeugResponse.get_wsgi_response(response, environ)
        return status_line, pairs, b"".join(app_iter)

    response = routes.raw_response(data, status, headers)
    assert isinstance(response, routes.ApiResponse)
    kind = "application/json"
    reference = flask.Response(data, status=status, headers=headers, content_type=kind)
    assert sent(response, lean=True) == sent(reference, lean=False)


def test_a_create_with_a_location_is_sent_as_werkzeug_sends_it():
    environ = _environ("POST")
    environ["HTTP_HOST"] = "127.0.0.1:9443"
    response = routes.created_response(
        b"{}", "http://127.0.0.1:9443", "pool", "pool-1", "a b#\u00e9", {"AVI_API_VERSION": "1"}
    )
    url = "http://127.0.0.1:9443/api/pool/pool-1#a b#\u00e9"
    reference = flask.Response(
        b"{}",
        status=201,
        headers={"Location": url, "AVI_API_VERSION": "1"},
        content_type="application/json",
    )
    lean = response.get_wsgi_response(dict(environ))
    plain = WerkzeugResponse.get_wsgi_response(reference, dict(environ))
    assert (lean[1], lean[2], b"".join(lean[0])) == (plain[1], plain[2], b"".join(plain[0]))


@pytest.mark.parametrize(
    ("pairs", "key", "value"),
    [
        ([], "Date", "x"),
        ([("Content-Type", "a")], "Date", "x"),
        ([("date", "old"), ("X", "1"), ("DATE", "older")], "Date", "x"),
        ([("A", "1"), ("AVI_API_VERSION", "22_1_3")], "AVI_API_VERSION", "30_2_1"),
    ],
)
def test_a_header_is_put_as_werkzeug_sets_it(pairs: list[tuple[str, str]], key: str, value: str):
    lean, plain = flask.Response().headers, flask.Response().headers
    lean._list, plain._list = list(pairs), list(pairs)
    routes._put(lean, key, value)
    plain.set(key, value)
    assert lean.to_wsgi_list() == plain.to_wsgi_list()


def test_a_header_value_with_a_newline_is_refused_as_werkzeug_refuses_it():
    with pytest.raises(ValueError, match="newline"):
        routes._put(flask.Response().headers, "AVI_API_VERSION", "1\r\nX: y")
