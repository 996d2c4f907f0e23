"""Any WSGI app served over HTTP/1.1 by an asyncio loop in a background thread of this process.

``serve(app, host, port, tls=..., name=..., offload=...)`` returns a ``Handle`` with the bound
``port``, ``url``, ``alive`` and ``stop()``. ``Push`` is a response body an app may return to
be served on the loop, fed by wakes from any thread (the environ's ``wsgi_loop.push``; see
``push``). Used by both mocks (which must not import each other, nor ``simulator``); this
package imports none of the project's other packages.
"""

from wsgi_loop.push import Push
from wsgi_loop.server import Handle, serve

__all__ = ["Handle", "Push", "serve"]
