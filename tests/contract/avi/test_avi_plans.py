"""The mock's fast paths give what the plain walks they replace give.

mock_avi compiles each type's schema once (``schema.plan``, ``schema.ref_walk``), reads the
common reference forms without ``urlsplit`` (``refs.parse_ref``), tests bodies for numbers the
standard library must read without a regular expression (``codec._risky``) and makes a
create's ``Location`` a URI without werkzeug's ``iri_to_uri``. Each is held here, on random
input, to the straightforward code it stands for: the same answers, the same errors.
"""

from __future__ import annotations

import base64
import io
import random
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import flask
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.test import EnvironBuilder
from werkzeug.urls import iri_to_uri

from mock_avi import codec, refs, routes, store
from mock_avi.app import create_app
from mock_avi.errors import AviError
from mock_avi.object_types import TYPES
from mock_avi.schema import (
    ANY,
    BOOL,
    INT,
    NUM,
    REF,
    STR,
    Enum,
    ListOf,
    Obj,
    Spec,
    apply_defaults,
    plan,
    ref_walk,
    validate,
)
from tests.contract.avi.avi_support import MARKS, PASSWORD, USER

pytestmark = MARKS

EXAMPLES = settings(max_examples=300, deadline=None)


# ----- references -----------------------------------------------------------------------------
def _reference_parse(value: str) -> tuple[str | None, ...] | None:
    """parse_ref as urlsplit and parse_qs read a reference."""
    value = value.strip()
    if not value:
        return None
    if "/" not in value and "?" not in value:
        return (None, value.split("#", 1)[0], None, None, None)
    parts = urlsplit(value)
    idx = parts.path.find("/api/")
    if idx < 0:
        return None
    segments = [s for s in parts.path[idx + 5 :].split("/") if s]
    if not segments:
        return None
    if len(segments) >= 2:
        return (segments[0], segments[1], None, None, None)
    query = parse_qs(parts.query, keep_blank_values=True)
    if not query.get("name"):
        return None
    return (
        segments[0],
        None,
        query["name"][0],
        (query.get("cloud") or [None])[0],
        (query.get("tenant") or [None])[0],
    )


REF_TEXT = st.lists(
    st.sampled_from(
        [
            "/api/",
            "pool",
            "/",
            "?",
            "name=",
            "&",
            "cloud=",
            "tenant=",
            "#",
            "%20",
            "+",
            "=",
            "a",
            "B",
            ".",
            "-",
            " ",
            "\t",
            "\n",
            "https://h",
            ":",
        ]
    ),
    max_size=14,
).map("".join)


@EXAMPLES
@given(REF_TEXT)
def test_parse_ref_reads_a_reference_as_urlsplit_and_parse_qs(text: str):
    for value in (text, "/api/" + text):
        got = refs.parse_ref(value)
        shown = None if got is None else (got.type, got.uuid, got.name, got.cloud, got.tenant)
        assert shown == _reference_parse(value)


# ----- bodies shaped like a type's schema -----------------------------------------------------
ODD = ["", " ", "x", "/api/pool?name=p", 0, 1, 2.5, True, None, [], {}, [""], {"a_ref": ""}]


def _value(rng: random.Random, spec: Spec, depth: int = 0) -> Any:
    """A value that mostly follows ``spec``: wrong types, empty refs and unknown keys too."""
    if depth > 5 or rng.random() < 0.08:
        return rng.choice(ODD)
    if isinstance(spec, Obj):
        keys = [*spec.fields, "zz_ref", "zz_refs", "zz", "name"]
        out = {}
        for _ in range(rng.randint(0, 6)):
            key = rng.choice(keys)
            out[key] = _value(rng, spec.fields.get(key, ANY), depth + 1)
        return out
    if isinstance(spec, ListOf):
        return [_value(rng, spec.item, depth + 1) for _ in range(rng.randint(0, 3))]
    if isinstance(spec, Enum):
        return rng.choice([*spec.choices, "bad", 3])
    if spec == ANY:
        inner = Obj({"q_ref": REF, "w": ANY})
        return _value(rng, inner, depth + 1) if rng.random() < 0.5 else [_value(rng, ANY, depth)]
    choices = {
        STR: ["", " ", "abc", 3],
        REF: ["", " ", "/api/pool/pool-1", "/api/pool?name=p", 3],
        INT: [1, 0, True, "3", 2.0],
        BOOL: [True, False, 1, "t"],
        NUM: [1, 2.5, True, "x"],
    }
    return rng.choice(choices[spec])


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn())
    except AviError as exc:
        return ("error", exc.body())


