"""HTTP for the Kubernetes API: URL parsing, content negotiation (JSON, Table,
PartialObjectMetadata), request bodies, watch streaming, and ``Status`` error responses.

All semantics live in ``apiserver.Api``; this module only translates HTTP to calls and back.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any
from urllib.parse import unquote

import orjson
import yaml
from werkzeug.wrappers import Request, Response

from mock_k8s import discovery, errors, openapi, tables, validation
from mock_k8s import protobuf as k8s_protobuf
from mock_k8s.apiserver import Api
from mock_k8s.registry import REVIEW_KINDS, ResourceType
from mock_k8s.resources import access, workloads
from mock_k8s.selectors import field_selector_for, parse_label_selector
from mock_k8s.store import Store, Stored, dumps
from mock_k8s.watch import Change, Watcher, WatchFilter

JSON = "application/json"
IDLE_BOOKMARK_S = 5.0
DEFAULT_WATCH_TIMEOUT_S = 1800.0
POLL_S = 1.0
# The push-stream extension of the mocks' HTTP server (wsgi_loop), when it serves the app.
PUSH_KEY = "wsgi_loop.push"
# Events a watch may fall behind by before it is ended as too slow (kube-apiserver ends a
# watcher whose buffer stays full; the client resumes from the last event it read).
WATCH_BACKLOG = 10_000
# Initial events per produce() call of a push stream (the rest follow as the client reads).
INITIAL_BATCH = 500
NOT_OLDER_THAN = "NotOlderThan"
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
INITIAL_EVENTS_BLUEPRINT = "kubernetes.io/initial-events-list-blueprint"
EVENT_HEAD = {
    t: b'{"type":"' + t.encode() + b'","object":' for t in ("ADDED", "MODIFIED", "DELETED")
}


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status=status, mimetype=JSON)


def raw_response(text: bytes, status: int = 200) -> Response:
    return Response(text, status=status, mimetype=JSON)


def error_response(err: errors.ApiError) -> Response:
    return json_response(err.body(), err.code)


OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
_OPENAPI_V2_SUBTYPES = {
    "json": "json",
    "com.github.proto-openapi.spec.v2.v1.0+protobuf": "protobuf",
    "com.github.proto-openapi.spec.v2@v1.0+protobuf": "protobuf",
}


def openapi_v2_choice(accept: str) -> str | None:
    """ "json", "protobuf" or None for an Accept header (goautoneg order: q, then position)."""
    clauses: list[tuple[float, int, str, str]] = []
    for i, part in enumerate((accept or "*/*").split(",")):
        fields = [f.strip() for f in part.split(";")]
        mtype, _, subtype = fields[0].partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if mtype and q > 0:
            clauses.append((-q, i, mtype.lower(), subtype.lower()))
    for _, _, mtype, subtype in sorted(clauses):
        if mtype not in ("application", "*"):
            continue
        if subtype == "*":
            return "json"
        if subtype in _OPENAPI_V2_SUBTYPES:
            return _OPENAPI_V2_SUBTYPES[subtype]
    return None


def arg(req: Request, name: str, default: Any = None) -> Any:
    """A query parameter's first value, else ``default`` (werkzeug's ``args.get`` builds and
    catches a KeyError exception for every parameter a request does not carry; a request
    without a query, as most writes are, has no parameter to parse a MultiDict for)."""
    if not req.environ.get("QUERY_STRING"):
        return default
    args = req.args
    return args[name] if name in args else default  # noqa: SIM401 (get raises inside)


def query_bool(req: Request, name: str) -> bool:
    return str(arg(req, name, "")).strip().lower() in ("true", "1", "yes")


def watch_list_options(req: Request) -> bool | None:
    """``sendInitialEvents`` of a watch (None when absent), checked as the API server does."""
    raw = arg(req, "sendInitialEvents")
    send_initial = None if raw is None else query_bool(req, "sendInitialEvents")
    match = arg(req, "resourceVersionMatch", "")
    causes: list[errors.FieldError] = []
    if send_initial is not None and match != NOT_OLDER_THAN:
        causes.append(
            errors.forbidden_field(
                "resourceVersionMatch",
                f"sendInitialEvents requires setting resourceVersionMatch to {NOT_OLDER_THAN}",
            )
        )
    if match:
        if send_initial is None:
            causes.append(
                errors.forbidden_field(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
                    "provided",
                )
            )
        if match != NOT_OLDER_THAN:
            causes.append(errors.unsupported_value("resourceVersionMatch", match, [NOT_OLDER_THAN]))
        if arg(req, "continue"):
            causes.append(
                errors.forbidden_field(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                )
            )
    if causes:
        raise errors.invalid("ListOptions", "", causes, "meta.k8s.io")
    return send_initial


def field_manager(req: Request) -> str:
    """``fieldManager``, else the User-Agent up to its first "/" (upstream's default for
    non-apply writes; apply requires the parameter)."""
    given: str = arg(req, "fieldManager", "")
    if given:
        return given[:128]
    agent = req.headers.get("User-Agent", "")
    return agent.split("/", 1)[0][:128] or "unknown"


EXACT = "Exact"
TOO_LARGE_WAIT_S = 3.0


def list_resource_version(req: Request, store: Store, limit: int) -> int | None:
    """A list's ``resourceVersion``/``resourceVersionMatch`` as upstream validates and serves
    them: None for the most recent state, else the RV of an Exact list. A resourceVersion the
    server has not reached is waited for (3 s, as the watch cache does), then a 504."""
    rv_text = arg(req, "resourceVersion", "")
    match = arg(req, "resourceVersionMatch", "")
    causes: list[errors.FieldError] = []
    if match:
        if not rv_text:
            causes.append(
                errors.forbidden_field(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                )
            )
        if arg(req, "continue"):
            causes.append(
                errors.forbidden_field(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                )
            )
        if match not in (EXACT, NOT_OLDER_THAN):
            causes.append(
                errors.unsupported_value("resourceVersionMatch", match, [EXACT, NOT_OLDER_THAN, ""])
            )
        if match == EXACT and rv_text == "0":
            causes.append(
                errors.forbidden_field(
                    "resourceVersionMatch",
                    'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
                )
            )
    if causes:
        raise errors.invalid("ListOptions", "", causes, "meta.k8s.io")
    if rv_text in ("", "0") or arg(req, "continue"):
        return None
    try:
        rv = int(rv_text)
    except ValueError:
        raise errors.bad_request(f"invalid resource version: {rv_text}") from None
    deadline = time.monotonic() + TOO_LARGE_WAIT_S
    while store.rv < rv:
        if time.monotonic() >= deadline:
            raise errors.too_large_resource_version(rv, store.rv)
        time.sleep(0.02)  # the server waits for its own writes; no client-side sleeping
    # Exact: asked for, or implied by a paginated list with a resourceVersion (legacy rule)
    if match == EXACT or (not match and limit > 0):
        return rv
    return None


def wants_table(req: Request) -> bool:
    return "as=Table" in req.headers.get("Accept", "")


def wants_partial(req: Request) -> bool:
    accept = req.headers.get("Accept", "")
    return "as=PartialObjectMetadata" in accept and "as=Table" not in accept


# A custom resource has no protobuf message (upstream: CRDs do not support protobuf); the
# media types its endpoints take, as negotiation.errUnsupportedMediaType lists them.
MSG_CR_PROTOBUF = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json, application/yaml"
)


def _json_loads(data: bytes) -> Any:
    """``json.loads``: orjson first (several times faster; the same values for what it
    accepts), the stdlib for what it refuses (NaN, integers beyond 64 bits, lone surrogates)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def read_body(req: Request, rt: ResourceType | None = None) -> Any:
    """The request body as a JSON-like object: JSON, YAML, or protobuf for built-in kinds
    (``rt`` is the resource addressed; a custom resource's protobuf body is a 415)."""
    data = req.get_data(cache=True)
    ctype = (req.mimetype or "").lower()
    if ctype == k8s_protobuf.MEDIA_TYPE:
        if not data and req.method.upper() == "DELETE":
            return None  # DeleteOptions are optional; other verbs need an object
        return read_protobuf(data, rt)
    if not data or not data.strip():
        return None
    try:
        if "yaml" in ctype:
            if data.lstrip()[:1] == b"{":  # JSON is YAML: kubectl and client-go apply send it
                try:
                    return _json_loads(data)
                except ValueError:
                    pass
            return yaml.safe_load(data)
        return _json_loads(data)
    except (ValueError, yaml.YAMLError) as exc:
        if "yaml" not in ctype:
            try:
                return yaml.safe_load(data)
            except yaml.YAMLError:
                pass
        raise errors.bad_request(f"the body of the request could not be decoded: {exc}") from None


