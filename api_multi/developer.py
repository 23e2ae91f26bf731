"""Developer routes of api_multi: signup without Clerk, tier config, dashboard."""

from __future__ import annotations

import re

from api_multi import lookups
from api_multi.end_user_auth import authenticate_developer
from api_multi.stats import STATS_FRESH_SECONDS, platform_stats
from dreamapi import credentials, kvkeys
from dreamapi.body import json_object, string_field
from dreamapi.errors import bad_request, conflict
from dreamapi.http import Request, Response, json_response
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
