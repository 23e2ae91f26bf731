"""Metered end-user calls: monthly tier limit (in units) + per-minute rate (in calls), per
platform and user; prepaid credits pay for the units the month's limit does not include."""

from __future__ import annotations

from api_multi import lookups
from api_multi.end_user_auth import JWT, EndUser, authenticate_end_user
from api_multi.schemas import END_USER, END_USER_HEADERS, IDEMPOTENCY_KEY
from api_multi.subscriptions import EndUserSubscription, resolve_tier
from dreamapi import kvkeys, meter_subjects
from dreamapi.alerts import meter_notify
from dreamapi.body import is_json_content_type, json_object
from dreamapi.errors import bad_request
from dreamapi.http import Request, Response, json_response
from dreamapi.idempotency import idempotency_of
from dreamapi.metering import MeterSubject, OverageAllowance
from dreamapi.openapi import (
    BOOLEAN,
    DAILY,
    ERROR,
    METER_UNAVAILABLE,
    NULLABLE_STRING,
    STRING,
    TIER_LIMIT_REACHED,
    USAGE,
    Operation,
    obj,
)
from dreamapi.periods import month_period
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.stripe_webhooks import LIVE_SUBSCRIPTION_STATUSES
from dreamapi.tiers import Tier
from dreamapi.time_format import iso_utc

MAX_UNITS_PER_CALL = 1_000_000


async def _tier_for(user: EndUser, services: Services) -> tuple[Tier, EndUserSubscription]:
    config = await lookups.tier_config(services, user.platform_id)
    subscription = await lookups.subscription(services, user.platform_id, user.user_id)
    tier = resolve_tier(config, user.requested_plan, subscription, trust_request=user.mode != JWT)
    return tier, subscription


async def overage_allowance(
    user: EndUser, tier: Tier, subscription: EndUserSubscription, subject: MeterSubject, services: Services
) -> OverageAllowance | None:
    """Units past the limit are billed, not refused, for an end user subscribed to this tier on
    the developer's connected account; for anyone else the limit stays hard."""
    subscribed = (
        subscription.plan == tier.name
        and subscription.status in LIVE_SUBSCRIPTION_STATUSES
        and subscription.customer_id is not None
    )
    if tier.overage is None or not subscribed:
        return None
    account = await lookups.connected_account(services, user.platform_id)
    if account is None:
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


def units_of(request: Request) -> int:
    """What the call costs: `{"units": N}` in a JSON body, else 1 (a body that is not JSON is the
    caller's own business)."""
    if not request.body or not is_json_content_type(request.headers.get("content-type")):
        return 1
    units = json_object(request).get("units", 1)
    if not isinstance(units, int) or isinstance(units, bool) or not 1 <= units <= MAX_UNITS_PER_CALL:
        raise bad_request(f"'units' must be an integer from 1 to {MAX_UNITS_PER_CALL}", "invalid_units")
    return units


async def track_call(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    units = units_of(request)
    idempotency = idempotency_of(request, {"plan": request.headers.get("x-user-plan"), "units": units})
    tier, subscription = await _tier_for(user, services)
    subject = meter_subjects.end_user(user.platform_id, user.user_id)
    overage = await overage_allowance(user, tier, subscription, subject, services)
    now = services.clock.now()
    alerts = await lookups.alert_settings(services, user.platform_id)
    notify = meter_notify(
        alerts,
        platform_id=user.platform_id,
        user_id=user.user_id,
        tier=tier.name,
        limit=tier.limit,
        period=month_period(now).start_iso,
    )
    call = await services.meter.record_call(
        subject,
        plan=tier.name,
        limit=tier.limit,
        rate_limit=tier.rate_limit,
        now=now,
        idempotency=idempotency,
        units=units,
        credits_cover=True,
        notify=notify,
        overage=overage,
    )
    body = {
        "success": True,
        "userId": user.user_id,
        "platformId": user.platform_id,
        "usage": call.usage_json(),
    }
    return json_response(body, headers=call.headers())


async def get_usage(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    tier, subscription = await _tier_for(user, services)
    now = services.clock.now()
    usage = await services.meter.peek(
        meter_subjects.end_user(user.platform_id, user.user_id), plan=tier.name, limit=tier.limit, now=now
    )
    report = {**usage.to_json(), "credits": usage.credits, "overage": usage.overage}
    return json_response(
        {
            "userId": user.user_id,
            "platformId": user.platform_id,
            "usage": report,
            "daily": usage.daily_series(iso_utc(now)[:10]),
            "subscription": {"tier": subscription.plan, "status": subscription.status},
        }
    )


METERED = obj(
    {"success": BOOLEAN, "userId": STRING, "platformId": STRING, "usage": USAGE}, ("success", "usage")
)
USAGE_REPORT = obj(
    {
        "userId": STRING,
        "platformId": STRING,
        "usage": USAGE,
        "daily": DAILY,
        "subscription": obj({"tier": NULLABLE_STRING, "status": STRING}, ("tier", "status")),
    },
    ("usage", "daily", "subscription"),
)


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/api/data",
        track_call,
        Operation(
            "Count one call of an end user: its units against their tier's monthly limit, then their "
            "prepaid credits; the call against the per-minute rate",
            security=END_USER,
            parameters=(*END_USER_HEADERS, IDEMPOTENCY_KEY),
            body=obj({"units": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}}),
            body_required=False,
            responses={
                200: ("Counted, or the answer recorded for this Idempotency-Key (nothing counted)", METERED),
                403: (
                    "Neither the month's included units nor the credits cover the call (the spec's body "
                    "+ creditsBalance); nothing counted or spent",
                    TIER_LIMIT_REACHED,
                ),
                422: ("This Idempotency-Key was used with other parameters", ERROR),
                429: ("Per-minute rate limit reached; nothing counted", ERROR),
                503: METER_UNAVAILABLE,
            },
        ),
    )
    router.add(
        "GET",
        "/api/usage",
        get_usage,
        Operation(
            "An end user's usage, counting nothing",
            security=END_USER,
            parameters=END_USER_HEADERS,
            responses={200: ("Usage, exact, and the credit balance", USAGE_REPORT), 503: METER_UNAVAILABLE},
        ),
    )
