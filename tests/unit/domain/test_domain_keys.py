"""Queue key kinds: ``str`` and ``parse`` are inverses, and nothing else parses
(simulator.domain.keys)."""

from __future__ import annotations

import pytest

from simulator.domain.keys import (
    InfraKey,
    Key,
    Kind,
    L4RuleKey,
    ServiceKey,
    kind_of,
    parse,
)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        (Key("default", "shared-vip-key-1", True), "shared:default/shared-vip-key-1"),
        (Key("default", "lb1", False), "dedicated:default/lb1"),
        (ServiceKey("default", "lb1"), "service:default/lb1"),
        (InfraKey("infra-1"), "infra:infra-1"),
        (L4RuleKey("red", "rule-1"), "l4rule:red/rule-1"),
    ],
)
def test_str_and_parse_are_inverses(key: object, text: str) -> None:
    assert str(key) == text
    assert parse(text) == key
    assert kind_of(text) is key.kind  # type: ignore[attr-defined]
    assert text.startswith(key.kind.prefix)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    ["", "default/lb1", "bogus:ns/lb1", "shared:default", "shared:/k", "service:ns/", "infra:"],
)
def test_anything_else_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not a key"):
        parse(text)


def test_key_parse_accepts_group_keys_only() -> None:
    assert Key.parse("shared:ns/k") == Key("ns", "k", True)
    with pytest.raises(ValueError, match="not a group key"):
        Key.parse("service:ns/lb1")


def test_group_keys_sort_by_namespace_then_name() -> None:
    keys = [Key("b", "a", True), Key("a", "z", False), Key("a", "b", True)]
    assert sorted(keys) == [Key("a", "b", True), Key("a", "z", False), Key("b", "a", True)]


def test_every_kind_has_a_distinct_prefix() -> None:
    assert len({kind.prefix for kind in Kind}) == len(Kind)
