"""Strategies of the workload kinds: apps/v1 Deployments, ReplicaSets, StatefulSets, DaemonSets
and batch/v1 Jobs and CronJobs, plus the ``scale`` subresource (autoscaling/v1 ``Scale``).

Defaults follow ``pkg/apis/apps/v1/defaults.go`` and ``pkg/apis/batch/v1/defaults.go`` (replicas
1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600, the pod template's
defaults); validation gives the upstream texts for the checks clients meet (selector required,
non-empty, matching the template's labels, immutable after create; replicas not negative; the
restart policies allowed per kind). Create clears status, main updates keep it, as every
apps/batch strategy does. No HTTP and no controllers here: the controllers live in
``mock_k8s.controllers``; ``scale`` only translates a Scale read or write into the parent's
``spec.replicas`` through the API object.
"""

from __future__ import annotations

import copy
from typing import Any

from mock_k8s import errors
from mock_k8s.errors import FieldError, invalid_value, required_value, unsupported_value
from mock_k8s.resources.common import Context, Strategy
from mock_k8s.selectors import selector_matches

MSG_NOT_NEGATIVE = "must be greater than or equal to 0"
MSG_SELECTOR_MISMATCH = "`selector` does not match template `labels`"
MSG_IMMUTABLE = "field is immutable"
# Pod subresources that stream from a container: there are no containers here
POD_STREAMS = ("log", "exec", "attach", "portforward", "proxy")
MSG_POD_STREAMS = (
    "{what} is not supported by this simulated cluster: its Pods have no containers to "
    "stream from (mock_k8s simulates the kubelet)"
)


def _go_map(value: Any) -> str:
    if not isinstance(value, dict):
        return "map[string]string(nil)"
    inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(value.items()))
    return "map[string]string{" + inner + "}"


def _go_selector(sel: Any) -> str:
    """``metav1.LabelSelector.String()`` as the API server prints it in field errors."""
    if not isinstance(sel, dict):
        return "nil"
    labels = sel.get("matchLabels") or {}
    ml = (
        ",".join(f"{k}: {v}" for k, v in sorted(labels.items())) if isinstance(labels, dict) else ""
    )
    return (
        "&LabelSelector{MatchLabels:map[string]string{"
        + (ml + "," if ml else "")
        + "},MatchExpressions:[]LabelSelectorRequirement{},}"
    )


def default_container(c: dict[str, Any]) -> None:
    image = str(c.get("image") or "")
    last = image.rsplit("/", 1)[-1]
    tag = last.split("@")[0].partition(":")[2] if "@" not in last else "digest"
    c.setdefault("imagePullPolicy", "Always" if tag in ("", "latest") else "IfNotPresent")
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("resources", {})
    for p in c.get("ports") or []:
        if isinstance(p, dict):
            p.setdefault("protocol", "TCP")


def default_pod_spec(spec: dict[str, Any], restart_policy: str = "Always") -> None:
    """``SetDefaults_PodSpec`` and the container defaults that show in ``kubectl get -o yaml``."""
    spec.setdefault("restartPolicy", restart_policy)
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for field in ("containers", "initContainers"):
        for c in spec.get(field) or []:
            if isinstance(c, dict):
                default_container(c)


