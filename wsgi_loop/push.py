"""Push streams: a response body produced on the server's loop when its producer is woken.

A wsgi_loop extension, for long-lived streams such as watches: no thread per open stream and no
thread hop per chunk. The environ of every request carries ``wsgi_loop.push`` (the ``Push``
class); an app that finds it may return ``Push(produce, ...)`` as its WSGI body (after calling
``start_response``). The server then writes the head and calls ``produce()`` on its loop: once
at the start, after each ``wake()`` (from any thread; the wakes of many streams in one moment
share one hand-off to the loop per server), and every ``tick_s`` seconds. ``produce`` returns
the bytes to send now (``b""``: nothing) or None when the body is complete. ``produce`` is not
called while the client does not read (the transport's buffer is above its high-water mark):
what the producer has not produced yet is its own backlog to bound (see ``end``).
``timeout_s`` ends the body that long after it started. ``end()`` (any thread) ends the body
after what has been written, even to a client that reads nothing; a client that does not take
that rest within ``END_TIMEOUT_S`` is dropped. ``on_close()`` runs exactly once when the stream
is over for any reason (complete, ended, the client gone, the server stopping), on the loop.

Under a server that does not know this extension, an app should not return a ``Push``; one that
does gets a plain blocking iteration (``__iter__``: a thread waits for wakes). No HTTP here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger("wsgi_loop")

ENVIRON_KEY = "wsgi_loop.push"
# After end(), how long a client that reads nothing keeps its connection.
END_TIMEOUT_S = 10.0

Produce = Callable[[], bytes | None]


class Push:
    """A push-stream body: see the module's docstring."""

    __slots__ = (
        "_conn",
        "_event",
        "_post",
        "armed",
        "ended",
        "finished",
        "on_close",
        "produce",
        "tick_s",
        "timeout_s",
    )

    def __init__(
        self,
        produce: Produce,
        *,
        tick_s: float | None = None,
        timeout_s: float | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.produce = produce
        self.tick_s = tick_s
        self.timeout_s = timeout_s
        self.on_close = on_close
        # a produce() call is due (the first one, at the start, is always due); wake() arms it
        # and hands the stream to the loop only when it was not armed already
        self.armed = True
        self.ended = False  # end() was called
        self.finished = False  # on_close has run (or is running)
        self._post: Callable[[Push], bool] | None = None  # set by the server when it starts
        self._conn: Any = None
        self._event: threading.Event | None = None  # the fallback iteration's wake-up

    def bind(self, post: Callable[[Push], bool], conn: Any) -> None:
        """(server, loop thread) The stream starts on ``conn``; ``post(self)`` hands it over."""
        self._post = post
        self._conn = conn

    @property
    def connection(self) -> Any:
        return self._conn

    def wake(self) -> None:
        """(any thread) Have ``produce()`` called on the loop soon."""
        if self.armed:
            return
        self.armed = True
        post = self._post
        if post is not None:
            post(self)
        elif self._event is not None:
            self._event.set()

    def end(self) -> None:
        """(any thread) End the body after what has been written (see the module)."""
        if self.ended:
            return
        self.ended = True
        post = self._post
        if post is not None:
            self.armed = True
            post(self)
        elif self._event is not None:
            self._event.set()

    def finish(self) -> None:
        """(server) The stream is over: ``on_close`` runs, once."""
        if self.finished:
            return
        self.finished = True
        self._conn = None
        if self.on_close is not None:
            try:
                self.on_close()
            except Exception:
                log.exception("on_close of a push stream failed")

    # ---- under a server that does not know push streams
    def __iter__(self) -> Iterator[bytes]:
        event = self._event = threading.Event()
        deadline = None if self.timeout_s is None else time.monotonic() + self.timeout_s
        try:
            yield b""  # the head now
            while not self.ended:
                self.armed = False
                data = self.produce()
                if data is None:
                    return
                if data:
                    yield data
                wait = self.tick_s
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return
                    wait = left if wait is None else min(wait, left)
                if not self.armed:
                    event.wait(wait)
                event.clear()
        finally:
            self.finish()

    def close(self) -> None:
        """(WSGI) The server is done with the body."""
        self.finish()
