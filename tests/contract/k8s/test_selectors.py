"""Label and field selectors through the official client: every operator form, and objects
loaded through the control API with label values that are not strings (never a 500)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from .helpers import lb_service

pytestmark = pytest.mark.contract


def _names(core: client.CoreV1Api, **kwargs: Any) -> list[str]:
    # raw body: the client's models reject the non-string label values some tests load
    resp = core.list_namespaced_service("default", _preload_content=False, **kwargs)
    return sorted(item["metadata"]["name"] for item in json.loads(resp.data)["items"])


@pytest.fixture
def labelled(core: client.CoreV1Api) -> None:
    for name, labels in (("a", {"tier": "web"}), ("b", {"tier": "db"}), ("c", {})):
        body = lb_service(name)
        body["metadata"]["labels"] = labels
        core.create_namespaced_service("default", body)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=web", ["a"]),
        ("tier==web", ["a"]),
        ("tier!=web", ["b", "c"]),
        ("tier in (web,db)", ["a", "b"]),
        ("tier notin (web)", ["b", "c"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c"]),
        ("tier,tier!=db", ["a"]),
    ],
)
def test_label_selector_forms(
    core: client.CoreV1Api, labelled: None, selector: str, expected: list[str]
) -> None:
    assert _names(core, label_selector=selector) == expected


def test_field_selector_forms(core: client.CoreV1Api, labelled: None) -> None:
    assert _names(core, field_selector="metadata.name=b") == ["b"]
    assert _names(core, field_selector="metadata.name!=b") == ["a", "c"]
    assert _names(core, field_selector="metadata.name==c,metadata.namespace=default") == ["c"]


def test_selectors_on_loaded_non_string_label_values(
    core: client.CoreV1Api, control: Callable[..., Any]
) -> None:
    """A state load does not validate labels: selectors must still answer, not 500."""
    state = control("GET", "state")
    svc = lb_service("odd")
    svc["metadata"].update(namespace="default", labels={"tier": ["web"], "n": 1})
    control("PUT", "state", json={"objects": [*state["objects"], svc]})
    assert _names(core, label_selector="tier in (web)") == []
    assert _names(core, label_selector="tier notin (web)") == ["odd"]
    assert _names(core, label_selector="n=1") == []
    assert _names(core, label_selector="tier") == ["odd"]
