"""A platform's connected Stripe account, stored the same way whether it came through Connect
OAuth or Connect Onboarding: `platform:{platformId}:stripe` and `stripe-account:{acct}`."""

from __future__ import annotations

import json
import re
from typing import Any

from dreamapi import kvkeys
from dreamapi.ports.kv import KVNamespace

ACCOUNT_ID = re.compile(r"^acct_[A-Za-z0-9]{1,64}$")


async def connected_account(kv: KVNamespace, platform_id: str) -> dict[str, Any] | None:
    raw = await kv.get(kvkeys.platform_field(platform_id, "stripe"))
    record = json.loads(raw) if raw else None
    if not isinstance(record, dict) or not ACCOUNT_ID.match(str(record.get("accountId", ""))):
        return None
    return record


async def connected_account_id(kv: KVNamespace, platform_id: str) -> str | None:
    record = await connected_account(kv, platform_id)
    return record["accountId"] if record else None


async def platform_of_account(kv: KVNamespace, account_id: str) -> str | None:
    return await kv.get(kvkeys.connected_account(account_id))


async def store_connected_account(
    kv: KVNamespace, platform_id: str, account_id: str, *, method: str, connected_at: str, **details: Any
) -> None:
    previous = await connected_account_id(kv, platform_id)
    if previous and previous != account_id:
        await kv.delete(kvkeys.connected_account(previous))
    record = {"accountId": account_id, "method": method, "connectedAt": connected_at, **details}
    await kv.put(kvkeys.connected_account(account_id), platform_id)
    await kv.put(kvkeys.platform_field(platform_id, "stripe"), json.dumps(record))


async def remove_connected_account(kv: KVNamespace, platform_id: str) -> str | None:
    account_id = await connected_account_id(kv, platform_id)
    if account_id:
        await kv.delete(kvkeys.connected_account(account_id))
    await kv.delete(kvkeys.platform_field(platform_id, "stripe"))
    return account_id
