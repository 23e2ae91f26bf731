"""Key-value store port (Workers KV semantics) and an in-memory implementation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from dreamapi.ports.clock import Clock, SystemClock

MIN_EXPIRATION_TTL = 60  # seconds; Workers KV refuses shorter TTLs
MAX_METADATA_BYTES = 1024
MAX_KEY_BYTES = 512


class StorageUnavailableError(Exception):
    """KV did not answer (or refused, e.g. too many writes to one key); never carries a value."""


@dataclass(frozen=True)
class KeyInfo:
    name: str
    expiration: int | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class KeyList:
    keys: list[KeyInfo]
    cursor: str | None
    complete: bool


class KVNamespace(Protocol):
    async def get(self, key: str, *, cache_ttl: int | None = None) -> str | None:
        """`cache_ttl`: how long the edge may serve this read from its cache (Workers KV's
        `cacheTtl`, at least 30 s in production; its default is 60 s)."""
        ...

    async def get_with_metadata(self, key: str) -> tuple[str | None, dict[str, Any] | None]: ...

    async def put(
        self,
        key: str,
        value: str,
        *,
        expiration_ttl: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def list(self, *, prefix: str = "", cursor: str | None = None, limit: int = 1000) -> KeyList: ...


def check_put_arguments(key: str, expiration_ttl: int | None, metadata: dict[str, Any] | None) -> None:
    """Refuse, on every runtime, what Workers KV would refuse in production."""
    if not key or len(key.encode()) > MAX_KEY_BYTES:
        raise ValueError(f"KV key must be 1..{MAX_KEY_BYTES} bytes")
    if expiration_ttl is not None and expiration_ttl < MIN_EXPIRATION_TTL:
        raise ValueError(f"expiration_ttl must be >= {MIN_EXPIRATION_TTL} seconds")
    if metadata is not None and len(json.dumps(metadata).encode()) > MAX_METADATA_BYTES:
        raise ValueError(f"KV metadata must serialise to <= {MAX_METADATA_BYTES} bytes")


@dataclass
class _Entry:
    value: str
    expires_at: float | None
    metadata: dict[str, Any] | None


class MemoryKV:
    """In-memory KV for CPython unit tests, honouring TTLs through a clock."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._entries: dict[str, _Entry] = {}

    def _live(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry and entry.expires_at is not None and entry.expires_at <= self._clock.now():
            del self._entries[key]
            return None
        return entry

    async def get(self, key: str, *, cache_ttl: int | None = None) -> str | None:
        entry = self._live(key)
        return entry.value if entry else None

    async def get_with_metadata(self, key: str) -> tuple[str | None, dict[str, Any] | None]:
        entry = self._live(key)
        return (entry.value, entry.metadata) if entry else (None, None)

    async def put(
        self,
        key: str,
        value: str,
        *,
        expiration_ttl: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        check_put_arguments(key, expiration_ttl, metadata)
        expires_at = self._clock.now() + expiration_ttl if expiration_ttl else None
        self._entries[key] = _Entry(value, expires_at, metadata)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def list(self, *, prefix: str = "", cursor: str | None = None, limit: int = 1000) -> KeyList:
        names = sorted(k for k in list(self._entries) if k.startswith(prefix) and self._live(k))
        start = int(cursor) if cursor else 0
        page = names[start : start + limit]
        end = start + len(page)
        complete = end >= len(names)
        keys = [
            KeyInfo(
                name,
                int(self._entries[name].expires_at) if self._entries[name].expires_at else None,
                self._entries[name].metadata,
            )
            for name in page
        ]
        return KeyList(keys=keys, cursor=None if complete else str(end), complete=complete)


@dataclass
class KVOperationCount:
    reads: int = 0
    writes: int = 0
    lists: int = 0
    deletes: int = 0

    def header(self) -> str:
        return f"reads={self.reads};writes={self.writes};lists={self.lists};deletes={self.deletes}"


class CountingKV:
    """Counts the operations that reach the wrapped namespace (what Cloudflare bills)."""

    def __init__(self, inner: KVNamespace, count: KVOperationCount) -> None:
        self._inner = inner
        self._count = count

    async def get(self, key: str, *, cache_ttl: int | None = None) -> str | None:
        self._count.reads += 1
        return await self._inner.get(key, cache_ttl=cache_ttl)

    async def get_with_metadata(self, key: str) -> tuple[str | None, dict[str, Any] | None]:
        self._count.reads += 1
        return await self._inner.get_with_metadata(key)

    async def put(
        self,
        key: str,
        value: str,
        *,
        expiration_ttl: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._count.writes += 1
        await self._inner.put(key, value, expiration_ttl=expiration_ttl, metadata=metadata)

    async def delete(self, key: str) -> None:
        self._count.deletes += 1
        await self._inner.delete(key)

    async def list(self, *, prefix: str = "", cursor: str | None = None, limit: int = 1000) -> KeyList:
        self._count.lists += 1
        return await self._inner.list(prefix=prefix, cursor=cursor, limit=limit)


async def list_all(kv: KVNamespace, prefix: str) -> AsyncIterator[KeyInfo]:
    """Every key under `prefix` with its metadata (one `list` per 1000 keys)."""
    cursor: str | None = None
    while True:
        page = await kv.list(prefix=prefix, cursor=cursor)
        for key in page.keys:
            yield key
        if page.complete or not page.cursor:
            return
        cursor = page.cursor
