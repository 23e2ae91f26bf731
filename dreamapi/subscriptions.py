"""End users' subscriptions to a developer's tiers, and the developer's connected Stripe account."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from dreamapi import kvkeys
from dreamapi.errors import bad_request
from dreamapi.ports.kv import KVNamespace
from dreamapi.tiers import Tier, TierConfig

# A subscription in these states still entitles its plan; past_due keeps it while Stripe retries
# the payment, then Stripe moves it to canceled or unpaid.
LIVE_SUBSCRIPTION_STATUSES = frozenset({"active", "trialing", "past_due"})


@dataclass
class EndUserSubscription:
    plan: str | None = None  # a tier name while a Stripe subscription is live
    status: str = "none"
    customer_id: str | None = None
    subscription_id: str | None = None
    updated_at: int = 0


async def load_subscription(kv: KVNamespace, platform_id: str, user_id: str) -> EndUserSubscription:
    raw = await kv.get(kvkeys.end_user_subscription(platform_id, user_id))
    if not raw:
        return EndUserSubscription()
    data = json.loads(raw)
    fields = EndUserSubscription.__dataclass_fields__
    return EndUserSubscription(**{k: v for k, v in data.items() if k in fields})


async def save_subscription(
    kv: KVNamespace, platform_id: str, user_id: str, sub: EndUserSubscription
) -> None:
    await kv.put(kvkeys.end_user_subscription(platform_id, user_id), json.dumps(asdict(sub)))


def resolve_tier(
    config: TierConfig, requested: str | None, subscription: EndUserSubscription, *, trust_request: bool
) -> Tier:
    """The tier a call is metered against.

    API key mode (`trust_request`): the developer's server names the plan in X-User-Plan, and
    an unknown name is a 400. JWT mode: a live subscription we recorded from Stripe wins over
    the token's plan claim; a claim naming no tier falls back to the default tier.
    """
    by_name = {tier.name: tier for tier in config.tiers}
    default = next(tier for tier in config.tiers if tier.default)
    if trust_request and requested is not None:
        if requested not in by_name:
            raise bad_request(
                f"X-User-Plan '{requested}' is not one of this platform's tiers: {', '.join(by_name)}",
                "unknown_plan",
            )
        return by_name[requested]
    if subscription.plan in by_name:
        return by_name[subscription.plan]
    if requested in by_name:
        return by_name[requested]
    return default
