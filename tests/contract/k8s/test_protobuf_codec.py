"""mock_k8s.protobuf without a server: the field table is complete against the kubernetes
client's models, hand-built wire bytes (as client-go's gogo encoder writes them) decode to what
kubectl sends as JSON, every shape (Time, MicroTime, IntOrString, Quantity, bytes, raw JSON,
managedFields, proto2 presence) comes out right, and encode/decode round-trips every kind."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_k8s import protobuf
from mock_k8s.protobuf import kinds, numbers, schema
from mock_k8s.registry import Registry

# ---- a minimal protobuf wire writer, independent of mock_k8s.protobuf ------------------------


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def vint(num: int, value: int) -> bytes:
    return varint(num << 3) + varint(value)


def ld(num: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(num << 3 | 2) + varint(len(data)) + data


def dbl(num: int, value: float) -> bytes:
    return varint(num << 3 | 1) + struct.pack("<d", value)


def entry(key: str, value: bytes | str) -> bytes:
    return ld(1, key) + ld(2, value)


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    """runtime.Unknown as client-go writes it: typeMeta, raw, and two empty strings."""
    type_meta = ld(1, api_version) + ld(2, kind)
    return b"k8s\x00" + ld(1, type_meta) + ld(2, raw) + ld(3, "") + ld(4, "")


def object_meta(name: str, namespace: str = "", **extra: bytes) -> bytes:
    """ObjectMeta as gogo writes it: every non-pointer field, even empty (name=1 ... uid=5,
    resourceVersion=6, generation=7, creationTimestamp=8 as an empty Time)."""
    body = (
        ld(1, name)
        + ld(2, "")
        + ld(3, namespace)
        + ld(4, "")
        + ld(5, "")
        + ld(6, "")
        + vint(7, 0)
        + ld(8, b"")
    )
    return body + b"".join(extra.values())


# ---- completeness ------------------------------------------------------------------------


def test_every_field_of_every_served_kind_has_a_number() -> None:
    roots = [*kinds.served_models(), schema.SCHEMA_PROPS]
    missing: list[str] = []
    for name in schema.reachable(roots):
        layout = schema.message(name)
        have = {f.json for f in layout.all_fields()}
        for json_name in schema.json_types(name):
            if json_name in ("kind", "apiVersion") and json_name not in have:
                continue  # TypeMeta: carried by the envelope, not the message
            if json_name not in have and json_name not in numbers.UNNUMBERED.get(name, ()):
                missing.append(f"{name}.{json_name}")
    assert missing == []


def test_numbers_are_unique_within_each_message() -> None:
    def check(layout: schema.Message) -> None:
        nums = [f.number for f in layout.fields] + list(layout.inline)
        assert len(nums) == len(set(nums)), layout.name
        for sub in layout.inline.values():
            check(sub)

    for name in numbers.FIELDS:
        check(schema.message(name))


def test_every_builtin_kind_the_server_serves_has_a_message() -> None:
    served = [rt for rt in Registry().all_types() if rt.builtin]
    assert served
    missing = [
        f"{rt.api_version} {rt.kind}"
        for rt in served
        if kinds.model_for(rt.api_version, rt.kind) is None
    ]
    assert missing == []


def test_the_kinds_of_the_issue_are_all_covered() -> None:
    wanted = {
        "v1": [
            "Namespace",
            "Service",
            "Endpoints",
            "Pod",
            "Node",
            "Event",
            "ConfigMap",
            "Secret",
            "ServiceAccount",
            "Binding",
            "DeleteOptions",
        ],
        "discovery.k8s.io/v1": ["EndpointSlice"],
        "events.k8s.io/v1": ["Event"],
        "apps/v1": ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"],
        "autoscaling/v1": ["Scale"],
        "batch/v1": ["Job", "CronJob"],
        "coordination.k8s.io/v1": ["Lease"],
        "networking.k8s.io/v1": ["Ingress", "IngressClass", "NetworkPolicy"],
        "policy/v1": ["PodDisruptionBudget", "Eviction"],
        "rbac.authorization.k8s.io/v1": [
            "Role",
            "ClusterRole",
            "RoleBinding",
            "ClusterRoleBinding",
        ],
        "authorization.k8s.io/v1": ["SelfSubjectAccessReview", "SubjectAccessReview"],
        "authentication.k8s.io/v1": ["SelfSubjectReview"],
        "apiextensions.k8s.io/v1": ["CustomResourceDefinition"],
        "meta.k8s.io/v1": ["DeleteOptions"],
    }
    for api_version, names in wanted.items():
        for kind in names:
            assert kinds.model_for(api_version, kind), (api_version, kind)


# ---- hand-built bytes (client-go's encoding) -----------------------------------------------


def test_lease_as_client_go_writes_it() -> None:
    # LeaseSpec: holderIdentity=1 *string, leaseDurationSeconds=2 *int32, acquireTime=3 and
    # renewTime=4 *MicroTime (seconds=1, nanos=2), leaseTransitions=5 *int32
    micro = vint(1, 1764590400) + vint(2, 123456000)
    spec = ld(1, "ako-0") + vint(2, 15) + ld(3, micro) + ld(4, micro) + vint(5, 0)
    body = envelope(
        "coordination.k8s.io/v1", "Lease", ld(1, object_meta("ako", "avi-system")) + ld(2, spec)
    )
    assert protobuf.decode(body) == {
        "kind": "Lease",
        "apiVersion": "coordination.k8s.io/v1",
        "metadata": {"name": "ako", "namespace": "avi-system"},
        "spec": {
            "holderIdentity": "ako-0",
            "leaseDurationSeconds": 15,
            "acquireTime": "2025-12-01T12:00:00.123456Z",
            "renewTime": "2025-12-01T12:00:00.123456Z",
            "leaseTransitions": 0,  # a pointer: zero kept
        },
    }


def test_delete_options_pointer_fields_and_repeated_dry_run() -> None:
    # DeleteOptions: gracePeriodSeconds=1 *int64, preconditions=2 {uid=1, resourceVersion=2},
    # orphanDependents=3 *bool, propagationPolicy=4 *string, dryRun=5 []string
    raw = vint(1, 0) + ld(2, ld(1, "u-1")) + ld(4, "Foreground") + ld(5, "All")
    assert protobuf.decode(envelope("v1", "DeleteOptions", raw)) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "gracePeriodSeconds": 0,
        "preconditions": {"uid": "u-1"},
        "propagationPolicy": "Foreground",
        "dryRun": ["All"],
    }
    # client-go encodes DeleteOptions in the group version it talks to
    assert protobuf.decode(envelope("apps/v1", "DeleteOptions", b""))["kind"] == "DeleteOptions"


def test_eviction_as_kubectl_drain_sends_it() -> None:
    # Eviction: metadata=1, deleteOptions=2 *DeleteOptions
    raw = ld(1, object_meta("web-0", "default")) + ld(2, vint(1, 30))
    assert protobuf.decode(envelope("policy/v1", "Eviction", raw)) == {
        "kind": "Eviction",
        "apiVersion": "policy/v1",
        "metadata": {"name": "web-0", "namespace": "default"},
        "deleteOptions": {"gracePeriodSeconds": 30},
    }


def test_secret_bytes_are_base64_and_immutable_presence() -> None:
    # Secret: metadata=1, data=2 map<string, bytes>, type=3, stringData=4, immutable=5 *bool
    raw = (
        ld(1, object_meta("creds", "default"))
        + ld(2, entry("password", b"\x00\xffs3cret"))
        + ld(3, "Opaque")
        + ld(4, entry("user", "admin"))
        + vint(5, 0)
    )
    assert protobuf.decode(envelope("v1", "Secret", raw)) == {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "creds", "namespace": "default"},
        "data": {"password": base64.b64encode(b"\x00\xffs3cret").decode()},
        "type": "Opaque",
        "stringData": {"user": "admin"},
        "immutable": False,
    }


def test_service_go_rules_int_or_string_and_non_omitempty_port() -> None:
    # ServicePort: name=1, protocol=2, port=3 (no omitempty), targetPort=4 IntOrString
    # (type=1, intVal=2, strVal=3), nodePort=5
    ports = [
        ld(1, "http")
        + ld(2, "TCP")
        + vint(3, 80)
        + ld(4, vint(1, 0) + vint(2, 8080) + ld(3, ""))
        + vint(5, 0),
        ld(1, "") + ld(2, "UDP") + vint(3, 0) + ld(4, vint(1, 1) + vint(2, 0) + ld(3, "dns")),
    ]
    spec = b"".join(ld(1, p) for p in ports) + ld(2, entry("app", "web")) + ld(4, "LoadBalancer")
    spec += vint(13, 0) + vint(20, 0)  # publishNotReadyAddresses=13 bool, allocate...=20 *bool
    status = ld(1, b"")  # loadBalancer {}
    raw = ld(1, object_meta("web", "default")) + ld(2, spec) + ld(3, status)
    assert protobuf.decode(envelope("v1", "Service", raw)) == {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "ports": [
                {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
                {"protocol": "UDP", "port": 0, "targetPort": "dns"},
            ],
            "selector": {"app": "web"},
            "type": "LoadBalancer",
            "allocateLoadBalancerNodePorts": False,
        },
        "status": {"loadBalancer": {}},
    }


def test_object_meta_owner_references_managed_fields_and_times() -> None:
    owner = ld(1, "ReplicaSet") + ld(3, "web-1") + ld(4, "uid-1") + ld(5, "apps/v1") + vint(6, 1)
    fields_v1 = b'{"f:spec":{"f:replicas":{}}}'
    managed = (
        ld(1, "kubectl")
        + ld(2, "Apply")
        + ld(3, "apps/v1")
        + ld(4, vint(1, 1764590400))
        + ld(6, "FieldsV1")
        + ld(7, ld(1, fields_v1))
    )
    meta = (
        ld(1, "web-1-abc")
        + ld(3, "default")
        + vint(7, 3)
        + ld(8, vint(1, 1764590400))  # creationTimestamp
        + ld(9, vint(1, 1764590460))  # deletionTimestamp
        + vint(10, 30)
        + ld(11, entry("app", "web"))
        + ld(12, entry("note", ""))
        + ld(13, owner)
        + ld(14, "example.com/guard")
        + ld(17, managed)
    )
    out = protobuf.decode(envelope("v1", "Pod", ld(1, meta)))
    assert out["metadata"] == {
        "name": "web-1-abc",
        "namespace": "default",
        "generation": 3,
        "creationTimestamp": "2025-12-01T12:00:00Z",
        "deletionTimestamp": "2025-12-01T12:01:00Z",
        "deletionGracePeriodSeconds": 30,
        "labels": {"app": "web"},
        "annotations": {"note": ""},
        "ownerReferences": [
            {
                "kind": "ReplicaSet",
                "name": "web-1",
                "uid": "uid-1",
                "apiVersion": "apps/v1",
                "controller": True,
            }
        ],
        "finalizers": ["example.com/guard"],
        "managedFields": [
            {
                "manager": "kubectl",
                "operation": "Apply",
                "apiVersion": "apps/v1",
                "time": "2025-12-01T12:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {"f:replicas": {}}},
            }
        ],
    }
    # Pod.spec is a non-pointer struct with `containers` (no omitempty): Go writes null
    assert out["spec"] == {"containers": None}
    assert out["status"] == {}


def test_deployment_replicas_zero_kept_unset_omitted_and_quantities() -> None:
    container = (
        ld(1, "nginx")
        + ld(2, "nginx:1.27")
        + ld(8, ld(1, entry("cpu", ld(1, "250m"))) + ld(2, entry("memory", ld(1, "64Mi"))))
    )
    template = ld(1, object_meta("")) + ld(2, ld(2, container))
    spec = vint(1, 0) + ld(2, ld(1, entry("app", "web"))) + ld(3, template)
    spec += ld(4, ld(1, "RollingUpdate") + ld(2, ld(1, vint(1, 1) + ld(3, "25%"))))
    raw = ld(1, object_meta("web", "default")) + ld(2, spec)
    out = protobuf.decode(envelope("apps/v1", "Deployment", raw))
    assert out["spec"]["replicas"] == 0
    assert "revisionHistoryLimit" not in out["spec"]
    assert "progressDeadlineSeconds" not in out["spec"]
    assert out["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%"},
    }
    containers = out["spec"]["template"]["spec"]["containers"]
    assert containers == [
        {
            "name": "nginx",
            "image": "nginx:1.27",
            "resources": {"limits": {"cpu": "250m"}, "requests": {"memory": "64Mi"}},
        }
    ]
    unset = protobuf.decode(envelope("apps/v1", "Deployment", ld(2, b"")))
    assert "replicas" not in unset["spec"]


def test_crd_schema_unions_and_raw_json() -> None:
    props = ld(5, "integer") + ld(8, ld(1, b"3")) + dbl(11, 1.0)
    enum = ld(5, "string") + ld(20, ld(1, b'"a"')) + ld(20, ld(1, b'"b"'))
    open_obj = ld(5, "object") + vint(38, 1) + ld(30, vint(1, 1))
    items = ld(5, "array") + ld(24, ld(1, ld(5, "string")))
    root = (
        ld(5, "object")
        + ld(29, entry("replicas", props))
        + ld(29, entry("mode", enum))
        + ld(29, entry("extra", open_obj))
        + ld(29, entry("tags", items))
    )
    version = (
        ld(1, "v1")
        + vint(2, 1)
        + vint(3, 1)
        + ld(4, ld(1, root))
        + ld(5, ld(1, b""))  # subresources.status {}
    )
    names = ld(1, "widgets") + ld(2, "widget") + ld(4, "Widget") + ld(5, "WidgetList")
    spec = ld(1, "example.com") + ld(3, names) + ld(4, "Namespaced") + ld(7, version)
    raw = ld(1, object_meta("widgets.example.com")) + ld(2, spec)
    out = protobuf.decode(envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", raw))
    v = out["spec"]["versions"][0]
    assert v["subresources"] == {"status": {}}
    schema_props = v["schema"]["openAPIV3Schema"]["properties"]
    assert schema_props["replicas"] == {"type": "integer", "default": 3, "minimum": 1.0}
    assert schema_props["mode"] == {"type": "string", "enum": ["a", "b"]}
    assert schema_props["extra"] == {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "additionalProperties": True,
    }
    assert schema_props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert out["spec"]["names"] == {
        "plural": "widgets",
        "singular": "widget",
        "kind": "Widget",
        "listKind": "WidgetList",
    }


def test_subject_access_review_extra_values() -> None:
    attrs = ld(1, "default") + ld(2, "get") + ld(5, "pods")
    spec = ld(1, attrs) + ld(3, "alice") + ld(4, "devs") + ld(5, entry("scope", ld(1, "x")))
    raw = ld(1, object_meta("")) + ld(2, spec) + ld(3, vint(1, 0))
    out = protobuf.decode(envelope("authorization.k8s.io/v1", "SubjectAccessReview", raw))
    assert out["spec"] == {
        "resourceAttributes": {"namespace": "default", "verb": "get", "resource": "pods"},
        "user": "alice",
        "groups": ["devs"],
        "extra": {"scope": ["x"]},
    }
    assert out["status"] == {"allowed": False}


# ---- bad bytes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b"", "empty data"),
        (b"k8s\x00", "empty body"),
        (b'{"kind":"Service"}', "does not appear to be a protobuf message"),
        (b"k8s\x00\x0a\xff\xff", ""),
        (envelope("v1", "Frobnicator", b""), 'no kind "Frobnicator" is registered'),
        (envelope("v1", "Service", b"\x12\x05\x0a\x03"), ""),
        (envelope("v1", "Pod", ld(1, ld(17, ld(7, ld(1, b"{not json"))))), "not JSON"),
        (
            envelope(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                ld(2, ld(7, ld(1, "v1") + ld(4, ld(1, ld(5, "object") + dbl(9, float("nan")))))),
            ),
            "unsupported value: nan",
        ),
    ],
)
def test_bad_bytes_raise_a_clear_error(body: bytes, text: str) -> None:
    with pytest.raises(protobuf.ProtobufError) as err:
        protobuf.decode(body)
    assert text in str(err.value)


# ---- encode / decode round trip --------------------------------------------------------------

SAMPLES: list[dict[str, Any]] = [
    {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http"}],
            "selector": {"app": "web"},
            "type": "LoadBalancer",
            "clusterIP": "10.0.0.10",
            "clusterIPs": ["10.0.0.10"],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "10.10.10.1", "ipMode": "VIP"}]}},
    },
    {
        "kind": "Lease",
        "apiVersion": "coordination.k8s.io/v1",
        "metadata": {"name": "ako", "namespace": "avi-system"},
        "spec": {
            "holderIdentity": "ako-0",
            "leaseDurationSeconds": 15,
            "renewTime": "2026-12-01T10:00:00.500000Z",
        },
    },
    {
        "kind": "EndpointSlice",
        "apiVersion": "discovery.k8s.io/v1",
        "metadata": {"name": "web-abc", "namespace": "default"},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.1.0.5"], "conditions": {"ready": True, "serving": False}}],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    },
    {
        "kind": "Event",
        "apiVersion": "events.k8s.io/v1",
        "metadata": {"name": "web.1", "namespace": "default"},
        "eventTime": "2026-12-01T10:00:00.000001Z",
        "reportingController": "ako",
        "reportingInstance": "ako-0",
        "action": "Sync",
        "reason": "Synced",
        "regarding": {"kind": "Service", "name": "web", "namespace": "default"},
        "note": "ok",
        "type": "Normal",
    },
    {
        "kind": "StatefulSet",
        "apiVersion": "apps/v1",
        "metadata": {"name": "ako", "namespace": "avi-system", "generation": 2},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "ako"}},
            "template": {
                "metadata": {"labels": {"app": "ako"}},
                "spec": {"containers": [{"name": "ako", "image": "ako:2.2.1"}]},
            },
            "serviceName": "ako",
            "updateStrategy": {"type": "RollingUpdate"},
        },
        "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1},
    },
]


@pytest.mark.parametrize("obj", SAMPLES, ids=[s["kind"] for s in SAMPLES])
def test_encode_then_decode_gives_the_object_back(obj: dict[str, Any]) -> None:
    body = protobuf.encode(obj)
    assert body.startswith(protobuf.MAGIC)
    assert protobuf.peek(body) == (obj["apiVersion"], obj["kind"])
    out = protobuf.decode(body)
    # Go adds what it always writes (non-omitempty zero fields); everything sent comes back
    assert _contains(out, obj)


def _contains(big: Any, small: Any) -> bool:
    if isinstance(small, dict):
        return isinstance(big, dict) and all(_contains(big.get(k), v) for k, v in small.items())
    if isinstance(small, list):
        return (
            isinstance(big, list)
            and len(big) == len(small)
            and all(_contains(b, s) for b, s in zip(big, small, strict=True))
        )
    return bool(big == small)


def test_every_served_kind_builds_and_round_trips_an_empty_object() -> None:
    for api_version, kind in _all_kinds():
        obj = {"kind": kind, "apiVersion": api_version, "metadata": {"name": "x"}}
        out = protobuf.decode(protobuf.encode(obj))
        assert out["kind"] == kind and out["apiVersion"] == api_version
        if "metadata" in schema.json_types(kinds.model_for(api_version, kind) or ""):
            assert out["metadata"]["name"] == "x"


def _all_kinds() -> list[tuple[str, str]]:
    return [(api_version, kind) for api_version, group in kinds._KINDS.items() for kind in group]


# ---- mutated bytes: a decoded object or a ProtobufError, nothing else ------------------------

MUTATION_BASES = [protobuf.encode(s) for s in SAMPLES]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(MUTATION_BASES),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["set", "delete", "insert"]), st.integers(4), st.integers(0, 255)
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_bytes_decode_or_raise_a_protobuf_error(
    base: bytes, edits: list[tuple[str, int, int]]
) -> None:
    data = bytearray(base)
    for op, pos, byte in edits:
        at = 4 + pos % max(1, len(data) - 4)
        if op == "set" and at < len(data):
            data[at] = byte
        elif op == "delete" and at < len(data):
            del data[at]
        else:
            data.insert(at, byte)
    try:
        out = protobuf.decode(bytes(data))
    except protobuf.ProtobufError:
        return
    json.dumps(out)  # whatever decodes is plain JSON (no bytes, no message objects)
