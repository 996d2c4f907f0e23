"""Queue keys: the one home of every key kind the work queue holds, with ``str`` and ``parse``.

The queue holds keys as text (``str(key)``); whoever takes one off the queue turns it back with
:func:`parse`. Kinds:

- ``shared:<ns>/<annotation value>``: a shared-VIP group (:class:`Key`, ``shared=True``);
- ``dedicated:<ns>/<svc>``: a Service with its own VS (:class:`Key`, ``shared=False``);
- ``service:<ns>/<svc>``: per-Service chores, not a group (:class:`ServiceKey`);
- ``infra:<name>``: validating an AviInfraSetting (:class:`InfraKey`);
- ``l4rule:<ns>/<name>``: validating an L4Rule (:class:`L4RuleKey`).

Adding a kind: a member of :class:`Kind`, a frozen dataclass with ``kind`` and ``__str__``, and a
branch in :func:`parse`. Pure: no I/O, standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The kind of a queue key: the text before the first ``:``."""

    SHARED = "shared"
    DEDICATED = "dedicated"
    SERVICE = "service"
    INFRA = "infra"
    L4RULE = "l4rule"

    @property
    def prefix(self) -> str:
        return f"{self.value}:"


def _namespaced(kind: Kind, namespace: str, name: str) -> str:
    return f"{kind.prefix}{namespace}/{name}"


@dataclass(frozen=True, order=True)
class Key:
    """A group key: a shared group ``ns/<annotation value>`` or a dedicated Service ``ns/<svc>``."""

    namespace: str
    name: str
    shared: bool

    @property
    def kind(self) -> Kind:
        return Kind.SHARED if self.shared else Kind.DEDICATED

    def __str__(self) -> str:
        return _namespaced(self.kind, self.namespace, self.name)

    @classmethod
    def parse(cls, text: str) -> Key:
        """Inverse of ``str()``: ``shared:ns/key`` or ``dedicated:ns/svc``; ValueError otherwise."""
        key = parse(text)
        if not isinstance(key, Key):
            raise ValueError(f"not a group key: {text!r}")
        return key


@dataclass(frozen=True, order=True)
class ServiceKey:
    """Per-Service chores (the SharedVipIgnored warning, dropping a stale condition)."""

    namespace: str
    name: str

    @property
    def kind(self) -> Kind:
        return Kind.SERVICE

    def __str__(self) -> str:
        return _namespaced(Kind.SERVICE, self.namespace, self.name)


@dataclass(frozen=True, order=True)
class InfraKey:
    """Validating one AviInfraSetting (cluster-scoped)."""

    name: str

    @property
    def kind(self) -> Kind:
        return Kind.INFRA

    def __str__(self) -> str:
        return f"{Kind.INFRA.prefix}{self.name}"


@dataclass(frozen=True, order=True)
class L4RuleKey:
    """Validating one L4Rule."""

    namespace: str
    name: str

    @property
    def kind(self) -> Kind:
        return Kind.L4RULE

    def __str__(self) -> str:
        return _namespaced(Kind.L4RULE, self.namespace, self.name)


QueueKey = Key | ServiceKey | InfraKey | L4RuleKey


def kind_of(text: str) -> Kind:
    """The kind of a key's text form; ValueError for an unknown kind."""
    head, sep, _ = text.partition(":")
    try:
        return Kind(head) if sep else Kind("")
    except ValueError:
        raise ValueError(f"not a key: {text!r}") from None


def parse(text: str) -> QueueKey:
    """Inverse of ``str()`` for every kind; ValueError for anything else."""
    kind = kind_of(text)
    rest = text[len(kind.prefix) :]
    if kind is Kind.INFRA:
        if not rest:
            raise ValueError(f"not a key: {text!r}")
        return InfraKey(rest)
    namespace, slash, name = rest.partition("/")
    if not slash or not namespace or not name:
        raise ValueError(f"not a key: {text!r}")
    if kind is Kind.SERVICE:
        return ServiceKey(namespace, name)
    if kind is Kind.L4RULE:
        return L4RuleKey(namespace, name)
    return Key(namespace, name, kind is Kind.SHARED)
