"""Who is calling api_multi: an end user, by the developer's API key + X-User-Id, by their own key
(dream_user_…), or by a Clerk JWT from the shared customer Clerk app (platformId and plan in
publicMetadata)."""

from __future__ import annotations

from typing import Any

from dreamapi import api_key_format, ids, kvkeys, lookups
from dreamapi.clerk import ClerkConfig, bearer_token, verify_session_token
from dreamapi.end_user import API_KEY, JWT, EndUser
from dreamapi.errors import forbidden, unauthorized
from dreamapi.http import Request
from dreamapi.key_auth import end_user_of_key, platform_of_api_key
from dreamapi.services import Services


def metadata_of(claims: dict[str, Any]) -> dict[str, Any]:
    """The public metadata a session token of the customer app carries."""
    for name in ("publicMetadata", "public_metadata", "metadata"):
        value = claims.get(name)
        if isinstance(value, dict):
            return value
    return {}


async def authenticate_end_user(request: Request, services: Services) -> EndUser:
    token = bearer_token(request.headers.get("authorization"))
    if api_key_format.looks_like_user_key(token):
        return await end_user_of_key(token, services)
    if api_key_format.looks_like_api_key(token):
        platform_id = await platform_of_api_key(token, services)
        user_id = ids.require_user_id(request.headers.get("x-user-id"))
        plan = request.headers.get("x-user-plan") or None
        return EndUser(platform_id, user_id, plan, API_KEY)
    config = ClerkConfig.of(services, "CUSTOMER_CLERK")
    claims = await verify_session_token(token, config, services.http, services.rs256)
    metadata = metadata_of(claims)
    platform_id = metadata.get("platformId") or claims.get("platformId")
    if not isinstance(platform_id, str) or not ids.is_platform_id(platform_id):
        raise forbidden("Token carries no valid platformId in publicMetadata", "no_platform")
    if not await lookups.platform_exists(services, platform_id):
        raise forbidden(f"No platform {platform_id}", "platform_not_found")
    user_id = ids.require_user_id(claims["sub"], "Token subject")
    plan = metadata.get("plan") or claims.get("plan")
    return EndUser(platform_id, user_id, plan if isinstance(plan, str) else None, JWT)


async def authenticate_developer(request: Request, services: Services) -> str:
    """Developer routes take the API key, or the developer's session token of the dream-api
    Clerk app (the dashboard holds no API key once it was shown); returns the platformId."""
    token = bearer_token(request.headers.get("authorization"))
    if api_key_format.looks_like_api_key(token):
        return await platform_of_api_key(token, services)
    claims = await verify_session_token(token, ClerkConfig.of(services), services.http, services.rs256)
    user_id = ids.require_user_id(claims["sub"], "Token subject")
    platform_id = await services.tokens_kv.get(kvkeys.user_platform(user_id))
    if not ids.is_platform_id(platform_id):
        raise forbidden("Generate your credentials (platformId) first", "no_platform")
    return str(platform_id)


def require_jwt(user: EndUser) -> None:
    if user.mode != JWT:
        raise unauthorized(
            "This route needs the end user's session token (JWT), not an API key", "jwt_required"
        )
