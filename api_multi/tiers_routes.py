"""Public tier list of a platform."""

from __future__ import annotations

from dreamapi import ids, lookups
from dreamapi.errors import not_found
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import TIER_LIST, Operation, query
from dreamapi.router import Router
from dreamapi.services import Services


async def get_tiers(request: Request, services: Services) -> Response:
    platform_id = ids.require_platform_id(request.query_param("platformId"))
    if not await lookups.platform_exists(services, platform_id):
        raise not_found(f"No platform {platform_id}", "platform_not_found")
    config = await lookups.tier_config(services, platform_id)
    # whether end users can pay at all: checkout needs the developer's connected Stripe account
    connected = await lookups.connected_account(services, platform_id) is not None
    return json_response({"platformId": platform_id, **config.to_json(), "stripeConnected": connected})


def add_routes(router: Router) -> None:
    router.add(
        "GET",
        "/api/tiers",
        get_tiers,
        Operation(
            "A platform's public tiers (defaults when it stored none)",
            parameters=(query("platformId"),),
            responses={200: ("Tiers", TIER_LIST)},
        ),
    )