def read_protobuf(data: bytes, rt: ResourceType | None) -> Any:
    """Decode a protobuf body; a bad one is upstream's 400 (``transformDecodeError``)."""
    if rt is not None and not rt.builtin:
        raise errors.ApiError(415, "UnsupportedMediaType", MSG_CR_PROTOBUF)
    try:
        return k8s_protobuf.decode(data)
    except k8s_protobuf.ProtobufError as exc:
        target = rt.kind if rt is not None else "Object"
        try:
            api_version, kind = k8s_protobuf.peek(data)
        except k8s_protobuf.ProtobufError:
            api_version, kind = "", ""
        if kind:
            version = api_version.rpartition("/")[2]
            raise errors.bad_request(
                f'{kind} in version "{version}" cannot be handled as a {target}: {exc}'
            ) from None
        summary = summarize_data(data)
        raise errors.bad_request(
            f"the object provided is unrecognized (must be of type {target}): {exc} ({summary})"
        ) from None


def summarize_data(data: bytes, max_length: int = 30) -> str:
    """How upstream quotes an undecodable body: ``<empty>``, the text of a JSON-looking one,
    else hex; cut at ``max_length`` bytes."""
    if not data:
        return "<empty>"
    head = data[:max_length]
    text = head.decode(errors="replace") if data[:1] == b"{" else head.hex()
    return text + (" ..." if len(data) > max_length else "")


