"""Developer credentials: platformId + API key (shown once), rotation, and what may be shown again."""

from __future__ import annotations

from dreamapi import credentials, kvkeys
from dreamapi.developer_auth import authenticate_developer
from dreamapi.errors import conflict, not_found
from dreamapi.http import Request, Response, json_response
from dreamapi.services import Services


async def _platform_of(developer_id: str, services: Services) -> str | None:
    return await services.tokens_kv.get(kvkeys.user_platform(developer_id))


async def generate_credentials(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    existing = await _platform_of(developer.user_id, services)
    if existing:
        raise conflict(
            f"You already have platform {existing}; use POST /rotate-key for a new API key",
            "credentials_exist",
        )
    issued = await credentials.create_platform(
        services, owner_user_id=developer.user_id, email=developer.email
    )
    return json_response(issued.to_json(), 201)


async def rotate_key(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    platform_id = await _platform_of(developer.user_id, services)
    if not platform_id:
        raise not_found("No credentials yet; call POST /generate-credentials first", "no_credentials")
    issued = await credentials.rotate_key(services, platform_id)
    return json_response(issued.to_json())


async def get_credentials(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    platform_id = await _platform_of(developer.user_id, services)
    if not platform_id:
        raise not_found("No credentials yet; call POST /generate-credentials first", "no_credentials")
    record = await credentials.current_key_record(services.tokens_kv, platform_id) or {}
    created_at = await services.tokens_kv.get(kvkeys.platform_field(platform_id, "createdAt"))
    return json_response(
        {
            "platformId": platform_id,
            "keyPrefix": record.get("prefix"),
            "keyCreatedAt": record.get("createdAt"),
            "createdAt": created_at,
        }
    )
