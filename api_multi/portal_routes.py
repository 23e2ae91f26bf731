"""End users joining a developer's portal: the shared customer Clerk app knows who they are, and
their `publicMetadata.platformId` (what api_multi reads from their session tokens) says whose end
user they are. An account belongs to one platform; joining sets it once, through Clerk's Backend
API, so that the next session token carries it."""

from __future__ import annotations

from api_multi.end_user_auth import metadata_of
from dreamapi import api_key_format, clerk_backend, ids, lookups
from dreamapi.body import json_object
from dreamapi.clerk import ClerkConfig, bearer_token, verify_session_token
from dreamapi.errors import conflict, not_found, unauthorized, unavailable
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import BOOLEAN, ERROR, STRING, Operation, obj
from dreamapi.router import Router
from dreamapi.services import Services

CUSTOMER_APP = "CUSTOMER_CLERK"


async def join_platform(request: Request, services: Services) -> Response:
    token = bearer_token(request.headers.get("authorization"))
    if api_key_format.looks_like_api_key(token):
        raise unauthorized(
            "Joining a portal needs the end user's session token, not an API key", "jwt_required"
        )
    platform_id = ids.require_platform_id(json_object(request).get("platformId"))
    claims = await verify_session_token(
        token, ClerkConfig.of(services, CUSTOMER_APP), services.http, services.rs256
    )
    user_id = ids.require_user_id(claims["sub"], "Token subject")
    if not await lookups.platform_exists(services, platform_id):
        raise not_found(f"No platform {platform_id}", "platform_not_found")
    joined = {"platformId": platform_id, "userId": user_id}
    if metadata_of(claims).get("platformId") == platform_id:
        return json_response({**joined, "joined": False})
    if not clerk_backend.configured(services.env, CUSTOMER_APP):
        raise unavailable(
            "Signing up on portals is not configured (CUSTOMER_CLERK_SECRET_KEY)", "portal_signup_unavailable"
        )
    # the token may be older than the account's metadata: Clerk's copy decides
    current = await clerk_backend.public_metadata(services.env, services.http, user_id, CUSTOMER_APP)
    if current is None:
        raise unavailable("Clerk cannot be reached right now; try again", "clerk_unavailable", 502)
    if current.get("platformId") == platform_id:
        return json_response({**joined, "joined": False})
    if current.get("platformId"):
        raise conflict(
            "This account already belongs to another API provider's portal; sign up with another one",
            "other_platform",
        )
    update = {"platformId": platform_id}
    if not await clerk_backend.merge_public_metadata(
        services.env, services.http, user_id, update, CUSTOMER_APP
    ):
        raise unavailable("Clerk cannot be reached right now; try again", "clerk_unavailable", 502)
    return json_response({**joined, "joined": True})


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/api/portal/join",
        join_platform,
        Operation(
            "An end user of the shared customer Clerk app joins a platform's portal: their account's "
            "publicMetadata.platformId is set (once), so their next session token names the platform",
            security=("endUserSession",),
            body=obj({"platformId": {"type": "string", "pattern": ids.PLATFORM_ID.pattern}}, ("platformId",)),
            responses={
                200: (
                    "Joined (joined: false when the account already belonged to it)",
                    obj(
                        {"platformId": STRING, "userId": STRING, "joined": BOOLEAN},
                        ("platformId", "userId", "joined"),
                    ),
                ),
                404: ("No such platform", ERROR),
                409: ("The account belongs to another platform", ERROR),
                502: ("Clerk could not be reached; nothing changed", ERROR),
                503: ("Portal sign-up is not configured", ERROR),
            },
        ),
    )
