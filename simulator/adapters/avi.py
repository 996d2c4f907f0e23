"""The Avi transport: a small typed interface over Avi's own SDK (``avisdk`` ``ApiSession``).

The engine talks to any Avi controller (the mock or a real one) through :class:`AviApi`. Failures
are mapped to one error hierarchy (:class:`AviError` and subclasses) that the reconciler turns
into retry decisions. Nothing here retries or sleeps: retries are the work queue's job (the SDK
itself only logs in again after a 401/419, which is what a real client must do).

Thread safety: an ``ApiSession`` is a ``requests.Session``; each worker thread gets its own
(``threading.local``), all sharing the SDK's login cache.
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import requests

log = logging.getLogger("ako_sim.avi")

OBJECT_TYPES = ("vsvip", "pool", "l4policyset", "virtualservice")

#: texts the controller uses for VIP allocation failures (lower-cased substrings)
VIP_ALLOCATION_MARKERS = (
    "no available free ips",
    "not in any",
    "outside",
    "out of range",
    "not within",
    "already in use",
    "already allocated",
    "already used",
    "held by",
    "is in use",
    "recreate the vip",
    "not available",
)
NO_FREE_IPS = "No available free IPs"

CallObserver = Callable[[str, str, str], None]  # (method, object type, status or error kind)


class _NoCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Stores no response cookie (the SDK's session cache supplies the login cookies)."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


_NO_COOKIES = _NoCookiePolicy()


def _environment_applies(url: str, verify: bool) -> bool:
    """Whether proxy, CA bundle or netrc settings from the environment concern ``url`` (a CA
    bundle only matters for an https URL whose certificate is verified)."""
    if (
        verify
        and url.startswith("https")
        and (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE"))
    ):
        return True
    if requests.utils.get_environ_proxies(url):
        return True
    return requests.utils.get_netrc_auth(url) is not None


# -- errors -----------------------------------------------------------------------------------
class AviError(Exception):
    """A failed controller call."""

    def __init__(
        self, message: str, *, status: int | None = None, method: str = "", path: str = ""
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path


class TransientError(AviError):
    """5xx, timeout, refused connection: retry with backoff, keep existing status."""


class NotFound(AviError):
    """404: the object is not there (a delete of it is a success)."""


class Conflict(AviError):
    """409 on create: an object of that name exists; adopt it."""


class Precondition(AviError):
    """412: the object changed under us; re-read it and retry."""


class VipAllocationError(AviError):
    """400 from IPAM (no free IP, preferred IP outside the ranges or held by another VsVip)."""


class PermanentError(AviError):
    """Any other 4xx: the request itself is wrong; retrying it unchanged will not help."""


def classify(status: int, text: str, *, obj_type: str, method: str, path: str) -> AviError:
    """Map an HTTP failure of the controller to the error hierarchy."""
    message = _error_text(text)
    kwargs: dict[str, Any] = {"status": status, "method": method, "path": path}
    if status >= 500 or status in (401, 419, 429):
        return TransientError(message, **kwargs)
    if status == 404:
        return NotFound(message, **kwargs)
    if status == 409:
        return Conflict(message, **kwargs)
    if status == 412:
        return Precondition(message, **kwargs)
    if status == 400 and _is_vip_allocation(obj_type, method, message):
        return VipAllocationError(message, **kwargs)
    return PermanentError(message, **kwargs)


def _is_vip_allocation(obj_type: str, method: str, message: str) -> bool:
    lowered = message.lower()
    if NO_FREE_IPS.lower() in lowered:
        return True
    if obj_type != "vsvip" or method not in ("POST", "PUT"):
        return False
    return any(marker in lowered for marker in VIP_ALLOCATION_MARKERS) or bool(
        re.search(r"\b(ip|vip|address)\b", lowered)
    )


def _error_text(text: str) -> str:
    try:
        import json

        body = json.loads(text)
    except ValueError:
        return text.strip()[:500]
    if isinstance(body, Mapping) and isinstance(body.get("error"), str):
        return str(body["error"])
    return text.strip()[:500]


# -- the interface the engine uses ------------------------------------------------------------
class AviApi(Protocol):
    """What the engine needs from a controller. Objects are plain JSON dicts."""

    def license_tier(self) -> str: ...

    def list_owned(self, obj_type: str) -> list[dict[str, Any]]: ...

    def get(self, obj_type: str, uuid: str) -> dict[str, Any]: ...

    def get_by_name(self, obj_type: str, name: str) -> dict[str, Any] | None: ...

    def create(self, obj_type: str, payload: Mapping[str, Any]) -> dict[str, Any]: ...

    def update(self, obj_type: str, uuid: str, payload: Mapping[str, Any]) -> dict[str, Any]: ...

    def delete(self, obj_type: str, uuid: str) -> None: ...


class AviSdkClient:
    """:class:`AviApi` on ``avi.sdk.avi_api.ApiSession``."""

    PAGE_SIZE = 200

    def __init__(
        self,
        controller: str,
        user: str,
        password: str,
        *,
        tenant: str = "admin",
        timeout: float = 10.0,
        created_by: str = "ako-cluster",
        name_prefix: str = "cluster--",
        observer: CallObserver | None = None,
    ) -> None:
        self.controller = controller.rstrip("/")
        self._user = user
        self._password = password
        self.tenant = tenant
        self.timeout = timeout
        self.created_by = created_by
        self.name_prefix = name_prefix
        self._observer = observer
        self._local = threading.local()
        self._sessions: list[Any] = []
        self._lock = threading.Lock()

    # -- sessions -------------------------------------------------------------------------------
    def _session(self) -> Any:
        session = getattr(self._local, "session", None)
        if session is not None:
            return session
        from avi.sdk.avi_api import APIError, ApiSession

        verify = not self.controller.startswith("https")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                session = ApiSession(
                    controller_ip=self.controller,
                    username=self._user,
                    password=self._password,
                    tenant=self.tenant,
                    verify=verify,
                    timeout=self.timeout,
                    retry_conxn_errors=False,
                )
        except requests.RequestException as exc:
            self._observe("POST", "login", "error")
            raise TransientError(f"cannot log in to {self.controller}: {exc}") from exc
        except APIError as exc:
            status = getattr(getattr(exc, "rsp", None), "status_code", None)
            self._observe("POST", "login", str(status))
            text = getattr(getattr(exc, "rsp", None), "text", str(exc))
            if isinstance(status, int) and (status >= 500 or status == 429):
                raise TransientError(f"login failed: {text}", status=status) from exc
            raise PermanentError(f"login failed: {text}", status=status) from exc
        # The SDK sends the login it cached for this controller and user (shared by every
        # thread) as explicit cookies; cookies this thread's requests.Session kept from its own
        # login would go out beside them, and the controller would check the shared CSRF token
        # against a stale session: a 401 and re-login storm between workers. Keep none.
        session.cookies.set_policy(_NO_COOKIES)
        session.cookies.clear()
        if not _environment_applies(self.controller, verify):
            # requests would re-read proxies, CA bundle and ~/.netrc from the environment on
            # every call (a scan of os.environ and file lookups); none applies here.
            session.trust_env = False
        self._local.session = session
        with self._lock:
            self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close every HTTP session this client opened (the SDK's login cache stays)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            try:
                session.close()
            except Exception:  # pragma: no cover - closing is best effort
                log.debug("closing an Avi session failed", exc_info=True)

    # -- raw call -------------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        obj_type: str,
        path: str,
        *,
        data: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        session = self._session()
        fn = getattr(session, method.lower())
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if params is not None:
            kwargs["params"] = dict(params)
        if data is not None:
            kwargs["data"] = dict(data)
        try:
            rsp = fn(path, **kwargs)
        except requests.RequestException as exc:
            self._observe(method, obj_type, "error")
            raise TransientError(
                f"{method} {path}: {type(exc).__name__}: {exc}", method=method, path=path
            ) from exc
        except Exception as exc:  # the SDK raises APIError when a re-login fails
            status = getattr(getattr(exc, "rsp", None), "status_code", None)
            self._observe(method, obj_type, str(status) if status else "error")
            if isinstance(status, int):
                text = getattr(getattr(exc, "rsp", None), "text", "") or str(exc)
                raise classify(status, text, obj_type=obj_type, method=method, path=path) from exc
            raise TransientError(f"{method} {path}: {exc}", method=method, path=path) from exc
        status = int(rsp.status_code)
        self._observe(method, obj_type, str(status))
        if not 200 <= status < 300:
            raise classify(status, rsp.text or "", obj_type=obj_type, method=method, path=path)
        if not rsp.text:
            return None
        try:
            return rsp.json()
        except ValueError as exc:
            raise TransientError(
                f"{method} {path}: the controller answered non-JSON", status=status
            ) from exc

    def _observe(self, method: str, obj_type: str, status: str) -> None:
        if self._observer is not None:
            self._observer(method, obj_type, status)

    # -- AviApi ---------------------------------------------------------------------------------
    def license_tier(self) -> str:
        body = self._call("GET", "systemconfiguration", "systemconfiguration")
        if isinstance(body, Mapping) and "results" in body:
            results = body.get("results") or [{}]
            body = results[0]
        tier = body.get("default_license_tier") if isinstance(body, Mapping) else None
        return str(tier or "ENTERPRISE")

    def list_owned(self, obj_type: str) -> list[dict[str, Any]]:
        """Every object of ``obj_type`` this engine may own (paging through ``next``)."""
        params: dict[str, Any] = {"include_name": "true", "page_size": self.PAGE_SIZE}
        if obj_type == "vsvip":
            params["name.contains"] = self.name_prefix
        else:
            params["created_by"] = self.created_by
        return list(self.iter_list(obj_type, params))

    def iter_list(self, obj_type: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = dict(params)
        seen_pages = 0
        while True:
            body = self._call("GET", obj_type, obj_type, params=query)
            if not isinstance(body, Mapping):
                return
            for item in body.get("results") or []:
                if isinstance(item, dict):
                    yield item
            nxt = body.get("next")
            seen_pages += 1
            if not nxt or seen_pages > 100000:
                return
            query = dict(parse_qsl(urlsplit(str(nxt)).query, keep_blank_values=True))

    def get(self, obj_type: str, uuid: str) -> dict[str, Any]:
        body = self._call("GET", obj_type, f"{obj_type}/{uuid}", params={"include_name": "true"})
        if not isinstance(body, dict):
            raise NotFound(f"{obj_type} {uuid} not found", status=404)
        return body

    def get_by_name(self, obj_type: str, name: str) -> dict[str, Any] | None:
        body = self._call("GET", obj_type, obj_type, params={"name": name, "include_name": "true"})
        if isinstance(body, Mapping):
            results = body.get("results")
            if isinstance(results, list):
                return results[0] if results else None
            if body.get("name") == name:
                return dict(body)
        return None

    def create(self, obj_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        body = self._call("POST", obj_type, obj_type, data=payload)
        if not isinstance(body, dict):
            name = payload.get("name")
            found = self.get_by_name(obj_type, str(name)) if name else None
            if found is None:
                raise TransientError(f"POST {obj_type}: empty answer", method="POST")
            return found
        return body

    def update(self, obj_type: str, uuid: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        data = dict(payload)
        data["uuid"] = uuid
        body = self._call("PUT", obj_type, f"{obj_type}/{uuid}", data=data)
        if not isinstance(body, dict):
            return self.get(obj_type, uuid)
        return body

    def delete(self, obj_type: str, uuid: str) -> None:
        self._call("DELETE", obj_type, f"{obj_type}/{uuid}")

    def exists(self, obj_type: str, name: str) -> bool:
        return self.get_by_name(obj_type, name) is not None
