"""Fixtures shared by the HTTP server's contract tests (plain and push streams)."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.serving import generate_adhoc_ssl_pair

from tests.support.tls import write_pem_pair


@pytest.fixture(scope="session")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` and its key, as PEM files."""
    cert, key = generate_adhoc_ssl_pair(cn="localhost")
    folder = tmp_path_factory.mktemp("tls")
    return write_pem_pair(cert, key, folder / "cert.pem", folder / "key.pem")
