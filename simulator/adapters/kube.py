"""The Kubernetes transport: the official ``kubernetes`` client, speaking raw JSON.

The client's kubeconfig loader and ``ApiClient`` supply the host, TLS settings, default headers
and auth; every call (lists, Service status, core/v1 Events, custom-resource status) and every
watch then goes through a bare HTTP/1.1 transport (``simulator.adapters.http1``) with those
headers and a prepared JSON body, and answers are decoded to plain dicts; an API server behind a
proxy or with a TLS server name of its own is reached through the ``ApiClient``'s urllib3 pools.
The generated API methods are not used: their model deserialisation is slow and lossy, their
per-call argument validation and serialisation cost more than the request itself, and importing
them (``CoreV1Api`` and its pydantic schemas) cost about 1.5 CPU seconds at every start.

A watch may be told which versions its caller already holds (``watch(..., holds=...)``): a
MODIFIED event of such a version (the echo of the engine's own status patch, whose answer the
engine already stored) is then read for its object's name, namespace and resourceVersion only
(``msgspec`` typed decoding skips the rest without building it) and handed out as a ``HELD``
event, instead of being decoded whole to be thrown away.

Errors are mapped to :class:`KubeError` (with ``status``; ``status is None`` for transport
failures) and :class:`Gone` (410). Nothing here retries or sleeps: the informers and the work
queue decide what happens next.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

import msgspec
import urllib3

from simulator.adapters import jsoncodec
from simulator.adapters.http1 import Answer, Http1Transport, Stream, TlsSettings, TransportError

log = logging.getLogger("ako_sim.kube")

MERGE_PATCH = "application/merge-patch+json"
JSON = "application/json"


def _seg(value: str) -> str:
    """A path segment, percent-encoded as the generated client does."""
    return quote(value, safe="")


@dataclass(frozen=True)
class Resource:
    """A watched resource type."""

    name: str  # short name used in logs, metrics and /debug/state
    group: str  # "" for core
    version: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def collection_path(self) -> str:
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        return f"{prefix}/{self.plural}"


SERVICES = Resource("services", "", "v1", "services", True)
ENDPOINTSLICES = Resource("endpointslices", "discovery.k8s.io", "v1", "endpointslices", True)
NODES = Resource("nodes", "", "v1", "nodes", False)
NAMESPACES = Resource("namespaces", "", "v1", "namespaces", False)
AVIINFRASETTINGS = Resource(
    "aviinfrasettings", "ako.vmware.com", "v1beta1", "aviinfrasettings", False
)
L4RULES = Resource("l4rules", "ako.vmware.com", "v1alpha2", "l4rules", True)
WATCHED = (SERVICES, ENDPOINTSLICES, NODES, NAMESPACES, AVIINFRASETTINGS, L4RULES)


class KubeError(Exception):
    """A failed API call; ``status`` is the HTTP code, ``None`` for transport failures."""

    def __init__(self, message: str, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason

    @property
    def transient(self) -> bool:
        return self.status is None or self.status >= 500 or self.status == 429


class Gone(KubeError):
    """410: the resourceVersion is too old; relist."""


@dataclass(frozen=True)
class ListResult:
    items: list[dict[str, Any]]
    resource_version: str


#: ``holds(metadata)``: whether the watch's caller already holds the version of the object whose
#: ``metadata`` (name, namespace, resourceVersion) is given
Holds = Callable[[dict[str, str]], bool]
#: the type of a MODIFIED event whose version the caller holds: its object is
#: ``{"metadata": {"name": ..., "namespace": ..., "resourceVersion": ...}}`` only
HELD = "HELD"


class WatchStream(Protocol):
    """Watch events as raw dicts ``{"type": ..., "object": {...}}``; ``close`` ends it early."""

    def __iter__(self) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class KubeApi(Protocol):
    """What the engine needs from an API server."""

    def list_objects(self, resource: Resource) -> ListResult: ...

    def watch(
        self,
        resource: Resource,
        resource_version: str,
        timeout_seconds: int,
        *,
        holds: Holds | None = None,
    ) -> WatchStream: ...

    def server_resource_version(self) -> str: ...

    def patch_service_status(
        self, namespace: str, name: str, body: Mapping[str, Any]
    ) -> dict[str, Any]: ...

    def list_events(self) -> list[dict[str, Any]]: ...

    def create_event(self, namespace: str, body: Mapping[str, Any]) -> None: ...

    def patch_event(self, namespace: str, name: str, body: Mapping[str, Any]) -> None: ...

    def patch_custom_status(
        self, resource: Resource, namespace: str | None, name: str, status: Mapping[str, Any]
    ) -> dict[str, Any]: ...


def _error_from(exc: BaseException) -> KubeError:
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException):
        status = int(exc.status) if exc.status else None
        message = str(exc.reason or "")
        reason = ""
        body = exc.body
        if isinstance(body, (bytes, bytearray)):
            body = body.decode("utf-8", "replace")
        if isinstance(body, str) and body:
            try:
                parsed = json.loads(body)
                message = str(parsed.get("message") or message)
                reason = str(parsed.get("reason") or "")
            except (ValueError, AttributeError):
                message = body[:300]
        cls = Gone if status == 410 else KubeError
        return cls(f"HTTP {status}: {message}", status=status, reason=reason)
    return KubeError(f"{type(exc).__name__}: {exc}", status=None)


def _error_from_response(status: int, reason: str, data: bytes) -> KubeError:
    """The error for a non-2xx answer of a raw write (same mapping as :func:`_error_from`)."""
    message, api_reason = reason, ""
    text = data.decode("utf-8", "replace") if data else ""
    if text:
        try:
            parsed = json.loads(text)
            message = str(parsed.get("message") or message)
            api_reason = str(parsed.get("reason") or "")
        except (ValueError, AttributeError):
            message = text[:300]
    cls = Gone if status == 410 else KubeError
    return cls(f"HTTP {status}: {message}", status=status, reason=api_reason)


#: seconds between two runs of the kubeconfig loader's token refresh hook
AUTH_REFRESH_EVERY = 1.0


def _throttle_refresh(configuration: Any, every: float) -> None:
    """Run the kubeconfig loader's ``refresh_api_key_hook`` at most once per ``every`` seconds.

    The hook re-reads the user's token (and refreshes it once expired) and copies the whole
    kubeconfig (host, certificates, proxy) onto the configuration: a proxy lookup in the
    environment on every request. An expiring token is then picked up within ``every``. The
    loader's hook installs itself again each time it runs; the throttle takes its place again.
    """
    hook = getattr(configuration, "refresh_api_key_hook", None)
    if hook is None:
        return
    state: dict[str, Any] = {"hook": hook, "last": float("-inf")}
    lock = threading.Lock()

    def throttled(config: Any) -> None:
        now = time.monotonic()
        with lock:
            if now - state["last"] < every:
                return
            state["last"] = now
            state["hook"](config)
            current = getattr(config, "refresh_api_key_hook", None)
            if current is not None and current is not throttled:
                state["hook"] = current  # the loader put (a new) itself back
            config.refresh_api_key_hook = throttled

    configuration.refresh_api_key_hook = throttled


def _socket_of(response: Any) -> Any:
    """The socket under a streaming urllib3 response (to interrupt a blocked read)."""
    conn = getattr(response, "connection", None)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        return sock
    fp = getattr(getattr(response, "_fp", None), "fp", None)  # http.client -> BufferedReader
    raw = getattr(fp, "raw", None)  # socket.SocketIO
    return getattr(raw, "_sock", None)


class _RawWatch:
    """Iterates the lines of a chunked watch response; ``close`` interrupts a blocked read."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        buffer = bytearray()
        try:
            for chunk in self._response.stream(amt=None, decode_content=False):
                if self._closed.is_set():
                    return
                buffer.extend(chunk)
                while True:
                    newline = buffer.find(b"\n")
                    if newline < 0:
                        break
                    line = bytes(buffer[:newline]).strip()
                    del buffer[: newline + 1]
                    if not line:
                        continue
                    try:
                        event = jsoncodec.loads(line)
                    except ValueError:
                        log.warning("ignoring a watch line that is not JSON: %.200r", line)
                        continue
                    if isinstance(event, dict):
                        yield event
        except Exception as exc:
            if self._closed.is_set():
                return
            if not isinstance(exc, (urllib3.exceptions.HTTPError, OSError, ValueError)):
                raise
            raise KubeError(f"watch interrupted: {type(exc).__name__}: {exc}") from exc
        finally:
            self._release()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        sock = _socket_of(self._response)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._release()

    def _release(self) -> None:
        with contextlib.suppress(Exception):
            self._response.close()
        with contextlib.suppress(Exception):
            self._response.release_conn()


