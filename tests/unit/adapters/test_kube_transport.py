"""The Kubernetes transport's calls (through the bare HTTP/1.1 transport) against a small real
HTTPS server, configured only by a kubeconfig as the kubernetes client reads it: the server's
certificate is checked against the kubeconfig's CA (a wrong CA is a transport failure,
``insecure-skip-tls-verify`` skips the check), a client certificate is presented, the bearer
token and JSON headers are sent, and lists, the Service status patch, a custom resource's
status patch and a watch go to the API paths."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from simulator.adapters.kube import L4RULES, NAMESPACES, KubeClient, KubeError

TOKEN = "secret-token"


def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, Any]]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        out = json.dumps(
            {"kind": "List", "metadata": {"resourceVersion": "7"}, "items": [{"metadata": {}}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_PATCH = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def tls_files(tmp_path: Path) -> dict[str, Path]:
    server_cert, server_key = _self_signed(tmp_path, "server")
    other_ca, _ = _self_signed(tmp_path, "other")
    client_cert, client_key = _self_signed(tmp_path, "client")
    return {
        "server_cert": server_cert,
        "server_key": server_key,
        "other_ca": other_ca,
        "client_cert": client_cert,
        "client_key": client_key,
    }


def _serve(tls_files: dict[str, Path], *, require_client_cert: bool) -> Any:
    handler = type("Handler", (_Api,), {"seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files["server_cert"], tls_files["server_key"])
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(tls_files["client_cert"])
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, handler


@pytest.fixture
def served(tls_files: dict[str, Path]) -> Iterator[tuple[str, type[_Api]]]:
    httpd, handler = _serve(tls_files, require_client_cert=True)
    yield f"https://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def _kubeconfig(tmp_path: Path, server: str, cluster: dict[str, Any], user: dict[str, Any]) -> str:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "c",
        "clusters": [{"name": "k", "cluster": {"server": server, **cluster}}],
        "users": [{"name": "u", "user": {"token": TOKEN, **user}}],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(config))  # JSON is YAML
    return str(path)


def _client_cert(tls_files: dict[str, Path]) -> dict[str, str]:
    return {
        "client-certificate": str(tls_files["client_cert"]),
        "client-key": str(tls_files["client_key"]),
    }


def _tls_client(tmp_path: Path, url: str, tls_files: dict[str, Path], ca: str) -> KubeClient:
    """A client whose kubeconfig trusts ``tls_files[ca]`` and presents the client certificate."""
    cluster = {"certificate-authority": str(tls_files[ca])}
    return KubeClient(_kubeconfig(tmp_path, url, cluster, _client_cert(tls_files)))


def test_calls_over_https_with_the_kubeconfigs_ca_and_client_certificate(
    tmp_path: Path, tls_files: dict[str, Path], served: tuple[str, type[_Api]]
) -> None:
    url, handler = served
    client = _tls_client(tmp_path, url, tls_files, "server_cert")
    try:
        listed = client.list_objects(NAMESPACES)
        assert listed.resource_version == "7"
        assert listed.items == [{"metadata": {}, "kind": "Namespace", "apiVersion": "v1"}]
        client.patch_service_status("ns-1", "svc", {"status": {"loadBalancer": {}}})
        client.patch_custom_status(L4RULES, "ns-1", "rule", {"status": "Accepted"})
        watched = list(client.watch(NAMESPACES, "7", 5))  # a body by length: one line
        assert watched == [
            {"kind": "List", "metadata": {"resourceVersion": "7"}, "items": [{"metadata": {}}]}
        ]
    finally:
        client.close()
    listing, status, custom, watch = handler.seen
    assert (listing["method"], listing["path"]) == ("GET", "/api/v1/namespaces?limit=500")
    assert listing["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert listing["headers"]["accept"] == "application/json"
    assert (status["method"], status["path"]) == (
        "PATCH",
        "/api/v1/namespaces/ns-1/services/svc/status",
    )
    assert status["headers"]["content-type"] == "application/merge-patch+json"
    assert json.loads(status["body"]) == {"status": {"loadBalancer": {}}}
    assert custom["path"] == "/apis/ako.vmware.com/v1alpha2/namespaces/ns-1/l4rules/rule/status"
    assert json.loads(custom["body"]) == {"status": {"status": "Accepted"}}
    assert (watch["method"], watch["path"]) == (
        "GET",
        "/api/v1/namespaces?allowWatchBookmarks=true&resourceVersion=7&timeoutSeconds=5&watch=true",
    )
    assert watch["headers"]["authorization"] == f"Bearer {TOKEN}"


def test_a_server_certificate_the_ca_did_not_sign_is_a_transport_failure(
    tmp_path: Path, tls_files: dict[str, Path], served: tuple[str, type[_Api]]
) -> None:
    url, handler = served
    client = _tls_client(tmp_path, url, tls_files, "other_ca")
    try:
        with pytest.raises(KubeError) as caught:
            client.list_objects(NAMESPACES)
        assert caught.value.status is None and caught.value.transient
    finally:
        client.close()
    assert handler.seen == []


def test_insecure_skip_tls_verify_skips_the_check(
    tmp_path: Path, tls_files: dict[str, Path], served: tuple[str, type[_Api]]
) -> None:
    url, handler = served
    kubeconfig = _kubeconfig(
        tmp_path, url, {"insecure-skip-tls-verify": True}, _client_cert(tls_files)
    )
    client = KubeClient(kubeconfig)
    try:
        assert client.server_resource_version() == "7"
    finally:
        client.close()
    assert handler.seen[0]["path"] == "/api/v1/namespaces?limit=1"


def test_without_the_client_certificate_the_server_refuses_the_handshake(
    tmp_path: Path, tls_files: dict[str, Path], served: tuple[str, type[_Api]]
) -> None:
    url, handler = served
    kubeconfig = _kubeconfig(
        tmp_path, url, {"certificate-authority": str(tls_files["server_cert"])}, {}
    )
    client = KubeClient(kubeconfig)
    try:
        with pytest.raises(KubeError) as caught:
            client.list_objects(NAMESPACES)
        assert caught.value.status is None
    finally:
        client.close()
    assert handler.seen == []
