"""A developer's subscription to dream-api, as our KV records it (the source of truth for limits)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from dreamapi import kvkeys
from dreamapi.ports.kv import KVNamespace
from dreamapi.services import Services

FREE = "free"
PAID = "paid"
MONTHLY_LIMITS = {FREE: 5, PAID: 500}
RATE_LIMIT_PER_MINUTE = 100


@dataclass
class Billing:
    plan: str = FREE
    status: str = "none"  # Stripe's subscription status, or "none"
    customer_id: str | None = None
    subscription_id: str | None = None
    updated_at: int = 0  # `created` of the last Stripe event applied

    @property
    def monthly_limit(self) -> int:
        return MONTHLY_LIMITS.get(self.plan, MONTHLY_LIMITS[FREE])


async def load_billing(kv: KVNamespace, user_id: str) -> Billing:
    raw = await kv.get(kvkeys.developer_billing(user_id))
    if not raw:
        return Billing()
    data = json.loads(raw)
    return Billing(**{name: data[name] for name in Billing.__dataclass_fields__ if name in data})


async def current_billing(services: Services, user_id: str) -> Billing:
    """The plan metered calls count against, kept in the isolate for ISOLATE_CACHE_SECONDS: a
    plan change applied by another isolate counts here within that; one applied here, at once."""
    return await services.cached(_cache_key(user_id), lambda: load_billing(services.tokens_kv, user_id))


async def save_billing(services: Services, user_id: str, billing: Billing) -> None:
    await services.tokens_kv.put(kvkeys.developer_billing(user_id), json.dumps(asdict(billing)))
    services.cache.invalidate(_cache_key(user_id))


def _cache_key(user_id: str) -> str:
    return f"billing:{user_id}"


async def link_customer(kv: KVNamespace, customer_id: str, user_id: str) -> None:
    await kv.put(kvkeys.stripe_customer(customer_id), user_id)


async def user_for_customer(kv: KVNamespace, customer_id: str) -> str | None:
    return await kv.get(kvkeys.stripe_customer(customer_id))