class _PeekMeta(msgspec.Struct, frozen=True):
    name: str = ""
    namespace: str = ""
    resourceVersion: str = ""  # the API's field name


class _PeekObject(msgspec.Struct, frozen=True):
    metadata: _PeekMeta = _PeekMeta()


class _PeekEvent(msgspec.Struct, frozen=True):
    type: str = ""
    object: _PeekObject = _PeekObject()


_peek = msgspec.json.Decoder(_PeekEvent).decode
#: how the API server's compact JSON starts a MODIFIED event (any other spelling is decoded whole)
_MODIFIED = b'{"type":"MODIFIED"'


def _held(line: bytes, holds: Holds) -> dict[str, Any] | None:
    """The ``HELD`` event for a MODIFIED ``line`` whose version ``holds`` says is held, else
    None (the line is then decoded whole: another event, a version not held, or not readable
    this way)."""
    try:
        peeked = _peek(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    meta = peeked.object.metadata
    if peeked.type != "MODIFIED" or not meta.resourceVersion or not meta.name:
        return None
    metadata = {
        "name": meta.name,
        "namespace": meta.namespace,
        "resourceVersion": meta.resourceVersion,
    }
    if not meta.namespace:
        del metadata["namespace"]
    if not holds(metadata):
        return None
    return {"type": HELD, "object": {"metadata": metadata}}


class _StreamWatch:
    """Iterates the lines of a watch answer read by :class:`~simulator.adapters.http1.Stream`
    on its own socket; ``close`` interrupts a blocked read. With ``holds``, a MODIFIED event of
    a held version comes out as a ``HELD`` event (see the module docstring)."""

    def __init__(self, stream: Stream, holds: Holds | None = None) -> None:
        self._stream = stream
        self._closed = threading.Event()
        self._holds = holds

    def __iter__(self) -> Iterator[dict[str, Any]]:
        closed = self._closed
        loads = jsoncodec.loads
        holds = self._holds
        try:
            for raw in self._stream.lines():
                if closed.is_set():
                    return
                line = raw.strip()
                if not line:
                    continue
                if holds is not None and line.startswith(_MODIFIED):
                    held = _held(line, holds)
                    if held is not None:
                        yield held
                        continue
                try:
                    event = loads(line)
                except ValueError:
                    log.warning("ignoring a watch line that is not JSON: %.200r", line)
                    continue
                if isinstance(event, dict):
                    yield event
        except (OSError, ValueError) as exc:
            if closed.is_set():
                return
            raise KubeError(f"watch interrupted: {type(exc).__name__}: {exc}") from exc
        finally:
            self._stream.close()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(OSError):
            self._stream.sock.shutdown(socket.SHUT_RDWR)
        self._stream.close()


class _SocketTracker:
    """Remembers the sockets of watch connections so that :meth:`abort` can interrupt a read
    that is still waiting for the response headers (no response object exists yet then)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._aborted = False

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
            aborted = self._aborted
        if aborted:  # a watch opened after abort(): end it at once
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def abort(self) -> None:
        """Interrupt every watch socket, now and from now on."""
        with self._lock:
            self._aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def install(self, api_client: Any) -> None:
        """Make ``api_client``'s connection pools record every socket they open."""
        tracker = self

        class _Http(urllib3.connection.HTTPConnection):
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                tracker.add(sock)
                return sock

        class _Https(urllib3.connection.HTTPSConnection):
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                tracker.add(sock)
                return sock

        class _HttpPool(urllib3.HTTPConnectionPool):
            ConnectionCls = _Http

        class _HttpsPool(urllib3.HTTPSConnectionPool):
            ConnectionCls = _Https

        manager = api_client.rest_client.pool_manager
        manager.pool_classes_by_scheme = {"http": _HttpPool, "https": _HttpsPool}


class KubeClient:
    """:class:`KubeApi` on the official client, configured from a kubeconfig file.

    Watches use their own connection pool whose sockets are tracked, so :meth:`abort_watches`
    (and :meth:`close`) end every watch at once, even one still waiting for its headers.
    """

    def __init__(self, kubeconfig: str | None = None, *, request_timeout: float = 10.0) -> None:
        from kubernetes import client, config

        configuration = client.Configuration()
        try:
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig, client_configuration=configuration
            )
        except Exception as exc:
            raise KubeError(f"cannot load kubeconfig {kubeconfig or '(default)'}: {exc}") from exc
        configuration.connection_pool_maxsize = 32
        configuration.retries = 0
        _throttle_refresh(configuration, AUTH_REFRESH_EVERY)
        self._configuration = configuration
        self._api_client = client.ApiClient(configuration=configuration)
        self._watch_client = client.ApiClient(configuration=configuration)
        self._tracker = _SocketTracker()
        self._tracker.install(self._watch_client)
        self._timeout = request_timeout
        self._pools: dict[bool, tuple[Any, str]] = {}  # watching -> (pool, path prefix)
        self._direct: Http1Transport | None = None  # every call and watch, unless proxied
        self._blocks: dict[tuple[tuple[str, str], ...], bytes] = {}  # headers -> header block
        self._direct_unusable = False
        self._direct_lock = threading.Lock()

    @property
    def host(self) -> str:
        return str(self._configuration.host)

    def abort_watches(self) -> None:
        """Interrupt every open watch (threads blocked in them see an error and return); later
        watches of this client end at once (call it when shutting down)."""
        self._tracker.abort()

    def close(self) -> None:
        self.abort_watches()
        with self._direct_lock:
            direct, self._direct = self._direct, None
            self._direct_unusable = True  # closed: later calls take the (closed) urllib3 pools
        if direct is not None:
            direct.close()
        for api_client in (self._api_client, self._watch_client):
            try:
                api_client.close()  # type: ignore[no-untyped-call]
            except Exception:  # pragma: no cover - best effort
                log.debug("closing the kubernetes client failed", exc_info=True)

    # -- list / watch ---------------------------------------------------------------------------
    def list_objects(self, resource: Resource) -> ListResult:
        items: list[dict[str, Any]] = []
        token: str | None = None
        resource_version = ""
        path = resource.collection_path()
        while True:
            query: list[tuple[str, str]] = [("limit", "500")]
            if token:
                query.append(("continue", token))
            body = self._get(path, query)
            for item in body.get("items") or []:
                if isinstance(item, dict):
                    item.setdefault("kind", _kind_of(resource))
                    item.setdefault("apiVersion", resource.api_version)
                    items.append(item)
            metadata = body.get("metadata") or {}
            resource_version = str(metadata.get("resourceVersion") or resource_version)
            token = metadata.get("continue") or None
            if not token:
                return ListResult(items, resource_version)

    def watch(
        self,
        resource: Resource,
        resource_version: str,
        timeout_seconds: int,
        *,
        holds: Holds | None = None,
    ) -> WatchStream:
        """Watch ``resource`` from ``resource_version``; with ``holds``, MODIFIED events of the
        versions it holds come out as ``HELD`` events (through the bare transport; a watch
        through a proxy decodes every event)."""
        query = [
            ("allowWatchBookmarks", "true"),
            ("resourceVersion", resource_version),
            ("timeoutSeconds", str(int(timeout_seconds))),
            ("watch", "true"),
        ]
        direct = self._direct_transport()
        if direct is None:
            timeout = urllib3.Timeout(connect=self._timeout, read=timeout_seconds + 30)
            response = self._request(
                "GET", resource.collection_path(), query, None, None, timeout, watching=True
            )
            return _RawWatch(response)
        headers, path = _prepared(
            self._watch_client, "GET", resource.collection_path(), query, None
        )
        try:
            stream = direct.open_stream(
                path,
                [f"{name}: {value}" for name, value in headers.items()],
                connect_timeout=self._timeout,
                read_timeout=timeout_seconds + 30,
                on_socket=self._tracker.add,
            )
        except TransportError as exc:
            raise KubeError(str(exc), status=None) from exc
        if not 200 <= stream.status <= 299:
            try:
                data = stream.read_all()
            except (OSError, ValueError):
                data = b""
            finally:
                stream.close()
            reason = Answer(stream.status, b"").reason
            raise _error_from_response(stream.status, reason, data)
        return _StreamWatch(stream, holds)

    def server_resource_version(self) -> str:
        body = self._get("/api/v1/namespaces", [("limit", "1")])
        return str((body.get("metadata") or {}).get("resourceVersion") or "")

    # -- writes ---------------------------------------------------------------------------------
    def patch_service_status(
        self, namespace: str, name: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        path = f"/api/v1/namespaces/{_seg(namespace)}/services/{_seg(name)}/status"
        return self._write("PATCH", path, body, MERGE_PATCH)

    def list_events(self) -> list[dict[str, Any]]:
        body = self._get("/api/v1/events", [])
        return [item for item in body.get("items") or [] if isinstance(item, dict)]

    # An Event write's answer (the whole Event, managedFields and all) is not read: nobody in the
    # engine uses it, and decoding it was a JSON document per Service for nothing.
    def create_event(self, namespace: str, body: Mapping[str, Any]) -> None:
        path = f"/api/v1/namespaces/{_seg(namespace)}/events"
        self._write("POST", path, body, JSON, decode=False)

    def patch_event(self, namespace: str, name: str, body: Mapping[str, Any]) -> None:
        path = f"/api/v1/namespaces/{_seg(namespace)}/events/{_seg(name)}"
        self._write("PATCH", path, body, MERGE_PATCH, decode=False)

    def patch_custom_status(
        self, resource: Resource, namespace: str | None, name: str, status: Mapping[str, Any]
    ) -> dict[str, Any]:
        prefix = resource.collection_path().rsplit("/", 1)[0]
        where = f"/namespaces/{_seg(namespace or '')}" if resource.namespaced else ""
        path = f"{prefix}{where}/{resource.plural}/{_seg(name)}/status"
        return self._write("PATCH", path, {"status": dict(status)}, MERGE_PATCH)

    # -- helpers --------------------------------------------------------------------------------
    def _get(self, path: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        return self._exchange("GET", path, query, None, None)

    def _write(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any],
        content_type: str,
        *,
        decode: bool = True,
    ) -> dict[str, Any]:
        payload = jsoncodec.dumps(body)
        return self._exchange(method, path, [], payload, content_type, decode=decode)

    def _exchange(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        payload: bytes | None,
        content_type: str | None,
        *,
        decode: bool = True,
    ) -> dict[str, Any]:
        """One call with its whole answer: through the bare transport
        (:mod:`simulator.adapters.http1`, a third of urllib3's CPU per call) unless the API
        server is reached through a proxy or with a TLS server name of its own, then through
        the ApiClient's urllib3 pool. ``decode=False``: the answer is read but not decoded
        (``{}``)."""
        direct = self._direct_transport()
        if direct is None:
            timeout = urllib3.Timeout(total=self._timeout)
            return self._read_json(
                self._request(method, path, query, payload, content_type, timeout), decode
            )
        headers, path = _prepared(self._api_client, method, path, query, content_type)
        try:
            block = self._blocks[tuple(headers.items())]
        except KeyError:
            block = self._header_block(direct, headers)
        try:
            answer = direct.request(method, path, block, payload, timeout=self._timeout)
        except TransportError as exc:
            raise KubeError(str(exc), status=None) from exc
        if not 200 <= answer.status <= 299:
            raise _error_from_response(answer.status, answer.reason, answer.body)
        return _decode(answer.body) if decode else {}

    def _header_block(self, direct: Http1Transport, headers: dict[str, str]) -> bytes:
        """The transport's header block of ``headers``, kept for the next calls with the same
        headers (a call's headers are those of a few kinds of call, until the token changes)."""
        block = direct.header_block(f"{name}: {value}" for name, value in headers.items())
        if len(self._blocks) >= 64:  # tokens that changed: start again
            self._blocks = {}
        self._blocks[tuple(headers.items())] = block
        return block

    def _direct_transport(self) -> Http1Transport | None:
        transport = self._direct
        if transport is not None or self._direct_unusable:
            return transport
        configuration = self._configuration
        if configuration.proxy or getattr(configuration, "tls_server_name", None):
            self._direct_unusable = True
            return None
        tls = TlsSettings(
            verify=bool(configuration.verify_ssl),
            ca_file=configuration.ssl_ca_cert or None,
            cert_file=configuration.cert_file or None,
            key_file=configuration.key_file or None,
            check_hostname=configuration.assert_hostname is not False,
        )
        with self._direct_lock:
            if self._direct is None:
                self._direct = Http1Transport(str(configuration.host), tls=tls, max_idle=32)
            return self._direct

    def _request(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        payload: bytes | None,
        content_type: str | None,
        timeout: urllib3.Timeout,
        *,
        watching: bool = False,
    ) -> Any:
        """One call through an ApiClient's pool (the watch client's for a watch): its host,
        default headers and auth (the auth settings are re-read per call, so a refreshed token
        is used), a prepared body; the streaming response, or :class:`KubeError` for a non-2xx
        answer. The generated API methods are not used: their per-call argument validation and
        serialisation cost more than the request, and importing them ~1.5 CPU s at start."""
        api_client = self._watch_client if watching else self._api_client
        headers, path = _prepared(api_client, method, path, query, content_type)
        pool, url = self._target(path, watching)
        try:
            response = pool.urlopen(
                method,
                url,
                body=payload,
                headers=headers,
                retries=False,
                redirect=False,
                timeout=timeout,
                preload_content=False,
            )
        except urllib3.exceptions.ClosedPoolError:
            # the pool manager dropped it; the next call takes a fresh one
            self._pools.pop(watching, None)
            raise KubeError("the connection pool was closed", status=None) from None
        except Exception as exc:
            raise _error_from(exc) from exc
        if not 200 <= response.status <= 299:
            try:
                data = response.data or b""
            except Exception:
                data = b""
            finally:
                with contextlib.suppress(Exception):
                    response.release_conn()
            raise _error_from_response(response.status, str(response.reason or ""), data)
        return response

    def _target(self, path: str, watching: bool) -> tuple[Any, str]:
        """Where a call goes: the ApiClient's connection pool for the API server (its TLS
        settings and client certificate as configured), looked up once rather than per call,
        and the request path; through a proxy, the pool manager and the full URL."""
        api_client = self._watch_client if watching else self._api_client
        manager = api_client.rest_client.pool_manager
        if self._configuration.proxy:
            return manager, self._configuration.host + path
        target = self._pools.get(watching)
        if target is None:
            host = self._configuration.host
            # a host may carry a path prefix (an API server behind a gateway)
            target = self._pools[watching] = (
                manager.connection_from_url(host),
                urlsplit(host).path.rstrip("/"),
            )
        return target[0], target[1] + path

    @staticmethod
    def _read_json(response: Any, decode: bool = True) -> dict[str, Any]:
        try:
            data = response.data
        except Exception as exc:
            raise _error_from(exc) from exc
        finally:
            with contextlib.suppress(Exception):
                response.release_conn()
        return _decode(data) if decode else {}


def _decode(data: bytes | None) -> dict[str, Any]:
    """An answer's JSON object (``{}`` for an empty body or another JSON value)."""
    if not data:
        return {}
    try:
        body = jsoncodec.loads(data)
    except ValueError as exc:
        raise KubeError(f"the API server answered non-JSON: {data[:200]!r}") from exc
    return body if isinstance(body, dict) else {}


def _kind_of(resource: Resource) -> str:
    return {
        "services": "Service",
        "endpointslices": "EndpointSlice",
        "nodes": "Node",
        "namespaces": "Namespace",
        "aviinfrasettings": "AviInfraSetting",
        "l4rules": "L4Rule",
    }.get(resource.name, resource.plural)


def _prepared(
    api_client: Any,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    content_type: str | None,
) -> tuple[dict[str, str], str]:
    """The headers of a call (the ApiClient's defaults, JSON, its auth settings re-read per call
    so that a refreshed token is used) and its path with the query."""
    headers: dict[str, str] = dict(api_client.default_headers)
    headers["Accept"] = JSON
    if content_type is not None:
        headers["Content-Type"] = content_type
    queries = list(query)
    api_client.update_params_for_auth(headers, queries, ["BearerToken"], path, method, None)
    if queries:
        path += "?" + urlencode(queries)
    return headers, path
