"""Answers the mock keeps between requests stay right, and connections are kept alive.

Each stored object's answer is encoded once per variant and reused (``render.encoded``); these
tests change what an answer shows through another object (a rename) or a tenant, and check that
reads and lists follow. The server keeps HTTP/1.1 connections open over HTTP and HTTPS, as the
real controller does for avisdk and the Go SDK. The codec reads and writes what the standard
library did.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl

import pytest
from avi.sdk.avi_api import ApiSession

from mock_avi import codec
from mock_avi.server import RunningServer, start_server
from tests.contract.avi.avi_support import MARKS, PASSWORD, USER

pytestmark = MARKS

BASIC = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}


def _pool_and_vs(api: ApiSession) -> tuple[dict[str, object], dict[str, object]]:
    pool = api.post("pool", data={"name": "before", "servers": [{"ip": {"addr": "10.0.0.1"}}]})
    assert pool.status_code == 201, pool.text
    vs = api.post(
        "virtualservice",
        data={"name": "vs", "pool_ref": pool.json()["url"], "services": [{"port": 80}]},
    )
    assert vs.status_code == 201, vs.text
    return pool.json(), vs.json()


def test_a_rename_shows_in_the_answers_of_the_objects_that_refer_to_it(api: ApiSession):
    pool, vs = _pool_and_vs(api)
    path = f"virtualservice/{vs['uuid']}"
    named = {"include_name": "true"}
    assert api.get(path, params=named).json()["pool_ref"].endswith("#before")
    listed = api.get("virtualservice", params={"name": "vs", **named}).json()["results"]
    assert listed[0]["pool_ref"].endswith("#before")

    rsp = api.patch(f"pool/{pool['uuid']}", data={"replace": {"name": "after"}})
    assert rsp.status_code == 200, rsp.text

    assert api.get(path, params=named).json()["pool_ref"].endswith("#after")
    listed = api.get("virtualservice", params={"name": "vs", **named}).json()["results"]
    assert listed[0]["pool_ref"].endswith("#after")
    # Without include_name the ref is the bare URL, before and after alike.
    assert "#" not in api.get(path).json()["pool_ref"]


def test_an_update_is_what_the_next_read_and_list_show(api: ApiSession):
    pool, _ = _pool_and_vs(api)
    for n in range(3):
        rsp = api.patch(f"pool/{pool['uuid']}", data={"replace": {"description": f"d{n}"}})
        assert rsp.status_code == 200 and rsp.json()["description"] == f"d{n}"
        assert api.get(f"pool/{pool['uuid']}").json()["description"] == f"d{n}"
        listed = api.get("pool", params={"name": "before"}).json()["results"]
        assert [p["description"] for p in listed] == [f"d{n}"]


def test_a_tenant_lists_its_own_objects_and_the_star_tenant_all(api: ApiSession):
    assert api.post("tenant", data={"name": "team"}).status_code == 201
    for name in ("a", "b"):
        rsp = api.post("pool", data={"name": name}, tenant="team")
        assert rsp.status_code == 201, rsp.text
    assert api.post("pool", data={"name": "c"}).status_code == 201

    def names(tenant: str) -> list[str]:
        body = api.get("pool", params={"page_size": 1}, tenant=tenant).json()
        everything = api.get("pool", params={"page_size": 200}, tenant=tenant).json()
        assert body["count"] == everything["count"] == len(everything["results"])
        return sorted(p["name"] for p in everything["results"])

    assert names("team") == ["a", "b"]
    assert names("admin") == ["c"]
    assert names("*") == ["a", "b", "c"]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_connections_are_kept_alive(avi_server: RunningServer, tls: bool):
    server = start_server(port=0, tls=tls) if tls else avi_server
    try:
        if tls:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", server.port, context=ssl._create_unverified_context()
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", server.port)
        ports = set()
        for path in ("/api/cloud", "/api/tenant", "/api/cloud"):
            conn.request("GET", path, headers=BASIC)
            rsp = conn.getresponse()
            rsp.read()
            assert rsp.status == 200 and rsp.getheader("Connection") != "close"
            assert conn.sock is not None
            ports.add(conn.sock.getsockname()[1])
        assert len(ports) == 1  # one connection served the three requests
        conn.close()
    finally:
        if tls:
            server.stop()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":123456789012345678901234567890,"b":-18446744073709551617}',
        b'{"a":NaN,"b":[Infinity,-Infinity],"c":1e400}',
        b'{"a":"\\ud800","b":"\\u00e9\\u4e2d"}',
        b'{"a":[1.5,1e16,-0.0,0.1],"b":{"c":null,"d":true}}',
    ],
)
def test_the_codec_reads_and_writes_what_the_standard_library_did(raw: bytes):
    value = codec.loads(raw)
    assert repr(value) == repr(json.loads(raw))
    assert repr(json.loads(codec.dumps(value))) == repr(json.loads(raw))


def test_the_codec_reports_bad_json_as_the_standard_library(raw: bytes = b'{"a": tru}'):
    with pytest.raises(json.JSONDecodeError) as ours:
        codec.loads(raw)
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(raw)
    assert str(ours.value) == str(theirs.value)


def test_a_path_with_a_doubled_leading_slash_is_served(avi_server: RunningServer):
    """AKO's Go SDK asks for ``//api/initial-data`` (prefix ``https://host/`` + ``/api/...``);
    the controller's web server merges the slashes."""
    conn = http.client.HTTPConnection("127.0.0.1", avi_server.port)
    conn.request("GET", "//api/initial-data")
    rsp = conn.getresponse()
    assert rsp.status == 200, rsp.read()
    assert json.loads(rsp.read())["version"]["Version"]
    conn.request("GET", "//api/cloud?name=Default-Cloud", headers=BASIC)
    rsp = conn.getresponse()
    assert rsp.status == 200 and json.loads(rsp.read())["count"] == 1
    conn.close()


def test_auto_allocation_takes_the_lowest_free_address_after_a_release(api: ApiSession):
    """Allocation starts past the addresses known held, and a release starts it over."""

    def vip(name: str) -> tuple[str, str]:
        body = {"name": name, "vip": [{"vip_id": "0", "auto_allocate_ip": True}]}
        rsp = api.post("vsvip", data=body)
        assert rsp.status_code == 201, rsp.text
        return rsp.json()["uuid"], rsp.json()["vip"][0]["ip_address"]["addr"]

    made = [vip(f"v{i}") for i in range(3)]
    assert [a for _, a in made] == ["100.64.196.61", "100.64.196.62", "100.64.196.63"]
    assert api.delete(f"vsvip/{made[1][0]}").status_code == 204
    assert vip("again")[1] == "100.64.196.62"
    assert vip("next")[1] == "100.64.196.64"
