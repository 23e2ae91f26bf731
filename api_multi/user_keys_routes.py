"""End users' own keys (dream_user_…): a key resolves to (platformId, userId), so its holder calls
the gateway, /api/data, /api/usage and /api/reservations with it alone. The developer creates,
lists and revokes them for any of their end users; an end user manages their own in the portal
(session token). Revocation takes effect within the same bound as developer keys."""

from __future__ import annotations

from api_multi.end_user_auth import authenticate_developer, authenticate_end_user, require_jwt
from api_multi.key_requests import (
    KEY,
    KEY_IN_PATH,
    MAX_NAME_LENGTH,
    UNAVAILABLE,
    expiry_ms,
    new_key_schema,
    revoke_key_in_path,
)
from api_multi.schemas import DEVELOPER, USER_IN_PATH, user_id_in_path
from dreamapi.api_key_format import USER_PREFIX
from dreamapi.api_keys import DEFAULT_KEY_NAME, MAX_ACTIVE_USER_KEYS, shown
from dreamapi.body import json_object, string_field
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import ERROR, INTEGER, STRING, Operation, obj
from dreamapi.router import Router
from dreamapi.services import Services


async def _developers_end_user(request: Request, services: Services) -> tuple[str, str]:
    platform_id = await authenticate_developer(request, services)
    user_id = user_id_in_path(request)
    return platform_id, user_id


async def _signed_in_end_user(request: Request, services: Services) -> tuple[str, str]:
    user = await authenticate_end_user(request, services)
    require_jwt(user)
    return user.platform_id, user.user_id


async def _create(request: Request, services: Services, platform_id: str, user_id: str) -> Response:
    body = json_object(request, required=False)
    name = string_field(body, "name", max_length=MAX_NAME_LENGTH) if "name" in body else DEFAULT_KEY_NAME
    expires_at_ms = expiry_ms(body, services.clock.now())
    key = await services.user_keys(platform_id, user_id).create(name, expires_at_ms)
    return json_response({**key.to_json(), "platformId": platform_id, "userId": user_id}, 201)


async def _list(services: Services, platform_id: str, user_id: str) -> Response:
    keys = await services.user_keys(platform_id, user_id).list()
    return json_response(
        {
            "platformId": platform_id,
            "userId": user_id,
            "keys": [shown(key) for key in keys],
            "maxActiveKeys": MAX_ACTIVE_USER_KEYS,
        }
    )


async def _revoke(request: Request, services: Services, platform_id: str, user_id: str) -> Response:
    return await revoke_key_in_path(request, services, services.user_keys(platform_id, user_id))


async def create_user_key(request: Request, services: Services) -> Response:
    return await _create(request, services, *await _developers_end_user(request, services))


async def list_user_keys(request: Request, services: Services) -> Response:
    return await _list(services, *await _developers_end_user(request, services))


async def revoke_user_key(request: Request, services: Services) -> Response:
    return await _revoke(request, services, *await _developers_end_user(request, services))


async def create_own_key(request: Request, services: Services) -> Response:
    return await _create(request, services, *await _signed_in_end_user(request, services))


async def list_own_keys(request: Request, services: Services) -> Response:
    return await _list(services, *await _signed_in_end_user(request, services))


async def revoke_own_key(request: Request, services: Services) -> Response:
    return await _revoke(request, services, *await _signed_in_end_user(request, services))


NEW_USER_KEY = obj(
    {**new_key_schema(USER_PREFIX)["properties"], "platformId": STRING, "userId": STRING},
    (*new_key_schema(USER_PREFIX)["required"], "platformId", "userId"),
)
USER_KEY_LIST = obj(
    {
        "platformId": STRING,
        "userId": STRING,
        "keys": {"type": "array", "items": KEY},
        "maxActiveKeys": INTEGER,
    },
    ("platformId", "userId", "keys", "maxActiveKeys"),
)
NEW_KEY_BODY = obj(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH},
        "expiresAt": {"type": "string", "format": "date-time"},
    }
)
TOO_MANY = (f"The end user has {MAX_ACTIVE_USER_KEYS} active keys already", ERROR)
NOT_FOUND = ("No such key of this end user", ERROR)
PORTAL = ("endUserSession",)


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/api/developer/users/{userId}/keys",
        create_user_key,
        Operation(
            "Create a key of one of your end users (shown this once): it calls the gateway, /api/data, "
            "/api/usage and /api/reservations as that end user, without X-User-Id",
            security=DEVELOPER,
            parameters=(USER_IN_PATH,),
            body=NEW_KEY_BODY,
            body_required=False,
            responses={201: ("Created", NEW_USER_KEY), 409: TOO_MANY, 503: UNAVAILABLE},
            links={
                201: {
                    "ListTheUsersKeys": {
                        "operationId": "get_api_developer_users_userId_keys",
                        "parameters": {"path.userId": "$response.body#/userId"},
                    }
                }
            },
        ),
    )
    router.add(
        "GET",
        "/api/developer/users/{userId}/keys",
        list_user_keys,
        Operation(
            "One end user's keys, newest first (never a key itself)",
            security=DEVELOPER,
            parameters=(USER_IN_PATH,),
            responses={200: ("Keys", USER_KEY_LIST), 503: UNAVAILABLE},
        ),
    )
    router.add(
        "DELETE",
        "/api/developer/users/{userId}/keys/{keyId}",
        revoke_user_key,
        Operation(
            "Revoke one of an end user's keys: refused at once here, everywhere within 60 s",
            security=DEVELOPER,
            parameters=(USER_IN_PATH, KEY_IN_PATH),
            responses={200: ("Revoked", KEY), 404: NOT_FOUND, 503: UNAVAILABLE},
        ),
    )
    router.add(
        "POST",
        "/api/keys",
        create_own_key,
        Operation(
            "An end user creates a key of their own (session token; shown this once)",
            security=PORTAL,
            body=NEW_KEY_BODY,
            body_required=False,
            responses={201: ("Created", NEW_USER_KEY), 409: TOO_MANY, 503: UNAVAILABLE},
        ),
    )
    router.add(
        "GET",
        "/api/keys",
        list_own_keys,
        Operation(
            "An end user's own keys (session token)",
            security=PORTAL,
            responses={200: ("Keys", USER_KEY_LIST), 503: UNAVAILABLE},
        ),
    )
    router.add(
        "DELETE",
        "/api/keys/{keyId}",
        revoke_own_key,
        Operation(
            "An end user revokes one of their keys (session token)",
            security=PORTAL,
            parameters=(KEY_IN_PATH,),
            responses={200: ("Revoked", KEY), 404: NOT_FOUND, 503: UNAVAILABLE},
        ),
    )
