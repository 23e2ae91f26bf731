"""The developer's own usage of dream-api: 5 calls a month free, 500 paid, 100 a minute."""

from __future__ import annotations

from dreamapi import meter_subjects
from dreamapi.developer_auth import authenticate_developer
from dreamapi.http import Request, Response, json_response
from dreamapi.meter_terms import MeterTerms
from dreamapi.services import Services
from dreamapi.time_format import iso_utc
from front_auth_api.billing_state import RATE_LIMIT_PER_MINUTE, current_billing


async def verify_auth(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    billing = await current_billing(services, developer.user_id)
    terms = MeterTerms(billing.plan, billing.monthly_limit, RATE_LIMIT_PER_MINUTE)
    call = await services.meter.record_call(
        meter_subjects.developer(developer.user_id), terms, now=services.clock.now()
    )
    return json_response(
        {"success": True, "userId": developer.user_id, "usage": call.usage.to_json()},
        headers=call.headers(),
    )


async def get_usage(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    billing = await current_billing(services, developer.user_id)
    usage = await services.meter.peek(
        meter_subjects.developer(developer.user_id),
        plan=billing.plan,
        limit=billing.monthly_limit,
        now=services.clock.now(),
    )
    return json_response(
        {
            "userId": developer.user_id,
            "usage": usage.to_json(),
            "subscription": {"plan": billing.plan, "status": billing.status},
            "daily": usage.daily_series(iso_utc(services.clock.now())[:10]),
        }
    )
