"""Both mocks' request journals, read from outside (``GET /__mock__/journal?since=N``).

An engine whose insides ako-sim cannot see (the real AKO) is judged by what reached the mocks:
:class:`MockJournals` follows both journals and keeps, per mock, the time of the last answered
write (POST, PUT, PATCH, DELETE), request counts by method, and the error answers (status 400
and up). ``quiet_for()`` is how long neither mock has answered a write: the basis of ``settled``
for such an engine. It only reads the control APIs and never writes anything.
"""

from __future__ import annotations

import ssl
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InsecureRequestWarning

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _SelfSignedAdapter(HTTPAdapter):
    """HTTPS without verification through one prepared SSL context: urllib3 would otherwise
    build a context and load the system's CA store for every new connection (a few hundred ms
    on a busy machine, and the mock closes the connection after each answer)."""

    def __init__(self) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)


def self_signed_session() -> requests.Session:
    """A session for a mock serving HTTPS with its own self-signed certificate (``--tls``):
    no verification, no environment (``REQUESTS_CA_BUNDLE`` would turn it back on), one SSL
    context for every connection."""
    session = requests.Session()
    session.verify = False
    session.trust_env = False
    session.mount("https://", _SelfSignedAdapter())
    return session


@dataclass
class MockLog:
    """What one mock's journal showed so far (since :meth:`MockJournals.mark`)."""

    name: str
    url: str
    auth: tuple[str, str] | None = None
    verify: bool = True
    seq: int = 0
    last_write: float = 0.0
    by_method: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    reachable: bool = True

    def summary(self) -> dict[str, Any]:
        return {
            "requests": sum(self.by_method.values()),
            "by_method": dict(sorted(self.by_method.items())),
            "writes": sum(n for m, n in self.by_method.items() if m in WRITE_METHODS),
            "errors": len(self.errors),
        }


class MockJournals:
    """Follows the two journals; thread-safe; each :meth:`refresh` reads only new entries."""

    ERROR_LIMIT = 500

    def __init__(
        self,
        k8s_url: str,
        avi_url: str,
        avi_auth: tuple[str, str],
        *,
        verify: bool = False,
        timeout: float = 5.0,
    ) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout
        self._http = self_signed_session()
        self.mocks = {
            "kubernetes": MockLog("kubernetes", k8s_url.rstrip("/"), verify=verify),
            "avi": MockLog("avi", avi_url.rstrip("/"), auth=avi_auth, verify=verify),
        }

    def mark(self) -> None:
        """Start counting from now: skip everything the journals hold already."""
        with self._lock:
            for mock in self.mocks.values():
                entries = self._read(mock, mock.seq)
                if entries:
                    mock.seq = max(int(e.get("seq", 0)) for e in entries)
                mock.by_method.clear()
                mock.errors.clear()
                mock.last_write = time.time()

    def refresh(self) -> None:
        with self._lock:
            for mock in self.mocks.values():
                entries = self._read(mock, mock.seq)
                for entry in entries:
                    seq = int(entry.get("seq", 0))
                    if seq <= mock.seq:
                        continue
                    mock.seq = seq
                    method = str(entry.get("method", "")).upper()
                    mock.by_method[method] += 1
                    status = int(entry.get("status") or 0)
                    if method in WRITE_METHODS:
                        mock.last_write = max(mock.last_write, float(entry.get("time") or 0.0))
                    if status >= 400 and len(mock.errors) < self.ERROR_LIMIT:
                        mock.errors.append(entry)

    def _read(self, mock: MockLog, since: int) -> list[dict[str, Any]]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InsecureRequestWarning)  # the mock's own cert
                answer = self._http.get(
                    f"{mock.url}/__mock__/journal",
                    params={"since": str(since)},
                    auth=mock.auth,
                    timeout=self._timeout,
                )
            answer.raise_for_status()
            body = answer.json()
        except (requests.RequestException, ValueError):
            mock.reachable = False
            return []
        mock.reachable = True
        return [e for e in body if isinstance(e, dict)] if isinstance(body, list) else []

    def quiet_for(self) -> float:
        """Seconds since either mock last answered a write (after a :meth:`refresh`)."""
        self.refresh()
        with self._lock:
            if not all(m.reachable for m in self.mocks.values()):
                return 0.0
            last = max(m.last_write for m in self.mocks.values())
        return max(time.time() - last, 0.0)

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {name: mock.summary() for name, mock in self.mocks.items()}

    def errors(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {name: list(mock.errors) for name, mock in self.mocks.items()}
