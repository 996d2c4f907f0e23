"""HTTP layer of the Avi API: ``/login``, ``/logout`` and ``/api/...``.

Only request parsing, authentication, dispatch and response shaping live here; state changes
go through ``Backend.store``. Every ``AviError`` becomes ``{"error": ...}`` in
``error_response`` (the one place). Fault rules and the journal wrap every API request via
``before_request`` / ``after_request`` hooks.

The common path is kept lean: request headers are read from the WSGI environ (what
``request.headers`` reads, without its key translation), the ``X-Avi-Version`` parse and the
session ids of a ``Cookie`` header are kept per distinct header, and a create's ``Location`` is
made a URI here (``ApiResponse``) instead of by werkzeug's ``iri_to_uri`` on every response.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Blueprint, Flask, Request, Response, current_app, request
from flask.globals import _cv_app, _cv_request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.urls import iri_to_uri

from mock_avi import errors, patching, versions
from mock_avi.backend import Backend, backend_of
from mock_avi.codec import dumps, loads
from mock_avi.errors import (
    AviError,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
)
from mock_avi.health import Runtime
from mock_avi.object_types import INVENTORY_TYPES, SINGLETONS, TYPES
from mock_avi.query import page_of, truthy
from mock_avi.render import (
    encoded,
    inventory,
    join_runtime,
    pool_runtime,
    render,
    render_singleton,
    server_runtime,
    shaping,
)
from mock_avi.sessions import (
    CSRF_COOKIE,
    SESSION_COOKIE_NAME,
    SESSION_COOKIES,
    basic_credentials,
)
from mock_avi.store import ALL_TENANTS, check_sysconfig

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

bp = Blueprint("avi_api", __name__)

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
UNAUTHENTICATED = ("cluster/status", "initial-data")
CSRF_MAX_AGE = 31449600
MAX_DEPTH = 64  # JSON nesting accepted in a body (Avi objects nest a dozen levels at most)
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,254}")  # a forced uuid is one URL segment
SESSION_MAX_AGE = 86400


class ApiResponse(Response):
    """A JSON answer built here (``raw_response``): what werkzeug sends, without the work
    werkzeug's ``get_wsgi_response`` does for any response when it would change nothing.

    A one-piece ``bytes`` body with its ``Content-Length`` and no ``Location`` or
    ``Content-Location`` header to convert, to a request that is not ``HEAD``, with a status
    that has a body and nothing to call on close, is sent as it is: its header list, and the
    body as the list it is kept in (werkzeug copies the headers and wraps the body in a
    closing iterator that closes nothing). Anything else goes werkzeug's way. May carry a
    ``Location`` already in URI form (``uri_location``): sent first, as werkzeug sends a
    ``Location`` given with the headers, without converting it."""

    uri_location: str | None = None

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        headers = super().get_wsgi_headers(environ)
        if self.uri_location is None:
            return headers
        headers._list.insert(0, ("Location", self.uri_location))  # a fresh copy: ours
        return headers

    def get_wsgi_response(
        self, environ: WSGIEnvironment
    ) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        body = self.response
        status = self.status_code
        if (
            type(body) is list
            and len(body) == 1
            and type(body[0]) is bytes
            and status >= 200
            and status not in (204, 304)
            and not self._on_close
            and not self.direct_passthrough
            and environ["REQUEST_METHOD"] != "HEAD"
        ):
            pairs = self.headers._list
            length = False
            for key, _ in pairs:
                low = key.lower()
                if low == "content-length":
                    length = True
                elif low in ("location", "content-location"):
                    length = False
                    break
            if length:
                headers = list(pairs)
                if self.uri_location is not None:
                    headers.insert(0, ("Location", self.uri_location))
                return body, self.status, headers
        return super().get_wsgi_response(environ)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return raw_response(dumps(body), status, headers)


_NEWLINE = re.compile(r"[\r\n]")  # what werkzeug refuses in a header value
_OWN_HEADERS = ("content-type", "content-length")


def _json_headers(headers: dict[str, str] | None, length: int) -> Headers | None:
    """``headers``, ``Content-Type: application/json`` and ``Content-Length``, as
    ``Response(..., content_type=...)`` orders them, without werkzeug's per-item checks (done
    here once); ``None`` when werkzeug must see them (a CR/LF to refuse, a Content-Type or
    Content-Length to replace)."""
    pairs = [*headers.items()] if headers else []
    for key, value in pairs:
        if _NEWLINE.search(value) is not None or key.lower() in _OWN_HEADERS:
            return None
    pairs.append(("Content-Type", "application/json"))
    pairs.append(("Content-Length", str(length)))
    built = Headers()
    built._list = pairs
    return built


def raw_response(data: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """An already encoded JSON body (an object's cached answer, a page put together)."""
    return _response(ApiResponse, data, status, headers)


def _response(
    cls: type[Response], data: bytes, status: int, headers: dict[str, str] | None
) -> Response:
    built = _json_headers(headers, len(data))
    if built is None:
        return cls(data, status=status, headers=headers, content_type="application/json")
    # what Response(data, ...) does with a bytes body: kept as a one-item list, its length
    # already among the headers
    response = cls(None, status=status, headers=built)
    response.response = [data]
    return response


# ``scheme://host[:port]`` with nothing ``iri_to_uri`` would change but the host's case.
_PLAIN_BASE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?")
_URI_PREFIX: dict[str, str] = {}
_FRAGMENT_SAFE = "%!#$&'()*+,/:;=?@"  # what iri_to_uri leaves unquoted in a fragment
# A fragment that ``quote(..., safe=_FRAGMENT_SAFE)`` returns as it is (its always-safe
# characters and the safe ones): the usual object name.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~\-%!#$&'()*+,/:;=?@]*")


def created_response(
    data: bytes, base: str, obj_type: str, uuid: str, name: str, headers: dict[str, str]
) -> Response:
    """201 with ``Location: <base>/api/<type>/<uuid>#<name>``, as ``iri_to_uri`` sends it."""
    url = f"{base}/api/{obj_type}/{uuid}" + (f"#{name}" if name else "")
    # The name in "#<name>" may hold characters a header cannot carry (CR, LF, ...).
    if not (url.isascii() and url.isprintable()):
        url = "".join(c if " " <= c < "\x7f" else quote(c, errors="surrogatepass") for c in url)
    prefix = _URI_PREFIX.get(base)
    if prefix is None and _PLAIN_BASE.fullmatch(base) and len(_URI_PREFIX) < 64:
        prefix = _URI_PREFIX[base] = iri_to_uri(f"{base}/api/")
    if prefix is None:  # a Host werkzeug must convert: its own way
        return raw_response(data, 201, {"Location": url, **headers})
    # The type and uuid are unreserved characters (a forced uuid is a SLUG): only the
    # fragment is quoted, as iri_to_uri quotes it.
    _, _, fragment = url.partition("#")
    response = _response(ApiResponse, data, 201, headers)
    assert isinstance(response, ApiResponse)
    if fragment and _UNQUOTED.fullmatch(fragment) is None:
        fragment = quote(fragment, safe=_FRAGMENT_SAFE, errors="surrogatepass")
    response.uri_location = f"{prefix}{obj_type}/{uuid}" + ("#" + fragment if fragment else "")
    return response


def error_response(exc: AviError) -> Response:
    return json_response(exc.body(), exc.status)


def _backend() -> Backend:
    """The app's ``Backend`` (``current_app``'s, without the proxy's lookup)."""
    return backend_of(_cv_app.get().app)


def _request() -> Request:
    """The request (``request._get_current_object()``, without the proxy's lookup)."""
    req: Request = _cv_request.get().request
    return req


_BASES: dict[tuple[str, str], str] = {}


def _base(environ: Environ | None = None) -> str:
    """``scheme://host`` of the request (werkzeug's ``host_url``, worked out once per host).
    ``environ``: the request's, when the caller has it at hand (no context lookup)."""
    if environ is None:
        environ = request.environ
    key = (environ.get("wsgi.url_scheme", ""), environ.get("HTTP_HOST", ""))
    base = _BASES.get(key)
    if base is None:
        base = request.host_url.rstrip("/")
        if len(_BASES) < 64:  # a client that sends a new Host each time gets no entry
            _BASES[key] = base
    return base


class _HttpDate:
    """The ``Date`` header, formatted once a second (the HTTP server adds none)."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._text = formatdate(second, usegmt=True)
            self._second = second
        return self._text


HTTP_DATE = _HttpDate()


def _is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path in ("/api", "/login", "/logout")


Environ = dict[str, Any]


def _header(key: str, environ: Environ | None = None) -> str | None:
    """A request header by its WSGI environ key (``HTTP_X_AVI_TENANT``): ``headers.get``.
    ``environ``: the request's, when the caller has it at hand (no context lookup)."""
    value: str | None = (request.environ if environ is None else environ).get(key)
    return value


def _header_tenant(environ: Environ | None = None) -> str:
    return (
        _header("HTTP_X_AVI_TENANT_UUID", environ)
        or _header("HTTP_X_AVI_TENANT", environ)
        or "admin"
    )


def _answer_version(environ: Environ | None = None, backend: Backend | None = None) -> str:
    """``AVI_API_VERSION``: the requested version as sent, else the default (``30_2_1``)."""
    asked = (_header("HTTP_X_AVI_VERSION", environ) or "").strip()
    if asked:
        return asked
    config = (backend or _backend()).config
    return (config.default_api_version or config.version).replace(".", "_")


def _version_headers(
    environ: Environ | None = None, backend: Backend | None = None
) -> dict[str, str]:
    return {"AVI_API_VERSION": _answer_version(environ, backend)}


_VERSIONS: dict[tuple[str | None, str, str | None], versions.Version] = {}


def _api_version(backend: Backend, environ: Environ | None = None) -> versions.Version:
    config = backend.config
    key = (_header("HTTP_X_AVI_VERSION", environ), config.version, config.default_api_version)
    found = _VERSIONS.get(key)
    if found is None:
        found = versions.requested(*key)  # a bad version raises (and is not kept)
        if len(_VERSIONS) < 256:
            _VERSIONS[key] = found
    return found


def _check_write(obj_type: str, body: Any, version: versions.Version) -> None:
    if shaping(obj_type, version) is None:
        return  # the requested version knows every field of the type: nothing is too new
    if request.method == "PATCH" and isinstance(body, dict):
        for op in ("add", "replace"):
            versions.check_fields(obj_type, body.get(op), version)
    else:
        versions.check_fields(obj_type, body, version)


# ----- hooks: faults before, journal after ----------------------------------------------------
def before_api_request() -> Response | None:
    req = _request()
    path = req.path
    if not _is_api_path(path):
        return None
    hit = _backend().faults.match(req.method, path)
    if hit is None:
        return None
    if hit.delay_ms:
        time.sleep(hit.delay_ms / 1000.0)
    if hit.status is None:
        return None
    if isinstance(hit.body, str):
        return Response(hit.body, status=hit.status, content_type="application/json")
    return json_response(hit.body, hit.status)


def _put(headers: Headers, key: str, value: str) -> None:
    """``headers[key] = value`` (werkzeug's ``Headers.set``: the first entry of that name
    replaced and the others removed, else appended) without its value check when the value
    has nothing it refuses (a CR or LF: then werkzeug's own way, which raises)."""
    if "\n" in value or "\r" in value:
        headers.set(key, value)
        return
    pairs = headers._list
    low = key.lower()
    for idx, (old, _) in enumerate(pairs):
        if old.lower() == low:
            pairs[idx] = (key, value)
            pairs[idx + 1 :] = [p for p in pairs[idx + 1 :] if p[0].lower() != low]
            return
    pairs.append((key, value))


def after_api_request(response: Response) -> Response:
    headers = response.headers
    _put(headers, "Date", HTTP_DATE.now())
    req = _request()
    path = req.path
    if _is_api_path(path):
        environ = req.environ
        backend = _backend()
        _put(headers, "AVI_API_VERSION", _answer_version(environ, backend))
        backend.journal.record(
            req.method,
            path,
            environ.get("QUERY_STRING", ""),  # request.query_string, decoded back
            _header_tenant(environ),
            response.status_code,
        )
    return response


# ----- authentication -------------------------------------------------------------------------
def authenticate(
    write: bool, backend: Backend | None = None, environ: Environ | None = None
) -> None:
    """Basic credentials (when allowed) or a live session (+ CSRF token on writes); else 401."""
    backend = backend or _backend()
    creds = basic_credentials(_header("HTTP_AUTHORIZATION", environ))
    if creds is not None:
        if not backend.basic_auth_allowed():
            raise Unauthorized(errors.BASIC_DISABLED)
        if not backend.sessions.check_password(*creds):
            raise Unauthorized(errors.BAD_CREDENTIALS)
        return
    session = backend.sessions.lookup(session_cookie_ids(environ))
    if session is None:
        raise Unauthorized(errors.CSRF_FAILED)
    if write and _header("HTTP_X_CSRFTOKEN", environ) != session.csrf:
        raise Unauthorized(errors.CSRF_FAILED)


_COOKIE_IDS: dict[str, list[str]] = {}


def session_cookie_ids(environ: Environ | None = None) -> list[str]:
    """Session ids in the order the Cookie header gives them (``avi-sessionid`` first, then
    ``sessionid`` when the first is absent), so the last one wins. Kept per Cookie header (a
    client sends the same one on every request of its session)."""
    header = _header("HTTP_COOKIE", environ) or ""
    found = _COOKIE_IDS.get(header)
    if found is None:
        found = []
        for name in SESSION_COOKIES:
            found = list(request.cookies.getlist(name))
            if found:
                break
        if len(_COOKIE_IDS) >= 1024:
            _COOKIE_IDS.clear()
        _COOKIE_IDS[header] = found
    return list(found)


# ----- login / logout -------------------------------------------------------------------------
def _login_fields() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if request.is_json or raw.lstrip().startswith(b"{"):
        try:
            data = loads(raw or b"{}")
        except ValueError as exc:
            raise BadRequest(errors.MALFORMED_JSON.format(detail=exc)) from None
        if not isinstance(data, dict):
            raise BadRequest(errors.NOT_AN_OBJECT)
        return data
    return dict(request.form.items())


@bp.post("/login")
def login() -> Response:
    backend = _backend()
    fields = _login_fields()
    session = backend.sessions.login(
        fields.get("username"), fields.get("password"), fields.get("token")
    )
    config = backend.config
    base = _base()
    body = {
        "version": version_body(backend),
        "user": {
            "username": session.user,
            "name": session.user,
            "is_superuser": True,
            "local": True,
            "uuid": "user-1",
            "default_tenant_ref": f"{base}/api/tenant/admin",
        },
        "tenants": [{"url": f"{base}/api/tenant/admin", "uuid": "admin", "name": "admin"}],
        "system_config": {"url": f"{base}/api/systemconfiguration", "uuid": "default"},
        "controller": {"api_idle_timeout": int(config.session_idle_timeout // 60)},
        "user_initialized": True,
        "session_cookie_name": SESSION_COOKIE_NAME,
    }
    response = json_response(body, 200, _version_headers())
    secure = request.scheme == "https"
    response.set_cookie(
        CSRF_COOKIE, session.csrf, max_age=CSRF_MAX_AGE, path="/", secure=secure, samesite="Lax"
    )
    for name in SESSION_COOKIES:
        response.set_cookie(
            name,
            session.id,
            max_age=SESSION_MAX_AGE,
            path="/",
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
    return response


@bp.post("/logout")
def logout() -> Response:
    sessions = _backend().sessions
    for name in SESSION_COOKIES:
        for sid in request.cookies.getlist(name):
            sessions.logout(sid)
    response = json_response({}, 200)
    for name in (*SESSION_COOKIES, CSRF_COOKIE):
        response.delete_cookie(name, path="/")
    return response


def version_body(backend: Backend) -> dict[str, Any]:
    config = backend.config
    return {
        "Version": config.version,
        "build": config.build,
        "Tag": f"{config.version}-{config.build}",
        "min_version": "15.2",
        "Product": "controller",
        "ProductName": "NSX Advanced Load Balancer (ako-sim mock)",
        "Date": "2024-01-01T00:00:00+00:00",
    }


# ----- /api -----------------------------------------------------------------------------------
def _request_data(req: Request) -> bytes:
    """``req.get_data(cache=True)`` without werkzeug's stream wrapper (no size limit set, the
    body not read yet): a server that sets ``wsgi.input_terminated`` hands over the whole
    body, read to its end as werkzeug reads it; else a plain ``Content-Length`` body (no
    chunked transfer) is read as werkzeug's ``LimitedStream`` reads it (fewer bytes than
    announced: a client that went away). Kept where ``get_data`` keeps it, so later reads of
    the body (the form) see it."""
    if (
        getattr(req, "_cached_data", None) is not None
        or "stream" in req.__dict__
        or req.max_content_length is not None
    ):
        return req.get_data(cache=True)
    environ = req.environ
    stream = environ["wsgi.input"]
    if "wsgi.input_terminated" in environ:
        data: bytes = stream.read()
        req._cached_data = data
        return data
    length = environ.get("CONTENT_LENGTH")
    if (
        length is None
        or not (length.isascii() and length.isdigit())
        or "HTTP_TRANSFER_ENCODING" in environ
    ):
        return req.get_data(cache=True)
    size = int(length)
    data = b""
    while len(data) < size:
        try:
            chunk = stream.read(size - len(data))
        except (OSError, ValueError):
            raise ClientDisconnected() from None
        if not chunk:  # fewer bytes than announced
            raise ClientDisconnected()
        data = chunk if not data else data + chunk
    req._cached_data = data
    return data


def _json_body(req: Request | None = None) -> Any:
    raw = _request_data(req or _request())
    if not raw.strip():
        raise BadRequest(errors.NOT_AN_OBJECT)
    try:
        body = loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(errors.MALFORMED_JSON.format(detail=exc)) from None
    except RecursionError:
        raise BadRequest(errors.TOO_DEEP.format(limit=MAX_DEPTH)) from None
    # A value nested deeper than MAX_DEPTH sits inside at least MAX_DEPTH containers, each
    # opened by its own "{" or "[" in the text: fewer of those and no walk is needed.
    if raw.count(b"{") + raw.count(b"[") >= MAX_DEPTH and _depth_over(body, MAX_DEPTH):
        raise BadRequest(errors.TOO_DEEP.format(limit=MAX_DEPTH))
    return body


def _depth_over(value: Any, limit: int) -> bool:
    """True when some value inside ``value`` (itself at depth 1) sits deeper than ``limit``.

    Level by level, holding only the containers (iterative: no recursion to exhaust)."""
    level = [value]
    depth = 1
    while level:
        if depth > limit:
            return True
        below: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            if isinstance(item, dict | list) and children:
                if depth == limit:
                    return True  # its values sit at limit + 1
                below.extend(c for c in children if isinstance(c, dict | list))
        level = below
        depth += 1
    return False


def _object_body(req: Request | None = None) -> dict[str, Any]:
    body = _json_body(req)
    if not isinstance(body, dict):
        raise BadRequest(errors.NOT_AN_OBJECT)
    return body


def _args(environ: Environ) -> dict[str, str]:
    if not environ.get("QUERY_STRING"):
        return {}  # a write's usual URL: request.args would parse an empty query
    return {k: v for k, v in request.args.items()}


@bp.route("/api", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], strict_slashes=False)
def api_root() -> Response:
    raise NotFound(errors.UNKNOWN_TYPE.format(type=""))


@bp.route("/api/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def api(rest: str) -> Response:
    parts = [p for p in rest.split("/") if p]
    if not parts:
        raise NotFound(errors.UNKNOWN_TYPE.format(type=""))
    joined = "/".join(parts)
    backend = _backend()
    req = _request()
    method = req.method
    environ = req.environ
    if joined in UNAUTHENTICATED and method == "GET":
        return _special_public(backend, joined)
    authenticate(method in WRITE_METHODS, backend, environ)
    version = _api_version(backend, environ)
    base = _base(environ)
    special = _special_private(backend, joined, base)
    if special is not None:
        return special
    obj_type = parts[0]
    if obj_type not in TYPES and obj_type not in INVENTORY_TYPES:
        raise NotFound(errors.UNKNOWN_TYPE.format(type=obj_type))
    store = backend.store
    ctx = store.tenant_context(
        _header("HTTP_X_AVI_TENANT", environ), _header("HTTP_X_AVI_TENANT_UUID", environ)
    )
    if ctx == ALL_TENANTS and method in WRITE_METHODS:
        raise Forbidden(errors.ALL_TENANTS_READ_ONLY)
    uuid = parts[1] if len(parts) > 1 else None
    extra = parts[2:]
    args = _args(environ)
    if obj_type in INVENTORY_TYPES:
        if method != "GET" or extra:
            raise MethodNotAllowed(errors.METHOD_NOT_ALLOWED.format(method=method, path=rest))
        if uuid is None:
            return _list(backend, obj_type, ctx, args, base)
        rec = store.get(INVENTORY_TYPES[obj_type], uuid, ctx)
        include = [i for i in args["include"].split(",") if i] if args.get("include") else None
        with store.lock:
            body = inventory(
                store, rec, base, truthy(args, "include_name"), backend.health, include
            )
        return json_response(body)
    if extra:
        if method == "GET" and uuid:
            found = _subresource(backend, obj_type, uuid, ctx, extra)
            if found is not None:
                return json_response(found)
        raise NotFound(errors.NOT_FOUND.format(model=TYPES[obj_type].model))
    if uuid is None:
        if method == "GET":
            return _list(backend, obj_type, ctx, args, base, version)
        if method == "POST":
            body = _object_body(req)
            _check_write(obj_type, body, version)
            slug = _header("HTTP_SLUG", environ)
            if slug is not None and not SLUG.fullmatch(slug):
                raise BadRequest(errors.BAD_SLUG.format(slug=slug))
            rec = store.create(obj_type, body, ctx, slug)
            data = encoded(store, rec, base, True, version)
            headers = _version_headers(environ, backend)
            return created_response(data, base, rec.type, rec.uuid, rec.name, headers)
        raise MethodNotAllowed(errors.METHOD_NOT_ALLOWED.format(method=method, path=rest))
    if method == "GET":
        rec = store.get(obj_type, uuid, ctx)
        fields = [f for f in args["fields"].split(",") if f] if args.get("fields") else None
        joins = "runtime" in args.get("join_subresources", "").split(",")
        if fields is None and not joins and not truthy(args, "skip_default"):
            return raw_response(encoded(store, rec, base, truthy(args, "include_name"), version))
        shown: dict[str, Any] = render(
            store, rec, base, truthy(args, "include_name"), fields, truthy(args, "skip_default")
        )
        if joins:
            with store.lock:
                runtime_body = join_runtime(store, rec, backend.health)
            if runtime_body is not None:
                shown["runtime"] = runtime_body
        shape_to = shaping(obj_type, version)
        return json_response(
            shown if shape_to is None else versions.shape(obj_type, shown, shape_to)
        )
    if method == "PUT":
        body = _object_body(req)
        _check_write(obj_type, body, version)
        rec = store.replace(obj_type, uuid, body, ctx)
        return raw_response(encoded(store, rec, base, True, version))
    if method == "PATCH":
        payload = _json_body(req)
        _check_write(obj_type, payload, version)
        rec = store.patch(obj_type, uuid, payload, ctx)
        return raw_response(encoded(store, rec, base, True, version))
    if method == "DELETE":
        store.delete(obj_type, uuid, ctx)
        return Response(status=204)
    raise MethodNotAllowed(errors.METHOD_NOT_ALLOWED.format(method=method, path=rest))


def _subresource(
    backend: Backend, obj_type: str, uuid: str, ctx: str, extra: list[str]
) -> Any | None:
    """``virtualservice/<uuid>/runtime[/detail]``, ``pool/<uuid>/runtime[/detail]`` and
    ``pool/<uuid>/runtime/server[/detail]``; ``None`` for any other sub-path."""
    store = backend.store
    rec = store.get(obj_type, uuid, ctx)
    with store.lock:
        rt = Runtime(store, backend.health)
        if obj_type == "virtualservice" and extra in (["runtime"], ["runtime", "detail"]):
            out = rt.vs_runtime(rec)
            if extra[-1] == "detail":
                out["pools"] = [pool_runtime(rt, p) for p in rt.pools_of(rec)]
                out["health_score"] = rt.vs_health(rec)
            return out
        if obj_type == "pool" and extra in (["runtime"], ["runtime", "detail"]):
            out = pool_runtime(rt, rec)
            if extra[-1] == "detail":
                out["servers"] = server_runtime(rt, rec)
                out["health_score"] = rt.pool_health(rec)
            return out
        if obj_type == "pool" and extra in (["runtime", "server"], ["runtime", "server", "detail"]):
            return server_runtime(rt, rec)
    return None


def _list(
    backend: Backend,
    obj_type: str,
    ctx: str,
    args: dict[str, str],
    base: str,
    version: versions.Version | None = None,
) -> Response:
    data = page_of(
        backend.store,
        obj_type,
        ctx,
        args,
        base,
        request.path,
        backend.config.default_page_size,
        backend.health,
        version if obj_type in TYPES else None,
    )
    return raw_response(data)


def _special_public(backend: Backend, path: str) -> Response:
    if path == "cluster/status":
        return json_response(
            {
                "cluster_state": {"state": "CLUSTER_UP_NO_HA", "progress": 100},
                "node_states": [{"name": "127.0.0.1", "state": "CLUSTER_ACTIVE", "role": "LEADER"}],
            }
        )
    return json_response(
        {
            "version": version_body(backend),
            "current_time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "user_initial_setup": False,
            "setup_failed": False,
            "sso": False,
            "banner": "",
        },
        headers=_version_headers(),
    )


def _special_private(backend: Backend, path: str, base: str) -> Response | None:
    method = request.method
    if path == "cluster/version" and method == "GET":
        return json_response(version_body(backend))
    if path == "cluster/runtime" and method == "GET":
        return json_response(
            {
                "cluster_state": {"state": "CLUSTER_UP_NO_HA", "progress": 100},
                "node_states": [
                    {
                        "name": "127.0.0.1",
                        "state": "CLUSTER_ACTIVE",
                        "role": "CLUSTER_LEADER",
                        "up_since": backend.up_since,
                        "mgmt_ip": {"addr": "127.0.0.1", "type": "V4"},
                    }
                ],
                "node_info": {"cluster_uuid": "cluster-0", "ip": {"addr": "127.0.0.1"}},
            }
        )
    if path == "ipamdnsproviderprofiledomainlist" and method == "GET":
        return json_response({"domains": _dns_domains(backend, request.args.get("cloud_uuid"))})
    if path in SINGLETONS:
        return _singleton(backend, path, method, base)
    if path == "user-token":
        return _user_token(backend, method)
    return None


def _user_token(backend: Backend, method: str) -> Response:
    """``/api/user-token``: POST ``{"hours": N}`` issues a token for ``/login``; GET lists the
    live ones; DELETE revokes one (``{"token": ...}``) or all."""
    sessions = backend.sessions
    if method == "GET":
        live = sessions.tokens()
        return json_response({"count": len(live), "results": [_token_body(t) for t in live]})
    body = _json_body() if request.get_data().strip() else {}
    if not isinstance(body, dict):
        raise BadRequest(errors.NOT_AN_OBJECT)
    if method == "POST":
        hours = body.get("hours", 24)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 8760:
            raise BadRequest(errors.BAD_FILTER.format(param="hours", value=hours))
        token = sessions.issue_token(backend.config.user, float(hours))
        return json_response(_token_body(token), 201)
    if method == "DELETE":
        wanted = body.get("token")
        if wanted is not None and not isinstance(wanted, str):
            raise BadRequest(errors.BAD_FILTER.format(param="token", value=wanted))
        sessions.revoke_token(wanted)
        return Response(status=204)
    raise MethodNotAllowed(errors.METHOD_NOT_ALLOWED.format(method=method, path="user-token"))


def _token_body(token: Any) -> dict[str, Any]:
    expires = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(token.expires))
    return {"token": token.token, "username": token.user, "expires_at": expires}


def _singleton(backend: Backend, path: str, method: str, base: str) -> Response:
    """``systemconfiguration`` and the other singletons: GET, PUT (whole) and PATCH (either
    PATCH form, as on any object)."""
    store = backend.store
    if method == "GET":
        with store.lock:
            return json_response(render_singleton(store.singleton(path), base, path))
    if method not in ("PUT", "PATCH"):
        raise MethodNotAllowed(errors.METHOD_NOT_ALLOWED.format(method=method, path=path))
    payload = _json_body() if method == "PATCH" else _object_body()
    with store.lock:
        current = store.singleton(path)
        if method == "PATCH":
            body = patching.apply(current, payload, lambda part: part)
        else:
            body = {"uuid": current.get("uuid", "default"), **payload}
        for key in ("url", "_last_modified"):
            body.pop(key, None)
        body["uuid"] = current.get("uuid", "default")
        if path == "systemconfiguration":
            check_sysconfig(body)
        store.set_singleton(path, body)
        return json_response(render_singleton(store.singleton(path), base, path))


def _dns_domains(backend: Backend, cloud_uuid: str | None) -> list[str]:
    """The service domains of a cloud's DNS provider profile (none without one)."""
    store = backend.store
    with store.lock:
        cloud = store.records.get(cloud_uuid or "")
        if cloud is None or cloud.type != "cloud":
            return []
        ref = cloud.body.get("dns_provider_ref")
        profile = store.records.get(ref.rsplit("/", 1)[1]) if isinstance(ref, str) else None
        if profile is None:
            return []
        internal = profile.body.get("internal_profile") or {}
        domains = internal.get("dns_service_domain") or []
        return [
            d["domain_name"]
            for d in domains
            if isinstance(d, dict) and isinstance(d.get("domain_name"), str)
        ]


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(before_api_request)
    app.after_request(after_api_request)

    @app.errorhandler(AviError)
    def _avi_error(exc: AviError) -> Response:
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        return json_response({"error": exc.description or exc.name}, exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        current_app.logger.exception("unexpected error in mock_avi")
        return json_response({"error": f"Internal error in mock: {exc!r}"}, 500)
