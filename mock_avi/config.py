"""Settings of one mock controller (a dataclass; no I/O, no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class MockAviConfig:
    user: str = "admin"
    password: str = "admin"
    seed_file: Path | None = None
    seed_state: dict[str, Any] | None = None  # a state document, instead of the default seed
    allow_basic_auth: bool = True  # systemconfiguration.portal_configuration default
    version: str = "30.2.1"  # controller version reported by /login and /api/initial-data
    # X-Avi-Version when a request sends none: None = the controller's own version (the
    # reference's advice); "16.4.2" reproduces the real controller (avisdk's recordings).
    default_api_version: str | None = None
    build: int = 9001
    license_tier: str = "ENTERPRISE"
    session_idle_timeout: float = 15 * 60.0  # controller.api_idle_timeout
    default_page_size: int = 25
    check_last_modified: bool = True  # PUT with a stale _last_modified -> 412
    uuid_seed: int | None = 0  # fixes generated uuids (None: random)
