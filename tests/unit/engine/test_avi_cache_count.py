"""AviCache.count() is kept as objects come and go (``/debug/state`` asks for it on every poll,
so it no longer walks every cached object); it must always equal a fresh count."""

from __future__ import annotations

from collections import Counter
from typing import Any

from simulator.domain.model import Settings
from simulator.engine.avi_cache import TYPES, AviCache


def _obj(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "uuid": f"uuid-{name}", "created_by": "ako-cluster", **extra}


def _fresh_count(cache: AviCache) -> dict[str, int]:
    counted = Counter(t for t in TYPES for n in range(100) if cache.get(t, f"o{n}") is not None)
    return {t: counted.get(t, 0) for t in TYPES}


def test_count_follows_puts_removes_loads_and_resyncs() -> None:
    cache = AviCache(Settings())
    assert cache.count() == dict.fromkeys(TYPES, 0)
    cache.load({"pool": [_obj("o1"), _obj("o2"), _obj("o3", created_by="someone-else")]})
    assert cache.count() == {**dict.fromkeys(TYPES, 0), "pool": 2} == _fresh_count(cache)
    cache.put("pool", _obj("o1", _last_modified="2"))  # a rewrite is no new object
    cache.put("virtualservice", _obj("o4"))
    cache.put("l4policyset", _obj("o5"))
    assert cache.count() == _fresh_count(cache)
    assert cache.count()["pool"] == 2 and cache.count()["virtualservice"] == 1
    cache.remove("pool", "o2")
    cache.remove("pool", "o2")  # twice: still one fewer
    cache.remove("vsvip", "o99")  # never there
    assert cache.count() == _fresh_count(cache)
    assert cache.count()["pool"] == 1
    # resync from a listing taken before the writes above keeps them, drops what vanished
    cache.resync({"pool": [_obj("o6")], "virtualservice": [], "l4policyset": []}, cache.seq)
    assert cache.count() == _fresh_count(cache)
    assert cache.count() == {**dict.fromkeys(TYPES, 0), "pool": 1}
    cache.load({})
    assert cache.count() == dict.fromkeys(TYPES, 0)
