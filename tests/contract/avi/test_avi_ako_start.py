"""What the real AKO needs at start-up and on its first VS POST, with avisdk.

Empty refs mean "not set"; every type AKO lists answers an empty collection; the DNS domain
list of a cloud; ``cluster/runtime`` with the leader's ``up_since`` (AKO restarts itself when
it changes, so a reset must keep it).
"""

from __future__ import annotations

import pytest
from avi.sdk.avi_api import ApiSession

from tests.contract.avi.avi_support import MARKS, MockControl

pytestmark = MARKS

# Types AKO reads at start-up (cache refresh) and when it validates its CRDs.
AKO_READS = (
    "pkiprofile",
    "applicationpersistenceprofile",
    "stringgroup",
    "vsdatascriptset",
    "httppolicyset",
    "wafpolicy",
    "errorpageprofile",
    "ssopolicy",
    "authprofile",
    "icapprofile",
    "securitypolicy",
    "networksecuritypolicy",
    "botdetectionpolicy",
    "trafficcloneprofile",
    "protocolparser",
)


def _vsvip(api: ApiSession, name: str) -> str:
    rsp = api.post(
        "vsvip",
        data={
            "name": name,
            "vip": [
                {
                    "vip_id": "0",
                    "auto_allocate_ip": True,
                    "ipam_network_subnet": {"network_ref": "/api/network/?name=vip-network"},
                }
            ],
            "vrf_context_ref": "",
        },
    )
    assert rsp.status_code == 201, rsp.text
    return str(rsp.json()["url"])


def test_vs_with_empty_refs_is_accepted_and_they_stay_unset(api: ApiSession):
    vip_url = _vsvip(api, "ako-vip")
    rsp = api.post(
        "virtualservice",
        data={
            "name": "ako-vs",
            "vsvip_ref": vip_url,
            "services": [{"port": 80, "override_network_profile_ref": ""}],
            "application_profile_ref": "/api/applicationprofile/?name=System-L4-Application",
            "error_page_profile_ref": "",
            "ssl_profile_ref": "",
            "waf_policy_ref": "",
            "ssl_key_and_certificate_refs": ["", "  "],
            "icap_request_profile_refs": [],
        },
    )
    assert rsp.status_code == 201, rsp.text
    vs = api.get(f"virtualservice/{rsp.json()['uuid']}").json()
    for key in ("error_page_profile_ref", "ssl_profile_ref", "waf_policy_ref"):
        assert key not in vs
    assert "override_network_profile_ref" not in vs["services"][0]
    assert vs["ssl_key_and_certificate_refs"] == []
    # An unset ref with a default gets the default, as when it is absent.
    assert (
        api.get(f"vsvip/{vip_url.rsplit('/', 1)[1].split('#')[0]}")
        .json()["vrf_context_ref"]
        .endswith(api.get_object_by_name("vrfcontext", "global")["uuid"])
    )


def test_patch_with_an_empty_ref_unsets_it(api: ApiSession):
    rsp = api.post(
        "pool",
        data={"name": "p", "application_persistence_profile_ref": "", "pki_profile_ref": ""},
    )
    assert rsp.status_code == 201, rsp.text
    uuid = rsp.json()["uuid"]
    patched = api.patch(f"pool/{uuid}", data={"replace": {"ssl_profile_ref": ""}})
    assert patched.status_code == 200, patched.text
    assert "ssl_profile_ref" not in patched.json()


@pytest.mark.parametrize("obj_type", AKO_READS)
def test_types_ako_reads_answer_an_empty_collection(api: ApiSession, obj_type: str):
    params = {
        "include_name": "true",
        "created_by": "ako-cluster",
        "page_size": "100",
        "cloud_ref.name": "Default-Cloud",
    }
    rsp = api.get(obj_type, tenant="*", params=params)
    assert rsp.status_code == 200, rsp.text
    assert rsp.json() == {"count": 0, "results": []}
    assert api.get(obj_type, params={"name": "missing"}).json()["count"] == 0


def test_generic_type_round_trip(api: ApiSession):
    rsp = api.post(
        "stringgroup",
        data={
            "name": "cluster--sg",
            "type": "SG_TYPE_STRING",
            "kv": [{"key": "a"}],
            "markers": [{"key": "created_by", "values": ["ako-cluster"]}],
        },
    )
    assert rsp.status_code == 201, rsp.text
    found = api.get(
        "stringgroup",
        tenant="*",
        params={"label_key": "created_by", "label_value": "ako-cluster"},
    ).json()
    assert found["count"] == 1 and found["results"][0]["kv"] == [{"key": "a"}]
    assert api.delete(f"stringgroup/{rsp.json()['uuid']}").status_code == 204


def test_dns_domain_list_of_a_cloud(api: ApiSession):
    cloud = api.get_object_by_name("cloud", "Default-Cloud")
    rsp = api.get(f"ipamdnsproviderprofiledomainlist?cloud_uuid={cloud['uuid']}")
    assert rsp.status_code == 200, rsp.text
    assert rsp.json() == {"domains": []}
    dns = api.post(
        "ipamdnsproviderprofile",
        data={
            "name": "dns",
            "type": "IPAMDNS_TYPE_INTERNAL_DNS",
            "internal_profile": {"dns_service_domain": [{"domain_name": "avi.internal"}]},
        },
    )
    assert dns.status_code == 201, dns.text
    cloud["dns_provider_ref"] = dns.json()["url"]
    assert api.put(f"cloud/{cloud['uuid']}", data=cloud).status_code == 200
    rsp = api.get(f"ipamdnsproviderprofiledomainlist?cloud_uuid={cloud['uuid']}")
    assert rsp.json() == {"domains": ["avi.internal"]}


def test_cluster_runtime_has_an_active_leader_with_up_since(api: ApiSession, mock: MockControl):
    body = api.get("cluster/runtime").json()
    assert body["cluster_state"]["state"] in ("CLUSTER_UP_NO_HA", "CLUSTER_UP_HA_ACTIVE")
    leaders = [n for n in body["node_states"] if n["role"] == "CLUSTER_LEADER"]
    assert len(leaders) == 1
    up_since = leaders[0]["up_since"]
    assert isinstance(up_since, str) and len(up_since) == 19
    mock.reset()
    again = api.get("cluster/runtime").json()["node_states"][0]
    assert again["up_since"] == up_since and again["name"] == leaders[0]["name"]
