"""What an end user's calls are counted against: their tier (named by the developer's server,
else their live subscription, else the default), its limits, their prepaid credits, overage
where they subscribe to a tier that bills it, and the platform's alert marks. Shared by
api_multi's metered routes and the gateway; every lookup is cached in the isolate."""

from __future__ import annotations

from dataclasses import dataclass

from dreamapi import kvkeys, lookups, meter_subjects
from dreamapi.alerts import meter_notify
from dreamapi.end_user import EndUser
from dreamapi.meter_terms import MeterSubject, MeterTerms, OverageAllowance
from dreamapi.periods import month_period
from dreamapi.services import Services
from dreamapi.subscriptions import LIVE_SUBSCRIPTION_STATUSES, EndUserSubscription, resolve_tier
from dreamapi.tiers import Tier

_MEMO = "end_user_metering"  # in Services.memo: per isolate
MAX_MEMO = 10_000


@dataclass(frozen=True)
class EndUserMetering:
    subject: MeterSubject
    tier: Tier
    subscription: EndUserSubscription
    terms: MeterTerms


async def tier_of(user: EndUser, services: Services) -> tuple[Tier, EndUserSubscription]:
    config = await lookups.tier_config(services, user.platform_id)
    subscription = await lookups.subscription(services, user.platform_id, user.user_id)
    tier = resolve_tier(config, user.requested_plan, subscription, trust_request=user.names_its_plan)
    return tier, subscription


async def end_user_metering(user: EndUser, services: Services, now: float) -> EndUserMetering:
    tier, subscription = await tier_of(user, services)
    alerts = await lookups.alert_settings(services, user.platform_id)
    account = await _overage_account(user, tier, subscription, services)
    period = month_period(now).start_iso
    # Built once per user while the lookups behind it stay the same objects (they live in the
    # isolate cache), so the terms' encoding is reused too (MeterTerms.encoded).
    inputs = (tier, subscription, alerts, account, period)
    memo: dict[EndUser, tuple[tuple[object, ...], EndUserMetering]] = services.memo.setdefault(_MEMO, {})
    kept = memo.get(user)
    if kept is not None and all(a is b or a == b for a, b in zip(kept[0], inputs, strict=True)):
        return kept[1]
    subject = meter_subjects.end_user(user.platform_id, user.user_id)
    notify = meter_notify(
        alerts,
        platform_id=user.platform_id,
        user_id=user.user_id,
        tier=tier.name,
        limit=tier.limit,
        period=period,
    )
    overage = _overage(user, tier, subscription, subject, account)
    terms = MeterTerms(
        tier.name, tier.limit, tier.rate_limit, credits_cover=True, notify=notify, overage=overage
    )
    metering = EndUserMetering(subject, tier, subscription, terms)
    if len(memo) >= MAX_MEMO:
        memo.clear()
    memo[user] = (inputs, metering)
    return metering


def _overage_subscriber(tier: Tier, subscription: EndUserSubscription) -> bool:
    """Units past the limit are billed, not refused, for an end user subscribed to this tier on
    the developer's connected account; for anyone else the limit stays hard."""
    return (
        tier.overage is not None
        and subscription.plan == tier.name
        and subscription.status in LIVE_SUBSCRIPTION_STATUSES
        and subscription.customer_id is not None
    )


async def _overage_account(
    user: EndUser, tier: Tier, subscription: EndUserSubscription, services: Services
) -> str | None:
    """The developer's connected account, where overage applies to this user (else None)."""
    if not _overage_subscriber(tier, subscription):
        return None
    return await lookups.connected_account(services, user.platform_id)


def _overage(
    user: EndUser, tier: Tier, subscription: EndUserSubscription, subject: MeterSubject, account: str | None
) -> OverageAllowance | None:
    if tier.overage is None or account is None or not _overage_subscriber(tier, subscription):
        return None
    target = {
        "platformId": user.platform_id,
        "userId": user.user_id,
        "tier": tier.name,
        "account": account,
        "customer": subscription.customer_id,
        "eventName": tier.overage.meter_event_name,
    }
    return OverageAllowance(tier.overage.max_units, target, kvkeys.overage_pending(subject.name))
