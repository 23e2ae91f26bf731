"""Metered end-user calls: monthly tier limit (in units) + per-minute rate (in calls), per
platform and user; prepaid credits pay for the units the month's limit does not include."""

from __future__ import annotations

from api_multi import lookups
from api_multi.end_user_auth import JWT, EndUser, authenticate_end_user
from api_multi.subscriptions import resolve_tier
from dreamapi import kvkeys, meter_subjects
from dreamapi.alerts import meter_notify
from dreamapi.body import is_json_content_type, json_object
from dreamapi.errors import bad_request
from dreamapi.http import Request, Response, json_response
from dreamapi.idempotency import idempotency_of
from dreamapi.periods import month_period
from dreamapi.services import Services
from dreamapi.tiers import Tier

MAX_UNITS_PER_CALL = 1_000_000


async def _tier_for(user: EndUser, services: Services) -> Tier:
    config = await lookups.tier_config(services, user.platform_id)
    subscription = await lookups.subscription(services, user.platform_id, user.user_id)
    return resolve_tier(config, user.requested_plan, subscription, trust_request=user.mode != JWT)


def units_of(request: Request) -> int:
    """What the call costs: `{"units": N}` in a JSON body, else 1. A body that is not JSON is the
    caller's own business (calls sent one before units existed keep costing 1)."""
    if not request.body or not is_json_content_type(request.headers.get("content-type")):
        return 1
    units = json_object(request).get("units", 1)
    if not isinstance(units, int) or isinstance(units, bool) or not 1 <= units <= MAX_UNITS_PER_CALL:
        raise bad_request(f"'units' must be an integer from 1 to {MAX_UNITS_PER_CALL}", "invalid_units")
    return units


async def track_call(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    units = units_of(request)
    parameters: dict[str, object] = {"plan": request.headers.get("x-user-plan")}
    if units != 1:  # keys sent before units existed keep their fingerprint
        parameters["units"] = units
    idempotency = idempotency_of(
        request, parameters, lambda key: kvkeys.idempotent_call(user.platform_id, user.user_id, key)
    )
    tier = await _tier_for(user, services)
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
        meter_subjects.end_user(user.platform_id, user.user_id),
        plan=tier.name,
        limit=tier.limit,
        rate_limit=tier.rate_limit,
        now=now,
        idempotency=idempotency,
        units=units,
        credits_cover=True,
        notify=notify,
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
    tier = await _tier_for(user, services)
    usage = await services.meter.peek(
        meter_subjects.end_user(user.platform_id, user.user_id),
        plan=tier.name,
        limit=tier.limit,
        now=services.clock.now(),
    )
    report = {**usage.to_json(), "credits": usage.credits}
    return json_response({"userId": user.user_id, "platformId": user.platform_id, "usage": report})
