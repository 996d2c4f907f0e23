"""Access reviews, the authenticated user, and Pod eviction against PodDisruptionBudgets.

``authorization.k8s.io/v1`` SelfSubjectAccessReview, SubjectAccessReview,
LocalSubjectAccessReview and SelfSubjectRulesReview, ``authentication.k8s.io/v1``
SelfSubjectReview and TokenReview are answered, never stored: everything is allowed unless a
rule set through the control API (``POST /__mock__/access``) says otherwise. The server does not
enforce these rules on its own requests (it has no authorizer); they only shape the reviews, so
that ``kubectl auth can-i`` and a controller's permission checks can be scripted.

Eviction (``pods/<name>/eviction``) deletes the Pod unless a PodDisruptionBudget selecting it
would be violated, computed from the Pods' readiness at that moment (there is no disruption
controller: a budget's ``status`` is whatever a client wrote). No HTTP, no storage beyond the
``Context``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

from mock_k8s import errors
from mock_k8s.errors import MSG_PDB_MANY, MSG_PDB_NEEDS, MSG_PDB_VIOLATION
from mock_k8s.registry import ResourceType
from mock_k8s.resources.common import Context

DEFAULT_USER: dict[str, Any] = {
    "username": "kubernetes-admin",
    "groups": ["kubeadm:cluster-admins", "system:authenticated"],
}
ALL_RULES_STATUS: dict[str, Any] = {
    "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
    "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
    "incomplete": False,
}
RULE_FIELDS = ("verb", "group", "resource", "subresource", "namespace", "name", "user", "path")


@dataclass
class AccessRules:
    """Ordered rules: the first whose given fields all match decides; none matching allows.

    A rule is a dict of any of ``RULE_FIELDS`` (``"*"`` or absent matches anything) plus
    ``allowed`` (bool) and an optional ``reason``.
    """

    rules: list[dict[str, Any]] = field(default_factory=list)
    user: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_USER))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, body: Any) -> dict[str, Any]:
        """Replace the rules (and optionally the user) from a control-API body; 400 if bad."""
        if not isinstance(body, dict):
            raise errors.bad_request("the body must be an object with 'rules' and/or 'user'")
        rules = body.get("rules", [])
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise errors.bad_request("'rules' must be a list of objects")
        for rule in rules:
            unknown = set(rule) - {*RULE_FIELDS, "allowed", "reason"}
            if unknown:
                raise errors.bad_request(f"unknown rule fields: {sorted(unknown)}")
            if not isinstance(rule.get("allowed"), bool):
                raise errors.bad_request("every rule needs 'allowed': true or false")
        user = body.get("user")
        if user is not None and (not isinstance(user, dict) or not user.get("username")):
            raise errors.bad_request("'user' must be an object with a username")
        with self._lock:
            self.rules = [dict(r) for r in rules]
            if user is not None:
                self.user = {"username": str(user["username"]), **{
                    k: v for k, v in user.items() if k in ("uid", "groups", "extra")
                }}  # fmt: skip
        return self.dump()

    def reset(self) -> None:
        with self._lock:
            self.rules = []
            self.user = dict(DEFAULT_USER)

    def dump(self) -> dict[str, Any]:
        with self._lock:
            return {"rules": [dict(r) for r in self.rules], "user": dict(self.user)}

    def decide(self, attrs: dict[str, Any], user: str) -> tuple[bool, str]:
        with self._lock:
            rules = list(self.rules)
        for rule in rules:
            if all(_matches(rule.get(f), attrs.get(f, user if f == "user" else "")) for f in
                   RULE_FIELDS):  # fmt: skip
                return bool(rule["allowed"]), str(rule.get("reason", ""))
        return True, ""


def _matches(want: Any, have: Any) -> bool:
    return want in (None, "*") or str(want) == str(have or "")


def review(rules: AccessRules, rt: ResourceType, namespace: str, body: Any) -> dict[str, Any]:
    """The answered review object (``status`` filled, ``metadata`` as the server returns it)."""
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request must be a JSON object")
    spec = body.get("spec")
    out: dict[str, Any] = {
        "kind": rt.kind,
        "apiVersion": rt.api_version,
        "metadata": {"creationTimestamp": None},
    }
    user = rules.dump()["user"]
    if rt.kind == "SelfSubjectReview":
        out["status"] = {"userInfo": user}
        return out
    if rt.kind == "TokenReview":
        out["spec"] = spec if isinstance(spec, dict) else {}
        out["status"] = {"authenticated": True, "user": user, "audiences": []}
        return out
    if not isinstance(spec, dict):
        raise errors.invalid(rt.kind, "", [errors.required_value("spec")], rt.group)
    out["spec"] = spec
    if rt.kind == "SelfSubjectRulesReview":
        out["status"] = dict(ALL_RULES_STATUS)
        return out
    res = spec.get("resourceAttributes")
    non_res = spec.get("nonResourceAttributes")
    if not isinstance(res, dict) and not isinstance(non_res, dict):
        cause = errors.invalid_value(
            "spec.resourceAttributes",
            "",
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )
        raise errors.invalid(rt.kind, "", [cause], rt.group)
    attrs = dict(res) if isinstance(res, dict) else dict(non_res or {})
    if rt.kind == "LocalSubjectAccessReview":
        attrs["namespace"] = namespace
    who = str(spec.get("user") or "") if "Subject" in rt.kind and "Self" not in rt.kind else ""
    allowed, reason = rules.decide(attrs, who or str(user["username"]))
    status: dict[str, Any] = {"allowed": allowed}
    if reason:
        status["reason"] = reason
    if not allowed:
        status["denied"] = True
    out["status"] = status
    return out


# ---- eviction ------------------------------------------------------------------------------
def _selector_matches(sel: Any, labels: dict[str, Any]) -> bool:
    if not isinstance(sel, dict):
        return False
    match = sel.get("matchLabels") or {}
    exprs = sel.get("matchExpressions") or []
    if not match and not exprs:
        return True  # an empty selector selects every Pod of the namespace (policy/v1)
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    for e in exprs:
        if not isinstance(e, dict):
            return False
        key, op, values = str(e.get("key", "")), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _ready(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    if pod["metadata"].get("deletionTimestamp"):
        return False
    for cond in status.get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return status.get("phase") == "Running"


def _scaled(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        try:
            pct = int(value[:-1])
        except ValueError:
            return 0
        exact = pct * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value) if isinstance(value, int) else 0


def check_eviction(ctx: Context, pod: dict[str, Any]) -> None:
    """Raise upstream's 429 (or 500 for several budgets) when evicting ``pod`` would violate a
    PodDisruptionBudget; Pods not running, or already terminating, ignore budgets."""
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed", "Pending") or pod["metadata"].get("deletionTimestamp"):
        return
    ns = pod["metadata"].get("namespace", "")
    labels = pod["metadata"].get("labels") or {}
    budgets = [
        b
        for b in ctx.list_objects("poddisruptionbudgets.policy", ns)
        if _selector_matches((b.get("spec") or {}).get("selector"), labels)
    ]
    if not budgets:
        return
    if len(budgets) > 1:
        raise errors.ApiError(500, "InternalError", MSG_PDB_MANY)
    pdb = budgets[0]
    spec = pdb.get("spec") or {}
    selected = [
        p
        for p in ctx.list_objects("pods", ns)
        if _selector_matches(spec.get("selector"), p["metadata"].get("labels") or {})
    ]
    healthy = sum(1 for p in selected if _ready(p))
    expected = len(selected)
    if spec.get("minAvailable") is not None:
        desired = _scaled(spec["minAvailable"], expected, round_up=True)
    else:
        desired = expected - _scaled(spec.get("maxUnavailable", 0), expected, round_up=True)
    if healthy - desired >= 1 or not _ready(pod):
        return
    name = pdb["metadata"]["name"]
    raise errors.ApiError(
        429,
        "TooManyRequests",
        MSG_PDB_VIOLATION,
        {
            "causes": [
                {
                    "reason": "DisruptionBudget",
                    "message": MSG_PDB_NEEDS.format(name=name, desired=desired, healthy=healthy),
                }
            ]
        },
    )


EVICTION_DONE: dict[str, Any] = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Success",
    "code": 201,
}


# ---- the cluster's root CA ------------------------------------------------------------------
ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)
_ROOT_CA: list[str] = []
_ROOT_CA_LOCK = threading.Lock()


def root_ca_pem() -> str:
    """A self-signed CA certificate (EC P-256), made once per process."""
    with _ROOT_CA_LOCK:
        if not _ROOT_CA:
            import datetime

            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import NameOID

            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
            start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(1)
                .not_valid_before(start)
                .not_valid_after(start + datetime.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256())
            )
            _ROOT_CA.append(cert.public_bytes(serialization.Encoding.PEM).decode())
        return _ROOT_CA[0]


def root_ca_configmap() -> dict[str, Any]:
    """``kube-root-ca.crt``, as the root-CA-cert publisher writes it into every namespace."""
    return {
        "metadata": {
            "name": "kube-root-ca.crt",
            "annotations": {"kubernetes.io/description": ROOT_CA_DESCRIPTION},
        },
        "data": {"ca.crt": root_ca_pem()},
    }


# ---- service account tokens ----------------------------------------------------------------
def token_request(namespace: str, name: str, body: Any) -> dict[str, Any]:
    """A TokenRequest answered with an unsigned JWT-shaped token (nothing verifies it here)."""
    import base64
    import datetime
    import json

    spec = (body or {}).get("spec") if isinstance(body, dict) else None
    spec = dict(spec) if isinstance(spec, dict) else {}
    seconds = spec.get("expirationSeconds") or 3600
    if not isinstance(seconds, int) or seconds < 600:
        cause = errors.invalid_value(
            "spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"
        )
        raise errors.invalid("TokenRequest", name, [cause], "authentication.k8s.io")
    spec["expirationSeconds"] = seconds
    if not spec.get("audiences"):
        spec["audiences"] = ["https://kubernetes.default.svc.cluster.local"]
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    expires = now + datetime.timedelta(seconds=seconds)
    claims = {
        "aud": spec["audiences"],
        "exp": int(expires.timestamp()),
        "iat": int(now.timestamp()),
        "iss": "https://kubernetes.default.svc.cluster.local",
        "sub": f"system:serviceaccount:{namespace}:{name}",
    }

    def part(obj: Any) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    token = ".".join((part({"alg": "none", "typ": "JWT"}), part(claims), ""))
    return {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
    }
