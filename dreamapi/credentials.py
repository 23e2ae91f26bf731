"""Platforms and their first API key, the "default" one (dreamapi.api_keys holds every key).

`platform:{id}:apiKey` names the key generate-credentials and rotate-key show (its prefix and
creation time, for get-credentials); it is a record like any other in the platform's ApiKeys.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from dreamapi import ids, kvkeys
from dreamapi.api_keys import DEFAULT_KEY_NAME, KEY_WARNING, ApiKeys, NewKey
from dreamapi.errors import ApiError
from dreamapi.ports.kv import KVNamespace
from dreamapi.services import Services
from dreamapi.time_format import iso_from_ms


def hash_email(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    """The one moment a plaintext key exists: returned to the caller, never stored."""

    platform_id: str
    key: NewKey

    def to_json(self) -> dict[str, str | None]:
        record = self.key.record
        return {
            "platformId": self.platform_id,
            "apiKey": self.key.api_key,
            "keyId": record["id"],
            "keyPrefix": record["prefix"],
            "createdAt": iso_from_ms(record["createdAt"]),
            "warning": KEY_WARNING,
        }


async def platform_exists(tokens_kv: KVNamespace, platform_id: str) -> bool:
    return await tokens_kv.get(kvkeys.platform_field(platform_id, "createdAt")) is not None


async def _show_as_current(tokens_kv: KVNamespace, platform_id: str, key: NewKey) -> None:
    record = {
        "id": key.record["id"],
        "hash": key.record["hash"],
        "prefix": key.record["prefix"],
        "createdAt": iso_from_ms(key.record["createdAt"]),
    }
    await tokens_kv.put(kvkeys.platform_field(platform_id, "apiKey"), json.dumps(record))


async def create_platform(
    services: Services, *, owner_user_id: str | None = None, email: str | None = None
) -> IssuedKey:
    tokens_kv = services.tokens_kv
    platform_id = ids.new_platform_id()
    key = await services.api_keys(platform_id).create(DEFAULT_KEY_NAME)
    await _show_as_current(tokens_kv, platform_id, key)
    if owner_user_id:
        await tokens_kv.put(kvkeys.platform_field(platform_id, "userId"), owner_user_id)
        await tokens_kv.put(kvkeys.user_platform(owner_user_id), platform_id)
    if email:
        await tokens_kv.put(kvkeys.platform_field(platform_id, "email"), email)
        await tokens_kv.put(kvkeys.developer_email(hash_email(email)), platform_id)
    # Written last: a platform "exists" only once everything above is in place.
    created_at = iso_from_ms(key.record["createdAt"])
    await tokens_kv.put(kvkeys.platform_field(platform_id, "createdAt"), created_at or "")
    return IssuedKey(platform_id, key)


async def rotate_key(services: Services, platform_id: str) -> IssuedKey:
    """Rolls the current key with no grace period (it stops working now); when it is no longer
    active (revoked, expired or rolled on the keys page), a new "default" key takes its place."""
    keys: ApiKeys = services.api_keys(platform_id)
    current = await current_key_record(services.tokens_kv, platform_id)
    key = None
    if current is not None:
        try:
            key, _ = await keys.roll(current["id"], 0)
        except ApiError as error:
            if error.error not in ("api_key_not_active", "api_key_not_found"):
                raise
    if key is None:
        key = await keys.create(DEFAULT_KEY_NAME)
    await _show_as_current(services.tokens_kv, platform_id, key)
    return IssuedKey(platform_id, key)


async def current_key_record(tokens_kv: KVNamespace, platform_id: str) -> dict[str, str] | None:
    raw = await tokens_kv.get(kvkeys.platform_field(platform_id, "apiKey"))
    if not raw:
        return None
    record: dict[str, str] = json.loads(raw)
    return record
