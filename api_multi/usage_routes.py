"""Metered end-user calls: monthly tier limit + per-minute rate, per platform and user."""

from __future__ import annotations

from api_multi import lookups
from api_multi.end_user_auth import JWT, EndUser, authenticate_end_user
from api_multi.subscriptions import resolve_tier
from dreamapi import kvkeys, meter_subjects
from dreamapi.http import Request, Response, json_response
from dreamapi.idempotency import idempotency_of
from dreamapi.services import Services
from dreamapi.tiers import Tier


async def _tier_for(user: EndUser, services: Services) -> Tier:
    config = await lookups.tier_config(services, user.platform_id)
    subscription = await lookups.subscription(services, user.platform_id, user.user_id)
    return resolve_tier(config, user.requested_plan, subscription, trust_request=user.mode != JWT)


async def track_call(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    idempotency = idempotency_of(
        request,
        {"plan": request.headers.get("x-user-plan")},
        lambda key: kvkeys.idempotent_call(user.platform_id, user.user_id, key),
    )
    tier = await _tier_for(user, services)
    call = await services.meter.record_call(
        meter_subjects.end_user(user.platform_id, user.user_id),
        plan=tier.name,
        limit=tier.limit,
        rate_limit=tier.rate_limit,
        now=services.clock.now(),
        idempotency=idempotency,
    )
    body = {
        "success": True,
        "userId": user.user_id,
        "platformId": user.platform_id,
        "usage": call.usage.to_json(),
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
    return json_response({"userId": user.user_id, "platformId": user.platform_id, "usage": usage.to_json()})
