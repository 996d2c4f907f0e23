"""Steps on the engine itself: settling, restarts, what it logged, and "no write to the
controller after a point" (a journal position noted with ``target_fixture``)."""

from __future__ import annotations

import logging

from pytest_bdd import given, parsers, then, when

from steps.drivers.avi import AviDriver
from steps.drivers.engine import EngineDriver
from steps.expect import expect, expect_steady
from steps.stack import StackControl


@given("the engine has settled")
@when("the engine has settled")
@then("the engine has settled")
def engine_settled(engine: EngineDriver) -> None:
    engine.wait_settled()


@given("the engine is restarted")
@when("the engine is restarted")
def restart_engine(engine: EngineDriver, stack_control: StackControl) -> None:
    engine.wait_settled()
    stack_control.restart_engine()
    engine.wait_settled()


@given("the engine is stopped")
@when("the engine is stopped")
def stop_engine(engine: EngineDriver, stack_control: StackControl) -> None:
    engine.wait_settled()
    stack_control.stop_engine()


@given("the engine is started")
@when("the engine is started")
def start_engine(engine: EngineDriver, stack_control: StackControl) -> None:
    stack_control.start_engine()
    engine.wait_settled()


@given(parsers.parse('the engine runs with "{setting}" set to "{value}"'))
def engine_setting(
    engine: EngineDriver, stack_control: StackControl, setting: str, value: str
) -> None:
    """Restart the engine with one setting changed (an ``EngineConfig`` field name, e.g.
    ``avi_timeout``, ``service_type``, ``cluster_name``) for the rest of the scenario."""
    stack_control.restart_engine(**{setting: value})
    engine.wait_settled()


@given(parsers.parse('the engine runs with service type "{service_type}"'))
def engine_service_type(
    engine: EngineDriver, stack_control: StackControl, service_type: str
) -> None:
    stack_control.restart_engine(service_type=service_type)
    engine.wait_settled()


@given("I note the controller journal position", target_fixture="journal_mark")
@when("I note the controller journal position", target_fixture="journal_mark")
def note_journal(engine: EngineDriver, avi: AviDriver) -> int:
    engine.wait_settled()
    return avi.journal_position()


@then("the engine made no write to the controller since the noted position")
def no_write_since(engine: EngineDriver, avi: AviDriver, journal_mark: int) -> None:
    def check() -> None:
        writes = avi.writes_since(journal_mark)
        assert not writes, "the engine wrote to the controller:\n  " + "\n  ".join(
            f"#{w.get('seq')} {w.get('method')} {w.get('path')} -> {w.get('status')}"
            for w in writes
        )

    expect_steady(engine, check)


@then(
    parsers.re(
        r'the engine logged (?P<level>an error|a warning|a line) containing "(?P<fragment>.+)"$'
    )
)
def engine_logged(engine: EngineDriver, level: str, fragment: str) -> None:
    min_level = {"an error": logging.ERROR, "a warning": logging.WARNING}.get(level, logging.DEBUG)

    def check() -> None:
        assert engine.logged(fragment, min_level), (
            f"the engine logged no {level.split()[-1]} containing {fragment!r}; it logged:\n  "
            + "\n  ".join(engine.logs.lines(logging.INFO)[-30:])
        )

    expect(engine, check)
