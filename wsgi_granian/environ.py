"""The PEP 3333 environ of one request, from granian's RSGI scope and the read body.

granian hands over the path percent-decoded as UTF-8 text; WSGI wants the decoded bytes as a
latin-1 ``str``, so the text is re-encoded (a byte that is not UTF-8, like ``%FF``, reaches the
app as U+FFFD: werkzeug decodes a WSGI path as UTF-8 with replacement anyway). Repeated headers
are joined as RFC 9110 says (``, ``; ``Cookie`` with ``; `` as RFC 6265 says). The body is read
whole before the app runs: ``wsgi.input`` is a ``BytesIO`` and ``CONTENT_LENGTH`` its size, for
chunked requests too. No HTTP, no threads here.
"""

from __future__ import annotations

import sys
from io import BytesIO
from typing import Any

from granian.rsgi import Scope

_PROTOCOLS = {"1.1": "HTTP/1.1", "1": "HTTP/1.0", "1.0": "HTTP/1.0", "2": "HTTP/2"}
_SPECIAL = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
# header name -> environ key, for the names seen so far (bounded: junk names are not kept)
_KEYS: dict[str, str] = {}
_KEYS_LIMIT = 512


def base_environ(host: str, port: int, scheme: str) -> dict[str, Any]:
    """The entries that are the same for every request of one server."""
    return {
        "SCRIPT_NAME": "",
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_SOFTWARE": "granian (wsgi_granian)",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }


def _key(name: str) -> str:
    key = _KEYS.get(name)
    if key is None:
        key = _SPECIAL.get(name) or "HTTP_" + name.upper().replace("-", "_")
        if len(_KEYS) < _KEYS_LIMIT:
            _KEYS[name] = key
    return key


def make_environ(scope: Scope, body: bytes, base: dict[str, Any]) -> dict[str, Any]:
    """A fresh environ for one request (``base`` from :func:`base_environ`)."""
    env = base.copy()
    path = scope.path
    env["REQUEST_METHOD"] = scope.method
    env["PATH_INFO"] = path if path.isascii() else path.encode("utf-8").decode("latin-1")
    env["QUERY_STRING"] = scope.query_string
    env["SERVER_PROTOCOL"] = _PROTOCOLS.get(scope.http_version, "HTTP/1.1")
    addr, _, port = scope.client.rpartition(":")
    env["REMOTE_ADDR"] = addr[1:-1] if addr.startswith("[") else addr
    env["REMOTE_PORT"] = port
    for name, value in scope.headers.items():
        key = _key(name)
        if key in env:
            env[key] = env[key] + ("; " if key == "HTTP_COOKIE" else ", ") + value
        else:
            env[key] = value
    if body or "CONTENT_LENGTH" in env:
        env["CONTENT_LENGTH"] = str(len(body))
    env["wsgi.input"] = BytesIO(body)
    return env
