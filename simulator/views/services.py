"""``kubectl get svc`` without kubectl: Service rows with the real printer rules, and the table.

The columns and values follow kubernetes' ``pkg/printers/internalversion/printers.go``
(``printService``, ``getServiceExternalIP``, ``loadBalancerStatusStringer``, ``makePortString``)
and ``duration.HumanDuration`` for AGE; the layout follows kubectl's tabwriter (minimum width 6,
padding 3). Also the dashboard's extra columns: the ``ako.vmware.com/VipAssigned`` condition
and the latest Warning Event of each Service. Pure: raw dicts in, plain data out; the caller
passes ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from simulator.domain.model import SHARED_VIP_ANNOTATION
from simulator.domain.status import CONDITION_TYPE

LOAD_BALANCER_WIDTH = 16  # printers.go loadBalancerWidth
HEADERS = ("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE")
WIDE_HEADERS = (*HEADERS, "SELECTOR")
TAB_MIN_WIDTH = 6
TAB_PADDING = 3


@dataclass(frozen=True)
class ServiceRow:
    """One line of ``kubectl get svc`` (``selector`` is the ``-o wide`` column)."""

    namespace: str
    name: str
    type: str
    cluster_ip: str
    external_ip: str
    ports: str
    age: str
    selector: str

    def cells(self, *, wide: bool = False, namespaces: bool = False) -> list[str]:
        cells = [self.name, self.type, self.cluster_ip, self.external_ip, self.ports, self.age]
        if wide:
            cells.append(self.selector)
        return [self.namespace, *cells] if namespaces else cells


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def human_duration(seconds: float) -> str:
    """``k8s.io/apimachinery/pkg/util/duration.HumanDuration`` for a number of seconds."""
    total = int(seconds)
    if total < -1:
        return "<invalid>"
    if total < 0:
        return "0s"
    if total < 2 * 60:
        return f"{total}s"
    minutes = total // 60
    if minutes < 10:
        rest = total % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 3 * 60:
        return f"{minutes}m"
    hours = total // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 8 * 24:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 2 * 365 * 24:
        return f"{days}d"
    years = days // 365
    if hours < 8 * 365 * 24:
        rest = days % 365
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"


def parse_time(text: Any) -> datetime | None:
    """An RFC 3339 timestamp as the API server writes it, or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def age(timestamp: Any, now: datetime) -> str:
    """The AGE column: ``<unknown>`` without a creationTimestamp."""
    then = parse_time(timestamp)
    if then is None:
        return "<unknown>"
    return human_duration((now - then).total_seconds())


def load_balancer_status_string(status: Mapping[str, Any], *, wide: bool) -> str:
    """Ingress IPs (or hostnames without an IP): sorted, de-duplicated, and cut to 16 characters
    unless ``wide`` (the printer's rule; Service tables from an API server are always wide)."""
    found: set[str] = set()
    for entry in _list(_map(status.get("loadBalancer")).get("ingress")):
        entry = _map(entry)
        ip, hostname = entry.get("ip"), entry.get("hostname")
        if isinstance(ip, str) and ip:
            found.add(ip)
        elif isinstance(hostname, str) and hostname:
            found.add(hostname)
    text = ",".join(sorted(found))
    if not wide and len(text) > LOAD_BALANCER_WIDTH:
        text = text[: LOAD_BALANCER_WIDTH - 3] + "..."
    return text


def external_ip(service: Mapping[str, Any], *, wide: bool = False) -> str:
    """The EXTERNAL-IP column."""
    spec = _map(service.get("spec"))
    kind = spec.get("type") or "ClusterIP"
    external = [str(ip) for ip in _list(spec.get("externalIPs")) if ip]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if kind == "LoadBalancer":
        lb = load_balancer_status_string(_map(service.get("status")), wide=wide)
        if external:
            return ",".join([*(lb.split(",") if lb else []), *external])
        return lb or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def port_string(service: Mapping[str, Any]) -> str:
    """The PORT(S) column: ``port/PROTO`` or ``port:nodePort/PROTO``, comma-joined."""
    pieces: list[str] = []
    for raw in _list(_map(service.get("spec")).get("ports")):
        port = _map(raw)
        protocol = port.get("protocol") or "TCP"
        node_port = port.get("nodePort")
        if isinstance(node_port, int) and node_port > 0:
            pieces.append(f"{port.get('port')}:{node_port}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return ",".join(pieces) if pieces else "<none>"


def cluster_ip(service: Mapping[str, Any]) -> str:
    spec = _map(service.get("spec"))
    ips = _list(spec.get("clusterIPs"))
    first = ips[0] if ips else spec.get("clusterIP")
    return str(first) if first else "<none>"


def selector_string(service: Mapping[str, Any]) -> str:
    """``labels.FormatLabels``: ``k=v`` sorted by key, comma-joined; ``<none>`` when empty."""
    selector = _map(_map(service.get("spec")).get("selector"))
    if not selector:
        return "<none>"
    return ",".join(f"{k}={selector[k]}" for k in sorted(selector))


def service_row(service: Mapping[str, Any], now: datetime, *, wide: bool = False) -> ServiceRow:
    meta = _map(service.get("metadata"))
    return ServiceRow(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        type=str(_map(service.get("spec")).get("type") or "ClusterIP"),
        cluster_ip=cluster_ip(service),
        # The API server builds Service tables in wide mode whatever the client asks
        # (printers/storage: GenerateOptions{Wide: true}), so kubectl never cuts EXTERNAL-IP.
        external_ip=external_ip(service, wide=True),
        ports=port_string(service),
        age=age(meta.get("creationTimestamp"), now),
        selector=selector_string(service),
    )


def sort_services(services: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """kubectl's order: by namespace, then name (the API server lists in that order)."""

    def key(svc: Mapping[str, Any]) -> tuple[str, str]:
        meta = _map(svc.get("metadata"))
        return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))

    return sorted(services, key=key)


