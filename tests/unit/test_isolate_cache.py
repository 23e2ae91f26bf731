from __future__ import annotations

import asyncio

from dreamapi.isolate_cache import IsolateCache
from dreamapi.ports.kv import CountingKV, KVOperationCount, MemoryKV


async def test_values_are_kept_for_the_ttl_and_can_be_forgotten() -> None:
    cache = IsolateCache()
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        return loads

    assert await cache.get_or_load("k", 60, load) == 1
    assert await cache.get_or_load("k", 60, load) == 1
    cache.invalidate("k")
    assert await cache.get_or_load("k", 60, load) == 2
    assert await cache.get_or_load("short", 0.05, load) == 3
    await asyncio.sleep(0.08)
    assert await cache.get_or_load("short", 0.05, load) == 4
    assert await cache.get_or_load("off", 0, load) == 5
    assert await cache.get_or_load("off", 0, load) == 6  # a TTL of 0 disables caching


async def test_the_cache_is_bounded() -> None:
    cache = IsolateCache(max_entries=2)

    async def value() -> str:
        return "v"

    for key in ("a", "b", "c"):
        await cache.get_or_load(key, 60, value)
    assert list(cache._entries) == ["b", "c"]


async def test_counting_kv_counts_what_reaches_the_namespace() -> None:
    count = KVOperationCount()
    kv = CountingKV(MemoryKV(), count)
    await kv.put("a", "1")
    await kv.get("a")
    await kv.get_with_metadata("a")
    await kv.list(prefix="a")
    await kv.delete("a")
    assert (count.reads, count.writes, count.lists, count.deletes) == (2, 1, 1, 1)
    assert count.header() == "reads=2;writes=1;lists=1;deletes=1"
