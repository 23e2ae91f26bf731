"""A platform's dashboard numbers, derived from per-user records instead of a shared counter.

Each end user's usage record carries `{count, periodStart, plan, limit}` as KV metadata and each
payment is its own `revenue:{platformId}:{paymentId}` key, so nothing here is a read-modify-write
of one hot key: concurrent calls cannot lose each other's counts in the aggregate. One `list`
returns 1000 keys with their metadata. The result is kept in `platform:{platformId}:stats` and
reused for STATS_FRESH_SECONDS.
"""

from __future__ import annotations

import json
from typing import Any

from dreamapi import kvkeys
from dreamapi.periods import month_period
from dreamapi.ports.kv import KVNamespace, list_all
from dreamapi.tiers import load_tier_config
from dreamapi.time_format import iso_utc

STATS_FRESH_SECONDS = 15
STATS_TTL_SECONDS = 300
OVERAGE_USERS_SHOWN = 50


async def compute_stats(
    usage_kv: KVNamespace, tokens_kv: KVNamespace, platform_id: str, now: float
) -> dict[str, Any]:
    period = month_period(now)
    total_users = active_users = at_limit = calls = 0
    by_tier: dict[str, int] = {}
    overage_by_user: dict[str, tuple[str, int]] = {}  # user -> (tier, overage units)
    prefix = kvkeys.end_user_usage_prefix(platform_id)
    async for key in list_all(usage_kv, prefix):
        total_users += 1
        meta = key.metadata or {}
        if meta.get("periodStart") != period.start_iso:
            continue
        count = int(meta.get("count", 0))
        active_users += 1
        calls += count
        tier = str(meta.get("plan", "unknown"))
        by_tier[tier] = by_tier.get(tier, 0) + count
        if count >= int(meta.get("limit", 0) or 0) > 0:
            at_limit += 1
        if int(meta.get("overage", 0) or 0) > 0:
            overage_by_user[key.name[len(prefix) :]] = (tier, int(meta["overage"]))
    revenue_cents = payments = 0
    currency = "usd"
    async for key in list_all(tokens_kv, f"revenue:{platform_id}:"):
        meta = key.metadata or {}
        revenue_cents += int(meta.get("amount", 0))
        currency = str(meta.get("currency", currency))
        payments += 1
    return {
        "platformId": platform_id,
        "period": {"start": period.start_iso, "end": period.end_iso},
        "totalUsers": total_users,
        "totalCalls": calls,
        "revenue": {"totalCents": revenue_cents, "currency": currency, "payments": payments},
        "endUsers": {"total": total_users, "activeThisMonth": active_users, "atOrOverLimit": at_limit},
        "calls": {"thisMonth": calls, "byTier": by_tier},
        "overage": await _overage(tokens_kv, platform_id, overage_by_user),
        "generatedAt": iso_utc(now),
        "generatedAtEpoch": int(now),
    }


async def _overage(
    tokens_kv: KVNamespace, platform_id: str, by_user: dict[str, tuple[str, int]]
) -> dict[str, Any]:
    """This period's overage units and what they bill at each tier's unitPriceCents (the tier's
    current price: Stripe bills at the metered price's own amount)."""
    prices = {}
    if by_user:
        config = await load_tier_config(tokens_kv, platform_id)
        prices = {tier.name: tier.overage.unit_price_cents for tier in config.tiers if tier.overage}
    users = sorted(by_user.items(), key=lambda item: -item[1][1])
    return {
        "units": sum(units for _, units in by_user.values()),
        "revenueCents": sum(units * prices.get(tier, 0) for tier, units in by_user.values()),
        "users": [
            {"userId": user, "tier": tier, "units": units, "revenueCents": units * prices.get(tier, 0)}
            for user, (tier, units) in users[:OVERAGE_USERS_SHOWN]
        ],
    }


async def platform_stats(
    tokens_kv: KVNamespace, usage_kv: KVNamespace, platform_id: str, now: float, *, refresh: bool = False
) -> dict[str, Any]:
    key = kvkeys.platform_field(platform_id, "stats")
    cached = None if refresh else await tokens_kv.get(key)
    if cached:
        snapshot = json.loads(cached)
        if now - snapshot.get("generatedAtEpoch", 0) < STATS_FRESH_SECONDS:
            return snapshot
    stats = await compute_stats(usage_kv, tokens_kv, platform_id, now)
    await tokens_kv.put(key, json.dumps(stats), expiration_ttl=STATS_TTL_SECONDS)
    return stats


async def record_payment(
    tokens_kv: KVNamespace, platform_id: str, payment_id: str, amount_cents: int, currency: str
) -> None:
    """One key per payment (idempotent by id), summed by `compute_stats`."""
    metadata = {"amount": amount_cents, "currency": currency}
    await tokens_kv.put(kvkeys.revenue(platform_id, payment_id), json.dumps(metadata), metadata=metadata)
