"""Which providers a developer has connected, and the ticket that starts a browser flow."""

from __future__ import annotations

import json

from dreamapi import kvkeys
from dreamapi.connected_accounts import connected_account
from dreamapi.developer_auth import authenticate_developer
from dreamapi.http import Request, Response, json_response
from dreamapi.services import Services
from oauth_api.flow_state import TICKET_TTL_SECONDS, FlowOwner, issue_ticket


async def create_ticket(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    platform_id = await services.tokens_kv.get(kvkeys.user_platform(developer.user_id))
    ticket = await issue_ticket(services.tokens_kv, FlowOwner(developer.user_id, platform_id))
    return json_response({"ticket": ticket, "expiresIn": TICKET_TTL_SECONDS}, 201)


async def status(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    platform_id = await services.tokens_kv.get(kvkeys.user_platform(developer.user_id))
    stripe_record = await connected_account(services.tokens_kv, platform_id) if platform_id else None
    pending = (
        await services.tokens_kv.get(kvkeys.platform_field(platform_id, "stripe-pending"))
        if platform_id
        else None
    )
    github_raw = await services.tokens_kv.get(kvkeys.developer_github(developer.user_id))
    github = json.loads(github_raw) if github_raw else None
    return json_response(
        {
            "platformId": platform_id,
            "stripe": {
                "connected": stripe_record is not None,
                "onboardingPending": pending is not None and stripe_record is None,
                **(
                    {
                        "accountId": stripe_record["accountId"],
                        "method": stripe_record.get("method"),
                        "connectedAt": stripe_record.get("connectedAt"),
                    }
                    if stripe_record
                    else {}
                ),
            },
            "github": {"connected": github is not None, **(github or {})},
        }
    )
