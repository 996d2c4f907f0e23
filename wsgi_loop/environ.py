"""The PEP 3333 environ of one request, built from what the HTTP parser hands over.

Header names map to environ keys once (``Content-Type`` -> ``CONTENT_TYPE``, ``X-A`` ->
``HTTP_X_A``; a bounded cache); values are latin-1 text. Repeated headers are joined as RFC 9110
says (``, ``; ``Cookie`` with ``; `` as RFC 6265 says). The path is percent-decoded to bytes and
given as a latin-1 ``str`` (PEP 3333); the query string stays as sent. The body is read whole
before the app runs: ``wsgi.input`` is a ``BytesIO`` and ``CONTENT_LENGTH`` its size, for
chunked requests too. ``wsgi_loop.push`` offers the push-stream extension (``push.Push``).
No sockets, no threads here.
"""

from __future__ import annotations

import sys
from io import BytesIO
from typing import Any
from urllib.parse import unquote_to_bytes

import httptools

from wsgi_loop.push import ENVIRON_KEY, Push

SERVER_SOFTWARE = "wsgi_loop"
_SPECIAL = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
# header name as sent -> environ key, for the names seen so far (bounded: junk is not kept)
_KEYS: dict[bytes, str] = {}
_KEYS_LIMIT = 512


def base_environ(host: str, port: int, scheme: str) -> dict[str, Any]:
    """The entries that are the same for every request of one server."""
    return {
        "SCRIPT_NAME": "",
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_SOFTWARE": SERVER_SOFTWARE,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
        ENVIRON_KEY: Push,  # the push-stream extension (see ``push``)
    }


def header_key(name: bytes) -> str:
    """The environ key of a header name (any case)."""
    key = _KEYS.get(name)
    if key is None:
        low = name.lower()
        key = _SPECIAL.get(low) or "HTTP_" + low.decode("latin-1").upper().replace("-", "_")
        if len(_KEYS) < _KEYS_LIMIT:
            _KEYS[name] = key
    return key


def add_header(env: dict[str, Any], name: bytes, value: bytes) -> None:
    key = header_key(name)
    text = value.decode("latin-1")
    old = env.get(key)
    if old is None:
        env[key] = text
    else:
        env[key] = old + ("; " if key == "HTTP_COOKIE" else ", ") + text


def split_target(target: bytes) -> tuple[str, str]:
    """(PATH_INFO, QUERY_STRING) of a request target; ValueError when it is not one."""
    if target.startswith(b"/"):
        path, _, query = target.partition(b"?")
        path = path.partition(b"#")[0]
        query = query.partition(b"#")[0]
    elif target == b"*":
        return "*", ""
    else:  # absolute form: http://host:port/path?query
        try:
            url = httptools.parse_url(target)
        except httptools.HttpParserInvalidURLError as exc:
            raise ValueError("not a request target") from exc
        path, query = url.path or b"/", url.query or b""
    if b"%" in path:
        path = unquote_to_bytes(path)
    return path.decode("latin-1"), query.decode("latin-1")


def finish_environ(env: dict[str, Any], body: bytes) -> None:
    """The body's entries (its length only when there is a body or a length was sent)."""
    if body or "CONTENT_LENGTH" in env:
        env["CONTENT_LENGTH"] = str(len(body))
    env["wsgi.input"] = BytesIO(body)
