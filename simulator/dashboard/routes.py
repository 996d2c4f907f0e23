"""HTTP routes of the dashboard, mounted by the engine's endpoint.

``GET /`` the page, ``GET /dashboard.js`` and ``GET /dashboard.css`` its assets (package data,
read once), ``GET /api/view`` the JSON the page polls, ``GET /api/view/raw`` the raw inputs
(Services, Warning Events, Avi objects) for the CLI. :meth:`DashboardRoutes.handle` answers
``None`` for any other path so the endpoint can route it. Read-only.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from werkzeug.wrappers import Request, Response

from simulator.dashboard.data import DashboardData, EngineLike

ASSETS = {
    "/": ("index.html", "text/html"),
    "/index.html": ("index.html", "text/html"),
    "/dashboard.js": ("dashboard.js", "text/javascript"),
    "/dashboard.css": ("dashboard.css", "text/css"),
}
VIEW_PATH = "/api/view"
RAW_PATH = "/api/view/raw"


@cache
def asset(name: str) -> str:
    """The text of one packaged asset."""
    return resources.files("simulator.dashboard").joinpath(name).read_text(encoding="utf-8")


def _json(body: Any) -> Response:
    response = Response(json.dumps(body, sort_keys=True), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


class DashboardRoutes:
    """The dashboard's share of the engine endpoint."""

    def __init__(self, engine: EngineLike) -> None:
        self._engine = engine
        self._data: DashboardData | None = None

    @property
    def data(self) -> DashboardData:
        if self._data is None:
            self._data = DashboardData(self._engine)
        return self._data

    def handle(self, request: Request) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        path = request.path.rstrip("/") or "/"
        if path in ASSETS:
            name, mimetype = ASSETS[path]
            response = Response(asset(name), mimetype=mimetype)
            response.headers["Cache-Control"] = "no-cache"
            return response
        if path == VIEW_PATH:
            return _json(self.data.view())
        if path == RAW_PATH:
            return _json(self.data.raw())
        return None
