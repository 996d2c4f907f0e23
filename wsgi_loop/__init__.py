"""Any WSGI app served over HTTP/1.1 by an asyncio loop in a background thread of this process.

``serve(app, host, port, tls=..., name=..., offload=...)`` returns a ``Handle`` with the bound
``port``, ``url``, ``alive`` and ``stop()``. Used by both mocks (which must not import each
other, nor ``simulator``); this package imports none of the project's other packages.
"""

from wsgi_loop.server import Handle, serve

__all__ = ["Handle", "serve"]
