"""Any WSGI app on granian's embedded Rust HTTP server, in a background thread of this process.

``serve(app, host, port, tls=..., name=..., offload=...)`` returns a ``Handle`` with the bound
``port``, ``url`` and ``stop()``. Used by both mocks (which must not import each other, nor
``simulator``); this package imports none of the project's other packages.
"""

from wsgi_granian.server import Handle, serve

__all__ = ["Handle", "serve"]
