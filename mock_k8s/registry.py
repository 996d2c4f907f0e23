"""The resource types the server knows: built-in kinds plus those defined by CRDs.

A ``ResourceType`` says how a kind is addressed (group, version, plural, scope), what discovery
advertises for it (verbs, short names) and whether it has a status subresource. Pure data and
lookups; no HTTP, no storage.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

VERBS_ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
VERBS_STATUS = ["get", "patch", "update"]


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    has_status: bool = False
    categories: tuple[str, ...] = ()
    builtin: bool = True
    # CRD only: additionalPrinterColumns of this version
    printer_columns: tuple[dict[str, Any], ...] = ()
    # kinds whose whole object is "spec" (no generation bump rules) vs those with status split
    verbs: tuple[str, ...] = tuple(VERBS_ALL)
    # serves ``<plural>/scale`` (autoscaling/v1 Scale)
    has_scale: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """Storage key: one bucket per group+plural, whatever the version."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified(self) -> str:
        """Name used in error messages (``services``, ``l4rules.ako.vmware.com``)."""
        return self.key

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"


BUILTINS: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "namespaces", "namespace", "Namespace", False, ("ns",), True),
    ResourceType("", "v1", "services", "service", "Service", True, ("svc",), True, ("all",)),
    ResourceType("", "v1", "endpoints", "endpoints", "Endpoints", True, ("ep",)),
    ResourceType("", "v1", "pods", "pod", "Pod", True, ("po",), True, ("all",)),
    ResourceType("", "v1", "nodes", "node", "Node", False, ("no",), True),
    ResourceType("", "v1", "events", "event", "Event", True, ("ev",)),
    ResourceType("", "v1", "configmaps", "configmap", "ConfigMap", True, ("cm",)),
    ResourceType("", "v1", "secrets", "secret", "Secret", True),
    ResourceType(
        "discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", True
    ),
    # apps/v1 and batch/v1 workloads (strategies in resources/workloads.py)
    ResourceType(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        True,
        ("deploy",),
        True,
        ("all",),
        has_scale=True,
    ),
    ResourceType(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        True,
        ("rs",),
        True,
        ("all",),
        has_scale=True,
    ),
    ResourceType(
        "apps",
        "v1",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        True,
        ("sts",),
        True,
        ("all",),
        has_scale=True,
    ),
    ResourceType(
        "apps", "v1", "daemonsets", "daemonset", "DaemonSet", True, ("ds",), True, ("all",)
    ),
    ResourceType("batch", "v1", "jobs", "job", "Job", True, (), True, ("all",)),
    ResourceType("batch", "v1", "cronjobs", "cronjob", "CronJob", True, ("cj",), True, ("all",)),
    ResourceType(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        True,
        ("api-extensions",),
    ),
)

# The kinds a real cluster serves beyond the ones above: stored, listed and watched, so that a
# controller's informers get an empty list, never a 404. Strategies, where a kind has one, are in
# resources/kinds.py and resources/access.py. Columns: group/version, plural, kind, scope
# (ns/cluster), short names (comma-separated or -), whether it has a status subresource.
_MORE_KINDS = """
v1                              serviceaccounts                 ServiceAccount                  ns      sa      -
v1                              persistentvolumes               PersistentVolume                cluster pv      status
v1                              persistentvolumeclaims          PersistentVolumeClaim           ns      pvc     status
v1                              replicationcontrollers          ReplicationController           ns      rc      status
v1                              resourcequotas                  ResourceQuota                   ns      quota   status
v1                              limitranges                     LimitRange                      ns      limits  -
v1                              podtemplates                    PodTemplate                     ns      -       -
networking.k8s.io/v1            ingresses                       Ingress                         ns      ing     status
networking.k8s.io/v1            ingressclasses                  IngressClass                    cluster -       -
networking.k8s.io/v1            networkpolicies                 NetworkPolicy                   ns      netpol  -
coordination.k8s.io/v1          leases                          Lease                           ns      -       -
policy/v1                       poddisruptionbudgets            PodDisruptionBudget             ns      pdb     status
rbac.authorization.k8s.io/v1    roles                           Role                            ns      -       -
rbac.authorization.k8s.io/v1    clusterroles                    ClusterRole                     cluster -       -
rbac.authorization.k8s.io/v1    rolebindings                    RoleBinding                     ns      -       -
rbac.authorization.k8s.io/v1    clusterrolebindings             ClusterRoleBinding              cluster -       -
storage.k8s.io/v1               storageclasses                  StorageClass                    cluster sc      -
storage.k8s.io/v1               csidrivers                      CSIDriver                       cluster -       -
storage.k8s.io/v1               csinodes                        CSINode                         cluster -       -
storage.k8s.io/v1               volumeattachments               VolumeAttachment                cluster -       status
scheduling.k8s.io/v1            priorityclasses                 PriorityClass                   cluster pc      -
node.k8s.io/v1                  runtimeclasses                  RuntimeClass                    cluster -       -
autoscaling/v2                  horizontalpodautoscalers        HorizontalPodAutoscaler         ns      hpa     status
admissionregistration.k8s.io/v1 mutatingwebhookconfigurations   MutatingWebhookConfiguration    cluster -       -
admissionregistration.k8s.io/v1 validatingwebhookconfigurations ValidatingWebhookConfiguration  cluster -       -
certificates.k8s.io/v1          certificatesigningrequests      CertificateSigningRequest       cluster csr     status
authorization.k8s.io/v1         selfsubjectaccessreviews        SelfSubjectAccessReview         cluster -       review
authorization.k8s.io/v1         subjectaccessreviews            SubjectAccessReview             cluster -       review
authorization.k8s.io/v1         localsubjectaccessreviews       LocalSubjectAccessReview        ns      -       review
authorization.k8s.io/v1         selfsubjectrulesreviews         SelfSubjectRulesReview          cluster -       review
authentication.k8s.io/v1        selfsubjectreviews              SelfSubjectReview               cluster -       review
authentication.k8s.io/v1        tokenreviews                    TokenReview                     cluster -       review
"""  # noqa: E501