def _template(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return {}
    tmpl = spec.get("template")
    return tmpl if isinstance(tmpl, dict) else {}


def _selector_errors(
    spec: dict[str, Any], template_labels: Any, kind_word: str, path: str = "spec"
) -> list[FieldError]:
    sel = spec.get("selector")
    if sel is None:
        return [required_value(f"{path}.selector")]
    if not isinstance(sel, dict):
        return [invalid_value(f"{path}.selector", str(sel), "must be a label selector")]
    if not sel.get("matchLabels") and not sel.get("matchExpressions"):
        return [
            FieldError(
                "FieldValueInvalid",
                f"{path}.selector",
                f"Invalid value: {_go_selector(sel)}: empty selector is invalid for {kind_word}",
            )
        ]
    labels = template_labels if isinstance(template_labels, dict) else {}
    if not selector_matches_full(sel, labels):
        return [
            FieldError(
                "FieldValueInvalid",
                f"{path}.template.metadata.labels",
                f"Invalid value: {_go_map(template_labels)}: {MSG_SELECTOR_MISMATCH}",
            )
        ]
    return []


def selector_matches_full(sel: dict[str, Any], labels: dict[str, Any]) -> bool:
    """A ``LabelSelector`` (matchLabels and matchExpressions) against a label set."""
    ml = sel.get("matchLabels") or {}
    if isinstance(ml, dict) and ml and not selector_matches(ml, labels):
        return False
    for expr in sel.get("matchExpressions") or []:
        if not isinstance(expr, dict):
            return False
        key, op = str(expr.get("key")), expr.get("operator")
        values = expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selector_string(sel: Any) -> str:
    """``metav1.FormatLabelSelector``: ``app=x,tier in (a,b)``; ``<none>`` when empty."""
    if not isinstance(sel, dict):
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or []:
        if not isinstance(expr, dict):
            continue
        key, op = expr.get("key", ""), str(expr.get("operator", ""))
        values = ",".join(sorted(str(v) for v in expr.get("values") or []))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    text = ",".join(parts)
    return text or "<none>"


def _replicas_errors(spec: dict[str, Any], path: str = "spec.replicas") -> list[FieldError]:
    replicas = spec.get("replicas")
    if replicas is None:
        return []
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        return [invalid_value(path, str(replicas), "must be an integer")]
    if replicas < 0:
        return [invalid_value(path, replicas, MSG_NOT_NEGATIVE)]
    return []


def _containers_errors(tmpl: dict[str, Any], path: str) -> list[FieldError]:
    pod_spec = tmpl.get("spec")
    if not isinstance(pod_spec, dict):
        return [required_value(f"{path}.spec.containers")]
    containers = pod_spec.get("containers")
    if not isinstance(containers, list) or not containers:
        return [required_value(f"{path}.spec.containers")]
    errs: list[FieldError] = []
    for i, c in enumerate(containers):
        if not isinstance(c, dict) or not c.get("name"):
            errs.append(required_value(f"{path}.spec.containers[{i}].name"))
        elif not c.get("image"):
            errs.append(required_value(f"{path}.spec.containers[{i}].image"))
    return errs


class _WorkloadStrategy(Strategy):
    """Shared by the apps/batch kinds: status split, template defaults, selector checks."""

    kind_word = "deployment"
    restart_policies: tuple[str, ...] = ("Always",)
    default_restart = "Always"
    has_replicas = True

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        obj["status"] = {}
        spec = obj.get("spec")
        if isinstance(spec, dict):
            self.defaults(spec)

    def prepare_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        super().prepare_update(ctx, new, old)
        spec = new.get("spec")
        if isinstance(spec, dict):
            self.defaults(spec)

    def defaults(self, spec: dict[str, Any]) -> None:
        if self.has_replicas:
            spec.setdefault("replicas", 1)
        tmpl = spec.get("template")
        if isinstance(tmpl, dict):
            meta = tmpl.get("metadata")
            if meta is not None and not isinstance(meta, dict):
                return
            pod_spec = tmpl.get("spec")
            if isinstance(pod_spec, dict):
                default_pod_spec(pod_spec, self.default_restart)

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [required_value("spec")]
        errs = _replicas_errors(spec) if self.has_replicas else []
        tmpl = _template(obj)
        labels = (tmpl.get("metadata") or {}).get("labels") if tmpl else None
        errs += _selector_errors(spec, labels, self.kind_word)
        errs += self.template_errors(tmpl, "spec.template")
        if old is not None and not errs:
            old_sel = (old.get("spec") or {}).get("selector")
            if spec.get("selector") != old_sel:
                errs.append(
                    FieldError(
                        "FieldValueInvalid",
                        "spec.selector",
                        f"Invalid value: {_go_selector(spec.get('selector'))}: {MSG_IMMUTABLE}",
                    )
                )
        return errs

    def template_errors(self, tmpl: dict[str, Any], path: str) -> list[FieldError]:
        errs = _containers_errors(tmpl, path)
        policy = (tmpl.get("spec") or {}).get("restartPolicy") if tmpl else None
        if policy not in self.restart_policies and tmpl:
            errs.append(
                unsupported_value(f"{path}.spec.restartPolicy", policy, list(self.restart_policies))
            )
        return errs


class DeploymentStrategy(_WorkloadStrategy):
    def defaults(self, spec: dict[str, Any]) -> None:
        super().defaults(spec)
        strategy = spec.setdefault("strategy", {})
        if isinstance(strategy, dict):
            strategy.setdefault("type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate":
                ru = strategy.setdefault("rollingUpdate", {})
                if isinstance(ru, dict):
                    ru.setdefault("maxUnavailable", "25%")
                    ru.setdefault("maxSurge", "25%")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        errs = super().validate(ctx, obj, old)
        spec = obj.get("spec") or {}
        strategy = spec.get("strategy") if isinstance(spec, dict) else None
        if isinstance(strategy, dict):
            stype = strategy.get("type")
            if stype not in ("Recreate", "RollingUpdate"):
                errs.append(
                    unsupported_value("spec.strategy.type", stype, ["Recreate", "RollingUpdate"])
                )
            elif stype == "Recreate" and strategy.get("rollingUpdate"):
                errs.append(
                    errors.forbidden_field(
                        "spec.strategy.rollingUpdate",
                        "may not be specified when strategy `type` is 'Recreate'",
                    )
                )
            ru = strategy.get("rollingUpdate")
            if stype == "RollingUpdate" and isinstance(ru, dict):
                surge = ru.get("maxSurge")
                unavail = ru.get("maxUnavailable")
                if _is_zero(surge) and _is_zero(unavail):
                    errs.append(
                        invalid_value(
                            "spec.strategy.rollingUpdate.maxUnavailable",
                            unavail,
                            "may not be 0 when `maxSurge` is 0",
                        )
                    )
        return errs


def _is_zero(value: Any) -> bool:
    return value in (0, "0", "0%")


class ReplicaSetStrategy(_WorkloadStrategy):
    kind_word = "replicaset"  # upstream says "empty selector is invalid for deployment" too


class StatefulSetStrategy(_WorkloadStrategy):
    kind_word = "statefulset"

    def defaults(self, spec: dict[str, Any]) -> None:
        super().defaults(spec)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        us = spec.setdefault("updateStrategy", {})
        if isinstance(us, dict):
            us.setdefault("type", "RollingUpdate")
            if us["type"] == "RollingUpdate":
                us.setdefault("rollingUpdate", {"partition": 0})
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault(
            "persistentVolumeClaimRetentionPolicy",
            {"whenDeleted": "Retain", "whenScaled": "Retain"},
        )


class DaemonSetStrategy(_WorkloadStrategy):
    kind_word = "daemonset"
    has_replicas = False

    def defaults(self, spec: dict[str, Any]) -> None:
        super().defaults(spec)
        us = spec.setdefault("updateStrategy", {})
        if isinstance(us, dict):
            us.setdefault("type", "RollingUpdate")
            if us["type"] == "RollingUpdate":
                us.setdefault("rollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})
        spec.setdefault("revisionHistoryLimit", 10)


JOB_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"


class JobStrategy(_WorkloadStrategy):
    """Jobs get a generated selector (``controller-uid``) unless ``manualSelector`` is set."""

    kind_word = "job"
    restart_policies = ("OnFailure", "Never")
    default_restart = ""
    has_replicas = False

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        super().prepare_create(ctx, obj)
        spec = obj.get("spec")
        tmpl = _template(obj)
        if not isinstance(spec, dict) or not tmpl or spec.get("manualSelector"):
            return
        uid = obj["metadata"].get("uid", "")
        name = obj["metadata"].get("name", "")
        extra = {
            JOB_UID_LABEL: uid,
            JOB_NAME_LABEL: name,
            "controller-uid": uid,
            "job-name": name,
        }
        meta = tmpl.setdefault("metadata", {})
        if isinstance(meta, dict):
            labels = meta.get("labels")
            meta["labels"] = {**(labels if isinstance(labels, dict) else {}), **extra}
        spec["selector"] = {"matchLabels": {JOB_UID_LABEL: uid}}

    def defaults(self, spec: dict[str, Any]) -> None:
        super().defaults(spec)
        spec.setdefault("parallelism", 1)
        if spec.get("completions") is None and spec.get("parallelism") == 1:
            spec["completions"] = 1
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
        tmpl = spec.get("template")
        pod_spec = tmpl.get("spec") if isinstance(tmpl, dict) else None
        if isinstance(pod_spec, dict) and not pod_spec.get("restartPolicy"):
            pod_spec.pop("restartPolicy", None)

    def template_errors(self, tmpl: dict[str, Any], path: str) -> list[FieldError]:
        return job_template_errors(tmpl, path)

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        errs = super().validate(ctx, obj, old)
        spec = obj.get("spec") or {}
        for f in ("parallelism", "completions", "backoffLimit"):
            v = spec.get(f) if isinstance(spec, dict) else None
            if isinstance(v, int) and v < 0:
                errs.append(invalid_value(f"spec.{f}", v, MSG_NOT_NEGATIVE))
        old_template = ((old or {}).get("spec") or {}).get("template") or {}
        if old is not None and not errs and (spec.get("template") or {}) != old_template:
            errs.append(
                FieldError(
                    "FieldValueInvalid",
                    "spec.template",
                    f"Invalid value: {_go_text(spec.get('template'))}: {MSG_IMMUTABLE}",
                )
            )
        return errs


def job_template_errors(tmpl: dict[str, Any], path: str) -> list[FieldError]:
    """A Job's pod template: containers, and restartPolicy OnFailure or Never."""
    errs = _containers_errors(tmpl, path)
    policy = (tmpl.get("spec") or {}).get("restartPolicy") if tmpl else None
    if tmpl and policy not in ("OnFailure", "Never"):
        if not policy:
            errs.append(
                required_value(f"{path}.spec.restartPolicy", 'valid values: "OnFailure", "Never"')
            )
        else:
            errs.append(
                unsupported_value(f"{path}.spec.restartPolicy", policy, ["OnFailure", "Never"])
            )
    return errs


def _go_text(value: Any) -> str:
    return "core.PodTemplateSpec{...}" if value else "null"


class CronJobStrategy(Strategy):
    """CronJobs: schedule required; the job template is checked like a Job's."""

    def prepare_create(self, ctx: Context, obj: dict[str, Any]) -> None:
        obj["status"] = {}
        self._defaults(obj)

    def prepare_update(self, ctx: Context, new: dict[str, Any], old: dict[str, Any]) -> None:
        super().prepare_update(ctx, new, old)
        self._defaults(new)

    @staticmethod
    def _defaults(obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)

    def validate(
        self, ctx: Context, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> list[FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [required_value("spec")]
        errs: list[FieldError] = []
        schedule = spec.get("schedule")
        if not schedule:
            errs.append(required_value("spec.schedule"))
        elif not isinstance(schedule, str) or (
            len(schedule.split()) not in (5, 6) and not schedule.startswith("@")
        ):
            errs.append(
                invalid_value(
                    "spec.schedule", str(schedule), "unparseable schedule: expected 5 fields"
                )
            )
        policy = spec.get("concurrencyPolicy")
        if policy not in ("Allow", "Forbid", "Replace"):
            errs.append(
                unsupported_value("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"])
            )
        jt = spec.get("jobTemplate")
        tmpl = ((jt or {}).get("spec") or {}).get("template") if isinstance(jt, dict) else None
        if not isinstance(tmpl, dict):
            errs.append(required_value("spec.jobTemplate.spec.template.spec.containers"))
        else:
            errs += job_template_errors(tmpl, "spec.jobTemplate.spec.template")
        return errs


STRATEGIES: dict[str, type[Strategy]] = {
    "deployments.apps": DeploymentStrategy,
    "replicasets.apps": ReplicaSetStrategy,
    "statefulsets.apps": StatefulSetStrategy,
    "daemonsets.apps": DaemonSetStrategy,
    "jobs.batch": JobStrategy,
    "cronjobs.batch": CronJobStrategy,
}


# ---- the scale subresource -------------------------------------------------------------------
def scale_object(obj: dict[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 ``Scale`` of a Deployment, ReplicaSet or StatefulSet."""
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    sel = selector_string(spec.get("selector"))
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta.get("namespace", ""),
            "uid": meta.get("uid", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
            "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": int(spec.get("replicas", 0))},
        "status": {
            "replicas": int(status.get("replicas", 0)),
            "selector": "" if sel == "<none>" else sel,
        },
    }


def scale(
    api: Any,
    rt: Any,
    namespace: str,
    name: str,
    method: str,
    body: Any,
    content_type: str,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """GET/PUT/PATCH ``<plural>/<name>/scale``: read or set the parent's ``spec.replicas``."""
    from mock_k8s.patch import apply_patch
    from mock_k8s.validation.scope import take

    take()  # the request's body is a Scale: the Deployment written below is not decoded from it
    with api.lock:
        current = api.get(rt, namespace, name).obj
        current_scale = scale_object(current)
        if method == "GET":
            return current_scale
        if method == "PUT":
            if not isinstance(body, dict):
                raise errors.bad_request("the body of the request must be a JSON object")
            wanted = body
            want_rv = (body.get("metadata") or {}).get("resourceVersion")
            if want_rv and want_rv != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rt.plural, name, rt.group)
        elif method == "PATCH":
            wanted = apply_patch(copy.deepcopy(current_scale), content_type, body, "Scale", False)
            if not isinstance(wanted, dict):
                raise errors.bad_request("the patched object must be a JSON object")
        else:
            raise errors.method_not_allowed()
        replicas = (wanted.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            raise errors.invalid(
                "Scale",
                name,
                [invalid_value("spec.replicas", str(replicas), "must be an integer")],
                "autoscaling",
            )
        if replicas < 0:
            raise errors.invalid(
                "Scale",
                name,
                [invalid_value("spec.replicas", replicas, MSG_NOT_NEGATIVE)],
                "autoscaling",
            )
        new = copy.deepcopy(current)
        new.setdefault("spec", {})["replicas"] = replicas
        updated = api.update(rt, namespace, name, new, dry_run=dry_run, expect_rv=False)
        return scale_object(updated)
