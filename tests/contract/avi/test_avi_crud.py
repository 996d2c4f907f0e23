"""Generic CRUD with avisdk: identity, references, lists and paging, PUT/PATCH/DELETE."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from avi.sdk.avi_api import ApiSession, ObjectNotFound

from mock_avi import errors
from mock_avi.server import RunningServer
from tests.contract.avi.avi_support import MARKS

pytestmark = MARKS


def _chain(
    api: ApiSession, suffix: str = ""
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The test_basic_vs chain: pool -> vsvip -> virtualservice, refs as name queries."""
    pool = api.post(
        "pool",
        data={
            "name": f"pool{suffix}",
            "servers": [{"ip": {"addr": "10.90.0.1", "type": "V4"}, "port": 8080}],
            "health_monitor_refs": ["/api/healthmonitor/?name=System-TCP"],
            "created_by": "ako-test",
        },
    )
    assert pool.status_code == 201, pool.text
    vsvip = api.post(
        "vsvip",
        data={
            "name": f"vip{suffix}",
            "vip": [
                {
                    "vip_id": "0",
                    "auto_allocate_ip": True,
                    "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
                }
            ],
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "tenant_ref": "/api/tenant/?name=admin",
            "vrf_context_ref": "/api/vrfcontext?name=global",
        },
    )
    assert vsvip.status_code == 201, vsvip.text
    vs = api.post(
        "virtualservice",
        data={
            "name": f"vs{suffix}",
            "vsvip_ref": f"/api/vsvip/?name=vip{suffix}",
            "pool_ref": pool.json()["url"],
            "application_profile_ref": "/api/applicationprofile/?name=System-L4-Application",
            "network_profile_ref": "/api/networkprofile/?name=System-TCP-Proxy",
            "se_group_ref": "/api/serviceenginegroup?name=Default-Group",
            "services": [{"port": 80}],
            "created_by": "ako-test",
        },
    )
    assert vs.status_code == 201, vs.text
    return pool.json(), vsvip.json(), vs.json()


def test_pool_vsvip_virtualservice_chain(api: ApiSession):
    pool, vsvip, vs = _chain(api)
    assert pool["uuid"].startswith("pool-")
    assert pool["url"].endswith(f"/api/pool/{pool['uuid']}#pool")
    assert isinstance(pool["_last_modified"], str) and pool["_last_modified"].isdigit()
    # defaults filled in as the controller does
    assert pool["lb_algorithm"] == "LB_ALGORITHM_LEAST_CONNECTIONS"
    assert pool["default_server_port"] == 80
    assert pool["servers"][0]["enabled"] is True and pool["servers"][0]["ratio"] == 1
    assert pool["tenant_ref"].endswith("/api/tenant/admin#admin")
    assert pool["cloud_ref"].endswith("#Default-Cloud")
    assert vsvip["vip"][0]["ip_address"] == {"addr": "100.64.196.61", "type": "V4"}
    assert vs["vsvip_ref"] == vsvip["url"]
    assert vs["pool_ref"] == pool["url"]
    assert vs["se_group_ref"].endswith("#Default-Group")
    assert vs["vrf_context_ref"].endswith("#global")
    assert vs["analytics_profile_ref"].endswith("#System-Analytics-Profile")
    assert vs["services"][0]["port_range_end"] == 80
    assert vs["enabled"] is True and vs["type"] == "VS_TYPE_NORMAL"
    # plain GET: refs are uuid URLs without #name
    got = api.get(f"virtualservice/{vs['uuid']}").json()
    assert got["pool_ref"] == pool["url"].split("#")[0]
    assert "#" not in got["url"]
    with_names = api.get(f"virtualservice/{vs['uuid']}", params={"include_name": ""}).json()
    assert with_names["pool_ref"] == pool["url"]


def test_vs_defaults_without_profiles(api: ApiSession):
    vs = api.post("virtualservice", data={"name": "plain", "services": [{"port": 443}]}).json()
    assert vs["application_profile_ref"].endswith("#System-HTTP")
    assert vs["network_profile_ref"].endswith("#System-TCP-Proxy")


