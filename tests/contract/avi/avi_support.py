"""Helpers shared by the avisdk contract tests (a client of the mock's control API)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

USER = "admin"
PASSWORD = "admin"

# Every avisdk contract test module: the marker, and silence the SDK's verify=False banner.
MARKS = [
    pytest.mark.contract,
    pytest.mark.filterwarnings("ignore::UserWarning:avi.sdk.avi_api"),
]


def body_of(rsp: requests.Response) -> Any:
    """The JSON body of any response (avisdk's ``json()`` raises on errors)."""
    return json.loads(rsp.text)


class MockControl:
    """The mock's control API, over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.auth = (USER, PASSWORD)

    def reset(self) -> None:
        self.http.post(f"{self.url}/__mock__/reset").raise_for_status()

    def state(self) -> dict[str, Any]:
        rsp = self.http.get(f"{self.url}/__mock__/state")
        rsp.raise_for_status()
        body: dict[str, Any] = rsp.json()
        return body

    def journal(self, since: int = 0) -> list[dict[str, Any]]:
        rsp = self.http.get(f"{self.url}/__mock__/journal", params={"since": since})
        rsp.raise_for_status()
        entries: list[dict[str, Any]] = rsp.json()
        return entries

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        rsp = self.http.post(f"{self.url}/__mock__/faults", json=rule)
        assert rsp.status_code == 201, rsp.text
        body: dict[str, Any] = rsp.json()
        return body

    def faults(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.http.get(f"{self.url}/__mock__/faults").json()
        return entries

    def expire_sessions(self) -> int:
        rsp = self.http.post(f"{self.url}/__mock__/sessions/expire")
        rsp.raise_for_status()
        return int(rsp.json()["expired"])
