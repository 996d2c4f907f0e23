"""Server-side printing: ``meta.k8s.io/v1`` Tables with the columns kubectl shows.

Column sets and cell rules follow ``pkg/printers/internalversion/printers.go`` (Services:
``getServiceExternalIP`` / ``loadBalancerStatusStringer`` / ``makePortString``) and, for custom
resources, the CRD's ``additionalPrinterColumns``. Like the real API server
(``pkg/printers/storage``), tables are generated with ``wide`` on: kubectl then hides the
``priority: 1`` columns itself unless ``-o wide``. Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mock_k8s.registry import ResourceType

LOAD_BALANCER_WIDTH = 16


def human_duration(seconds: float) -> str:
    """``k8s.io/apimachinery/pkg/util/duration.HumanDuration``."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h" if rem == 0 else f"{hours}h{rem}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d" if rem == 0 else f"{hours // 24}d{rem}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def age(timestamp: Any, now: datetime | None = None) -> str:
    if not timestamp or not isinstance(timestamp, str):
        return "<unknown>"
    try:
        then = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        try:
            then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        except ValueError:
            return "<unknown>"
    now = now or datetime.now(UTC)
    return human_duration((now - then).total_seconds())


def _col(
    name: str, ctype: str = "string", desc: str = "", fmt: str = "", priority: int = 0
) -> dict[str, Any]:
    return {"name": name, "type": ctype, "format": fmt, "description": desc, "priority": priority}


NAME_COL = _col("Name", fmt="name", desc="Name must be unique within a namespace.")
AGE_COL = _col(
    "Age",
    desc="CreationTimestamp is a timestamp representing the server time when this object was "
    "created.",
)


# ---- Services ------------------------------------------------------------------------------
def load_balancer_status_string(status: dict[str, Any] | None, wide: bool) -> str:
    ingress = ((status or {}).get("loadBalancer") or {}).get("ingress") or []
    values: set[str] = set()
    for ing in ingress:
        if not isinstance(ing, dict):
            continue
        if ing.get("ip"):
            values.add(str(ing["ip"]))
        elif ing.get("hostname"):
            values.add(str(ing["hostname"]))
    text = ",".join(sorted(values))
    if not wide and len(text) > LOAD_BALANCER_WIDTH:
        text = text[: LOAD_BALANCER_WIDTH - 3] + "..."
    return text


def service_external_ip(svc: dict[str, Any], wide: bool) -> str:
    spec = svc.get("spec") or {}
    stype = spec.get("type")
    external = [str(ip) for ip in spec.get("externalIPs") or []]
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if stype == "LoadBalancer":
        lb = load_balancer_status_string(svc.get("status"), wide)
        if external:
            result = ([lb] if lb else []) + external
            return ",".join(result)
        return lb or "<pending>"
    if stype == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def make_port_string(ports: list[dict[str, Any]] | None) -> str:
    out = []
    for p in ports or []:
        proto = p.get("protocol", "TCP")
        if p.get("nodePort"):
            out.append(f"{p.get('port')}:{p['nodePort']}/{proto}")
        else:
            out.append(f"{p.get('port')}/{proto}")
    return ",".join(out) if out else "<none>"


def format_labels(labels: dict[str, Any] | None) -> str:
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def _service_row(svc: dict[str, Any], wide: bool) -> list[Any]:
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    cluster_ip = str(ips[0]) if ips else "<none>"
    return [
        svc["metadata"]["name"],
        spec.get("type", ""),
        cluster_ip,
        service_external_ip(svc, wide),
        make_port_string(spec.get("ports")),
        age(svc["metadata"].get("creationTimestamp")),
        format_labels(spec.get("selector")),
    ]


SERVICE_COLUMNS = [
    NAME_COL,
    _col("Type", desc="The type of the service."),
    _col("Cluster-IP", desc="The IP address of the service."),
    _col("External-IP", desc="The external IP address of the service."),
    _col("Port(s)", desc="The ports of the service."),
    AGE_COL,
    _col("Selector", desc="The selector of the service.", priority=1),
]