def test_post_returns_location_and_slug_forces_uuid(api: ApiSession):
    rsp = api.post("pool", data={"name": "forced"}, force_uuid="pool-force-42")
    assert rsp.status_code == 201
    assert rsp.json()["uuid"] == "pool-force-42"
    assert rsp.headers["Location"] == rsp.json()["url"]
    again = api.post("pool", data={"name": "other"}, force_uuid="pool-force-42")
    assert again.status_code == 409


def test_a_name_with_a_lone_surrogate_is_created_and_answered(api: ApiSession):
    """JSON may escape a lone surrogate (``"\\ud800"``); the standard library reads it, and so
    does the mock: the create is answered (its Location quoted as UTF-8 with surrogatepass)
    instead of a 500 after the object was stored."""
    rsp = api.post("pool", data={"name": "odd-\ud800"})
    assert rsp.status_code == 201, rsp.text
    assert rsp.headers["Location"].endswith("#odd-%ED%A0%80")
    assert api.get(f"pool/{rsp.json()['uuid']}").json()["name"] == "odd-\ud800"


def test_lookup_by_name_and_delete_by_name(api: ApiSession):
    _chain(api)
    assert api.get_object_by_name("pool", "pool")["name"] == "pool"
    assert api.get_object_by_name("pool", "missing") is None
    assert api.delete_by_name("virtualservice", "vs").status_code == 204
    assert api.get_object_by_name("virtualservice", "vs") is None
    with pytest.raises(ObjectNotFound):
        api.delete_by_name("virtualservice", "vs")


def test_get_unknown_uuid_is_404(api: ApiSession):
    rsp = api.get("pool/pool-nope")
    assert rsp.status_code == 404
    assert rsp.text and errors.NOT_FOUND.format(model="Pool") in rsp.text
    assert api.delete("pool/pool-nope").status_code == 404


def test_unknown_type_is_a_clear_404(api: ApiSession):
    rsp = api.get("frobnicator")
    assert rsp.status_code == 404
    assert "frobnicator" in rsp.text


def test_trailing_slashes_and_name_queries_with_cloud(
    api: ApiSession, http: requests.Session, avi_server: RunningServer
):
    pool, _, _ = _chain(api)
    url = avi_server.url
    assert http.get(f"{url}/api/pool/").json()["count"] == 1
    assert http.get(f"{url}/api/pool/{pool['uuid']}/?include_name").json()["name"] == "pool"
    rsp = api.post(
        "poolgroup",
        data={
            "name": "pg",
            "members": [{"pool_ref": "/api/pool?name=pool&cloud=Default-Cloud&tenant=admin"}],
        },
    )
    assert rsp.status_code == 201, rsp.text
    assert rsp.json()["members"][0]["pool_ref"] == pool["url"]
    rsp = api.post(
        "poolgroup",
        data={"name": "pg2", "members": [{"pool_ref": "/api/pool?name=pool&cloud=Other"}]},
    )
    assert rsp.status_code == 400


def test_refs_in_every_accepted_form(api: ApiSession):
    pool = api.post("pool", data={"name": "target"}).json()
    forms = [
        pool["url"],
        pool["url"].split("#")[0],
        f"/api/pool/{pool['uuid']}",
        "/api/pool?name=target",
        "/api/pool/?name=target",
    ]
    for i, ref in enumerate(forms):
        rsp = api.post("poolgroup", data={"name": f"pg{i}", "members": [{"pool_ref": ref}]})
        assert rsp.status_code == 201, (ref, rsp.text)
        assert rsp.json()["members"][0]["pool_ref"] == pool["url"]


def test_get_objects_iter_over_several_pages(api: ApiSession):
    for i in range(7):
        assert api.post("pool", data={"name": f"it-{i}"}).status_code == 201
    names = [p["name"] for p in api.get_objects_iter("pool", params={"page_size": 3})]
    assert names == [f"it-{i}" for i in range(7)]
    first = api.get("pool", params={"page_size": 3}).json()
    assert first["count"] == 7 and len(first["results"]) == 3
    assert "/api/pool" in first["next"] and "page=2" in first["next"]
    last = api.get("pool", params={"page_size": 3, "page": 3}).json()
    assert len(last["results"]) == 1 and "next" not in last
    assert api.get("pool", params={"page_size": 201}).status_code == 400


