"""Metered end-user calls: monthly tier limit (in units) + per-minute rate (in calls), per
platform and user; prepaid credits pay for the units the month's limit does not include.
A call reads top to bottom: authenticate (end_user_auth) → what it costs → what the user is
counted against (dreamapi.end_user_metering) → count (dreamapi.metering) → answer."""

from __future__ import annotations

from api_multi.end_user_auth import authenticate_end_user
from api_multi.schemas import END_USER, END_USER_HEADERS, IDEMPOTENCY_KEY
from dreamapi import meter_subjects
from dreamapi.body import is_json_content_type, json_object
from dreamapi.end_user_metering import end_user_metering, tier_of
from dreamapi.errors import bad_request
from dreamapi.http import Request, Response, json_response
from dreamapi.idempotency import idempotency_of
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
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.time_format import iso_utc

MAX_UNITS_PER_CALL = 1_000_000


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
    now = services.clock.now()
    metering = await end_user_metering(user, services, now)
    call = await services.meter.record_call(
        metering.subject, metering.terms, now=now, idempotency=idempotency, units=units
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
    tier, subscription = await tier_of(user, services)
    now = services.clock.now()
    usage = await services.meter.peek(
        meter_subjects.end_user(user.platform_id, user.user_id), plan=tier.name, limit=tier.limit, now=now
    )
    return json_response(
        {
            "userId": user.user_id,
            "platformId": user.platform_id,
            "usage": usage.report(),
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
