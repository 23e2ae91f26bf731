"""A platform's API keys: many named keys, expiry, revocation, rolling with a grace period, last use.

Two places hold a key. Its record (name, prefix, times; never the key) lives in the platform's
ApiKeys object (usage_meter/src/keys.js), which keeps the active-key limit and rolls atomically.
The metered path reads the KV index instead, `apikey:{sha256}` -> {"platformId", "expiresAt"}
(cached, see dreamapi.key_grants). Every change writes the index first, so a failure between the
two steps leaves a key refused, never accepted against its record: a new key is indexed before it
is stored (and its index dropped if the store refuses it, before anyone saw the key), a revoked
key loses its index before its record is marked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from dreamapi import api_key_format, kvkeys
from dreamapi.errors import conflict, not_found, unavailable
from dreamapi.key_grants import KeyGrant, hash_api_key, key_id_of
from dreamapi.ports.clock import Clock
from dreamapi.ports.kv import KVNamespace
from dreamapi.ports.meter import MeterPort, MeterUnavailableError
from dreamapi.time_format import iso_from_ms

logger = logging.getLogger("dreamapi.api_keys")

MAX_ACTIVE_KEYS = 20  # a platform's
MAX_ACTIVE_USER_KEYS = 10  # one end user's
MAX_GRACE_PERIOD_SECONDS = 86_400
LAST_USED_PRECISION_SECONDS = 60  # lastUsedAt is written at most once per key per minute
DEFAULT_KEY_NAME = "default"
KEY_WARNING = "Save this API key now: it is shown only once and cannot be retrieved again."
OPERATION_TIMEOUT_SECONDS = 5.0


def keys_unavailable() -> Exception:
    return unavailable("API keys cannot be reached right now. Retry in a few seconds.", "keys_unavailable")


def key_not_found(key_id: str) -> Exception:
    return not_found(f"No API key {key_id} here", "api_key_not_found")


def shown(record: dict[str, Any]) -> dict[str, Any]:
    """A key's record as the API shows it: never the key, nor its hash."""
    return {
        "id": record["id"],
        "name": record["name"],
        "prefix": record["prefix"],
        "createdAt": iso_from_ms(record["createdAt"]),
        "expiresAt": iso_from_ms(record["expiresAt"]),
        "lastUsedAt": iso_from_ms(record["lastUsedAt"]),
        "revokedAt": iso_from_ms(record["revokedAt"]),
        "rolledFrom": record.get("rolledFrom"),
        "rolledTo": record.get("rolledTo"),
    }


@dataclass(frozen=True)
class NewKey:
    """The one moment a plaintext key exists: returned to the caller, never stored."""

    api_key: str
    record: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {**shown(self.record), "apiKey": self.api_key, "warning": KEY_WARNING}


@dataclass(frozen=True)
class KeyHolder:
    """Whose keys: a platform's (its developer's, `dream_live_…`) or one of its end users' own
    (`dream_user_…`, resolving to that end user). Each holder's records live in its own object."""

    platform_id: str
    user_id: str | None = None

    @property
    def object_name(self) -> str:
        return self.platform_id if self.user_id is None else f"end-user:{self.platform_id}:{self.user_id}"

    @property
    def prefix(self) -> str:
        return api_key_format.PREFIX if self.user_id is None else api_key_format.USER_PREFIX

    @property
    def max_active(self) -> int:
        return MAX_ACTIVE_KEYS if self.user_id is None else MAX_ACTIVE_USER_KEYS

    @property
    def described(self) -> str:
        return "A platform" if self.user_id is None else "An end user"


