"""Consistency checks over a mock_avi ``Store``: "no corrupted state" after any request.

``check_store`` asserts that the indexes agree with the records (by type, by name, reverse
references, IPAM holders), that every stored reference points at an existing object, and that
the state survives a dump/load round trip (a snapshot of it can always be restored). It reads
the store under its lock and never changes it.
"""

from __future__ import annotations

from typing import Any

from mock_avi import ipam
from mock_avi.refs import iter_refs, split_stored
from mock_avi.store import Store


def check_store(store: Store, *, round_trip: bool = True) -> None:
    with store.lock:
        records = dict(store.records)
        assert all(isinstance(u, str) for u in records), "uuids are strings"
        by_type = {u: r for recs in store.by_type.values() for u, r in recs.items()}
        assert by_type == records, "by_type index out of step with the records"
        by_name = {u: r for recs in store.by_name.values() for u, r in recs.items()}
        assert by_name == records, "by_name index out of step with the records"
        for (obj_type, name), recs in store.by_name.items():
            assert recs, f"empty name bucket {obj_type}/{name}"
            assert all(r.type == obj_type and r.name == name for r in recs.values())
        referrers: dict[str, set[str]] = {}
        for rec in records.values():
            assert rec.body.get("uuid") == rec.uuid, f"{rec.type} {rec.uuid}: uuid in body"
            assert isinstance(rec.name, str) and rec.body.get("name", "") == rec.name
            for ref in iter_refs(dict(rec.body)):
                if ref.startswith("/api/"):
                    target = split_stored(ref)[1]
                    assert target in records, f"{rec.type} {rec.name}: dangling ref {ref}"
            for target in rec.targets:
                assert target in records, f"{rec.type} {rec.name}: dangling target {target}"
                referrers.setdefault(target, set()).add(rec.uuid)
        assert referrers == {k: set(v) for k, v in store.referrers.items()}, "referrer index"
        vips: dict[str, str] = {}
        for rec in store.by_type["vsvip"].values():
            for addr in ipam.addresses(rec.body):
                assert addr not in vips, f"{addr} held by two VsVips"
                vips[addr] = rec.uuid
        assert vips == store.vips, "IPAM index out of step with the VsVips"
        dumped: dict[str, Any] = store.dump()
    if round_trip:
        copy = Store(store.seed, store.check_last_modified)
        copy.load(dumped)
        assert set(copy.records) == set(records), "a dump of the state does not load back"