def wants_protobuf_only(req: Request) -> bool:
    """True when the Accept list names protobuf and nothing JSON can answer (client-go and
    kubectl also list JSON, so they get JSON)."""
    accept = req.headers.get("Accept", "")
    if "protobuf" not in accept.lower():  # the common case, without parsing the list
        return False
    clauses = [c.strip() for c in accept.split(",") if c.strip()]
    if not clauses:
        return False
    seen = False
    for clause in clauses:
        mtype, *params = (p.strip() for p in clause.split(";"))
        if any(p.replace(" ", "") in ("q=0", "q=0.0") for p in params):
            continue
        if mtype.lower() != k8s_protobuf.MEDIA_TYPE or any(p.startswith("as=") for p in params):
            return False
        seen = True
    return seen


def protobuf_response(req: Request, obj: Any, code: int = 200) -> Response | None:
    """The protobuf answer to a protobuf-only Accept list, or None to answer JSON as usual."""
    if not wants_protobuf_only(req) or not k8s_protobuf.can_encode(obj):
        return None
    return Response(k8s_protobuf.encode(obj), status=code, mimetype=k8s_protobuf.MEDIA_TYPE)


class ResourcePath:
    """``[namespaces/<ns>/]<plural>[/<name>[/<subresource>]]`` under a group/version."""

    def __init__(self, group: str, version: str, parts: list[str]) -> None:
        self.group = group
        self.version = version
        self.namespace: str | None = None
        if (
            len(parts) >= 3
            and parts[0] == "namespaces"
            and not (len(parts) == 3 and parts[2] in ("status", "finalize"))
        ):
            self.namespace = parts[1]
            parts = parts[2:]
        self.plural = parts[0] if parts else ""
        self.name = parts[1] if len(parts) > 1 else None
        self.subresource = parts[2] if len(parts) > 2 else None
        self.extra = parts[3:]


