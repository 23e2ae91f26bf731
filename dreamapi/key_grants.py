"""What the metered path knows of an API key: the KV index `apikey:{sha256}`, which platform the
key belongs to (and, for an end user's own key, which end user), and until when it works.

A revoked key has no index (dreamapi.api_keys deletes it). The index is cached in the isolate for
at most KEY_CACHE_SECONDS and, in deployed environments, at the KV edge for
API_KEY_KV_CACHE_SECONDS; together they bound how long another location can still accept a key
revoked elsewhere (README "API keys").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from dreamapi import api_key_format, ids, kvkeys
from dreamapi.ports.kv import KVNamespace

KEY_CACHE_SECONDS = 30.0  # the isolate cache of a key's index, whatever ISOLATE_CACHE_SECONDS says


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def key_id_of(key_hash: str) -> str:
    """A key's public id, from its hash (so a retried create names the same key)."""
    return f"key_{key_hash[:24]}"


@dataclass(frozen=True)
class KeyGrant:
    platform_id: str
    key_id: str
    expires_at: float | None  # epoch seconds; None: until revoked
    user_id: str | None = None  # an end user's own key names them; a developer's names no one

    def to_index(self) -> str:
        index: dict[str, object] = {"platformId": self.platform_id, "expiresAt": self.expires_at}
        if self.user_id is not None:
            index["userId"] = self.user_id
        return json.dumps(index)

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def parse_index(raw: str | None, key_hash: str) -> KeyGrant | None:
    """The index's grant, None when there is none or it is unreadable."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    platform_id = data.get("platformId") if isinstance(data, dict) else None
    if not isinstance(platform_id, str) or not ids.is_platform_id(platform_id):
        return None
    expires_at = data.get("expiresAt")
    if not isinstance(expires_at, int | float) or isinstance(expires_at, bool):
        expires_at = None
    user_id = data.get("userId")
    if user_id is not None and not (isinstance(user_id, str) and ids.USER_ID.match(user_id)):
        return None
    return KeyGrant(platform_id, key_id_of(key_hash), expires_at, user_id)


async def grant_for_key(
    tokens_kv: KVNamespace, api_key: str, cache_ttl: int | None = None
) -> KeyGrant | None:
    """The grant of an API key; None for unknown or revoked keys, and for malformed ones without
    reading KV (see dreamapi.api_key_format)."""
    if not api_key_format.is_well_formed(api_key):
        return None
    key_hash = hash_api_key(api_key)
    return parse_index(await tokens_kv.get(kvkeys.apikey(key_hash), cache_ttl=cache_ttl), key_hash)
