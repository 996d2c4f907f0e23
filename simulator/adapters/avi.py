"""The Avi transport: a small typed interface over Avi's own SDK (``avisdk`` ``ApiSession``).

The engine talks to any Avi controller (the mock or a real one) through :class:`AviApi`. Failures
are mapped to one error hierarchy (:class:`AviError` and subclasses) that the reconciler turns
into retry decisions. Nothing here sleeps or retries a failed call: retries are the work
queue's job (only a 401/419 logs in again and repeats the call, as the SDK does and as a real
client must).

The SDK logs in and supplies every header and cookie; the calls themselves go through one bare
HTTP/1.1 transport (``simulator.adapters.http1``, see :class:`AviSdkClient`), shared by every
thread.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from simulator.adapters import jsoncodec
from simulator.adapters.http1 import Http1Transport, TlsSettings

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


def _transport_for(prefix: str, size: int, verify: bool) -> Http1Transport:
    """Calls to the controller at the SDK's ``prefix`` (its scheme, host and port); over https
    the certificate is checked as the SDK's session would (``verify``, with requests' CA
    bundle) or not at all."""
    parts = urlsplit(prefix)
    tls = TlsSettings(
        verify=verify, ca_file=requests.utils.DEFAULT_CA_BUNDLE_PATH if verify else None
    )
    return Http1Transport(f"{parts.scheme}://{parts.netloc}", tls=tls, max_idle=size)


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
    """:class:`AviApi`: avisdk's ``ApiSession`` logs in; every call then goes through one bare
    HTTP/1.1 transport (:class:`~simulator.adapters.http1.Http1Transport`: a third of the CPU
    of urllib3 per call) with the headers and cookies the SDK would send.

    ``requests`` prepared each SDK call anew (cookie jars merged and copied, settings merged,
    URL parsed, a pool looked up): about a fifth of the engine's time at N=1000. Here the SDK
    stays the source of truth for what a call carries: its login and its re-login
    (``reset_session``), its session cache (the CSRF token and session id it keeps per
    controller and user), and its own request headers (``Referer``, ``Content-Type``,
    ``timeout``, ``X-Avi-Tenant``, ``X-Avi-Version`` when one is configured, ``X-CSRFToken``),
    built by the SDK and cached until its session changes. Cookies are the SDK's
    (``csrftoken``, ``sessionid``, ``avi-sessionid``). A 401 or 419 logs in again and retries, as
    the SDK does, at most :attr:`MAX_API_RETRIES` times. One session is shared by every thread
    (the transport lends each call a handle of its own); a re-login by one thread serves the
    others.
    """

    PAGE_SIZE = 200
    MAX_API_RETRIES = 3  # avisdk's ApiSession.MAX_API_RETRIES
    POOL_SIZE = 64  # connections are opened on demand; more threads than this would churn them
    _TOUCH_EVERY = 60.0  # seconds between updates of the SDK's session "last used" stamp

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
        api_version: str | None = None,
    ) -> None:
        self.controller = controller.rstrip("/")
        self._user = user
        self._password = password
        self.tenant = tenant
        self.timeout = timeout
        self.created_by = created_by
        self.name_prefix = name_prefix
        self.api_version = api_version
        self._observer = observer
        self._lock = threading.Lock()  # login, re-login, the cached headers
        self._api: Any = None  # the SDK's ApiSession once logged in
        self._sdk: Any = None  # the avi.sdk.avi_api module (its session cache)
        self._pool: Http1Transport | None = None
        self._base = ""  # the path of the SDK's prefix, if any
        # (token, sid), the headers, and their header block for the transport
        self._auth: tuple[tuple[str, str], dict[str, str], bytes] | None = None
        self._touched = 0.0

    # -- the SDK session ------------------------------------------------------------------------
    def _login(self) -> Any:
        """The SDK's session, logging in on first use."""
        api = self._api
        if api is not None:
            return api
        with self._lock:
            if self._api is not None:
                return self._api
            from avi.sdk import avi_api
            from avi.sdk.avi_api import APIError, ApiSession

            self._sdk = avi_api

            verify = not self.controller.startswith("https")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    api = ApiSession(
                        controller_ip=self.controller,
                        username=self._user,
                        password=self._password,
                        tenant=self.tenant,
                        verify=verify,
                        timeout=self.timeout,
                        api_version=self.api_version,
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
            # The SDK's own requests.Session only logs in (and again after a 401); it keeps no
            # cookie of its own (the session cache supplies them), and reads no proxy, CA bundle
            # or ~/.netrc settings that cannot apply.
            api.cookies.set_policy(_NO_COOKIES)
            api.cookies.clear()
            if not _environment_applies(self.controller, verify):
                api.trust_env = False
            # the SDK's prefix: a bare host means https, as for the SDK's own calls
            self._pool = _transport_for(api.prefix, self.POOL_SIZE, verify)
            self._base = urlsplit(api.prefix).path.rstrip("/")
            self._api = api
            return api

    @property
    def sdk_session(self) -> Any:
        """The SDK's ``ApiSession`` this client logged in with (logging in on first use)."""
        return self._login()

    def _session_entry(self, api: Any) -> Mapping[str, Any]:
        """The SDK's cached session (CSRF token, session id) for this controller and user."""
        # looked up on the module each time: clear_cached_sessions() rebinds it
        entry: Mapping[str, Any] = self._sdk.sessionDict.get(api.key) or {}
        return entry

    def request_headers(self) -> dict[str, str]:
        """The headers (``Cookie`` included) the next call sends: the SDK's headers for its
        current session, rebuilt by the SDK whenever its CSRF token or session id changes."""
        return dict(self._headers()[0])

    def _headers(self) -> tuple[Mapping[str, str], bytes]:
        """The headers of the next call and the transport's header block of them (built once
        per session)."""
        api = self._login()
        entry = self._session_entry(api)
        key = (str(entry.get("csrftoken") or ""), str(entry.get("session_id") or ""))
        auth = self._auth
        if auth is not None and auth[0] == key and key[0]:
            return auth[1], auth[2]
        with self._lock:
            sdk_headers = api._get_api_headers("", "", self.timeout, None, self.api_version)
            entry = self._session_entry(api)  # the SDK logs in there when it has no session
            token = str(sdk_headers.get("X-CSRFToken") or entry.get("csrftoken") or "")
            sid = str(entry.get("session_id") or "")
            # the SDK's session has no headers of its own (it empties requests' defaults)
            headers = {k: str(v) for k, v in sdk_headers.items()}
            cookies = [("csrftoken", token)] if token else []
            if sid:
                cookies += [("sessionid", sid), ("avi-sessionid", sid)]
            if cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies)
            pool = self._pool
            lines = [f"{name}: {value}" for name, value in headers.items()]
            block = pool.header_block(lines) if pool is not None else b""
            self._auth = ((token, sid), headers, block)
            return headers, block

    def _relogin(self, stale_headers: Mapping[str, str]) -> None:
        """Log in again (the SDK's ``reset_session``) unless another thread already did since
        ``stale_headers`` were built (the SDK's session then has another CSRF token)."""
        with self._lock:
            current = str(self._session_entry(self._api).get("csrftoken") or "")
            if current and current != stale_headers.get("X-CSRFToken"):
                return
            self._auth = None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._api.reset_session()

    def _touch(self, api: Any) -> None:
        """Keep the SDK's "last used" stamp of the session fresh: the SDK logs out sessions idle
        for 20 minutes whenever another ApiSession is made in this process."""
        now = time.monotonic()
        if now - self._touched < self._TOUCH_EVERY:
            return
        self._touched = now
        api._update_session_last_used()

    def close(self) -> None:
        """Close the connection pool and the SDK's HTTP session (the SDK's login cache stays)."""
        with self._lock:
            pool, self._pool = self._pool, None
            api, self._api = self._api, None
            self._auth = None
        for closable in (pool, api):
            if closable is None:
                continue
            try:
                closable.close()
            except Exception:  # pragma: no cover - closing is best effort
                log.debug("closing an Avi connection failed", exc_info=True)

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
        body = jsoncodec.dumps(data) if data is not None else None
        try:
            api = self._login()
            url = f"{self._base}/api/{path}"
            if params:
                url += "?" + urlencode(list(params.items()))
            for attempt in range(self.MAX_API_RETRIES + 1):
                headers, block = self._headers()
                status, payload = self._send(method, url, body, block)
                if status not in (401, 419) or attempt == self.MAX_API_RETRIES:
                    break
                log.info("Avi %s %s answered %d: logging in again", method, path, status)
                self._relogin(headers)
        except (OSError, requests.RequestException) as exc:
            self._observe(method, obj_type, "error")
            raise TransientError(
                f"{method} {path}: {type(exc).__name__}: {exc}", method=method, path=path
            ) from exc
        except AviError:
            raise
        except Exception as exc:  # the SDK raises APIError when a re-login fails
            code = getattr(getattr(exc, "rsp", None), "status_code", None)
            self._observe(method, obj_type, str(code) if code else "error")
            if isinstance(code, int):
                text = getattr(getattr(exc, "rsp", None), "text", "") or str(exc)
                raise classify(code, text, obj_type=obj_type, method=method, path=path) from exc
            raise TransientError(f"{method} {path}: {exc}", method=method, path=path) from exc
        self._touch(api)
        self._observe(method, obj_type, str(status))
        if not 200 <= status < 300:
            text = payload.decode("utf-8", "replace")
            raise classify(status, text, obj_type=obj_type, method=method, path=path)
        if not payload.strip():
            return None
        try:
            return jsoncodec.loads(payload)
        except ValueError as exc:
            raise TransientError(
                f"{method} {path}: the controller answered non-JSON", status=status
            ) from exc

    def _send(self, method: str, url: str, body: bytes | None, block: bytes) -> tuple[int, bytes]:
        """One call with the header ``block`` of :meth:`_headers`."""
        pool = self._pool
        if pool is None:
            raise TransientError(f"{method} {url}: the Avi client is closed", method=method)
        answer = pool.request(method, url, block, body, timeout=self.timeout)
        return answer.status, answer.body

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
