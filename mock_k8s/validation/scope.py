"""The validation scope of one API request: its ``fieldValidation`` directive, raw body and the
warnings collected for the ``Warning`` response header.

``request`` opens the scope around one HTTP request; the first write check of the request takes
it (``take``), so the writes that built-in controllers make inside that request are not checked
against the client's body. Writes made outside any request (seeding, controllers) see no scope.
No HTTP types beyond reading the request; no storage.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

from mock_k8s import errors

STRICT = "Strict"
WARN = "Warn"
IGNORE = "Ignore"
DIRECTIVES = ("", IGNORE, STRICT, WARN)


@dataclass
class Scope:
    directive: str  # Strict, Warn or Ignore (Warn when the request gave none, as upstream)
    raw: bytes
    mimetype: str
    warnings: list[str] = field(default_factory=list)
    taken: bool = False


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "mock_k8s_validation_scope", default=None
)


def parse_directive(value: str | None, options_kind: str) -> str:
    """The directive of a ``fieldValidation`` parameter; 422 for a value upstream refuses."""
    given = value or ""
    if given not in DIRECTIVES:
        raise errors.invalid(
            options_kind,
            "",
            [errors.unsupported_value("fieldValidation", given, list(DIRECTIVES))],
            "meta.k8s.io",
        )
    return given or WARN  # apiserver handlers/rest.go fieldValidation(): "" means Warn


OPTIONS_KIND = {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions"}


class _RequestScope:
    """``request``'s context manager, a plain class (a generator-based one costs a generator,
    its wrapper object and two extra frames on every request)."""

    __slots__ = ("_req", "_token")

    def __init__(self, req: Request) -> None:
        self._req = req

    def __enter__(self) -> Scope | None:
        req = self._req
        method = req.method.upper()
        if method not in OPTIONS_KIND:
            self._token = _current.set(None)
            return None
        given = None
        if req.environ.get("QUERY_STRING"):  # else no parameter: no MultiDict to parse
            args = req.args  # ``in`` first: werkzeug's get() raises and catches a missing key
            given = args["fieldValidation"] if "fieldValidation" in args else None  # noqa: SIM401
        directive = parse_directive(given, OPTIONS_KIND[method])
        scope = Scope(directive, req.get_data(cache=True), (req.mimetype or "").lower())
        self._token = _current.set(scope)
        return scope

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)


def request(req: Request) -> _RequestScope:
    """Open the scope of a write request (POST, PUT, PATCH); nothing for other methods."""
    return _RequestScope(req)


def take() -> Scope | None:
    """The current request's scope, once: later writes of the same request get None."""
    scope = _current.get()
    if scope is None or scope.taken:
        return None
    scope.taken = True
    return scope


def add_warning_headers(scope: Scope | None, resp: Response) -> Response:
    """``Warning: 299 - "<text>"`` per warning, as the API server writes them."""
    if scope is not None:
        for text in scope.warnings:
            escaped = text.replace("\\", "\\\\").replace('"', '\\"')
            resp.headers.add("Warning", f'299 - "{escaped}"')
    return resp
