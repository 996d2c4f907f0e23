"""Snapshot documents and kubeconfig reading (``simulator.snapshot``), without a stack."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator import snapshot
from simulator.snapshot import SnapshotError


def document(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "version": 1,
        "kubernetes": {"resourceVersion": "7", "objects": [{"kind": "Namespace"}]},
        "avi": {"objects": {"pool": [{"name": "p"}], "vsvip": []}},
    }
    base.update(changes)
    return base


def test_a_snapshot_survives_a_yaml_round_trip() -> None:
    original = document()
    assert snapshot.loads(snapshot.dumps(original)) == original
    assert snapshot.counts(original) == (1, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "a snapshot is a YAML mapping"),
        ("version: 1\nkubernetes: {objects: []}\n", "the snapshot has no avi state"),
        (yaml.safe_dump(document(version=3)), "unsupported snapshot version 3"),
        (yaml.safe_dump(document(kubernetes={"objects": {}})), "no objects list"),
        (yaml.safe_dump(document(avi={"objects": []})), "no objects mapping"),
        ("version: [", "not valid YAML"),
    ],
)
def test_bad_snapshots_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        snapshot.loads(text)


def test_kubeconfig_server_follows_the_current_context(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [
                    {"name": "a", "cluster": {"server": "http://127.0.0.1:1/"}},
                    {"name": "b", "cluster": {"server": "http://127.0.0.1:2"}},
                ],
                "contexts": [{"name": "ctx", "context": {"cluster": "b"}}],
                "current-context": "ctx",
            }
        )
    )
    assert snapshot.kubeconfig_server(path) == "http://127.0.0.1:2"


def test_kubeconfig_without_a_server_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({"clusters": [], "contexts": []}))
    with pytest.raises(SnapshotError, match="names no API server"):
        snapshot.kubeconfig_server(path)
    with pytest.raises(SnapshotError, match="cannot read kubeconfig"):
        snapshot.kubeconfig_server(tmp_path / "missing")
