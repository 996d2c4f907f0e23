"""The Job controller: runs Pods until ``completions`` of them succeeded.

Up to ``parallelism`` Pods run at once (never more than the completions still needed); the
kubelet makes a Job's Pod succeed after ``job_duration`` (or its ``ako-sim/run-for``
annotation). Failed Pods count toward ``backoffLimit``; past it the Job fails
(``BackoffLimitExceeded``) and its running Pods are deleted. Status: startTime, active, ready,
succeeded, failed, terminating, completionTime, and the conditions SuccessCriteriaMet +
Complete, or FailureTarget + Failed, as batch/v1 reports them. ``suspend`` stops new Pods.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from mock_k8s.controllers.podutil import (
    controller_ref,
    now_rfc3339,
    owners_to_sync,
    pod_from_template,
    pod_ready,
    set_condition,
)
from mock_k8s.errors import ApiError
from mock_k8s.watch import Change

KEY = "jobs.batch"


class JobController:
    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.api = owner.api

    def handle(self, changes: list[Change]) -> None:
        for ns, name in owners_to_sync(changes, KEY, "Job"):
            self.sync(ns, name)

    def sync(self, namespace: str, name: str) -> None:
        job = self.api.store.get(KEY, namespace, name)
        if job is None:
            return
        spec, old = job.get("spec") or {}, job.get("status") or {}
        uid = str(job["metadata"].get("uid"))
        pods = []
        for key, ns, pname in self.owner.owners.of(uid, "pods"):
            pod = self.api.store.get(key, ns, pname)
            ref = controller_ref(pod) if pod else None
            if pod is not None and ref is not None and ref.get("uid") == uid:
                pods.append(pod)

        def phase(p: dict[str, Any]) -> str:
            return str((p.get("status") or {}).get("phase", "Pending"))

        succeeded = sum(1 for p in pods if phase(p) == "Succeeded")
        failed = sum(1 for p in pods if phase(p) == "Failed")
        active = [
            p
            for p in pods
            if phase(p) not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")
        ]
        terminating = sum(1 for p in pods if p["metadata"].get("deletionTimestamp"))
        completions = spec.get("completions")
        parallelism = int(spec.get("parallelism", 1))
        finished = any(
            c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
            for c in old.get("conditions") or []
            if isinstance(c, dict)
        )
        now = now_rfc3339()
        conds = [c for c in old.get("conditions") or [] if isinstance(c, dict)]
        status: dict[str, Any] = {
            k: v for k, v in old.items() if k in ("startTime", "completionTime")
        }
        pod_rt = self.api.registry.lookup("", "v1", "pods")
        done = isinstance(completions, int) and succeeded >= completions
        if completions is None and succeeded > 0 and not active:
            done = True
        backoff = int(spec.get("backoffLimit", 6))
        if not finished and not job["metadata"].get("deletionTimestamp"):
            if failed > backoff:
                for p in active:
                    with contextlib.suppress(ApiError):
                        self.api.delete(pod_rt, namespace, p["metadata"]["name"])
                active = []
                msg = "Job has reached the specified backoff limit"
                conds = set_condition(
                    conds,
                    "FailureTarget",
                    "True",
                    "BackoffLimitExceeded",
                    msg,
                    now=now,
                    probe_times=True,
                )
                conds = set_condition(
                    conds, "Failed", "True", "BackoffLimitExceeded", msg, now=now, probe_times=True
                )
            elif done:
                msg = "Reached expected number of succeeded pods"
                conds = set_condition(
                    conds,
                    "SuccessCriteriaMet",
                    "True",
                    "CompletionsReached",
                    msg,
                    now=now,
                    probe_times=True,
                )
                conds = set_condition(
                    conds, "Complete", "True", "CompletionsReached", msg, now=now, probe_times=True
                )
                status["completionTime"] = now
            elif not spec.get("suspend"):
                status.setdefault("startTime", now)
                needed = (completions - succeeded) if isinstance(completions, int) else parallelism
                want = min(parallelism, needed) - len(active)
                for _ in range(max(want, 0)):
                    body = pod_from_template(
                        spec.get("template") or {}, job, generate_name=f"{name}-"
                    )
                    body["metadata"]["labels"].setdefault("batch.kubernetes.io/job-name", name)
                    try:
                        active.append(dict(self.api.create(pod_rt, namespace, body)))
                    except ApiError:
                        break
        if active:
            status["active"] = len(active)
        status["ready"] = sum(1 for p in active if pod_ready(p))
        status["terminating"] = terminating
        if succeeded:
            status["succeeded"] = succeeded
        if failed:
            status["failed"] = failed
        status["uncountedTerminatedPods"] = {}
        if conds:
            status["conditions"] = conds
        if status == old:
            return
        new = copy.deepcopy(self.api.store.get(KEY, namespace, name) or job)
        new["status"] = status
        rt = self.api.registry.lookup("batch", "v1", "jobs")
        with contextlib.suppress(ApiError):
            self.api.update(rt, namespace, name, new, status=True, expect_rv=False)
