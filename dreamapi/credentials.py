"""Platforms and their API keys (format: dreamapi.api_key_format), stored only as SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from dreamapi import api_key_format, ids, kvkeys
from dreamapi.ports.kv import KVNamespace


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def hash_email(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def iso_utc(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


KEY_WARNING = "Save this API key now: it is shown only once and cannot be retrieved again."


@dataclass(frozen=True)
class IssuedKey:
    """The one moment a plaintext key exists: returned to the caller, never stored."""

    platform_id: str
    api_key: str
    key_prefix: str
    created_at: str

    def to_json(self) -> dict[str, str]:
        return {
            "platformId": self.platform_id,
            "apiKey": self.api_key,
            "keyPrefix": self.key_prefix,
            "createdAt": self.created_at,
            "warning": KEY_WARNING,
        }


async def platform_exists(tokens_kv: KVNamespace, platform_id: str) -> bool:
    return await tokens_kv.get(kvkeys.platform_field(platform_id, "createdAt")) is not None


async def _store_key(tokens_kv: KVNamespace, platform_id: str, now: float) -> IssuedKey:
    api_key = api_key_format.new_api_key()
    key_hash = hash_api_key(api_key)
    created_at = iso_utc(now)
    prefix = api_key_format.shown_prefix(api_key)
    await tokens_kv.put(kvkeys.apikey(key_hash), platform_id)
    record = {"hash": key_hash, "prefix": prefix, "createdAt": created_at}
    await tokens_kv.put(kvkeys.platform_field(platform_id, "apiKey"), json.dumps(record))
    return IssuedKey(platform_id, api_key, prefix, created_at)


async def create_platform(
    tokens_kv: KVNamespace,
    now: float,
    *,
    owner_user_id: str | None = None,
    email: str | None = None,
) -> IssuedKey:
    platform_id = ids.new_platform_id()
    issued = await _store_key(tokens_kv, platform_id, now)
    if owner_user_id:
        await tokens_kv.put(kvkeys.platform_field(platform_id, "userId"), owner_user_id)
        await tokens_kv.put(kvkeys.user_platform(owner_user_id), platform_id)
    if email:
        await tokens_kv.put(kvkeys.platform_field(platform_id, "email"), email)
        await tokens_kv.put(kvkeys.developer_email(hash_email(email)), platform_id)
    # Written last: a platform "exists" only once everything above is in place.
    await tokens_kv.put(kvkeys.platform_field(platform_id, "createdAt"), issued.created_at)
    return issued


async def rotate_key(tokens_kv: KVNamespace, platform_id: str, now: float) -> IssuedKey:
    previous = await current_key_record(tokens_kv, platform_id)
    issued = await _store_key(tokens_kv, platform_id, now)
    if previous and not hmac.compare_digest(previous["hash"], hash_api_key(issued.api_key)):
        await tokens_kv.delete(kvkeys.apikey(previous["hash"]))
    return issued


async def current_key_record(tokens_kv: KVNamespace, platform_id: str) -> dict[str, str] | None:
    raw = await tokens_kv.get(kvkeys.platform_field(platform_id, "apiKey"))
    return json.loads(raw) if raw else None


async def platform_for_key(tokens_kv: KVNamespace, api_key: str) -> str | None:
    """The platform an API key belongs to; None for unknown or revoked keys, and for malformed
    ones without reading KV (see dreamapi.api_key_format)."""
    if not api_key_format.is_well_formed(api_key):
        return None
    platform_id = await tokens_kv.get(kvkeys.apikey(hash_api_key(api_key)))
    return platform_id if ids.is_platform_id(platform_id) else None