SPECS = sorted(TYPES)


@EXAMPLES
@given(st.sampled_from(SPECS), st.randoms(use_true_random=False))
def test_a_compiled_plan_checks_and_fills_as_the_schema_walks_do(obj_type: str, rng: random.Random):
    spec = TYPES[obj_type].spec
    body = _value(rng, spec)
    body = body if isinstance(body, dict) else {}
    body.setdefault("name", "n")

    def walks() -> Any:
        return apply_defaults(spec, validate(spec, refs.drop_empty_refs(body), "", obj_type))

    def planned() -> Any:
        compiled = plan(spec)
        return compiled.fill(compiled.check(body, ""))

    assert _outcome(planned) == _outcome(walks)


NESTED_ERRORS = [
    (
        "l4policyset",
        {
            "l4_connection_policy": {
                "rules": [
                    {"name": "r0", "index": 1},
                    {"name": "r1", "index": 2, "match": {"port": {"ports": [80, "x"]}}},
                ]
            }
        },
        "l4_connection_policy.rules[1].match.port.ports[1]: Invalid value 'x', expected an"
        " integer.",
    ),
    (
        "pool",
        {"markers": [{"key": "a"}, {"values": ["b"]}]},
        "markers[1].key: This field is required.",
    ),
    (
        "pool",
        {"markers": [{"key": "a", "values": ["b", 3]}]},
        "markers[0].values[1]: Invalid value 3, expected a string.",
    ),
    (
        "pool",
        {"health_monitor_refs": ["", {"x_ref": ""}]},
        "health_monitor_refs[0]: Invalid value {'x_ref': ''}, expected a string.",
    ),
    (
        "virtualservice",
        {"services": [{"port": 80}, {"port": 81, "enable_ssl": "no"}]},
        "services[1].enable_ssl: Invalid value 'no', expected a boolean.",
    ),
    (
        "vsvip",
        {"vip": [{"vip_id": "0", "ip_address": {"addr": "1.2.3.4", "type": "V5"}}]},
        "vip[0].ip_address.type: Invalid choice 'V5', expected one of V4, V6, DNS.",
    ),
]


@pytest.mark.parametrize(("obj_type", "body", "error"), NESTED_ERRORS)
def test_a_compiled_plan_names_the_field_of_a_nested_error_as_the_walk_does(
    obj_type: str, body: dict[str, Any], error: str
):
    spec = TYPES[obj_type].spec
    body = {"name": "n", **body}
    assert _outcome(lambda: plan(spec).check(body, "")) == ("error", {"error": error})
    assert _outcome(lambda: validate(spec, refs.drop_empty_refs(body), "", obj_type)) == (
        "error",
        {"error": error},
    )


@EXAMPLES
@given(st.sampled_from(SPECS), st.randoms(use_true_random=False))
def test_a_ref_walk_maps_the_references_map_refs_maps_in_the_same_order(
    obj_type: str, rng: random.Random
):
    spec = TYPES[obj_type].spec
    raw = _value(rng, spec)
    try:
        body = plan(spec).check(raw if isinstance(raw, dict) else {}, "")
    except AviError:
        return
    seen: list[list[tuple[str, str]]] = [[], []]

    def mark(i: int) -> Any:
        return lambda key, ref: seen[i].append((key, ref)) or f"<{ref}>"

    assert refs.map_planned(body, mark(0), ref_walk(spec)) == refs.map_refs(body, mark(1))
    assert seen[0] == seen[1]


