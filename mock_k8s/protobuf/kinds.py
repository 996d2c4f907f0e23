"""Which message carries which built-in kind: (apiVersion, kind) -> the client's model name.

Covers every built-in kind the server serves or will serve, their lists, and the option kinds
clients send in bodies (DeleteOptions under any group version, as client-go encodes it). Pure
data; no protobuf library, no HTTP.
"""

from __future__ import annotations

_KINDS: dict[str, dict[str, str]] = {
    "v1": {
        "Namespace": "V1Namespace",
        "Service": "V1Service",
        "Endpoints": "V1Endpoints",
        "Pod": "V1Pod",
        "Node": "V1Node",
        "Event": "CoreV1Event",
        "ConfigMap": "V1ConfigMap",
        "Secret": "V1Secret",
        "ServiceAccount": "V1ServiceAccount",
        "Binding": "V1Binding",
        "PodTemplate": "V1PodTemplate",
        "PersistentVolumeClaim": "V1PersistentVolumeClaim",
        "PersistentVolume": "V1PersistentVolume",
        "LimitRange": "V1LimitRange",
        "ReplicationController": "V1ReplicationController",
        "ResourceQuota": "V1ResourceQuota",
        "ComponentStatus": "V1ComponentStatus",
    },
    "discovery.k8s.io/v1": {"EndpointSlice": "V1EndpointSlice"},
    "events.k8s.io/v1": {"Event": "EventsV1Event"},
    "apps/v1": {
        "Deployment": "V1Deployment",
        "ReplicaSet": "V1ReplicaSet",
        "StatefulSet": "V1StatefulSet",
        "DaemonSet": "V1DaemonSet",
        "ControllerRevision": "V1ControllerRevision",
    },
    "autoscaling/v1": {"Scale": "V1Scale", "HorizontalPodAutoscaler": "V1HorizontalPodAutoscaler"},
    "autoscaling/v2": {"HorizontalPodAutoscaler": "V2HorizontalPodAutoscaler"},
    "certificates.k8s.io/v1": {
        "CertificateSigningRequest": "V1CertificateSigningRequest",
        "ClusterTrustBundle": "V1ClusterTrustBundle",
    },
    "flowcontrol.apiserver.k8s.io/v1": {
        "FlowSchema": "V1FlowSchema",
        "PriorityLevelConfiguration": "V1PriorityLevelConfiguration",
    },
    "node.k8s.io/v1": {"RuntimeClass": "V1RuntimeClass"},
    "scheduling.k8s.io/v1": {"PriorityClass": "V1PriorityClass"},
    "storage.k8s.io/v1": {
        "CSIDriver": "V1CSIDriver",
        "CSINode": "V1CSINode",
        "StorageClass": "V1StorageClass",
        "VolumeAttachment": "V1VolumeAttachment",
        "CSIStorageCapacity": "V1CSIStorageCapacity",
        "VolumeAttributesClass": "V1VolumeAttributesClass",
    },
    "admissionregistration.k8s.io/v1": {
        "MutatingWebhookConfiguration": "V1MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration": "V1ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy": "V1ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding": "V1ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy": "V1MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding": "V1MutatingAdmissionPolicyBinding",
    },
    "batch/v1": {"Job": "V1Job", "CronJob": "V1CronJob"},
    "coordination.k8s.io/v1": {"Lease": "V1Lease"},
    "networking.k8s.io/v1": {
        "Ingress": "V1Ingress",
        "IngressClass": "V1IngressClass",
        "NetworkPolicy": "V1NetworkPolicy",
        "IPAddress": "V1IPAddress",
        "ServiceCIDR": "V1ServiceCIDR",
    },
    "policy/v1": {"PodDisruptionBudget": "V1PodDisruptionBudget", "Eviction": "V1Eviction"},
    "rbac.authorization.k8s.io/v1": {
        "Role": "V1Role",
        "ClusterRole": "V1ClusterRole",
        "RoleBinding": "V1RoleBinding",
        "ClusterRoleBinding": "V1ClusterRoleBinding",
    },
    "authorization.k8s.io/v1": {
        "SelfSubjectAccessReview": "V1SelfSubjectAccessReview",
        "SubjectAccessReview": "V1SubjectAccessReview",
        "LocalSubjectAccessReview": "V1LocalSubjectAccessReview",
        "SelfSubjectRulesReview": "V1SelfSubjectRulesReview",
    },
    "authentication.k8s.io/v1": {
        "SelfSubjectReview": "V1SelfSubjectReview",
        "TokenReview": "V1TokenReview",
        "TokenRequest": "AuthenticationV1TokenRequest",
    },
    "apiextensions.k8s.io/v1": {"CustomResourceDefinition": "V1CustomResourceDefinition"},
}
# kinds registered in every group version (metav1.AddToGroupVersion)
_ANY_VERSION = {"DeleteOptions": "V1DeleteOptions", "Status": "V1Status"}
# kinds without a List message of their own
_NO_LIST = frozenset(
    {
        "V1Binding",
        "V1Scale",
        "V1Eviction",
        "V1SelfSubjectAccessReview",
        "V1SubjectAccessReview",
        "V1LocalSubjectAccessReview",
        "V1SelfSubjectRulesReview",
        "V1SelfSubjectReview",
        "V1TokenReview",
        "AuthenticationV1TokenRequest",
    }
)


def model_for(api_version: str, kind: str) -> str | None:
    """The model of ``kind`` in ``api_version`` (lists included), or None if not built in."""
    if kind in _ANY_VERSION:
        return _ANY_VERSION[kind]
    group = _KINDS.get(api_version, {})
    if kind in group:
        return group[kind]
    if kind.endswith("List"):
        item = group.get(kind[: -len("List")])
        if item is not None and item not in _NO_LIST:
            return item + "List"
    return None


def served_models() -> list[str]:
    """Every object model above plus its list model: the roots of the completeness test."""
    out: list[str] = []
    for group in _KINDS.values():
        for model in group.values():
            out.append(model)
            if model not in _NO_LIST:
                out.append(model + "List")
    out.extend(_ANY_VERSION.values())
    return out
