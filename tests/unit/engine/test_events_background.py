"""Background event recorder: queued writes, same de-duplication, idle, bounded, drained stop."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from simulator.adapters.kube import KubeError
from simulator.engine.events import EventRecorder, ObjectRef
from steps.support.wait import consistently, eventually
from tests.unit.engine.fakes import FakeKube

REF = ObjectRef("default", "lb1", uid="uid-1")


class GatedKube(FakeKube):
    """Event creates wait for ``gate`` (so the test sees the queue before it drains)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def create_event(self, namespace: str, body: Mapping[str, Any]) -> dict[str, Any]:
        assert self.gate.wait(10), "gate never opened"
        return super().create_event(namespace, body)


def test_record_queues_and_the_writer_thread_writes_in_order() -> None:
    kube = GatedKube()
    recorder = EventRecorder(kube, background=True)
    recorder.start()
    try:
        assert recorder.record(REF, "Normal", "Synced", "Added virtualservice vs1")
        assert recorder.record(REF, "Warning", "Odd", "first warning")
        assert not recorder.idle()
        assert kube.events == []
        kube.gate.set()
        eventually(lambda: _assert(recorder.idle()))
        assert kube.reasons() == [("lb1", "Normal", "Synced"), ("lb1", "Warning", "Odd")]
    finally:
        kube.gate.set()
        recorder.stop()


def test_background_dedupe_bumps_count_and_once_writes_nothing() -> None:
    kube = FakeKube()
    recorder = EventRecorder(kube, background=True)
    recorder.start()
    try:
        recorder.record(REF, "Normal", "Synced", "same")
        recorder.record(REF, "Normal", "Synced", "same")
        recorder.record(REF, "Warning", "Ignored", "once only", once=True)
        recorder.record(REF, "Warning", "Ignored", "once only", once=True)
        eventually(lambda: _assert(recorder.idle()))
        assert [e["reason"] for e in kube.events] == ["Synced", "Ignored"]
        assert kube.events[0]["count"] == 2
        assert kube.events[1]["count"] == 1
    finally:
        recorder.stop()


def test_stop_drains_the_queue_and_later_records_are_refused() -> None:
    kube = GatedKube()
    recorder = EventRecorder(kube, background=True)
    recorder.start()
    recorder.record(REF, "Normal", "Synced", "before stop")
    kube.gate.set()
    recorder.stop(timeout=5)
    assert recorder.idle()
    assert kube.reasons() == [("lb1", "Normal", "Synced")]
    assert recorder.record(REF, "Normal", "Removed", "after stop") is False
    assert kube.reasons() == [("lb1", "Normal", "Synced")]


def test_a_full_queue_makes_the_caller_wait_for_room() -> None:
    kube = GatedKube()
    recorder = EventRecorder(kube, background=True, max_pending=1)
    recorder.start()
    done = threading.Event()

    def producer() -> None:
        for index in range(3):
            recorder.record(REF, "Normal", f"R{index}", "m")
        done.set()

    thread = threading.Thread(target=producer, daemon=True)
    try:
        thread.start()
        # one Event is being written (blocked on the gate), one fills the queue: the third waits
        eventually(lambda: _assert(not recorder.idle()))
        consistently(lambda: _assert(not done.is_set()), 0.2)
        kube.gate.set()
        assert done.wait(10)
        eventually(lambda: _assert(recorder.idle()))
        assert [r for _, _, r in kube.reasons()] == ["R0", "R1", "R2"]
    finally:
        kube.gate.set()
        recorder.stop()
        thread.join(5)


def test_write_failures_are_logged_and_the_recorder_goes_idle() -> None:
    kube = FakeKube()

    def refuse(namespace: str, body: Mapping[str, Any]) -> dict[str, Any]:
        raise KubeError("HTTP 403: forbidden", status=403)

    kube.create_event = refuse  # type: ignore[method-assign]
    recorder = EventRecorder(kube, background=True)
    recorder.start()
    try:
        assert recorder.record(REF, "Normal", "Synced", "refused")
        eventually(lambda: _assert(recorder.idle()))
        assert kube.events == []
    finally:
        recorder.stop()


def test_a_synchronous_recorder_writes_at_once() -> None:
    kube = FakeKube()
    recorder = EventRecorder(kube)
    assert recorder.record(REF, "Normal", "Synced", "now")
    assert kube.reasons() == [("lb1", "Normal", "Synced")]
    assert recorder.idle()


def _assert(condition: bool) -> None:
    assert condition
