"""Tenancy as the real controller does it, with avisdk.

Admin-tenant profiles (and the infrastructure: cloud, VRF, networks, SE groups) are shared with
every tenant, and a tenant's edit of one makes that tenant's own copy (copy-on-write), leaving
the admin object alone; everything else (pools, VSes, VsVips, ...) is isolated per tenant;
``*`` is for reading across tenants, never for writing; ``X-Avi-Tenant-UUID`` names a tenant
by uuid.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from avi.sdk.avi_api import ApiSession

from mock_avi import errors
from tests.contract.avi.avi_support import MARKS, body_of

pytestmark = MARKS


@pytest.fixture
def team(api: ApiSession, new_session: Callable[..., ApiSession]) -> tuple[ApiSession, str]:
    tenant = api.post("tenant", data={"name": "team-a"})
    assert tenant.status_code == 201, tenant.text
    return new_session(tenant="team-a"), tenant.json()["uuid"]


def test_admin_pools_and_vses_are_not_visible_from_another_tenant(
    api: ApiSession, team: tuple[ApiSession, str]
):
    a, _ = team
    pool = api.post("pool", data={"name": "admin-pool"}).json()
    assert a.get("pool", params={"name": "admin-pool"}).json()["count"] == 0
    assert a.get(f"pool/{pool['uuid']}").status_code == 404
    rsp = a.post("virtualservice", data={"name": "vs", "pool_ref": "/api/pool?name=admin-pool"})
    assert rsp.status_code == 400
    assert body_of(rsp)["error"] == errors.NOT_FOUND.format(model="Pool")
    assert a.post("pool", data={"name": "admin-pool"}).status_code == 201, "own namespace"


def test_admin_profiles_are_shared_and_copied_on_write(
    api: ApiSession, team: tuple[ApiSession, str]
):
    a, tenant_uuid = team
    shared = a.get_object_by_name("healthmonitor", "System-TCP")
    assert shared is not None and shared["tenant_ref"].endswith("/api/tenant/admin")
    assert a.get_object_by_name("cloud", "Default-Cloud") is not None
    shared["send_interval"] = 30
    edited = a.put(f"healthmonitor/{shared['uuid']}", data=shared)
    assert edited.status_code == 200, edited.text
    copy = edited.json()
    assert copy["uuid"] != shared["uuid"], "a new object, the tenant's own"
    assert copy["tenant_ref"].endswith(f"/api/tenant/{tenant_uuid}#team-a")
    assert copy["send_interval"] == 30 and copy["name"] == "System-TCP"
    original = api.get(f"healthmonitor/{shared['uuid']}").json()
    assert original["send_interval"] == 10, "the admin object is unchanged"
    # the tenant now sees its copy in place of the shared one, by name and in lists
    assert a.get_object_by_name("healthmonitor", "System-TCP")["uuid"] == copy["uuid"]
    names = [
        h["uuid"] for h in a.get("healthmonitor", params={"name": "System-TCP"}).json()["results"]
    ]
    assert names == [copy["uuid"]]
    pool = a.post(
        "pool", data={"name": "p", "health_monitor_refs": ["/api/healthmonitor?name=System-TCP"]}
    ).json()
    assert pool["health_monitor_refs"][0].split("#")[0].endswith(copy["uuid"])
    # a PATCH from another tenant copies as well
    b_tenant = api.post("tenant", data={"name": "team-b"}).json()
    b = ApiSession(
        controller_ip=a.controller_ip, username="admin", password="admin", tenant="team-b"
    )
    patched = b.patch(f"healthmonitor/{shared['uuid']}", data={"replace": {"send_interval": 40}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["tenant_ref"].endswith(f"{b_tenant['uuid']}#team-b")
    assert api.get(f"healthmonitor/{shared['uuid']}").json()["send_interval"] == 10


def test_star_tenant_reads_everything_and_writes_nothing(
    api: ApiSession, team: tuple[ApiSession, str]
):
    a, _ = team
    mine = a.post("pool", data={"name": "mine"}).json()
    assert api.get("pool", tenant="*").json()["count"] == 1
    for rsp in (
        api.post("pool", data={"name": "star"}, tenant="*"),
        api.put(f"pool/{mine['uuid']}", data={"name": "x"}, tenant="*"),
        api.delete(f"pool/{mine['uuid']}", tenant="*"),
    ):
        assert rsp.status_code == 403
        assert body_of(rsp)["error"] == errors.ALL_TENANTS_READ_ONLY
    assert api.get("pool", tenant="*").json()["results"][0]["name"] == "mine"


def test_tenant_uuid_header_is_honoured(
    api: ApiSession, team: tuple[ApiSession, str], new_session: Callable[..., ApiSession]
):
    a, tenant_uuid = team
    by_uuid = new_session(tenant_uuid=tenant_uuid)
    made = by_uuid.post("pool", data={"name": "via-uuid"})
    assert made.status_code == 201, made.text
    assert made.json()["tenant_ref"].endswith(f"/api/tenant/{tenant_uuid}#team-a")
    assert a.get_object_by_name("pool", "via-uuid") is not None
    assert api.get_object_by_name("pool", "via-uuid") is None
    unknown = new_session(tenant_uuid="tenant-nope")
    rsp = unknown.get("pool")
    assert rsp.status_code == 403
    assert body_of(rsp)["error"] == errors.TENANT_MISSING.format(tenant="tenant-nope")
