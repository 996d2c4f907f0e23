"""Given/When steps on the Kubernetes side: manifests, Services, Pods, Nodes, namespaces,
AviInfraSettings and L4Rules.

Each step is one driver call. Sentences that name a Service accept an optional
``in namespace "<ns>"`` suffix (default ``default``).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pytest_bdd import given, parsers, when

from steps.drivers.kube import KubeDriver, parse_labels, service_manifest
from steps.drivers.tables import datatable_rows, split_list
from steps.kit import EXAMPLES, KIT_ROOT
from steps.support.wait import eventually

NS = r'(?: in namespace "(?P<namespace>[^"]+)")?'
AKO_GROUP = "ako.vmware.com"


def _ns(namespace: str | None) -> str:
    return namespace or "default"


def _load_patch(text: str) -> Any:
    """A patch body written as JSON or YAML."""
    stripped = text.strip()
    return json.loads(stripped) if stripped.startswith(("{", "[")) else yaml.safe_load(stripped)


# -- manifests --------------------------------------------------------------------------------
@given(parsers.parse('the example "{name}" is applied'))
@when(parsers.parse('I apply the example "{name}"'))
def apply_example(kube: KubeDriver, name: str) -> None:
    path = EXAMPLES / name
    assert path.is_file(), (
        f"no example {name!r} in {EXAMPLES} "
        f"(have: {sorted(p.name for p in EXAMPLES.glob('*.yaml'))})"
    )
    kube.apply_text(path.read_text())


@given(parsers.parse('the file "{path}" is applied'))
@when(parsers.parse('I apply the file "{path}"'))
def apply_file(kube: KubeDriver, path: str) -> None:
    """A manifest file: absolute, relative to the current directory, or to the kit's folder
    (``examples/shared-vip.yaml``)."""
    file = Path(path)
    if not file.is_absolute() and not file.exists():
        file = KIT_ROOT / path
    assert file.is_file(), f"no manifest file {path!r} (here or in {KIT_ROOT})"
    kube.apply_text(file.read_text())


@given("the manifest is applied:")
@when("I apply the manifest:")
def apply_manifest(kube: KubeDriver, docstring: str) -> None:
    kube.apply_text(docstring)


# -- Services ---------------------------------------------------------------------------------
@given("the Services:", target_fixture="created_services")
@when("I create the Services:", target_fixture="created_services")
def create_services(kube: KubeDriver, datatable: list[list[str]]) -> list[tuple[str, str]]:
    """One Service per row, created in table order (see ``service_manifest`` for columns)."""
    created = []
    for row in datatable_rows(datatable):
        manifest = service_manifest(row)
        kube.ensure_namespace(manifest["metadata"]["namespace"])
        kube.apply(manifest)
        created.append((manifest["metadata"]["namespace"], manifest["metadata"]["name"]))
    return created


@when(parsers.re(rf'I patch the Service "(?P<name>[^"]+)"{NS} with:'))
def patch_service(kube: KubeDriver, name: str, namespace: str | None, docstring: str) -> None:
    kube.patch_service(name, _ns(namespace), _load_patch(docstring))


@given(
    parsers.re(
        rf'the Service "(?P<name>[^"]+)"{NS} is annotated with "(?P<key>[^"=]+)=(?P<value>[^"]*)"'
    )
)
@when(
    parsers.re(
        rf'I annotate the Service "(?P<name>[^"]+)"{NS} with "(?P<key>[^"=]+)=(?P<value>[^"]*)"'
    )
)
def annotate_service(
    kube: KubeDriver, name: str, namespace: str | None, key: str, value: str
) -> None:
    kube.annotate_service(name, _ns(namespace), key, value)


@when(
    parsers.re(rf'I remove the annotation "(?P<key>[^"]+)" from the Service "(?P<name>[^"]+)"{NS}')
)
def remove_annotation(kube: KubeDriver, name: str, namespace: str | None, key: str) -> None:
    kube.annotate_service(name, _ns(namespace), key, None)


@when(
    parsers.re(
        rf'I label the Service "(?P<name>[^"]+)"{NS} with "(?P<key>[^"=]+)=(?P<value>[^"]*)"'
    )
)
def label_service(kube: KubeDriver, name: str, namespace: str | None, key: str, value: str) -> None:
    kube.label_service(name, _ns(namespace), key, value)


@when(
    parsers.re(rf'I change the type of the Service "(?P<name>[^"]+)"{NS} to "(?P<new_type>[^"]+)"')
)
def change_type(kube: KubeDriver, name: str, namespace: str | None, new_type: str) -> None:
    kube.change_service_type(name, _ns(namespace), new_type)


@when(parsers.re(rf'I delete the Services? "(?P<names>[^"]+)"{NS}'))
def delete_services(kube: KubeDriver, names: str, namespace: str | None) -> None:
    for name in split_list(names):
        kube.delete_service(name, _ns(namespace))


@given(parsers.parse('the API server\'s clock is past the creation second of Service "{name}"'))
def clock_past_creation(kube: KubeDriver, name: str) -> None:
    """creationTimestamp has one-second resolution: make the next object strictly newer."""
    stamp = kube.service(name)["metadata"]["creationTimestamp"]
    created = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()

    def past() -> None:
        assert time.time() >= created + 1.0, "still in the creation second"

    eventually(past, timeout=3.0, interval=0.02)


# -- namespaces, Pods, Nodes ------------------------------------------------------------------
@given(parsers.parse('the namespace "{name}"'))
@when(parsers.parse('I create the namespace "{name}"'))
def create_namespace(kube: KubeDriver, name: str) -> None:
    kube.ensure_namespace(name)


@when(parsers.parse('I delete the namespace "{name}"'))
def delete_namespace(kube: KubeDriver, name: str) -> None:
    kube.delete_namespace(name)


@given("the ready Pods:")
@when("I create the ready Pods:")
def create_pods(kube: KubeDriver, datatable: list[list[str]]) -> None:
    """Columns: name, ip, labels (``app=web``), namespace (default), ready (true)."""
    for row in datatable_rows(datatable):
        namespace = row.get("namespace") or "default"
        kube.ensure_namespace(namespace)
        kube.create_ready_pod(
            row["name"],
            namespace,
            parse_labels(row.get("labels", "")),
            row["ip"],
            ready=row.get("ready", "true").lower() != "false",
        )


@when(parsers.re(rf'I delete the Pod "(?P<name>[^"]+)"{NS}'))
def delete_pod(kube: KubeDriver, name: str, namespace: str | None) -> None:
    kube.delete_pod(name, _ns(namespace))


@given(parsers.parse('the Node "{name}" with InternalIP "{ip}"'))
@when(parsers.parse('I create the Node "{name}" with InternalIP "{ip}"'))
def create_node(kube: KubeDriver, name: str, ip: str) -> None:
    kube.create_node(name, ip)


@given(
    parsers.re(rf'the EndpointSlices of the Service "(?P<name>[^"]+)"{NS} list "(?P<ips>[^"]*)"')
)
@when(parsers.re(rf'the EndpointSlices of the Service "(?P<name>[^"]+)"{NS} list "(?P<ips>[^"]*)"'))
def endpoint_slices_list(kube: KubeDriver, name: str, namespace: str | None, ips: str) -> None:
    """Wait until the API server's EndpointSlice controller caught up with the Pods."""
    wanted = sorted(split_list(ips))

    def check() -> None:
        found = sorted(
            endpoint["addresses"][0]
            for eps in kube.endpoint_slices(name, _ns(namespace))
            for endpoint in eps.get("endpoints") or []
            if endpoint.get("addresses")
        )
        assert found == wanted, f"EndpointSlices of {name} list {found}, waiting for {wanted}"

    eventually(check, timeout=5.0)


