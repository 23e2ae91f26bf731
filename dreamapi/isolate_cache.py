"""A small TTL cache that lives as long as the worker's isolate.

It keeps hot-path lookups (API key -> platform, tier config, end-user subscription) off KV for
ISOLATE_CACHE_SECONDS. The price is staleness bounded by that TTL in *other* isolates: a
rotated key keeps working there for at most the TTL (plus KV's own propagation, up to ~60 s);
writes made by this isolate invalidate its own entries at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
MAX_ENTRIES = 10_000


class IsolateCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._max_entries = max_entries

    async def get_or_load(self, key: str, ttl_seconds: float, load: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            self._entries.move_to_end(key)
            return entry[1]  # type: ignore[no-any-return]
        value = await load()
        if ttl_seconds > 0:
            self._entries[key] = (now + ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value

    def invalidate(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


ISOLATE_CACHE = IsolateCache()
