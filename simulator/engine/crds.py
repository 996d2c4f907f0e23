"""Validation of AviInfraSetting and L4Rule objects, with their ``status`` written back.

AviInfraSetting: its SE group and every VIP / node network must exist on the controller.
L4Rule: every referenced Avi object (profiles, health monitors) must exist, and its
``loadBalancerIP`` must be an IP address. The verdict goes to ``status.status`` (``Accepted`` or
``Rejected``) and ``status.error`` through the status subresource, only when it changes.
Controller lookups that fail transiently raise :class:`RetryLater`; nothing here sleeps.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Mapping
from typing import Any

from simulator.adapters.avi import AviApi, AviError, TransientError
from simulator.adapters.kube import AVIINFRASETTINGS, L4RULES, KubeApi, KubeError, Resource
from simulator.domain.keys import InfraKey, Kind, L4RuleKey, parse
from simulator.engine.informer import Store
from simulator.engine.reconciler import RetryLater

log = logging.getLogger("ako_sim.crds")

# Kept for ``engine.controller``'s dispatch; the key kinds live in ``simulator.domain.keys``.
INFRA_PREFIX = Kind.INFRA.prefix
L4RULE_PREFIX = Kind.L4RULE.prefix
ACCEPTED = "Accepted"
REJECTED = "Rejected"


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class CrdValidator:
    """Validates one AviInfraSetting or L4Rule per call."""

    def __init__(
        self,
        avi: AviApi,
        kube: KubeApi,
        infra: Store,
        l4rules: Store,
        *,
        on_k8s_write: Callable[[str], None] | None = None,
    ) -> None:
        self.avi = avi
        self.kube = kube
        self.infra = infra
        self.l4rules = l4rules
        self._on_k8s_write = on_k8s_write

    def reconcile(self, key_text: str) -> None:
        key = parse(key_text)
        if isinstance(key, InfraKey):
            obj = self.infra.get(key.name)
            if obj is not None:
                self._write(AVIINFRASETTINGS, None, key.name, obj, self.check_infra(obj))
        elif isinstance(key, L4RuleKey):
            obj = self.l4rules.get(f"{key.namespace}/{key.name}")
            if obj is not None:
                self._write(L4RULES, key.namespace, key.name, obj, self.check_l4rule(obj))

    # -- checks ---------------------------------------------------------------------------------
    def check_infra(self, obj: Mapping[str, Any]) -> str | None:
        """None when valid, else the reason it is rejected."""
        spec = _map(obj.get("spec"))
        se_group = _map(spec.get("seGroup")).get("name")
        if (
            isinstance(se_group, str)
            and se_group
            and not self._exists("serviceenginegroup", se_group)
        ):
            return f"seGroup {se_group} not found"
        network = _map(spec.get("network"))
        for entry in _list(network.get("vipNetworks")):
            name = _map(entry).get("networkName")
            if not isinstance(name, str) or not name:
                return "vipNetworks entry without networkName"
            if not self._exists("network", name):
                return f"network {name} not found"
        for entry in _list(network.get("nodeNetworks")):
            name = _map(entry).get("networkName")
            if not isinstance(name, str) or not name:
                return "nodeNetworks entry without networkName"
            if not self._exists("network", name):
                return f"network {name} not found"
        return None

    def check_l4rule(self, obj: Mapping[str, Any]) -> str | None:
        spec = _map(obj.get("spec"))
        refs: list[tuple[str, str, str]] = []
        for field, obj_type in (
            ("applicationProfileRef", "applicationprofile"),
            ("networkProfileRef", "networkprofile"),
            ("analyticsProfileRef", "analyticsprofile"),
            ("networkSecurityPolicyRef", "networksecuritypolicy"),
            ("sslProfileRef", "sslprofile"),
        ):
            value = spec.get(field)
            if isinstance(value, str) and value:
                refs.append((field, obj_type, value))
        for index, backend in enumerate(_list(spec.get("backendProperties"))):
            for hm in _list(_map(backend).get("healthMonitorRefs")):
                if isinstance(hm, str) and hm:
                    refs.append(
                        (f"backendProperties[{index}].healthMonitorRefs", "healthmonitor", hm)
                    )
            for field, obj_type in (
                ("applicationPersistenceProfileRef", "applicationpersistenceprofile"),
                ("sslProfileRef", "sslprofile"),
            ):
                value = _map(backend).get(field)
                if isinstance(value, str) and value:
                    refs.append((f"backendProperties[{index}].{field}", obj_type, value))
        lb_ip = spec.get("loadBalancerIP")
        if lb_ip not in (None, ""):
            try:
                ipaddress.ip_address(str(lb_ip))
            except ValueError:
                return f"loadBalancerIP {lb_ip} is not a valid IP address"
        for field, obj_type, name in refs:
            if not self._exists(obj_type, name):
                return f"{field}: {obj_type} {name} not found"
        return None

    def _exists(self, obj_type: str, name: str) -> bool:
        try:
            return self.avi.get_by_name(obj_type, name) is not None
        except TransientError as exc:
            raise RetryLater(f"cannot look up {obj_type} {name}: {exc.message}") from exc
        except AviError as exc:
            log.warning("looking up %s %s failed: %s", obj_type, name, exc.message)
            return False

    # -- status ---------------------------------------------------------------------------------
    def _write(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        obj: Mapping[str, Any],
        error: str | None,
    ) -> None:
        wanted = {"status": ACCEPTED if error is None else REJECTED, "error": error or ""}
        current = _map(obj.get("status"))
        if (
            current.get("status") == wanted["status"]
            and (current.get("error") or "") == wanted["error"]
        ):
            return
        what = f"{resource.name[:-1]} {namespace + '/' if namespace else ''}{name}"
        if error is None:
            log.info("%s accepted", what)
        else:
            log.warning("%s rejected: %s", what, error)
        try:
            self.kube.patch_custom_status(resource, namespace, name, wanted)
        except KubeError as exc:
            if exc.status == 404:
                return
            raise RetryLater(f"status of {what}: {exc}", error="KubeError") from exc
        if self._on_k8s_write is not None:
            self._on_k8s_write(f"{resource.name}_status")
