"""Test TLS material: a certificate and its private key written as PEM files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization


def write_pem_pair(cert: Any, key: Any, cert_path: Path, key_path: Path) -> tuple[Path, Path]:
    """Write ``cert`` (an x509 certificate) and ``key`` (its private key, unencrypted,
    traditional OpenSSL format) to the two paths; returns them."""
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