class KubeRoutes:
    def __init__(self, api: Api, server_address: str = "127.0.0.1:0") -> None:
        self.api = api
        self.server_address = server_address

    # ---- dispatch ------------------------------------------------------------------------
    def dispatch(self, req: Request) -> Response:
        with validation.request(req) as scope:  # fieldValidation and Warning headers
            return validation.add_warning_headers(scope, self._dispatch(req))

    def _dispatch(self, req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        parts = [unquote(p) for p in path.strip("/").split("/") if p]
        if path == "/version":
            return json_response(self.api.cluster.version_info)
        if path in ("/healthz", "/livez", "/readyz"):
            return Response("ok", mimetype="text/plain")
        if path == "/api":
            return json_response(discovery.api_versions(self.server_address))
        if path == "/apis":
            return json_response(discovery.api_group_list(self.api.registry))
        if path.startswith("/openapi/"):
            served = openapi.respond(self.api, path, req.headers.get("Accept", ""))
            if served is not None:
                return served
        if path == "/openapi/v3":
            return json_response(discovery.openapi_v3_index(self.api.registry))
        if path.startswith("/openapi/v3/"):
            return self._openapi_v3_doc(parts[2:])
        if path == "/openapi/v2":
            return self._openapi_v2(req)
        if parts and parts[0] == "api":
            if len(parts) == 2:
                return self._resource_list("", parts[1])
            if len(parts) > 2:
                return self._resource(req, ResourcePath("", parts[1], parts[2:]))
        if parts and parts[0] == "apis":
            if len(parts) == 2:
                group = discovery.api_group(self.api.registry, parts[1])
                if group is None:
                    raise errors.ApiError(
                        404, "NotFound", "the server could not find the requested resource"
                    )
                return json_response(group)
            if len(parts) == 3:
                return self._resource_list(parts[1], parts[2])
            if len(parts) > 3:
                return self._resource(req, ResourcePath(parts[1], parts[2], parts[3:]))
        raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")

    def _openapi_v2(self, req: Request) -> Response:
        """kube-openapi's negotiation: the first Accept clause (by q) naming JSON or either
        protobuf subtype wins; protobuf is answered with the valid ``...v2.v1.0+protobuf``
        type (the ``@`` form is accepted but never sent back); nothing acceptable is a 406."""
        kind = openapi_v2_choice(req.headers.get("Accept", ""))
        if kind == "json":
            return json_response(discovery.openapi_v2_document(self.api.registry))
        if kind == "protobuf":
            # An empty protobuf message: a valid, empty OpenAPI v2 document.
            return Response(b"", headers={"Content-Type": OPENAPI_V2_PROTOBUF, "Vary": "Accept"})
        return Response(b"", status=406, headers={"Vary": "Accept"})

    def _openapi_v3_doc(self, parts: list[str]) -> Response:
        if len(parts) == 2 and parts[0] == "api":
            doc = discovery.openapi_v3_document(self.api.registry, "", parts[1])
        elif len(parts) == 3 and parts[0] == "apis":
            doc = discovery.openapi_v3_document(self.api.registry, parts[1], parts[2])
        else:
            doc = None
        if doc is None:
            raise errors.ApiError(
                404, "NotFound", "the server could not find the requested resource"
            )
        return json_response(doc)

    def _resource_list(self, group: str, version: str) -> Response:
        doc = discovery.api_resource_list(self.api.registry, group, version)
        if doc is None:
            raise errors.ApiError(
                404, "NotFound", "the server could not find the requested resource"
            )
        return json_response(doc)

    # ---- resources -----------------------------------------------------------------------
    def _resource(self, req: Request, rp: ResourcePath) -> Response:
        rt = self.api.registry.lookup(rp.group, rp.version, rp.plural)
        if rt is None or rp.extra:
            raise errors.ApiError(
                404, "NotFound", "the server could not find the requested resource"
            )
        special = self._special(req, rt, rp)
        if special is not None:
            return special
        if rp.namespace is not None and not rt.namespaced:
            raise errors.ApiError(
                404, "NotFound", "the server could not find the requested resource"
            )
        if rt.namespaced and rp.name is not None and rp.namespace is None:
            raise errors.ApiError(
                404, "NotFound", "the server could not find the requested resource"
            )
        if rt.key == "pods" and rp.subresource in workloads.POD_STREAMS:
            raise errors.bad_request(workloads.MSG_POD_STREAMS.format(what=rp.subresource))
        if rp.subresource == "scale" and rt.has_scale and rp.name is not None:
            method = req.method.upper()
            body = read_body(req, rt) if method in ("PUT", "PATCH") else None
            scale = workloads.scale(
                self.api,
                rt,
                rp.namespace or "",
                rp.name,
                method,
                body,
                req.headers.get("Content-Type", ""),
                dry_run=bool(arg(req, "dryRun")),
            )
            return protobuf_response(req, scale) or json_response(scale)
        status = False
        if rp.subresource is not None:
            known = rp.subresource == "status" and rt.has_status
            if not known and not (rt.key == "namespaces" and rp.subresource == "finalize"):
                raise errors.ApiError(
                    404, "NotFound", "the server could not find the requested resource"
                )
            status = True
        method = req.method.upper()
        ns = rp.namespace or ""
        dry_run = bool(arg(req, "dryRun"))
        if rp.name is None:
            if method == "GET":
                if query_bool(req, "watch"):
                    return self._watch(req, rt, rp.namespace)
                return self._list(req, rt, rp.namespace)
            if method == "POST":
                if rt.namespaced and rp.namespace is None:
                    raise errors.method_not_allowed()
                obj = self.api.create(
                    rt, ns, read_body(req, rt), dry_run=dry_run, manager=field_manager(req)
                )
                return self._object_response(req, rt, obj, 201)
            if method == "DELETE":
                label = parse_label_selector(arg(req, "labelSelector"))
                field = field_selector_for(rt.key, arg(req, "fieldSelector"))
                deleted = self.api.delete_collection(rt, rp.namespace, label, field)
                return self._list_body(rt, deleted, str(self.api.store.rv))
            raise errors.method_not_allowed()
        name = rp.name
        if method == "GET":
            stored = self.api.get(rt, ns, name)
            if wants_table(req):
                return json_response(
                    tables.table(
                        rt,
                        [stored.obj],
                        resource_version=stored.obj["metadata"].get("resourceVersion", ""),
                        include_object=arg(req, "includeObject", "Metadata"),
                    )
                )
            if wants_partial(req):
                return json_response(tables.partial_metadata(stored.obj))
            return protobuf_response(req, stored.obj) or raw_response(stored.raw)
        if method == "PUT":
            obj = self.api.update(
                rt,
                ns,
                name,
                read_body(req, rt),
                status=status,
                dry_run=dry_run,
                manager=field_manager(req),
            )
            return self._object_response(req, rt, obj, 200)
        if method == "PATCH":
            body = read_body(req, rt)
            ctype = req.headers.get("Content-Type", "")
            existed = self.api.store.get(rt.key, ns if rt.namespaced else "", name) is not None
            obj = self.api.patch(
                rt,
                ns,
                name,
                ctype,
                body,
                status=status,
                dry_run=dry_run,
                manager=arg(req, "fieldManager", "")
                if "apply-patch" in ctype
                else field_manager(req),
                force=query_bool(req, "force"),
            )
            return self._object_response(req, rt, obj, 200 if existed else 201)
        if method == "DELETE":
            options = read_body(req, rt)
            obj = self.api.delete(
                rt, ns, name, options if isinstance(options, dict) else None, dry_run=dry_run
            )
            return self._object_response(req, rt, obj, 200)
        raise errors.method_not_allowed()

    def _special(self, req: Request, rt: ResourceType, rp: ResourcePath) -> Response | None:
        """Reviews (create only, never stored) and ``pods/<name>/eviction``."""
        method = req.method.upper()
        if rt.key in REVIEW_KINDS:
            if rp.name is not None or rp.subresource is not None:
                raise errors.ApiError(404, "NotFound", errors.MSG_NOT_FOUND_GENERIC)
            if method != "POST":
                raise errors.method_not_allowed()
            if rt.namespaced and rp.namespace is None:
                raise errors.method_not_allowed()
            answer = access.review(self.api.access, rt, rp.namespace or "", read_body(req, rt))
            return json_response(answer, 201)
        if rt.key == "pods" and rp.subresource == "eviction" and rp.name is not None:
            if method != "POST":
                raise errors.method_not_allowed()
            body = read_body(req, rt)
            options = body.get("deleteOptions") if isinstance(body, dict) else None
            self.api.evict(
                rp.namespace or "", rp.name, options if isinstance(options, dict) else None
            )
            return json_response(access.EVICTION_DONE, 201)
        if rt.key == "serviceaccounts" and rp.subresource == "token" and rp.name is not None:
            if method != "POST":
                raise errors.method_not_allowed()
            self.api.get(rt, rp.namespace or "", rp.name)  # 404 for an unknown account
            body = read_body(req, rt)
            answer = access.token_request(rp.namespace or "", rp.name, body)
            return json_response(answer, 201)
        return None

    def _object_response(
        self, req: Request, rt: ResourceType, obj: dict[str, Any], code: int
    ) -> Response:
        if wants_table(req):
            return json_response(
                tables.table(
                    rt, [obj], resource_version=obj["metadata"].get("resourceVersion", "")
                ),
                code,
            )
        answer = protobuf_response(req, obj, code)
        if answer is not None:
            return answer
        meta = obj.get("metadata") or {}
        ns = str(meta.get("namespace") or "") if rt.namespaced else ""
        stored = self.api.store.get_stored(rt.key, ns, str(meta.get("name") or ""))
        if stored is not None and stored.obj is obj:  # the version just written: encoded once
            return raw_response(stored.raw, code)
        return json_response(obj, code)

    def _list(self, req: Request, rt: ResourceType, namespace: str | None) -> Response:
        label = parse_label_selector(arg(req, "labelSelector"))
        field = field_selector_for(rt.key, arg(req, "fieldSelector"))
        try:
            limit = int(arg(req, "limit") or 0)
        except ValueError:
            raise errors.bad_request("limit must be an integer") from None
        exact = list_resource_version(req, self.api.store, limit)
        result = self.api.list(
            rt, namespace, label, field, max(limit, 0), arg(req, "continue", ""), exact
        )
        if wants_table(req):
            body = tables.table(
                rt,
                [s.obj for s in result.items],
                resource_version=str(result.rv),
                continue_token=result.continue_token,
                include_object=arg(req, "includeObject", "Metadata"),
            )
            if result.remaining:
                body["metadata"]["remainingItemCount"] = result.remaining
            return json_response(body)
        if wants_partial(req):
            meta: dict[str, Any] = {"resourceVersion": str(result.rv)}
            if result.continue_token:
                meta["continue"] = result.continue_token
            return json_response(
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": meta,
                    "items": [tables.partial_metadata(s.obj) for s in result.items],
                }
            )
        meta = {"resourceVersion": str(result.rv)}
        if result.continue_token:
            meta["continue"] = result.continue_token
            if result.remaining is not None:
                meta["remainingItemCount"] = result.remaining
        if wants_protobuf_only(req):
            listed = {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta}
            answer = protobuf_response(req, {**listed, "items": [s.obj for s in result.items]})
            if answer is not None:
                return answer
        head = dumps({"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta})
        text = head[:-1] + b',"items":[' + b",".join(s.raw for s in result.items) + b"]}"
        return raw_response(text)

    def _list_body(self, rt: ResourceType, objs: list[dict[str, Any]], rv: str) -> Response:
        return json_response(
            {
                "kind": rt.list_kind,
                "apiVersion": rt.api_version,
                "metadata": {"resourceVersion": rv},
                "items": objs,
            }
        )

    # ---- watch -----------------------------------------------------------------------------
    def _watch(self, req: Request, rt: ResourceType, namespace: str | None) -> Response:
        flt = WatchFilter(
            key=rt.key,
            namespace=namespace if rt.namespaced else None,
            label=parse_label_selector(arg(req, "labelSelector")),
            field=field_selector_for(rt.key, arg(req, "fieldSelector")),
        )
        bookmarks = query_bool(req, "allowWatchBookmarks")
        as_table = wants_table(req)
        try:
            timeout = float(arg(req, "timeoutSeconds") or DEFAULT_WATCH_TIMEOUT_S)
        except ValueError:
            raise errors.bad_request("timeoutSeconds must be a number") from None
        rv_param = arg(req, "resourceVersion")
        send_initial = watch_list_options(req)
        store = self.api.store
        try:
            watcher, initial, initial_rv = store.open_watch(flt, bookmarks, rv_param, send_initial)
        except errors.ApiError as err:
            if err.code not in (410, 504):
                raise
            line = dumps({"type": "ERROR", "object": err.body()}) + b"\n"
            return Response([line], mimetype=JSON, direct_passthrough=True)

        def encode(etype: str, item: Change | Stored) -> bytes:
            if as_table:
                obj = {"type": etype, "object": tables.table(rt, [item.obj])}
                return dumps(obj) + b"\n"
            if isinstance(item, Change):  # one event line per version, for every watcher
                line = item.frames.get(etype)
                if line is None:
                    line = item.frames[etype] = EVENT_HEAD[etype] + item.raw + b"}\n"
                return line
            return EVENT_HEAD[etype] + item.raw + b"}\n"

        def bookmark(rv: int) -> bytes:
            obj = {
                "type": "BOOKMARK",
                "object": {
                    "kind": rt.kind,
                    "apiVersion": rt.api_version,
                    "metadata": {"resourceVersion": str(rv)},
                },
            }
            return dumps(obj) + b"\n"

        def initial_events_end() -> bytes:
            """KEP-3157: the bookmark that ends a streaming list, with the list's blueprint."""
            rv = str(initial_rv)
            blueprint: dict[str, Any] = (
                {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {}, "rows": []}
                if as_table
                else {"kind": rt.list_kind, "apiVersion": rt.api_version, "items": []}
            )
            blueprint["metadata"] = {"resourceVersion": rv}
            annotations = {
                INITIAL_EVENTS_END: "true",
                INITIAL_EVENTS_BLUEPRINT: base64.b64encode(dumps(blueprint)).decode(),
            }
            obj = {
                "type": "BOOKMARK",
                "object": {
                    "kind": rt.kind,
                    "apiVersion": rt.api_version,
                    "metadata": {"resourceVersion": rv, "annotations": annotations},
                },
            }
            return dumps(obj) + b"\n"

        push_stream = req.environ.get(PUSH_KEY)
        if push_stream is not None:
            watcher.max_queued = WATCH_BACKLOG
            feed = _WatchFeed(
                store,
                watcher,
                initial,
                encode,
                bookmark,
                initial_events_end if send_initial and bookmarks else None,
            )
            push = feed.stream = push_stream(
                feed,
                tick_s=POLL_S,
                timeout_s=timeout,
                on_close=lambda: store.close_watch(watcher),
            )
            watcher.on_overflow = push.end
            watcher.listen(push.wake)
            return Response(push, mimetype=JSON, direct_passthrough=True)

        def stream() -> Iterator[bytes]:
            try:
                yield b""  # sends the headers now: clients see the watch open at once
                for etype, item in initial:
                    yield encode(etype, item)
                if send_initial and bookmarks:
                    yield initial_events_end()
                deadline = time.monotonic() + timeout
                last_sent = time.monotonic()
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    events, bm = watcher.drain(min(POLL_S, remaining))
                    chunk = b"".join(encode(t, c) for t, c in events)
                    if bm is not None:
                        chunk += bookmark(bm)
                    if chunk:
                        last_sent = time.monotonic()
                        yield chunk
                    elif watcher.closed:
                        return
                    elif bookmarks and time.monotonic() - last_sent >= IDLE_BOOKMARK_S:
                        last_sent = time.monotonic()
                        store.bookmark_one(watcher)
                    if watcher.closed and not events:
                        return
            finally:
                store.close_watch(watcher)

        return Response(stream(), mimetype=JSON, direct_passthrough=True)


class _WatchFeed:
    """The ``produce`` of a watch served as a push stream (called on the server's loop): the
    initial events a batch at a time, then what the watcher queued; None once it closed. Idle
    watches get a bookmark every ``IDLE_BOOKMARK_S`` (the stream ticks every ``POLL_S``)."""

    __slots__ = (
        "bookmark",
        "encode",
        "end_initial",
        "last",
        "pending",
        "store",
        "stream",
        "watcher",
    )

    def __init__(
        self,
        store: Store,
        watcher: Watcher,
        initial: list[tuple[str, Change | Stored]],
        encode: Callable[[str, Change | Stored], bytes],
        bookmark: Callable[[int], bytes],
        end_initial: Callable[[], bytes] | None,
    ) -> None:
        self.store = store
        self.watcher = watcher
        self.pending: Iterator[tuple[str, Change | Stored]] | None = (
            iter(initial) if initial or end_initial is not None else None
        )
        self.encode = encode
        self.bookmark = bookmark
        self.end_initial = end_initial
        self.last = time.monotonic()
        self.stream: Any = None  # the push stream (its wake() has produce called again)

    def __call__(self) -> bytes | None:
        encode = self.encode
        if self.pending is not None:
            out = [encode(t, item) for t, item in islice(self.pending, INITIAL_BATCH)]
            if len(out) < INITIAL_BATCH:
                self.pending = None
                if self.end_initial is not None:
                    out.append(self.end_initial())
            self.last = time.monotonic()
            self.stream.wake()  # the rest (or the events queued meanwhile) next
            return b"".join(out)
        watcher = self.watcher
        events, bm = watcher.take()
        if events or bm is not None:
            data = b"".join([encode(t, c) for t, c in events])
            if bm is not None:
                data += self.bookmark(bm)
            self.last = time.monotonic()
            if watcher.closed:
                self.stream.wake()  # the end, once this is sent
            return data
        if watcher.closed:
            return None
        if watcher.bookmarks:
            now = time.monotonic()
            if now - self.last >= IDLE_BOOKMARK_S:
                self.last = now
                self.store.bookmark_one(watcher)
        return b""