def _more_kinds() -> tuple[ResourceType, ...]:
    out = []
    for line in _MORE_KINDS.strip().splitlines():
        gv, plural, kind, scope, short, extra = line.split()
        group, _, version = gv.rpartition("/")
        review = extra == "review"  # answered, never stored: create only
        out.append(
            ResourceType(
                group,
                version,
                plural,
                kind.lower(),
                kind,
                scope == "ns",
                () if short == "-" else tuple(short.split(",")),
                extra == "status",
                verbs=("create",) if review else tuple(VERBS_ALL),
            )
        )
    return tuple(out)


MORE_KINDS = _more_kinds()
REVIEW_KINDS = frozenset(rt.key for rt in MORE_KINDS if rt.verbs == ("create",))

# Preferred order of built-in groups in /apis
BUILTIN_GROUPS: tuple[tuple[str, str], ...] = (
    ("apps", "v1"),
    ("batch", "v1"),
    ("apiextensions.k8s.io", "v1"),
    ("discovery.k8s.io", "v1"),
    ("networking.k8s.io", "v1"),
    ("coordination.k8s.io", "v1"),
    ("policy", "v1"),
    ("rbac.authorization.k8s.io", "v1"),
    ("authorization.k8s.io", "v1"),
    ("authentication.k8s.io", "v1"),
)


def version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version ordering: GA > beta > alpha, higher numbers first (as a sort key)."""
    import re

    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (0, 0, 0)
    major = int(m.group(1))
    stage = {"alpha": 1, "beta": 2, None: 3}[m.group(2)]
    minor = int(m.group(3) or 0)
    return (stage, major, minor)


@dataclass
class Registry:
    """Thread-safe index of the resource types currently served."""

    _by_gvr: dict[tuple[str, str, str], ResourceType] = field(default_factory=dict)
    _crd_types: dict[str, list[ResourceType]] = field(default_factory=dict)  # CRD name -> types
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        for rt in (*BUILTINS, *MORE_KINDS):
            self._by_gvr[(rt.group, rt.version, rt.plural)] = rt

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        with self._lock:
            return self._by_gvr.get((group, version, plural))

    def by_key(self, key: str) -> ResourceType | None:
        """Any served version of the bucket ``key`` (the preferred one)."""
        with self._lock:
            found = [rt for rt in self._by_gvr.values() if rt.key == key]
        if not found:
            return None
        return max(found, key=lambda rt: version_priority(rt.version))

    def all_types(self) -> list[ResourceType]:
        with self._lock:
            return list(self._by_gvr.values())

    def groups(self) -> dict[str, list[str]]:
        """group -> served versions (preferred first), built-ins first then CRD groups."""
        with self._lock:
            out: dict[str, set[str]] = {}
            for rt in self._by_gvr.values():
                if rt.group:
                    out.setdefault(rt.group, set()).add(rt.version)
        ordered: dict[str, list[str]] = {}
        for g, _ in BUILTIN_GROUPS:
            if g in out:
                ordered[g] = sorted(out.pop(g), key=version_priority, reverse=True)
        for g in sorted(out):
            ordered[g] = sorted(out[g], key=version_priority, reverse=True)
        return ordered

    def types_in(self, group: str, version: str) -> list[ResourceType]:
        with self._lock:
            return [
                rt for rt in self._by_gvr.values() if rt.group == group and rt.version == version
            ]

    def set_crd(self, crd_name: str, types: list[ResourceType]) -> None:
        with self._lock:
            self.remove_crd(crd_name)
            self._crd_types[crd_name] = types
            for rt in types:
                self._by_gvr[(rt.group, rt.version, rt.plural)] = rt

    def remove_crd(self, crd_name: str) -> list[ResourceType]:
        with self._lock:
            old = self._crd_types.pop(crd_name, [])
            for rt in old:
                self._by_gvr.pop((rt.group, rt.version, rt.plural), None)
            return old

    def clear_crds(self) -> None:
        with self._lock:
            for name in list(self._crd_types):
                self.remove_crd(name)
