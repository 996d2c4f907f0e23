"""Everything one mock controller holds: config, store, sessions, faults, journal.

Built by ``create_app``; the HTTP modules reach it through ``backend_of(app)``. ``reset``
restores the seed, clears faults, health marks and the journal, and keeps login sessions alive.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from flask import Flask

from mock_avi.config import MockAviConfig
from mock_avi.faults import Faults
from mock_avi.health import Health
from mock_avi.journal import Journal
from mock_avi.seed import default_state, load_seed_file
from mock_avi.sessions import Sessions
from mock_avi.store import Store

EXTENSION_KEY = "mock_avi"


class Backend:
    def __init__(self, config: MockAviConfig) -> None:
        self.config = config
        self.seed_state = self._seed_state(config)
        self.store = Store(config.uuid_seed, config.check_last_modified)
        self.store.load(copy.deepcopy(self.seed_state))
        # Resets reload this exact snapshot (uuids and _last_modified included).
        self.seed_state = self.store.dump()
        self.sessions = Sessions(config.user, config.password, config.session_idle_timeout)
        self.faults = Faults()
        self.journal = Journal()
        self.health = Health()
        # The controller's leader "up since" (cluster/runtime): fixed for the life of the
        # process, resets included; AKO restarts itself when it changes.
        self.up_since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())

    @staticmethod
    def _seed_state(config: MockAviConfig) -> dict[str, Any]:
        if config.seed_state is not None:
            return copy.deepcopy(config.seed_state)
        if config.seed_file is not None:
            return load_seed_file(config.seed_file)
        return default_state(config.allow_basic_auth, config.license_tier)

    def reset(self) -> None:
        self.store.load(copy.deepcopy(self.seed_state))
        self.faults.remove()
        self.journal.clear()
        self.health.clear()

    def basic_auth_allowed(self) -> bool:
        portal = self.store.sysconfig.get("portal_configuration") or {}
        return bool(portal.get("allow_basic_authentication", self.config.allow_basic_auth))


def backend_of(app: Flask) -> Backend:
    backend = app.extensions[EXTENSION_KEY]
    assert isinstance(backend, Backend)
    return backend
