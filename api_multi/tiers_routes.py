"""Public tier list of a platform."""

from __future__ import annotations

from api_multi import lookups
from dreamapi import ids
from dreamapi.errors import not_found
from dreamapi.http import Request, Response, json_response
from dreamapi.services import Services


async def get_tiers(request: Request, services: Services) -> Response:
    platform_id = ids.require_platform_id(request.query_param("platformId"))
    if not await lookups.platform_exists(services, platform_id):
        raise not_found(f"No platform {platform_id}", "platform_not_found")
    config = await lookups.tier_config(services, platform_id)
    return json_response({"platformId": platform_id, **config.to_json()})
