"""Defaults of a CRD's structural schema, applied on write as the apiextensions server does.

A ``default`` fills a field that is absent (or null without ``nullable``) inside an object that
is there; a missing parent object is not made up; a value given is kept. AKO relies on it: its
L4Rule CRD defaults ``spec.applicationProfileRef`` to ``System-L4-Application``, and AKO
dereferences it unchecked when a listener enables SSL.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mock_k8s.server import RunningServer

GADGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "mode": {"type": "string", "default": "fast"},
                                    "size": {"type": "integer", "default": 3},
                                    "note": {"type": "string", "nullable": True, "default": "n"},
                                    "limits": {
                                        "type": "object",
                                        "properties": {
                                            "cpu": {"type": "integer", "default": 1},
                                        },
                                    },
                                    "ports": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "port": {"type": "integer"},
                                                "ssl": {"type": "boolean", "default": False},
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}
GADGETS = "/apis/example.com/v1/namespaces/default/gadgets"


@pytest.fixture
def gadgets(k8s_server: RunningServer) -> str:
    resp = requests.post(
        f"{k8s_server.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        json=GADGET_CRD,
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    return f"{k8s_server.url}{GADGETS}"


def _create(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    body = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    resp = requests.post(url, json={**body, "spec": spec}, timeout=10)
    assert resp.status_code == 201, resp.text
    stored = requests.get(f"{url}/g", timeout=10).json()
    assert stored["spec"] == resp.json()["spec"]
    return dict(stored["spec"])


def test_absent_fields_take_their_defaults_and_given_values_stay(gadgets: str) -> None:
    spec = _create(gadgets, {"size": 5, "ports": [{"port": 80}, {"port": 443, "ssl": True}]})
    assert spec == {
        "mode": "fast",
        "size": 5,
        "note": "n",
        "ports": [{"port": 80, "ssl": False}, {"port": 443, "ssl": True}],
    }  # no "limits": a missing parent object is not made up


def test_inside_a_parent_that_is_there_and_null_without_nullable(gadgets: str) -> None:
    spec = _create(gadgets, {"mode": None, "note": None, "limits": {}})
    assert spec["mode"] == "fast"  # null, not nullable: defaulted
    assert spec["note"] is None  # nullable: the null is kept
    assert spec["limits"] == {"cpu": 1}


def test_an_l4rule_defaults_its_application_profile(k8s_server: RunningServer) -> None:
    url = f"{k8s_server.url}/apis/ako.vmware.com/v1alpha2/namespaces/default/l4rules"
    rule = {
        "apiVersion": "ako.vmware.com/v1alpha2",
        "kind": "L4Rule",
        "metadata": {"name": "ssl"},
        "spec": {"listenerProperties": [{"port": 80, "protocol": "TCP", "enableSsl": True}]},
    }
    resp = requests.post(url, json=rule, timeout=10)
    assert resp.status_code == 201, resp.text
    assert resp.json()["spec"]["applicationProfileRef"] == "System-L4-Application"
