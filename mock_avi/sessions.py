"""Login sessions, CSRF tokens and HTTP Basic credentials.

A login creates a session id (sent as both ``sessionid`` and ``avi-sessionid`` cookies) and a
CSRF token kept server-side for that session; writes must echo it in ``X-CSRFToken``. API tokens
(``/api/user-token``) log in as ``{username, token}``. Sessions
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


@dataclass
class Token:
    token: str
    user: str
    expires: float  # time.time()


class Sessions:
    """Thread-safe session table with idle expiry, and the API tokens of ``/api/user-token``."""

    def __init__(self, user: str, password: str, idle_timeout: float) -> None:
        self.user = user
        self.password = password
        self.idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._tokens: dict[str, Token] = {}

    # ----- API tokens (``/api/user-token``, ``POST /login`` with ``token``) -----------------
    def issue_token(self, user: str, hours: float) -> Token:
        token = Token(secrets.token_hex(20), user, time.time() + hours * 3600)
        with self._lock:
            self._tokens[token.token] = token
        return token

    def tokens(self) -> list[Token]:
        now = time.time()
        with self._lock:
            return [t for t in self._tokens.values() if t.expires > now]

    def revoke_token(self, token: str | None) -> int:
        with self._lock:
            if token is None:
                count = len(self._tokens)
                self._tokens.clear()
                return count
            return 1 if self._tokens.pop(token, None) else 0

    def check_token(self, user: object, token: object) -> bool:
        if not isinstance(user, str) or not isinstance(token, str):
            return False
        with self._lock:
            found = self._tokens.get(token)
        return found is not None and found.user == user and found.expires > time.time()

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

    def login(self, user: object, password: object, token: object = None) -> Session:
        """A session for a password, or for an API token when ``token`` is given."""
        ok = (
            self.check_token(user, token)
            if token is not None
            else self.check_password(user, password)
        )
        if not ok:
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
        """The session of the last cookie value (touching it), else ``None``.

        With duplicate cookies the real controller takes the last one, live or not (avisdk
        sends its cookie jar and the explicit cookies, the newest session last).
        """
        if not session_ids:
            return None
        sid = session_ids[-1]
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                return None
            if now - session.last_used > self.idle_timeout:
                del self._sessions[sid]
                return None
            session.last_used = now
            return session

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