class ApiKeys:
    def __init__(self, port: MeterPort, tokens_kv: KVNamespace, holder: KeyHolder, clock: Clock) -> None:
        self._port = port
        self._kv = tokens_kv
        self._holder = holder
        self._clock = clock

    def _now_ms(self) -> int:
        return int(self._clock.now() * 1000)

    async def _send(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self._port.send(
                self._holder.object_name, operation, payload, OPERATION_TIMEOUT_SECONDS
            )
        except MeterUnavailableError as error:
            logger.warning("API keys of %s unavailable: %s", self._holder.object_name, error)
            raise keys_unavailable() from None

    async def _index(self, key_hash: str, expires_at_ms: int | None) -> None:
        expires_at = None if expires_at_ms is None else expires_at_ms / 1000
        holder = self._holder
        grant = KeyGrant(holder.platform_id, key_id_of(key_hash), expires_at, holder.user_id)
        await self._kv.put(kvkeys.apikey(key_hash), grant.to_index())

    async def create(self, name: str, expires_at_ms: int | None = None) -> NewKey:
        holder = self._holder
        api_key = api_key_format.new_api_key(holder.prefix)
        record = self._new_record(api_key, name, expires_at_ms)
        await self._index(record["hash"], expires_at_ms)
        answer = await self._send(
            "create", {"key": record, "maxActive": holder.max_active, "now": self._now_ms()}
        )
        if answer.get("decision") == "too_many":
            await self._kv.delete(kvkeys.apikey(record["hash"]))
            message = f"{holder.described} has at most {holder.max_active} active API keys; revoke one first"
            raise conflict(message, "too_many_keys")
        return NewKey(api_key, answer["key"])

    def _new_record(self, api_key: str, name: str, expires_at_ms: int | None) -> dict[str, Any]:
        key_hash = hash_api_key(api_key)
        return {
            "id": key_id_of(key_hash),
            "name": name,
            "hash": key_hash,
            "prefix": api_key_format.shown_prefix(api_key),
            "createdAt": self._now_ms(),
            "expiresAt": expires_at_ms,
        }

    async def list(self) -> list[dict[str, Any]]:
        return (await self._send("list", {}))["keys"]  # type: ignore[no-any-return]

    async def get(self, key_id: str) -> dict[str, Any]:
        answer = await self._send("get", {"id": key_id})
        if answer.get("decision") != "found":
            raise key_not_found(key_id)
        return answer["key"]  # type: ignore[no-any-return]

    async def revoke(self, key_id: str) -> dict[str, Any]:
        record = await self.get(key_id)
        await self._kv.delete(kvkeys.apikey(record["hash"]))
        return (await self._send("revoke", {"id": key_id, "at": self._now_ms()}))["key"]  # type: ignore[no-any-return]

    async def roll(self, key_id: str, grace_seconds: int) -> tuple[NewKey, dict[str, Any]]:
        """A new key with the old one's name; the old one works `grace_seconds` more (or until it
        expires, if sooner). Returns the new key and the old record."""
        old = await self.get(key_id)
        now_ms = self._now_ms()
        if not _is_active(old, now_ms):
            raise key_not_active(key_id)
        api_key = api_key_format.new_api_key(self._holder.prefix)
        record = self._new_record(api_key, old["name"], old["expiresAt"])
        ends_ms = now_ms + grace_seconds * 1000
        if old["expiresAt"] is not None:
            ends_ms = min(ends_ms, old["expiresAt"])
        await self._index(record["hash"], record["expiresAt"])
        if grace_seconds == 0:
            await self._kv.delete(kvkeys.apikey(old["hash"]))
        else:
            await self._index(old["hash"], ends_ms)
        answer = await self._send("roll", {"id": key_id, "key": record, "expiresAt": ends_ms, "now": now_ms})
        if answer.get("decision") != "rolled":  # rolled or revoked meanwhile by another request
            await self._kv.delete(kvkeys.apikey(record["hash"]))
            raise key_not_active(key_id)
        return NewKey(api_key, answer["key"]), answer["old"]

    async def record_use(self, key_id: str, at: float) -> None:
        """Off the hot path: the object writes it at most once per LAST_USED_PRECISION_SECONDS."""
        await self._port.send(
            self._holder.object_name,
            "used",
            {"id": key_id, "at": int(at * 1000), "minIntervalMs": LAST_USED_PRECISION_SECONDS * 1000},
            OPERATION_TIMEOUT_SECONDS,
        )


def _is_active(record: dict[str, Any], now_ms: int) -> bool:
    return (
        record["revokedAt"] is None
        and record["rolledTo"] is None
        and (record["expiresAt"] is None or record["expiresAt"] > now_ms)
    )


def key_not_active(key_id: str) -> Exception:
    return conflict(f"API key {key_id} is revoked, expired or already rolled", "api_key_not_active")