# ----- body checks before parsing -------------------------------------------------------------
RISKY = re.compile(rb"[0-9]{20}|[0-9][eE][+-]?[0-9]{3}")


@EXAMPLES
@given(st.lists(st.sampled_from(list(b'0123456789eE+-x "{}:,.')), max_size=60).map(bytes))
def test_the_codec_sends_the_same_bodies_to_the_standard_library(data: bytes):
    assert codec._risky(data) == (RISKY.search(data) is not None)


def _deeper(value: Any, limit: int, depth: int = 1) -> bool:
    if depth > limit:
        return True
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list):
        return False
    return any(_deeper(c, limit, depth + 1) for c in children)


JSON = st.recursive(
    st.none() | st.integers() | st.text(max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner),
    max_leaves=30,
)


@EXAMPLES
@given(JSON, st.integers(1, 6))
def test_the_depth_check_finds_what_a_recursive_walk_finds(value: Any, limit: int):
    assert routes._depth_over(value, limit) == _deeper(value, limit)


# ----- Location -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client() -> Any:
    return create_app().test_client()


NAMES = st.text(
    st.sampled_from(list("ab -_.~!*'();:@&=+$,/?#[]%<>\"{}|\\^`\t\r\n\x7f\u00e9\u4e2d\U0001f600")),
    min_size=1,
    max_size=10,
)


@settings(max_examples=100, deadline=None)
@given(NAMES, st.sampled_from(["127.0.0.1:9443", "LocalHost:80", "[::1]:8080", "example.com"]))
def test_a_create_answers_the_location_werkzeug_would_send(client: Any, name: str, host: str):
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    rsp = client.post(
        "/api/tenant", json={"name": name}, headers={"Authorization": f"Basic {auth}", "Host": host}
    )
    if rsp.status_code == 409:
        return  # the name was drawn before
    assert rsp.status_code == 201, rsp.data
    body = rsp.get_json()
    url = body["url"].split("#", 1)[0] + f"#{body['name']}"
    want = iri_to_uri("".join(c if " " <= c < "\x7f" else quote(c) for c in url))
    assert rsp.headers["Location"] == want
    assert next(iter(rsp.headers.keys())) == "Location"


# ----- identities and routing -----------------------------------------------------------------
@EXAMPLES
@given(st.integers(0, 2**128 - 1))
def test_a_new_uuid_has_the_text_of_a_version_4_uuid(bits: int):
    assert store._uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))


SEGMENTS = st.sampled_from(["api", "pool", "pool-1", "", "__mock__", "healthz", "login", "x", "é"])
PATHS = st.lists(SEGMENTS, max_size=4).map(lambda parts: "/" + "/".join(parts))
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
HOSTS = st.sampled_from(["127.0.0.1:9443", "LocalHost:80", "[::1]:8080", "example.com", "a b"])


def _plain_match(app: Any, environ: dict[str, Any]) -> tuple[Any, ...]:
    """What Flask's own adapter and werkzeug's match give for ``environ``."""
    request = app.request_class(environ)
    try:
        adapter = flask.Flask.create_url_adapter(app, request)
        rule, args = adapter.match(return_rule=True)
    except HTTPException as exc:
        return ("error", type(exc), getattr(exc, "new_url", None))
    return ("ok", rule, args, request.host)


def _kept_match(app: Any, environ: dict[str, Any]) -> tuple[Any, ...]:
    ctx = app.request_context(dict(environ))
    ctx.push()
    try:
        request = ctx.request
        exc = request.routing_exception
        if exc is not None:
            return ("error", type(exc), getattr(exc, "new_url", None))
        return ("ok", request.url_rule, request.view_args, request.host)
    finally:
        ctx.pop()


@EXAMPLES
@given(PATHS, METHODS, HOSTS, st.sampled_from(["", "name=a", "page=2&x=%C3%A9"]))
def test_a_kept_url_match_is_the_match_flask_makes(path: str, method: str, host: str, query: str):
    environ = EnvironBuilder(
        path=path, method=method, headers={"Host": host}, query_string=query
    ).get_environ()
    want = _plain_match(ROUTED, environ)
    for _ in range(2):  # the second from what the first kept
        assert _kept_match(ROUTED, environ) == want


