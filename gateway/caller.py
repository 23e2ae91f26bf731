"""Who calls the gateway: an end user with their own key (dream_user_…), where the providers'
SDKs put it (`Authorization: Bearer …` or `x-api-key`), for the platform the path names."""

from __future__ import annotations

from dreamapi import api_key_format, ids
from dreamapi.clerk import bearer_token
from dreamapi.end_user import EndUser
from dreamapi.errors import not_found, unauthorized
from dreamapi.http import Request
from dreamapi.key_auth import end_user_of_key
from dreamapi.services import Services


def platform_in_path(request: Request) -> str:
    platform_id = request.path_params["platformId"]
    if not ids.is_platform_id(platform_id):
        raise not_found(
            f"No gateway at /{platform_id}: the path starts with a platformId (plt_…)", "gateway_not_found"
        )
    return platform_id


def _key_of(request: Request) -> str:
    api_key = request.headers.get("x-api-key")
    if api_key:
        return api_key.strip()
    return bearer_token(request.headers.get("authorization"))


async def authenticate_caller(request: Request, services: Services, platform_id: str) -> EndUser:
    token = _key_of(request)
    if not api_key_format.looks_like_user_key(token):
        raise unauthorized("The gateway takes an end user's key (dream_user_…)", "invalid_api_key")
    user = await end_user_of_key(token, services)
    if user.platform_id != platform_id:  # said like an unknown key: no platform learns of another's keys
        raise unauthorized("Unknown or revoked API key", "invalid_api_key")
    return user