def test_list_filters(api: ApiSession):
    pool, vsvip, vs = _chain(api)
    api.post(
        "pool", data={"name": "alpha-1", "markers": [{"key": "clustername", "values": ["c1"]}]}
    )
    api.post("pool", data={"name": "alpha-2"})

    def names(**params: str) -> list[str]:
        body = api.get("pool", params=params).json()
        assert body["count"] == len(body["results"])
        return sorted(r["name"] for r in body["results"])

    assert names(name="alpha-1") == ["alpha-1"]
    assert names(**{"name.contains": "alpha"}) == ["alpha-1", "alpha-2"]
    assert names(**{"name.in": "alpha-2,pool,zzz"}) == ["alpha-2", "pool"]
    assert names(**{"uuid.in": pool["uuid"]}) == ["pool"]
    assert names(created_by="ako-test") == ["pool"]
    assert names(**{"cloud_ref.name": "Default-Cloud"}) == ["alpha-1", "alpha-2", "pool"]
    assert names(**{"cloud_ref.name": "nope"}) == []
    assert names(
        refers_to=f"healthmonitor:{pool['health_monitor_refs'][0].split('/')[-1].split('#')[0]}"
    ) == ["pool"]
    assert names(referred_by=f"virtualservice:{vs['uuid']}") == ["pool"]
    assert names(label_key="clustername", label_value="c1") == ["alpha-1"]
    vs_list = api.get("virtualservice", params={"refers_to": f"vsvip:{vsvip['uuid']}"}).json()
    assert [v["name"] for v in vs_list["results"]] == ["vs"]
    slim = api.get("pool", params={"name": "pool", "fields": "servers"}).json()["results"][0]
    assert set(slim) == {"url", "uuid", "name", "servers"}
    short = api.get("pool", params={"name": "pool", "skip_default": "true"}).json()["results"][0]
    assert "lb_algorithm" not in short and "servers" in short
    named = api.get(
        "virtualservice",
        params={"include_name": "true", "created_by": "ako-test", "page_size": 200},
    ).json()
    assert named["results"][0]["pool_ref"].endswith("#pool")


def test_put_replaces_the_whole_object(api: ApiSession):
    pool = api.post(
        "pool", data={"name": "p", "lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN", "description": "d"}
    ).json()
    body = {"name": "p2", "servers": [{"ip": {"addr": "10.0.0.9"}}]}
    rsp = api.put(f"pool/{pool['uuid']}", data=body)
    assert rsp.status_code == 200
    new = rsp.json()
    assert new["name"] == "p2" and "description" not in new
    assert new["lb_algorithm"] == "LB_ALGORITHM_LEAST_CONNECTIONS"
    assert new["uuid"] == pool["uuid"]
    assert int(new["_last_modified"]) > int(pool["_last_modified"])
    assert api.get_object_by_name("pool", "p") is None
    # sending the object back unchanged works (also with its _last_modified)
    assert api.put(f"pool/{pool['uuid']}", data=new).status_code == 200


def test_put_with_stale_last_modified_is_412(api: ApiSession):
    pool = api.post("pool", data={"name": "p"}).json()
    assert api.put(f"pool/{pool['uuid']}", data={**pool, "description": "x"}).status_code == 200
    rsp = api.put(f"pool/{pool['uuid']}", data={**pool, "description": "y"})
    assert rsp.status_code == 412
    assert errors.NEED_RELOAD.format(model="Pool") in rsp.text