ROUTED = create_app()


# ----- request bodies -------------------------------------------------------------------------
LENGTHS = st.sampled_from([None, "exact", "fewer", "more", "0", " 3", "+3", "x", "-1", "٣"])


def _body_read(environ: dict[str, Any], data: bytes, read: Any) -> tuple[Any, ...]:
    env = {**environ, "wsgi.input": io.BytesIO(data)}
    with ROUTED.request_context(env):
        req = flask.request._get_current_object()  # type: ignore[attr-defined]
        try:
            got = read(req)
        except HTTPException as exc:
            return ("error", type(exc))
        return ("ok", got, req.get_data(), req.get_data(cache=True))


@EXAMPLES
@given(st.binary(max_size=40), LENGTHS, st.booleans(), st.booleans())
def test_a_body_is_read_as_werkzeug_reads_it(
    data: bytes, length: str | None, chunked: bool, terminated: bool
):
    environ = EnvironBuilder(method="POST", path="/api/pool").get_environ()
    if terminated:  # a server that hands the app the whole body (wsgi_loop)
        environ["wsgi.input_terminated"] = True
    environ.pop("CONTENT_LENGTH", None)
    sizes = {"exact": len(data), "fewer": max(len(data) - 1, 0), "more": len(data) + 1}
    if length is not None:
        environ["CONTENT_LENGTH"] = str(sizes.get(length, length))
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    want = _body_read(environ, data, lambda req: req.get_data(cache=True))
    assert _body_read(environ, data, routes._request_data) == want


# ----- references by name ---------------------------------------------------------------------
def _named_target(s: store.Store, field: str, ref: str, ctx: str) -> tuple[str, str]:
    """``Store.target`` of a ``?name=`` reference as ``named`` and its filters resolve it."""
    parsed = refs.parse_ref(ref)
    assert parsed is not None and parsed.type is not None and parsed.name is not None
    found = s.named(parsed.type, parsed.name, ctx)
    if parsed.tenant is not None:
        found = [r for r in found if s.name_of(r.tenant) == parsed.tenant]
    if parsed.cloud is not None:
        found = [r for r in found if s.name_of(r.cloud or "") == parsed.cloud]
    if not found:
        raise s._missed(None, parsed)
    return parsed.type, found[0].uuid


def _named_store() -> store.Store:
    from mock_avi.seed import default_state

    s = store.Store()
    s.load(default_state())
    s.create("tenant", {"name": "t1"}, store.ADMIN)
    t1 = s.tenant_context("t1", None)
    s.create("pool", {"name": "mine"}, t1)  # one object of its name, in t1
    s.create("pool", {"name": "both"}, t1)
    s.create("pool", {"name": "both"}, store.ADMIN)  # two of one name
    s.create("applicationprofile", {"name": "prof", "type": "APPLICATION_PROFILE_TYPE_L4"}, t1)
    return s


@pytest.mark.parametrize("ctx", ["admin", "t1", "*"])
@pytest.mark.parametrize(
    "ref",
    [
        "/api/pool?name=mine",
        "/api/pool?name=both",
        "/api/pool?name=nothing",
        "/api/pool?name=mine&tenant=t1",
        "/api/pool?name=mine&tenant=admin",
        "/api/pool?name=mine&cloud=Default-Cloud",
        "/api/healthmonitor/?name=System-TCP",
        "/api/applicationprofile/?name=prof",
        "/api/cloud?name=Default-Cloud",
        "/api/nosuchtype?name=mine",
    ],
)
def test_a_reference_by_name_names_what_named_and_its_filters_find(ref: str, ctx: str):
    s = _named_store()
    ctx = ctx if ctx == "*" else s.tenant_context(ctx, None)
    field = "pool_ref" if "/pool?" in ref else "x_ref"
    assert _outcome(lambda: s.target(field, ref, ctx, None)) == _outcome(
        lambda: _named_target(s, field, ref, ctx)
    )
