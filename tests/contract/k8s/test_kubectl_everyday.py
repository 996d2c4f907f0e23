"""About forty everyday kubectl 1.37 commands, each checked against what a real cluster
prints: every ``kubectl create <kind>`` form (kubectl sends these as protobuf), drain with
eviction and cordon, auth can-i / whoami, server-side apply with a conflict then
--force-conflicts, a field selector on an unsupported field, a ``create -f`` carrying a
resourceVersion, tokens, version and api-resources. (``explain`` and fieldValidation:
test_explain*/test_validation*; deployments and rollouts: test_workloads*.)"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from steps.support.wait import eventually

Kubectl = Callable[..., Any]

SSA_CONFLICT = (
    'error: Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.mode\n'
    "Please review the fields above--they currently have other managers."
)


def rows(out: str) -> dict[str, list[str]]:
    lines = out.strip().splitlines()
    return {line.split()[0]: line.split() for line in lines[1:]}


def header(out: str) -> list[str]:
    return out.strip().splitlines()[0].split()


# ---- kubectl create <kind> -----------------------------------------------------------------
CREATE_FORMS = [
    (["namespace", "demo"], "namespace/demo created"),
    (["service", "loadbalancer", "web", "--tcp=80:8080"], "service/web created"),
    (["service", "clusterip", "db", "--tcp=5432"], "service/db created"),
    (["service", "nodeport", "np", "--tcp=80:8080"], "service/np created"),
    (["service", "externalname", "ext", "--external-name=example.com"], "service/ext created"),
    (["secret", "generic", "s1", "--from-literal=user=admin"], "secret/s1 created"),
    (
        ["secret", "docker-registry", "reg", "--docker-username=u", "--docker-password=p"],
        "secret/reg created",
    ),
    (["configmap", "cfg", "--from-literal=a=1", "--from-literal=b=two"], "configmap/cfg created"),
    (["serviceaccount", "bot"], "serviceaccount/bot created"),
    (
        ["role", "reader", "--verb=get", "--resource=pods"],
        "role.rbac.authorization.k8s.io/reader created",
    ),
    (
        ["clusterrole", "nodes-reader", "--verb=get,list", "--resource=nodes"],
        "clusterrole.rbac.authorization.k8s.io/nodes-reader created",
    ),
    (
        ["rolebinding", "rb", "--role=reader", "--user=jane"],
        "rolebinding.rbac.authorization.k8s.io/rb created",
    ),
    (
        ["clusterrolebinding", "crb", "--clusterrole=nodes-reader", "--group=devs"],
        "clusterrolebinding.rbac.authorization.k8s.io/crb created",
    ),
    (["quota", "q", "--hard=pods=10"], "resourcequota/q created"),
    (["priorityclass", "high", "--value=1000"], "priorityclass.scheduling.k8s.io/high created"),
    (
        ["poddisruptionbudget", "pdb", "--selector=app=web", "--min-available=1"],
        "poddisruptionbudget.policy/pdb created",
    ),
    (
        ["ingress", "ing", "--class=avi-lb", "--rule=web.example.com/=web:80"],
        "ingress.networking.k8s.io/ing created",
    ),
    (["deployment", "nginx", "--image=nginx"], "deployment.apps/nginx created"),
    (["job", "once", "--image=busybox"], "job.batch/once created"),
    (
        ["cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *"],
        "cronjob.batch/tick created",
    ),
]


@pytest.mark.parametrize(("args", "printed"), CREATE_FORMS, ids=lambda v: "-".join(v[:2]))
def test_kubectl_create(kubectl: Kubectl, args: list[str], printed: str) -> None:
    out = kubectl("create", *args)
    assert out.stdout.strip() == printed
    assert out.stderr == ""


def test_created_objects_read_back(kubectl: Kubectl) -> None:
    """What the protobuf bodies carried arrives whole."""
    for args, _ in CREATE_FORMS:
        kubectl("create", *args)
    svc = rows(kubectl("get", "svc").stdout)
    assert svc["web"][1] == "LoadBalancer" and svc["web"][4].startswith("80:")
    assert svc["db"][1:2] == ["ClusterIP"] and svc["db"][4] == "5432/TCP"
    assert svc["ext"][3] == "example.com"
    secret = kubectl("get", "secret", "s1", "-o", "jsonpath={.data.user}").stdout
    assert base64.b64decode(secret) == b"admin"
    types = rows(kubectl("get", "secret").stdout)
    assert types["reg"][1] == "kubernetes.io/dockerconfigjson"
    assert rows(kubectl("get", "cm").stdout)["cfg"][1] == "2"
    binding = rows(kubectl("get", "rolebinding", "-o", "wide").stdout)["rb"]
    assert binding[1] == "Role/reader" and "jane" in binding
    pdb = kubectl("get", "pdb").stdout
    assert header(pdb) == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED",
                           "DISRUPTIONS", "AGE"]  # fmt: skip
    assert rows(pdb)["pdb"][1:3] == ["1", "N/A"]
    ing = rows(kubectl("get", "ingress").stdout)["ing"]
    assert ing[1:4] == ["avi-lb", "web.example.com", "80"]
    sa = rows(kubectl("get", "sa").stdout)
    assert sorted(sa) == ["bot", "default"]


def test_kubectl_create_secret_tls(kubectl: Kubectl, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "tls.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    out = kubectl(
        "create", "secret", "tls", "t1", f"--cert={tmp_path / 'tls.crt'}",
        f"--key={tmp_path / 'tls.key'}",
    )  # fmt: skip
    assert out.stdout.strip() == "secret/t1 created"
    listed = rows(kubectl("get", "secret", "t1").stdout)["t1"]
    assert listed[1:3] == ["kubernetes.io/tls", "2"]


def test_kubectl_create_token(kubectl: Kubectl) -> None:
    kubectl("create", "serviceaccount", "bot")
    token = kubectl("create", "token", "bot").stdout.strip()
    claims = token.split(".")[1]
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert decoded["sub"] == "system:serviceaccount:default:bot"
    missing = kubectl("create", "token", "nobody", check=False)
    assert missing.returncode == 1
    assert 'serviceaccounts "nobody" not found' in missing.stderr


# ---- drain, cordon -------------------------------------------------------------------------
def test_kubectl_drain_evicts_and_cordons(kubectl: Kubectl) -> None:
    kubectl("run", "web-1", "--image=nginx", '--overrides={"spec":{"nodeName":"node-1"}}')
    out = kubectl("drain", "node-1", "--force", "--ignore-daemonsets")
    assert out.stdout.strip().splitlines() == [
        "node/node-1 cordoned",
        "evicting pod default/web-1",
        "pod/web-1 evicted",
        "node/node-1 drained",
    ]
    assert "Warning: deleting Pods that declare no controller: default/web-1" in out.stderr
    nodes = rows(kubectl("get", "nodes").stdout)
    assert nodes["node-1"][1] == "Ready,SchedulingDisabled"
    assert kubectl("uncordon", "node-1").stdout.strip() == "node/node-1 uncordoned"
    assert rows(kubectl("get", "nodes").stdout)["node-1"][1] == "Ready"


def test_kubectl_drain_refuses_bare_pods_without_force(kubectl: Kubectl) -> None:
    kubectl("run", "web-1", "--image=nginx", '--overrides={"spec":{"nodeName":"node-2"}}')
    out = kubectl("drain", "node-2", "--ignore-daemonsets", check=False)
    assert out.returncode == 1
    assert "cannot delete Pods that declare no controller (use --force to override): " in (
        out.stderr
    )
    assert "default/web-1" in out.stderr
    assert kubectl("get", "pod", "web-1", "-o", "name").stdout.strip() == "pod/web-1"


def test_kubectl_cordon(kubectl: Kubectl) -> None:
    assert kubectl("cordon", "node-3").stdout.strip() == "node/node-3 cordoned"
    assert kubectl("cordon", "node-3").stdout.strip() == "node/node-3 already cordoned"


# ---- auth ------------------------------------------------------------------------------------
def test_kubectl_auth_can_i(kubectl: Kubectl, control: Callable[..., Any]) -> None:
    assert kubectl("auth", "can-i", "create", "pods").stdout.strip() == "yes"
    rule = {"verb": "delete", "resource": "nodes", "allowed": False, "reason": "read-only"}
    control("POST", "access", json={"rules": [rule]})
    denied = kubectl("auth", "can-i", "delete", "nodes", check=False)
    assert denied.returncode == 1
    assert denied.stdout.strip() == "no - read-only"
    assert kubectl("auth", "can-i", "get", "nodes").stdout.strip() == "yes"


def test_kubectl_auth_can_i_list(kubectl: Kubectl) -> None:
    out = kubectl("auth", "can-i", "--list").stdout.splitlines()
    assert out[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert out[1].split() == ["*.*", "[]", "[]", "[*]"]


def test_kubectl_auth_whoami(kubectl: Kubectl) -> None:
    out = kubectl("auth", "whoami").stdout.splitlines()
    assert out[0].split() == ["ATTRIBUTE", "VALUE"]
    assert out[1].split() == ["Username", "kubernetes-admin"]
    assert out[2].split() == ["Groups", "[kubeadm:cluster-admins", "system:authenticated]"]


# ---- server-side apply -----------------------------------------------------------------------
def test_kubectl_server_side_apply_conflict_then_force(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n"
                        "  mode: fast\n")  # fmt: skip
    out = kubectl("apply", "--server-side", "-f", str(manifest))
    assert out.stdout.strip() == "configmap/app serverside-applied"
    kubectl("patch", "configmap", "app", "--type=merge", "-p", '{"data":{"mode":"slow"}}')
    conflict = kubectl("apply", "--server-side", "-f", str(manifest), check=False)
    assert conflict.returncode == 1
    assert conflict.stderr.startswith(SSA_CONFLICT)
    assert kubectl("get", "cm", "app", "-o", "jsonpath={.data.mode}").stdout == "slow"
    forced = kubectl("apply", "--server-side", "--force-conflicts", "-f", str(manifest))
    assert forced.stdout.strip() == "configmap/app serverside-applied"
    assert kubectl("get", "cm", "app", "-o", "jsonpath={.data.mode}").stdout == "fast"
    managers = kubectl(
        "get", "cm", "app", "--show-managed-fields", "-o",
        "jsonpath={range .metadata.managedFields[*]}{.manager}:{.operation} {end}",
    ).stdout.split()  # fmt: skip
    assert managers == ["kubectl:Apply"]  # the patch's field was taken over, its entry empty


def test_kubectl_server_side_apply_removes_dropped_fields(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"
                        "  labels:\n    team: a\ndata:\n  a: '1'\n  b: '2'\n")  # fmt: skip
    kubectl("apply", "--server-side", "-f", str(manifest))
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n"
                        "  a: '1'\n")  # fmt: skip
    kubectl("apply", "--server-side", "-f", str(manifest))
    got = json.loads(kubectl("get", "cm", "app", "-o", "json").stdout)
    assert got["data"] == {"a": "1"}
    assert "labels" not in got["metadata"]


# ---- errors as a real server words them -----------------------------------------------------
def test_kubectl_field_selector_on_an_unsupported_field(kubectl: Kubectl) -> None:
    out = kubectl("get", "pods", "--field-selector=spec.foo=bar", check=False)
    assert out.returncode == 1
    assert out.stderr.strip() == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label '
        'selector "", field selector "spec.foo=bar": field label not supported: spec.foo'
    )


def test_kubectl_supported_field_selector(kubectl: Kubectl) -> None:
    kubectl("run", "a", "--image=nginx", '--overrides={"spec":{"nodeName":"node-2"}}')
    kubectl("run", "b", "--image=nginx", '--overrides={"spec":{"nodeName":"node-3"}}')
    out = kubectl("get", "pods", "--field-selector=spec.nodeName=node-3", "-o", "name")
    assert out.stdout.split() == ["pod/b"]


def test_kubectl_create_f_with_a_resource_version(kubectl: Kubectl, tmp_path: Path) -> None:
    """kubectl clears a manifest's resourceVersion before it creates (resource.Helper), so a real
    cluster creates the object; only a client sending it is refused (test_cluster_api)."""
    manifest = tmp_path / "rv.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rv\n"
                        '  resourceVersion: "42"\ndata:\n  a: b\n')  # fmt: skip
    out = kubectl("create", "-f", str(manifest))
    assert out.stdout.strip() == "configmap/rv created"
    rv = kubectl("get", "cm", "rv", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    assert rv != "42"


def test_kubectl_get_missing_object(kubectl: Kubectl) -> None:
    out = kubectl("get", "ingress", "nope", check=False)
    assert out.returncode == 1
    assert out.stderr.strip() == (
        'Error from server (NotFound): ingresses.networking.k8s.io "nope" not found'
    )


def test_kubectl_create_twice(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "twice")
    out = kubectl("create", "namespace", "twice", check=False)
    assert out.returncode == 1
    assert (
        out.stderr.strip() == 'Error from server (AlreadyExists): namespaces "twice" already exists'
    )


# ---- namespaces, discovery, version ----------------------------------------------------------
def test_kubectl_new_namespace_gets_sa_and_root_ca(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "team-a")
    assert kubectl("get", "sa", "-n", "team-a", "-o", "name").stdout.split() == [
        "serviceaccount/default"
    ]
    assert kubectl("get", "cm", "-n", "team-a", "-o", "name").stdout.split() == [
        "configmap/kube-root-ca.crt"
    ]
    out = kubectl("delete", "namespace", "team-a", "--wait=false")
    assert out.stdout.strip() == 'namespace "team-a" deleted'
    eventually(lambda: kubectl("get", "ns", "team-a", check=False).returncode == 1)


def test_kubectl_version(kubectl: Kubectl) -> None:
    out = kubectl("version").stdout.splitlines()
    assert out[0] == "Client Version: v1.37.1"
    assert out[-1] == "Server Version: v1.31.9"


def test_kubectl_api_resources(kubectl: Kubectl) -> None:
    out = kubectl("api-resources", "--api-group=networking.k8s.io").stdout
    assert header(out) == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert rows(out)["ingresses"] == ["ingresses", "ing", "networking.k8s.io/v1", "true", "Ingress"]
    assert rows(out)["ingressclasses"] == [
        "ingressclasses", "networking.k8s.io/v1", "false", "IngressClass",
    ]  # fmt: skip
    groups = kubectl("api-versions").stdout.split()
    for gv in (
        "coordination.k8s.io/v1",
        "policy/v1",
        "rbac.authorization.k8s.io/v1",
        "authorization.k8s.io/v1",
        "authentication.k8s.io/v1",
        "ako.vmware.com/v1beta1",
    ):
        assert gv in groups


def test_kubectl_get_leases_and_ingressclass(kubectl: Kubectl) -> None:
    assert kubectl("get", "leases", "-A").stderr.strip() == "No resources found"
    assert kubectl("get", "ingressclass").stderr.strip() == "No resources found"


def test_kubectl_get_priorityclass_and_storageclass(kubectl: Kubectl, tmp_path: Path) -> None:
    kubectl("create", "priorityclass", "high", "--value=1000")
    out = kubectl("get", "priorityclass").stdout
    assert header(out) == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert rows(out)["high"][1:3] == ["1000", "false"]
    assert rows(out)["high"][-1] == "PreemptLowerPriority"
    manifest = tmp_path / "sc.yaml"
    manifest.write_text(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n"
        "  annotations:\n    storageclass.kubernetes.io/is-default-class: 'true'\n"
        "provisioner: example.com/disk\n"
    )
    kubectl("apply", "-f", str(manifest))
    out = kubectl("get", "storageclass").stdout
    assert header(out) == [
        "NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE",
    ]  # fmt: skip
    line = out.strip().splitlines()[1].split()
    assert line[:6] == ["fast", "(default)", "example.com/disk", "Delete", "Immediate", "false"]