def test_patch_add_replace_delete(api: ApiSession):
    pool = api.post("pool", data={"name": "p", "servers": [{"ip": {"addr": "10.0.0.1"}}]}).json()
    path = f"pool/{pool['uuid']}"
    rsp = api.patch(
        path,
        data={
            "add": {
                "servers": [{"ip": {"addr": "10.0.0.2"}}],
                "health_monitor_refs": ["/api/healthmonitor?name=System-TCP"],
            }
        },
    )
    assert rsp.status_code == 200, rsp.text
    assert [s["ip"]["addr"] for s in rsp.json()["servers"]] == ["10.0.0.1", "10.0.0.2"]
    assert rsp.json()["health_monitor_refs"][0].endswith("#System-TCP")
    rsp = api.patch(path, data={"replace": {"lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN"}})
    assert rsp.json()["lb_algorithm"] == "LB_ALGORITHM_ROUND_ROBIN"
    rsp = api.patch(
        path,
        data={
            "delete": {
                "servers": [{"ip": {"addr": "10.0.0.1"}}],
                "health_monitor_refs": ["/api/healthmonitor?name=System-TCP"],
            }
        },
    )
    assert [s["ip"]["addr"] for s in rsp.json()["servers"]] == ["10.0.0.2"]
    assert rsp.json()["health_monitor_refs"] == []
    rsp = api.patch(
        path,
        data={
            "json_patch": [
                {"op": "add", "path": "/servers/0/port", "value": 8443},
                {"op": "add", "path": "/description", "value": "patched"},
            ]
        },
    )
    assert rsp.status_code == 200, rsp.text
    assert rsp.json()["servers"][0]["port"] == 8443 and rsp.json()["description"] == "patched"
    bad = api.patch(path, data={"json_patch": [{"op": "remove", "path": "/nope"}]})
    assert bad.status_code == 400
    assert api.patch(path, data={"frobnicate": {}}).status_code == 400


def test_l4policyset_rule_refs_and_inventory(api: ApiSession):
    _, vsvip, _ = _chain(api)
    api.post("pool", data={"name": "udp-pool"})
    ps = api.post(
        "l4policyset",
        data={
            "name": "ps",
            "l4_connection_policy": {
                "rules": [
                    {
                        "name": "/api/pool?name=udp-pool",
                        "index": 0,
                        "action": {
                            "select_pool": {
                                "action_type": "L4_RULE_ACTION_SELECT_POOL",
                                "pool_ref": "/api/pool?name=udp-pool",
                            }
                        },
                        "match": {
                            "port": {"ports": [53], "match_criteria": "IS_IN"},
                            "protocol": {"match_criteria": "IS_IN", "protocol": "PROTOCOL_UDP"},
                        },
                    }
                ]
            },
        },
    )
    assert ps.status_code == 201, ps.text
    rule = ps.json()["l4_connection_policy"]["rules"][0]
    assert rule["action"]["select_pool"]["pool_ref"].endswith("#udp-pool")
    assert rule["enable"] is True
    vs = api.post(
        "virtualservice",
        data={
            "name": "l4",
            "vsvip_ref": vsvip["url"],
            "network_profile_ref": "/api/networkprofile/?name=System-UDP-Fast-Path",
            "application_profile_ref": "/api/applicationprofile/?name=System-L4-Application",
            "services": [{"port": 53}],
            "enabled": False,
            "l4_policies": [{"index": 0, "l4_policy_set_ref": "/api/l4policyset/?name=ps"}],
        },
    )
    assert vs.status_code == 201, vs.text
    inv = api.get("virtualservice-inventory", params={"name": "l4"}).json()["results"][0]
    assert inv["runtime"]["oper_status"]["state"] == "OPER_DISABLED"
    # The Go SDK's shapes: one vip_summary object, pools as [{ref}].
    assert inv["runtime"]["vip_summary"]["ip_address"]["addr"] == "100.64.196.61"
    udp = api.get_object_by_name("pool", "udp-pool")["uuid"]
    assert any(p["ref"].endswith(udp) for p in inv["pools"])
    up = api.get(
        f"virtualservice-inventory/{api.get_object_by_name('virtualservice', 'vs')['uuid']}"
    ).json()
    assert up["runtime"]["oper_status"]["state"] == "OPER_UP"
    assert api.post("virtualservice-inventory", data={"name": "x"}).status_code == 405
