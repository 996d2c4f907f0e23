"""Login sessions, CSRF tokens and HTTP Basic credentials.

A login creates a session id (sent as both ``sessionid`` and ``avi-sessionid`` cookies) and a
CSRF token kept server-side for that session; writes must echo it in ``X-CSRFToken``. Sessions
expire after an idle timeout or when forced (``expire``) so clients' re-login paths can be
exercised. Knows nothing about HTTP frameworks or the object store.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from dataclasses import dataclass

from mock_avi import errors
from mock_avi.errors import Unauthorized

SESSION_COOKIES = ("avi-sessionid", "sessionid")
SESSION_COOKIE_NAME = "avi-sessionid"
CSRF_COOKIE = "csrftoken"


@dataclass
class Session:
    id: str
    csrf: str
    user: str
    last_used: float


class Sessions:
    """Thread-safe session table with idle expiry."""

    def __init__(self, user: str, password: str, idle_timeout: float) -> None:
        self.user = user
        self.password = password
        self.idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def check_password(self, user: object, password: object) -> bool:
        if not isinstance(user, str) or not isinstance(password, str):
            return False  # e.g. a JSON login body with a number or an object as the name
        # Bytes: compare_digest refuses non-ASCII str, and any user input must get a 401.
        return secrets.compare_digest(
            user.encode("utf-8", "surrogatepass"), self.user.encode("utf-8", "surrogatepass")
        ) and secrets.compare_digest(
            password.encode("utf-8", "surrogatepass"),
            self.password.encode("utf-8", "surrogatepass"),
        )

    def login(self, user: object, password: object) -> Session:
        if not self.check_password(user, password):
            raise Unauthorized(errors.BAD_CREDENTIALS)
        assert isinstance(user, str)
        session = Session(secrets.token_hex(16), secrets.token_hex(16), user, time.monotonic())
        with self._lock:
            self._sessions[session.id] = session
        return session

    def logout(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(session_id, None)

    def lookup(self, session_ids: list[str]) -> Session | None:
        """The live session among the given cookie values (touching it), else ``None``."""
        now = time.monotonic()
        with self._lock:
            for sid in session_ids:
                session = self._sessions.get(sid)
                if session is None:
                    continue
                if now - session.last_used > self.idle_timeout:
                    del self._sessions[sid]
                    continue
                session.last_used = now
                return session
        return None

    def expire(self, session_id: str | None = None) -> int:
        """Drop one session (or all); returns how many were dropped."""
        with self._lock:
            if session_id is None:
                count = len(self._sessions)
                self._sessions.clear()
                return count
            return 1 if self._sessions.pop(session_id, None) else 0

    def count(self) -> int:
        with self._lock:
            return len(self._sessions)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """Decode ``Authorization: Basic ...``; ``None`` when absent or another scheme."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    user, _, password = decoded.partition(":")
    return user, password