def select(services: Iterable[Mapping[str, Any]], namespace: str | None) -> list[Mapping[str, Any]]:
    """The Services of ``namespace`` (None = all namespaces), in kubectl's order."""
    chosen = [
        s
        for s in services
        if namespace is None or _map(s.get("metadata")).get("namespace") == namespace
    ]
    return sort_services(chosen)


def tabulate(rows: Sequence[Sequence[str]]) -> str:
    """kubectl's tabwriter layout: every column but the last padded to its widest cell + 3."""
    if not rows:
        return ""
    columns = max(len(r) for r in rows)
    widths = [0] * columns
    for row in rows:
        for index, cell in enumerate(row[:-1]):
            widths[index] = max(widths[index], len(cell) + TAB_PADDING, TAB_MIN_WIDTH)
    lines = []
    for row in rows:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("".join(padded) + (row[-1] if row else ""))
    return "\n".join(lines) + "\n"


def render_table(
    services: Iterable[Mapping[str, Any]],
    now: datetime,
    *,
    namespace: str | None = "default",
    wide: bool = False,
) -> str:
    """The text ``kubectl get svc [-n NS | -A] [-o wide]`` prints (no trailing blank line).

    Empty: kubectl's ``No resources found in NS namespace.`` (it writes that on stderr; the
    caller decides where this text goes).
    """
    chosen = select(services, namespace)
    if not chosen:
        where = f" in {namespace} namespace" if namespace is not None else ""
        return f"No resources found{where}.\n"
    all_namespaces = namespace is None
    headers = list(WIDE_HEADERS if wide else HEADERS)
    if all_namespaces:
        headers.insert(0, "NAMESPACE")
    rows = [headers]
    rows += [
        service_row(s, now, wide=wide).cells(wide=wide, namespaces=all_namespaces) for s in chosen
    ]
    return tabulate(rows)


# -- dashboard extras -----------------------------------------------------------------------


def condition(service: Mapping[str, Any]) -> dict[str, str] | None:
    """The engine's ``ako.vmware.com/VipAssigned`` condition (status, reason, message)."""
    for cond in _list(_map(service.get("status")).get("conditions")):
        cond = _map(cond)
        if cond.get("type") == CONDITION_TYPE:
            return {
                "status": str(cond.get("status") or ""),
                "reason": str(cond.get("reason") or ""),
                "message": str(cond.get("message") or ""),
            }
    return None


def _event_time(event: Mapping[str, Any]) -> str:
    for name in ("lastTimestamp", "eventTime", "firstTimestamp"):
        value = event.get(name)
        if isinstance(value, str) and value:
            return value
    return str(_map(event.get("metadata")).get("creationTimestamp") or "")


def latest_warnings(events: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest Warning Event per Service, keyed by (namespace, name)."""
    latest: dict[tuple[str, str], tuple[tuple[str, str], dict[str, Any]]] = {}
    for event in events:
        if event.get("type") != "Warning":
            continue
        involved = _map(event.get("involvedObject"))
        if involved.get("kind", "Service") != "Service":
            continue
        key = (str(involved.get("namespace") or ""), str(involved.get("name") or ""))
        when = _event_time(event)
        order = (when, str(_map(event.get("metadata")).get("resourceVersion") or ""))
        if key in latest and latest[key][0] >= order:
            continue
        count = event.get("count")
        latest[key] = (
            order,
            {
                "reason": str(event.get("reason") or ""),
                "message": str(event.get("message") or ""),
                "count": count if isinstance(count, int) else 1,
                "time": when,
            },
        )
    return {key: value for key, (_, value) in latest.items()}


def dashboard_rows(
    services: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    now: datetime,
) -> list[dict[str, Any]]:
    """Every Service (all namespaces) as a JSON-ready row: kubectl columns plus the shared-VIP
    key, the VipAssigned condition and the latest Warning Event."""
    warnings = latest_warnings(events)
    rows: list[dict[str, Any]] = []
    for svc in sort_services(services):
        row = asdict(service_row(svc, now))
        annotations = _map(_map(svc.get("metadata")).get("annotations"))
        key = annotations.get(SHARED_VIP_ANNOTATION)
        row["shared_vip_key"] = key if isinstance(key, str) and key.strip() else None
        row["condition"] = condition(svc)
        row["warning"] = warnings.get((row["namespace"], row["name"]))
        rows.append(row)
    return rows
