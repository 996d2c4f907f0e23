"""The transports' JSON codec gives the values the standard library would, orjson or not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.adapters import jsoncodec

SAMPLES: list[Any] = [
    {"metadata": {"name": "svc", "labels": {"a": "ü"}}, "spec": {"ports": [{"port": 80}]}},
    [1, 2.5, None, True, "x"],
    {"big": 2**70, "neg": -(2**65)},
]


@pytest.mark.parametrize("value", SAMPLES)
def test_round_trip_equals_the_standard_library(value: Any) -> None:
    encoded = jsoncodec.dumps(value)
    assert isinstance(encoded, bytes)
    assert json.loads(encoded) == value
    assert jsoncodec.loads(encoded) == json.loads(json.dumps(value))


def test_what_only_the_standard_library_reads_is_read_as_it_would() -> None:
    assert jsoncodec.loads(b'{"n": NaN, "i": 123456789012345678901234567890}')["i"] == (
        123456789012345678901234567890
    )
    assert jsoncodec.loads('{"s": "text"}') == {"s": "text"}


def test_infinity_is_written_as_null_valid_json_has_no_infinity() -> None:
    assert json.loads(jsoncodec.dumps({"x": float("inf")})) == {"x": None}


def test_keys_that_are_not_strings_are_encoded_as_json_does() -> None:
    assert json.loads(jsoncodec.dumps({1: "a"})) == {"1": "a"}


@pytest.mark.parametrize("bad", [b"", b"{", b"not json", b'{"a": }'])
def test_what_is_not_json_is_a_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):
        jsoncodec.loads(bad)
