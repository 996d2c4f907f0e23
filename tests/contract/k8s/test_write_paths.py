"""The write paths the engine drives hardest (Service status patches, Event creates), called
in-process through the WSGI app: stored versions never change in place, and the shortcuts
these paths take give the answers the full paths give."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from mock_k8s.app import K8sApp, create_app

pytestmark = pytest.mark.contract

SERVICES = "/api/v1/namespaces/default/services"
MERGE = "application/merge-patch+json"


@pytest.fixture
def app() -> K8sApp:
    return create_app(install_ako_crds=False)


def send(app: K8sApp, method: str, path: str, body: Any, ctype: str = "application/json") -> Any:
    resp = Client(app).open(
        path, method=method, data=json.dumps(body), content_type=ctype,
        headers={"User-Agent": "tests/1.0"},
    )  # fmt: skip
    assert resp.status_code < 300, resp.get_data(as_text=True)
    return resp.get_json()


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"type": "LoadBalancer", "selector": {"app": name},
                 "ports": [{"port": 80, "targetPort": 8080}], **spec},
    }  # fmt: skip


def stored(app: K8sApp, name: str = "web") -> dict[str, Any]:
    found = app.api.store.get("services", "default", name)
    assert found is not None
    return found


def test_a_status_patch_leaves_the_stored_spec_as_it_was(app: K8sApp) -> None:
    send(app, "POST", SERVICES, service())
    before = stored(app)
    spec, cluster_ips = before["spec"], before["spec"]["clusterIPs"]
    status = {"status": {"loadBalancer": {"ingress": [{"ip": "10.1.2.3"}]}}}
    send(app, "PATCH", f"{SERVICES}/web/status", status, MERGE)
    after = stored(app)
    assert after is not before
    assert after["status"]["loadBalancer"]["ingress"] == [{"ip": "10.1.2.3", "ipMode": "VIP"}]
    assert before["spec"] is spec
    assert spec["clusterIPs"] is cluster_ips  # allocation did not write into the stored spec
    assert after["spec"] == spec


def test_a_status_write_completes_an_incomplete_stored_spec_in_a_copy(app: K8sApp) -> None:
    send(app, "POST", SERVICES, service())
    current = stored(app)
    # a stored version without clusterIPs (as a hand-written state could hold it)
    spec = {k: v for k, v in current["spec"].items() if k != "clusterIPs"}
    app.api.store.write("services", "MODIFIED", {**current, "spec": spec}, current)
    before = stored(app)
    status = {"status": {"loadBalancer": {"ingress": [{"ip": "10.1.2.4"}]}}}
    answer = send(app, "PATCH", f"{SERVICES}/web/status", status, MERGE)
    assert "clusterIPs" not in before["spec"]
    assert answer["spec"]["clusterIPs"] == [before["spec"]["clusterIP"]]
    assert stored(app)["spec"]["clusterIPs"] == [before["spec"]["clusterIP"]]
