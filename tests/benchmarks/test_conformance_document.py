"""The conformance document generator: classification and what it writes about a run."""

from __future__ import annotations

from benchmarks.conformance import without_machine_paths


def test_paths_of_the_machine_are_cut_to_their_last_part() -> None:
    text = (
        "engine not settled: {'ako_binary': '/opt/builds/ako', 'ako_log': '/tmp/run/ako.log'}"
        " in /home/qa/bugs/ako.log: panic"
    )
    assert without_machine_paths(text) == (
        "engine not settled: {'ako_binary': 'ako', 'ako_log': 'ako.log'} in ako.log: panic"
    )


def test_urls_and_api_paths_are_left_alone() -> None:
    text = "PUT https://127.0.0.1:34311//api/vsvip/vsvip-1 refused; see /api/virtualservice"
    assert without_machine_paths(text) == text