# ---- other built-ins -------------------------------------------------------------------------
def _pod_status_cells(pod: dict[str, Any]) -> tuple[int, str, str]:
    """``printPod``: ready containers, the STATUS reason and the RESTARTS text."""
    status = pod.get("status") or {}
    reason = str(status.get("reason") or status.get("phase") or "Unknown")
    ready = restarts = 0
    last_restart = ""
    has_running = False
    for c in reversed([c for c in status.get("containerStatuses") or [] if isinstance(c, dict)]):
        restarts += int(c.get("restartCount", 0) or 0)
        finished = ((c.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        if finished and str(finished) > last_restart:
            last_restart = str(finished)
        state = c.get("state") or {}
        waiting, terminated = state.get("waiting") or {}, state.get("terminated")
        if waiting.get("reason"):
            reason = str(waiting["reason"])
        elif isinstance(terminated, dict) and terminated.get("reason"):
            reason = str(terminated["reason"])
        elif isinstance(terminated, dict):
            code, signal = terminated.get("exitCode", 0), terminated.get("signal", 0)
            reason = f"Signal:{signal}" if signal else f"ExitCode:{code}"
        elif c.get("ready") and "running" in state:
            has_running = True
            ready += 1
    if reason == "Completed" and has_running:
        conds = [c for c in status.get("conditions") or [] if isinstance(c, dict)]
        reason = "Running" if any(c.get("type") == "Ready" for c in conds) else "NotReady"
    if pod["metadata"].get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    text = str(restarts)
    if restarts and last_restart:
        text = f"{restarts} ({age(last_restart)} ago)"
    return ready, reason, text


def _pod_row(pod: dict[str, Any], wide: bool) -> list[Any]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    containers = spec.get("containers") or []
    ready, phase, restarts = _pod_status_cells(pod)
    return [
        pod["metadata"]["name"],
        f"{ready}/{len(containers)}",
        phase,
        restarts,
        age(pod["metadata"].get("creationTimestamp")),
        status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        "<none>",
        "<none>",
    ]


POD_COLUMNS = [
    NAME_COL,
    _col("Ready", desc="The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", desc="The aggregate status of the containers in this pod."),
    _col(
        "Restarts", "string", "The number of times the containers in this pod have been restarted."
    ),
    AGE_COL,
    _col("IP", desc="IP address allocated to the pod.", priority=1),
    _col("Node", desc="Name of the node where the pod is scheduled.", priority=1),
    _col("Nominated Node", desc="Name of the node nominated for the pod.", priority=1),
    _col("Readiness Gates", desc="Pod readiness gates.", priority=1),
]


def _node_row(node: dict[str, Any], wide: bool) -> list[Any]:
    status = node.get("status") or {}
    ready = "Unknown"
    for c in status.get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == "Ready":
            ready = "Ready" if c.get("status") == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        ready += ",SchedulingDisabled"
    labels = node["metadata"].get("labels") or {}
    roles = sorted(
        k.split("/", 1)[1]
        for k in labels
        if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1]
    )
    addrs = {
        a.get("type"): a.get("address")
        for a in status.get("addresses") or []
        if isinstance(a, dict)
    }
    info = status.get("nodeInfo") or {}
    return [
        node["metadata"]["name"],
        ready,
        ",".join(roles) if roles else "<none>",
        age(node["metadata"].get("creationTimestamp")),
        info.get("kubeletVersion", ""),
        addrs.get("InternalIP") or "<none>",
        addrs.get("ExternalIP") or "<none>",
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


NODE_COLUMNS = [
    NAME_COL,
    _col("Status", desc="The status of the node"),
    _col("Roles", desc="The roles of the node"),
    AGE_COL,
    _col("Version", desc="Kubelet Version reported by the node."),
    _col("Internal-IP", desc="List of addresses reachable to the node.", priority=1),
    _col("External-IP", desc="List of addresses reachable to the node.", priority=1),
    _col("OS-Image", desc="OS Image reported by the node.", priority=1),
    _col("Kernel-Version", desc="Kernel Version reported by the node.", priority=1),
    _col("Container-Runtime", desc="Container Runtime Version reported by the node.", priority=1),
]


def _namespace_row(ns: dict[str, Any], wide: bool) -> list[Any]:
    return [
        ns["metadata"]["name"],
        (ns.get("status") or {}).get("phase", ""),
        age(ns["metadata"].get("creationTimestamp")),
    ]


NAMESPACE_COLUMNS = [NAME_COL, _col("Status", desc="The status of the namespace"), AGE_COL]


def _endpoints_row(ep: dict[str, Any], wide: bool) -> list[Any]:
    out = []
    for subset in ep.get("subsets") or []:
        ports = subset.get("ports") or []
        for a in subset.get("addresses") or []:
            for p in ports or [{}]:
                out.append(f"{a.get('ip')}:{p.get('port')}" if p else str(a.get("ip")))
    text = ",".join(out[:3]) + (f" + {len(out) - 3} more..." if len(out) > 3 else "")
    return [ep["metadata"]["name"], text or "<none>", age(ep["metadata"].get("creationTimestamp"))]


ENDPOINTS_COLUMNS = [NAME_COL, _col("Endpoints", desc="Endpoints of the service"), AGE_COL]


def _slice_row(es: dict[str, Any], wide: bool) -> list[Any]:
    ports = [str(p.get("port")) for p in es.get("ports") or [] if p.get("port")]
    addrs = [a for e in es.get("endpoints") or [] for a in e.get("addresses") or []]
    addr_text = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
    return [
        es["metadata"]["name"],
        es.get("addressType", ""),
        ",".join(ports) if ports else "<unset>",
        addr_text or "<unset>",
        age(es["metadata"].get("creationTimestamp")),
    ]


SLICE_COLUMNS = [
    NAME_COL,
    _col("AddressType", desc="Type of address carried by this EndpointSlice."),
    _col("Ports", desc="Port numbers exposed on each endpoint."),
    _col("Endpoints", desc="Endpoint addresses."),
    AGE_COL,
]


def _event_row(ev: dict[str, Any], wide: bool) -> list[Any]:
    inv = ev.get("involvedObject") or {}
    last = ev.get("lastTimestamp") or ev.get("eventTime") or ev.get("firstTimestamp")
    first = ev.get("firstTimestamp") or ev.get("eventTime")
    source = ev.get("source") or {}
    src = source.get("component", "")
    if source.get("host"):
        src = f"{src}, {source['host']}"
    return [
        age(last),
        ev.get("type", ""),
        ev.get("reason", ""),
        f"{str(inv.get('kind', '')).lower()}/{inv.get('name', '')}",
        inv.get("fieldPath", ""),
        src,
        ev.get("message", ""),
        age(first),
        int(ev.get("count") or 1),
        ev["metadata"]["name"],
    ]


EVENT_COLUMNS = [
    _col(
        "Last Seen", desc="The time at which the most recent occurrence of this event was recorded."
    ),
    _col(
        "Type", desc="Type of this event (Normal, Warning), new types could be added in the future."
    ),
    _col(
        "Reason",
        desc="This should be a short, machine understandable string that gives the reason for the "
        "transition into the object's current status.",
    ),
    _col("Object", desc="The object that this event is about."),
    _col("Subobject", desc="The subobject that this event is about.", priority=1),
    _col("Source", desc="The component reporting this event.", priority=1),
    _col("Message", desc="A human-readable description of the status of this operation."),
    _col("First Seen", desc="The time at which the event was first recorded.", priority=1),
    _col("Count", "integer", "The number of times this event has occurred.", priority=1),
    _col("Name", desc="Name must be unique within a namespace.", priority=1),
]


def _configmap_row(cm: dict[str, Any], wide: bool) -> list[Any]:
    n = len(cm.get("data") or {}) + len(cm.get("binaryData") or {})
    return [cm["metadata"]["name"], n, age(cm["metadata"].get("creationTimestamp"))]


CONFIGMAP_COLUMNS = [
    NAME_COL,
    _col("Data", "string", "Data contains the configuration data."),
    AGE_COL,
]


def _secret_row(s: dict[str, Any], wide: bool) -> list[Any]:
    n = len(s.get("data") or {}) + len(s.get("stringData") or {})
    return [
        s["metadata"]["name"],
        s.get("type", "Opaque"),
        n,
        age(s["metadata"].get("creationTimestamp")),
    ]


SECRET_COLUMNS = [
    NAME_COL,
    _col("Type", desc="The type of the secret"),
    _col("Data", "string", "The number of entries in the secret"),
    AGE_COL,
]


def _crd_row(crd: dict[str, Any], wide: bool) -> list[Any]:
    return [crd["metadata"]["name"], crd["metadata"].get("creationTimestamp", "")]


CRD_COLUMNS = [NAME_COL, _col("Created At", "date", "", "")]


# ---- workloads (apps/v1, batch/v1) ---------------------------------------------------------
def _template_cells(tmpl: Any) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, comma-joined."""
    pod_spec = (tmpl or {}).get("spec") or {} if isinstance(tmpl, dict) else {}
    containers = [c for c in pod_spec.get("containers") or [] if isinstance(c, dict)]
    return (
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
    )


def _label_selector(sel: Any) -> str:
    from mock_k8s.resources.workloads import selector_string

    return selector_string(sel)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def _deployment_row(d: dict[str, Any], wide: bool) -> list[Any]:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    names, images = _template_cells(spec.get("template"))
    return [
        d["metadata"]["name"],
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        age(d["metadata"].get("creationTimestamp")),
        names,
        images,
        _label_selector(spec.get("selector")),
    ]


_CONTAINERS_COL = _col("Containers", desc="Names of each container in the template.", priority=1)
_IMAGES_COL = _col(
    "Images", desc="Images referenced by each container in the template.", priority=1
)
_SELECTOR_COL = _col(
    "Selector",
    desc="Label selector for pods. Existing ReplicaSets whose pods are selected by this will be "
    "the ones affected by this deployment.",
    priority=1,
)

DEPLOYMENT_COLUMNS = [
    NAME_COL,
    _col("Ready", desc="Number of the pod with ready state"),
    _col(
        "Up-to-date",
        desc="Total number of non-terminating pods targeted by this deployment "
        "that have the desired template spec.",
    ),
    _col(
        "Available",
        desc="Total number of available non-terminating pods (ready for at least "
        "minReadySeconds) targeted by this deployment.",
    ),
    AGE_COL,
    _CONTAINERS_COL,
    _IMAGES_COL,
    _SELECTOR_COL,
]


def _replicaset_row(rs: dict[str, Any], wide: bool) -> list[Any]:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    names, images = _template_cells(spec.get("template"))
    return [
        rs["metadata"]["name"],
        _int(spec.get("replicas")),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        age(rs["metadata"].get("creationTimestamp")),
        names,
        images,
        _label_selector(spec.get("selector")),
    ]


REPLICASET_COLUMNS = [
    NAME_COL,
    _col("Desired", "integer", "Replicas is the number of desired pods."),
    _col(
        "Current",
        "integer",
        "Replicas is the most recently observed number of non-terminating pods.",
    ),
    _col(
        "Ready",
        "integer",
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.",
    ),
    AGE_COL,
    _CONTAINERS_COL,
    _IMAGES_COL,
    _col(
        "Selector",
        desc="Selector is a label query over pods that should match the replica count.",
        priority=1,
    ),
]


def _statefulset_row(ss: dict[str, Any], wide: bool) -> list[Any]:
    spec, status = ss.get("spec") or {}, ss.get("status") or {}
    names, images = _template_cells(spec.get("template"))
    return [
        ss["metadata"]["name"],
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
        age(ss["metadata"].get("creationTimestamp")),
        names,
        images,
    ]


STATEFULSET_COLUMNS = [
    NAME_COL,
    _col("Ready", desc="Number of the pod with ready state"),
    AGE_COL,
    _CONTAINERS_COL,
    _IMAGES_COL,
]


def _daemonset_row(ds: dict[str, Any], wide: bool) -> list[Any]:
    spec, status = ds.get("spec") or {}, ds.get("status") or {}
    tmpl = spec.get("template") or {}
    names, images = _template_cells(tmpl)
    node_sel = ((tmpl.get("spec") or {}) if isinstance(tmpl, dict) else {}).get("nodeSelector")
    return [
        ds["metadata"]["name"],
        _int(status.get("desiredNumberScheduled")),
        _int(status.get("currentNumberScheduled")),
        _int(status.get("numberReady")),
        _int(status.get("updatedNumberScheduled")),
        _int(status.get("numberAvailable")),
        format_labels(node_sel),
        age(ds["metadata"].get("creationTimestamp")),
        names,
        images,
        _label_selector(spec.get("selector")),
    ]


DAEMONSET_COLUMNS = [
    NAME_COL,
    _col("Desired", "integer", "The total number of nodes that should be running the daemon pod."),
    _col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and "
        "are supposed to run the daemon pod.",
    ),
    _col(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have "
        "one or more of the daemon pod running with a Ready Condition.",
    ),
    _col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    _col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and "
        "have one or more of the daemon pod running and available.",
    ),
    _col(
        "Node Selector",
        desc="NodeSelector is a selector which must be true for the pod to fit on a node.",
    ),
    AGE_COL,
    _CONTAINERS_COL,
    _IMAGES_COL,
    _col(
        "Selector", desc="A label query over pods that are managed by the daemon set.", priority=1
    ),
]


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _job_status_text(job: dict[str, Any]) -> str:
    """``printJob``'s Status column: the terminal condition, else Suspended/Running."""
    conds = {
        c.get("type"): c.get("status")
        for c in (job.get("status") or {}).get("conditions") or []
        if isinstance(c, dict)
    }
    for ctype in ("Complete", "Failed", "FailureTarget", "SuccessCriteriaMet"):
        if conds.get(ctype) == "True":
            return ctype
    if conds.get("Suspended") == "True":
        return "Suspended"
    if job["metadata"].get("deletionTimestamp"):
        return "Terminating"
    return "Running"


def _job_row(job: dict[str, Any], wide: bool) -> list[Any]:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    names, images = _template_cells(spec.get("template"))
    succeeded = _int(status.get("succeeded"))
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    if isinstance(completions, int):
        done = f"{succeeded}/{completions}"
    elif isinstance(parallelism, int) and parallelism > 1:
        done = f"{succeeded}/1 of {parallelism}"
    else:
        done = f"{succeeded}/1"
    start, end = _parse_time(status.get("startTime")), _parse_time(status.get("completionTime"))
    if start is None:
        duration = ""
    elif end is None:
        duration = human_duration((datetime.now(UTC) - start).total_seconds())
    else:
        duration = human_duration((end - start).total_seconds())
    return [
        job["metadata"]["name"],
        _job_status_text(job),
        done,
        duration,
        age(job["metadata"].get("creationTimestamp")),
        names,
        images,
        _label_selector(spec.get("selector")),
    ]


JOB_COLUMNS = [
    NAME_COL,
    _col("Status", desc="Status of the job."),
    _col("Completions", desc="The number of pods which reached phase Succeeded."),
    _col("Duration", desc="Time required to complete the job."),
    AGE_COL,
    _CONTAINERS_COL,
    _IMAGES_COL,
    _col("Selector", desc="A label query over pods that should match the pod count.", priority=1),
]


def _cronjob_row(cj: dict[str, Any], wide: bool) -> list[Any]:
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    tmpl = (((spec.get("jobTemplate") or {}).get("spec")) or {}).get("template")
    names, images = _template_cells(tmpl)
    last = status.get("lastScheduleTime")
    job_sel = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("selector")
    return [
        cj["metadata"]["name"],
        str(spec.get("schedule", "")),
        str(spec.get("timeZone") or "<none>"),
        bool(spec.get("suspend", False)),
        len(status.get("active") or []),
        age(last) if last else "<none>",
        age(cj["metadata"].get("creationTimestamp")),
        names,
        images,
        _label_selector(job_sel),
    ]


CRONJOB_COLUMNS = [
    NAME_COL,
    _col("Schedule", desc="The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    _col("Timezone", desc="The time zone name for the given schedule."),
    _col("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions."),
    _col("Active", "integer", "A list of pointers to currently running jobs."),
    _col(
        "Last Schedule",
        desc="Information when was the last time the job was successfully scheduled.",
    ),
    AGE_COL,
    _CONTAINERS_COL,
    _IMAGES_COL,
    _col("Selector", desc="A label query over pods that should match the pod count.", priority=1),
]

_BUILTIN: dict[str, tuple[list[dict[str, Any]], Any]] = {
    "services": (SERVICE_COLUMNS, _service_row),
    "pods": (POD_COLUMNS, _pod_row),
    "nodes": (NODE_COLUMNS, _node_row),
    "namespaces": (NAMESPACE_COLUMNS, _namespace_row),
    "endpoints": (ENDPOINTS_COLUMNS, _endpoints_row),
    "endpointslices.discovery.k8s.io": (SLICE_COLUMNS, _slice_row),
    "events": (EVENT_COLUMNS, _event_row),
    "configmaps": (CONFIGMAP_COLUMNS, _configmap_row),
    "secrets": (SECRET_COLUMNS, _secret_row),
    "customresourcedefinitions.apiextensions.k8s.io": (CRD_COLUMNS, _crd_row),
    "deployments.apps": (DEPLOYMENT_COLUMNS, _deployment_row),
    "replicasets.apps": (REPLICASET_COLUMNS, _replicaset_row),
    "statefulsets.apps": (STATEFULSET_COLUMNS, _statefulset_row),
    "daemonsets.apps": (DAEMONSET_COLUMNS, _daemonset_row),
    "jobs.batch": (JOB_COLUMNS, _job_row),
    "cronjobs.batch": (CRONJOB_COLUMNS, _cronjob_row),
}


# ---- custom resources ------------------------------------------------------------------------
def _json_path(obj: Any, path: str) -> Any:
    cur = obj
    for part in [p for p in path.strip().lstrip(".").split(".") if p]:
        if part.endswith("]") and "[" in part:
            name, _, idx = part[:-1].partition("[")
            cur = cur.get(name) if isinstance(cur, dict) else None
            try:
                cur = cur[int(idx)] if isinstance(cur, list) else None
            except (ValueError, IndexError):
                cur = None
        else:
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cur is None:
            return None
    return cur


def _custom_columns(rt: ResourceType) -> list[dict[str, Any]]:
    cols = [NAME_COL]
    printer = list(rt.printer_columns) or [
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    ]
    for c in printer:
        cols.append(
            _col(
                str(c.get("name", "")),
                str(c.get("type", "string")),
                str(c.get("description", "")),
                str(c.get("format", "")),
                int(c.get("priority", 0)),
            )
        )
    return cols


def _custom_row(rt: ResourceType, obj: dict[str, Any]) -> list[Any]:
    cells: list[Any] = [obj["metadata"]["name"]]
    printer = list(rt.printer_columns) or [
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    ]
    for c in printer:
        value = _json_path(obj, str(c.get("jsonPath", "")))
        if c.get("type") == "date":
            cells.append(age(value) if value else "<unknown>")
        elif value is None:
            cells.append(None)
        elif isinstance(value, dict | list):
            import json

            cells.append(json.dumps(value, separators=(",", ":")))
        else:
            cells.append(value)
    return cells


def _default_row(obj: dict[str, Any]) -> list[Any]:
    return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp", "")]


DEFAULT_COLUMNS = [NAME_COL, _col("Created At", "date", "", "")]


# ---- tables --------------------------------------------------------------------------------
def columns_for(rt: ResourceType) -> list[dict[str, Any]]:
    if not rt.builtin:
        return _custom_columns(rt)
    found = _BUILTIN.get(rt.key)
    return found[0] if found else DEFAULT_COLUMNS


def row_cells(rt: ResourceType, obj: dict[str, Any], wide: bool = True) -> list[Any]:
    if not rt.builtin:
        return _custom_row(rt, obj)
    found = _BUILTIN.get(rt.key)
    return found[1](obj, wide) if found else _default_row(obj)


def partial_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }


def table(
    rt: ResourceType,
    objects: list[dict[str, Any]],
    *,
    resource_version: str = "",
    continue_token: str = "",
    include_object: str = "Metadata",
    with_columns: bool = True,
    wide: bool = True,
) -> dict[str, Any]:
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": row_cells(rt, obj, wide)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = partial_metadata(obj)
        rows.append(row)
    meta: dict[str, Any] = {}
    if resource_version:
        meta["resourceVersion"] = resource_version
    if continue_token:
        meta["continue"] = continue_token
    out: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    out["columnDefinitions"] = columns_for(rt) if with_columns else None
    out["rows"] = rows
    return out


# ---- networking, coordination, policy, rbac, core extras (printers.go) ---------------------
def _ingress_hosts(rules: Any) -> str:
    """``formatHosts``: up to three hosts, then ``+ N more...``; ``*`` when none is named."""
    hosts: list[str] = []
    more = False
    rules = [r for r in rules or [] if isinstance(r, dict)]
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and rule.get("host"):
            hosts.append(str(rule["host"]))
    if not hosts:
        return "*"
    text = ",".join(hosts)
    return f"{text} + {len(rules) - 3} more..." if more else text


def _ingress_row(ing: dict[str, Any], wide: bool) -> list[Any]:
    spec = ing.get("spec") or {}
    return [
        ing["metadata"]["name"],
        spec.get("ingressClassName") or "<none>",
        _ingress_hosts(spec.get("rules")),
        load_balancer_status_string(ing.get("status"), wide),
        "80, 443" if spec.get("tls") else "80",
        age(ing["metadata"].get("creationTimestamp")),
    ]


INGRESS_COLUMNS = [
    NAME_COL,
    _col(
        "Class",
        desc="The name of the IngressClass resource that should be used for additional "
        "configuration",
    ),
    _col("Hosts", desc="Hosts that incoming requests are matched against before the ingress rule"),
    _col("Address", desc="Address is a list containing ingress points for the load-balancer"),
    _col("Ports", desc="Ports of TLS configurations that open"),
    AGE_COL,
]


def _ingressclass_row(ic: dict[str, Any], wide: bool) -> list[Any]:
    spec = ic.get("spec") or {}
    params = spec.get("parameters")
    text = "<none>"
    if isinstance(params, dict):
        text = str(params.get("kind", ""))
        if params.get("apiGroup") is not None:
            text += "." + str(params["apiGroup"])
        text += "/" + str(params.get("name", ""))
    return [
        ic["metadata"]["name"],
        spec.get("controller", ""),
        text,
        age(ic["metadata"].get("creationTimestamp")),
    ]


INGRESSCLASS_COLUMNS = [
    NAME_COL,
    _col("Controller", desc="Controller that is responsible for handling this class"),
    _col("Parameters", desc="A reference to a resource with additional parameters"),
    AGE_COL,
]


def _lease_row(lease: dict[str, Any], wide: bool) -> list[Any]:
    spec = lease.get("spec") or {}
    return [
        lease["metadata"]["name"],
        spec.get("holderIdentity") or "",
        age(lease["metadata"].get("creationTimestamp")),
    ]


LEASE_COLUMNS = [
    NAME_COL,
    _col("Holder", desc="holderIdentity contains the identity of the holder of a current lease."),
    AGE_COL,
]


def _networkpolicy_row(np: dict[str, Any], wide: bool) -> list[Any]:
    spec = np.get("spec") or {}
    return [
        np["metadata"]["name"],
        _label_selector(spec.get("podSelector")),
        age(np["metadata"].get("creationTimestamp")),
    ]


NETWORKPOLICY_COLUMNS = [
    NAME_COL,
    _col("Pod-Selector", desc="Selects the pods to which this NetworkPolicy object applies."),
    AGE_COL,
]


def _pdb_row(pdb: dict[str, Any], wide: bool) -> list[Any]:
    spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
    min_available = spec.get("minAvailable")
    max_unavailable = spec.get("maxUnavailable")
    return [
        pdb["metadata"]["name"],
        "N/A" if min_available is None else str(min_available),
        "N/A" if max_unavailable is None else str(max_unavailable),
        int(status.get("disruptionsAllowed") or 0),
        age(pdb["metadata"].get("creationTimestamp")),
    ]


PDB_COLUMNS = [
    NAME_COL,
    _col("Min Available", desc="The minimum number of pods that must be available."),
    _col("Max Unavailable", desc="The maximum number of pods that may be unavailable."),
    _col(
        "Allowed Disruptions",
        "integer",
        "Calculated number of pods that may be disrupted at this time.",
    ),
    AGE_COL,
]


def _subjects(binding: dict[str, Any]) -> tuple[str, str, str]:
    """``rbac.SubjectsStrings``: users, groups and ``namespace/name`` service accounts."""
    users, groups, sas = [], [], []
    for s in binding.get("subjects") or []:
        if not isinstance(s, dict):
            continue
        if s.get("kind") == "User":
            users.append(str(s.get("name", "")))
        elif s.get("kind") == "Group":
            groups.append(str(s.get("name", "")))
        elif s.get("kind") == "ServiceAccount":
            sas.append(f"{s.get('namespace', '')}/{s.get('name', '')}")
    return ", ".join(users), ", ".join(groups), ", ".join(sas)


def _binding_row(b: dict[str, Any], wide: bool) -> list[Any]:
    ref = b.get("roleRef") or {}
    return [
        b["metadata"]["name"],
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        age(b["metadata"].get("creationTimestamp")),
        *_subjects(b),
    ]


def _binding_columns(what: str) -> list[dict[str, Any]]:
    return [
        NAME_COL,
        _col(
            "Role",
            desc="RoleRef can reference a Role in the current namespace or a ClusterRole "
            "in the global namespace. If the RoleRef cannot be resolved, the Authorizer must "
            "return an error. This field is immutable.",
        ),
        AGE_COL,
        _col("Users", desc=f"Users in the {what}", priority=1),
        _col("Groups", desc=f"Groups in the {what}", priority=1),
        _col("ServiceAccounts", desc=f"ServiceAccounts in the {what}", priority=1),
    ]


def _serviceaccount_row(sa: dict[str, Any], wide: bool) -> list[Any]:
    return [
        sa["metadata"]["name"],
        len(sa.get("secrets") or []),
        age(sa["metadata"].get("creationTimestamp")),
    ]


SERVICEACCOUNT_COLUMNS = [
    NAME_COL,
    _col(
        "Secrets",
        desc="Secrets is a list of the secrets in the same namespace that pods running using this "
        "ServiceAccount are allowed to use.",
    ),
    AGE_COL,
]

_BUILTIN.update(
    {
        "ingresses.networking.k8s.io": (INGRESS_COLUMNS, _ingress_row),
        "ingressclasses.networking.k8s.io": (INGRESSCLASS_COLUMNS, _ingressclass_row),
        "networkpolicies.networking.k8s.io": (NETWORKPOLICY_COLUMNS, _networkpolicy_row),
        "leases.coordination.k8s.io": (LEASE_COLUMNS, _lease_row),
        "poddisruptionbudgets.policy": (PDB_COLUMNS, _pdb_row),
        "rolebindings.rbac.authorization.k8s.io": (_binding_columns("roleBinding"), _binding_row),
        "clusterrolebindings.rbac.authorization.k8s.io": (
            _binding_columns("clusterRoleBinding"),
            _binding_row,
        ),
        "serviceaccounts": (SERVICEACCOUNT_COLUMNS, _serviceaccount_row),
    }
)


def _priorityclass_row(pc: dict[str, Any], wide: bool) -> list[Any]:
    return [
        pc["metadata"]["name"],
        pc.get("value", 0),
        bool(pc.get("globalDefault", False)),
        age(pc["metadata"].get("creationTimestamp")),
        pc.get("preemptionPolicy") or "PreemptLowerPriority",  # upstream's default
    ]


PRIORITYCLASS_COLUMNS = [
    NAME_COL,
    _col("Value", "integer", "value represents the integer value of this priority class."),
    _col(
        "Global-Default",
        "boolean",
        "globalDefault specifies whether this PriorityClass "
        "should be considered as the default priority for pods that do not have any priority "
        "class.",
    ),
    AGE_COL,
    _col(
        "PreemptionPolicy",
        desc="preemptionPolicy is the Policy for preempting pods with lower priority.",
    ),
]


def _storageclass_row(sc: dict[str, Any], wide: bool) -> list[Any]:
    meta = sc["metadata"]
    name = meta["name"]
    annotations = meta.get("annotations") or {}
    if "true" in (
        annotations.get("storageclass.kubernetes.io/is-default-class"),
        annotations.get("storageclass.beta.kubernetes.io/is-default-class"),
    ):
        name += " (default)"
    return [
        name,
        sc.get("provisioner", ""),
        sc.get("reclaimPolicy") or "Delete",
        sc.get("volumeBindingMode") or "Immediate",
        bool(sc.get("allowVolumeExpansion", False)),
        age(meta.get("creationTimestamp")),
    ]


STORAGECLASS_COLUMNS = [
    NAME_COL,
    _col("Provisioner", desc="provisioner indicates the type of the provisioner."),
    _col(
        "ReclaimPolicy",
        desc="reclaimPolicy controls the reclaimPolicy for dynamically "
        "provisioned PersistentVolumes of this storage class.",
    ),
    _col(
        "VolumeBindingMode",
        desc="volumeBindingMode indicates how PersistentVolumeClaims "
        "should be provisioned and bound.",
    ),
    _col(
        "AllowVolumeExpansion",
        desc="allowVolumeExpansion shows whether the storage class allow volume expand.",
    ),
    AGE_COL,
]

_BUILTIN.update(
    {
        "priorityclasses.scheduling.k8s.io": (PRIORITYCLASS_COLUMNS, _priorityclass_row),
        "storageclasses.storage.k8s.io": (STORAGECLASS_COLUMNS, _storageclass_row),
    }
)