# -- AviInfraSetting and L4Rule ---------------------------------------------------------------
@given(
    parsers.parse(
        'the AviInfraSetting "{name}" with SE group "{se_group}" and VIP network "{network}"'
    )
)
@when(
    parsers.parse(
        'I create the AviInfraSetting "{name}" with SE group "{se_group}"'
        ' and VIP network "{network}"'
    )
)
def create_infra_setting(kube: KubeDriver, name: str, se_group: str, network: str) -> None:
    kube.apply(
        {
            "apiVersion": f"{AKO_GROUP}/v1beta1",
            "kind": "AviInfraSetting",
            "metadata": {"name": name},
            "spec": {
                "seGroup": {"name": se_group},
                "network": {"vipNetworks": [{"networkName": network}]},
            },
        }
    )


@when(parsers.parse('I patch the AviInfraSetting "{name}" with:'))
def patch_infra_setting(kube: KubeDriver, name: str, docstring: str) -> None:
    kube.patch(f"{AKO_GROUP}/v1beta1", "AviInfraSetting", name, None, _load_patch(docstring))


@given(parsers.parse('the L4Rule "{name}" in namespace "{namespace}" with:'))
@when(parsers.parse('I create the L4Rule "{name}" in namespace "{namespace}" with:'))
def create_l4rule(kube: KubeDriver, name: str, namespace: str, docstring: str) -> None:
    """The doc string is the L4Rule's ``spec`` in YAML."""
    kube.ensure_namespace(namespace)
    kube.apply(
        {
            "apiVersion": f"{AKO_GROUP}/v1alpha2",
            "kind": "L4Rule",
            "metadata": {"name": name, "namespace": namespace},
            "spec": yaml.safe_load(docstring) or {},
        }
    )


@when(parsers.parse('I patch the L4Rule "{name}" in namespace "{namespace}" with:'))
def patch_l4rule(kube: KubeDriver, name: str, namespace: str, docstring: str) -> None:
    kube.patch(f"{AKO_GROUP}/v1alpha2", "L4Rule", name, namespace, _load_patch(docstring))
