"""Developer routes of api_multi: signup without Clerk, tier config, dashboard."""

from __future__ import annotations

import re

from api_multi.end_user_auth import authenticate_developer
from api_multi.schemas import DEVELOPER
from api_multi.stats import STATS_FRESH_SECONDS, platform_stats
from dreamapi import credentials, kvkeys, lookups
from dreamapi.body import json_object, string_field
from dreamapi.errors import bad_request, conflict
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import INTEGER, ISSUED_KEY, OBJECT, STRING, TIER, TIER_LIST, Operation, obj, query
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.tiers import store_tier_config, validate_tier_config

_EMAIL = re.compile(r"^[^@\s:/]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


async def register(request: Request, services: Services) -> Response:
    email = string_field(json_object(request), "email", max_length=254).lower()
    if not _EMAIL.match(email):
        raise bad_request("Field 'email' must be an email address", "invalid_email")
    existing = await services.tokens_kv.get(kvkeys.developer_email(credentials.hash_email(email)))
    if existing is not None:
        raise conflict("A platform is already registered for this email", "email_taken")
    issued = await credentials.create_platform(services, email=email)
    return json_response(issued.to_json(), 201)


async def put_tiers(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    tiers, problems = validate_tier_config(json_object(request))
    if problems:
        raise bad_request(
            "Tier config is invalid: " + "; ".join(problems), "invalid_tier_config", problems=problems
        )
    config = await store_tier_config(services.tokens_kv, platform_id, tiers)
    lookups.forget_tier_config(services, platform_id)
    return json_response({"platformId": platform_id, **config.to_json()})


async def dashboard(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    refresh = request.query_param("refresh") in ("1", "true")
    stats = await platform_stats(
        services.tokens_kv, services.usage_kv, platform_id, services.clock.now(), refresh=refresh
    )
    # how late a call can show up here: its meter's snapshot interval, then this stats cache
    lag = services.settings.usage_snapshot_seconds + (0 if refresh else STATS_FRESH_SECONDS)
    return json_response({**stats, "callsShowWithinSeconds": lag})


DASHBOARD = obj(
    {
        "platformId": STRING,
        "totalUsers": INTEGER,
        "totalCalls": INTEGER,
        "revenue": obj(
            {"totalCents": INTEGER, "currency": STRING, "payments": INTEGER},
            ("totalCents", "currency", "payments"),
        ),
        "endUsers": obj(
            {"total": INTEGER, "activeThisMonth": INTEGER, "atOrOverLimit": INTEGER},
            ("total", "activeThisMonth", "atOrOverLimit"),
        ),
        "calls": obj(
            {"thisMonth": INTEGER, "byTier": {"type": OBJECT, "additionalProperties": INTEGER}},
            ("thisMonth", "byTier"),
        ),
        "overage": obj(
            {
                "units": INTEGER,
                "revenueCents": INTEGER,
                "users": {
                    "type": "array",
                    "items": obj(
                        {"userId": STRING, "tier": STRING, "units": INTEGER, "revenueCents": INTEGER},
                        ("userId", "tier", "units", "revenueCents"),
                    ),
                },
            },
            ("units", "revenueCents", "users"),
        ),
        "generatedAt": STRING,
        "callsShowWithinSeconds": INTEGER,
    },
    (
        "platformId",
        "totalUsers",
        "totalCalls",
        "revenue",
        "endUsers",
        "calls",
        "overage",
        "generatedAt",
        "callsShowWithinSeconds",
    ),
)


def add_routes(router: Router) -> None:
    router.add(
        "PUT",
        "/api/developer/tiers",
        put_tiers,
        Operation(
            "Replace your tiers; a bad config is a 400 listing every problem",
            security=DEVELOPER,
            body=obj({"tiers": {"type": "array", "items": TIER, "minItems": 1, "maxItems": 20}}, ("tiers",)),
            responses={200: ("Stored", TIER_LIST)},
            links={
                200: {
                    "TiersJustStored": {
                        "operationId": "get_api_tiers",
                        "parameters": {"query.platformId": "$response.body#/platformId"},
                    }
                }
            },
        ),
    )
    router.add(
        "POST",
        "/api/developer/register",
        register,
        Operation(
            "Sign up without Clerk: email → platformId + API key (shown once)",
            body=obj({"email": {"type": "string", "format": "email", "maxLength": 254}}, ("email",)),
            responses={201: ("Registered; the key is never shown again", ISSUED_KEY)},
        ),
    )
    router.add(
        "GET",
        "/api/developer/dashboard",
        dashboard,
        Operation(
            "Your platform's numbers this month (kept 15 s unless refresh=1)",
            security=DEVELOPER,
            parameters=(query("refresh", required=False, pattern="^(1|true|0|false)$"),),
            responses={200: ("Dashboard", DASHBOARD)},
        ),
    )
