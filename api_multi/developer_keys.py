"""The developer's API keys (API key or developer session): create, list, revoke, roll.

Records and the active-key limit: dreamapi.api_keys; what the metered path reads: dreamapi.key_grants.
A key revoked or rolled here is forgotten by this isolate's cache at once.
"""

from __future__ import annotations

from typing import Any

from api_multi.end_user_auth import authenticate_developer
from api_multi.key_requests import (
    KEY,
    KEY_IN_PATH,
    MAX_NAME_LENGTH,
    UNAVAILABLE,
    expiry_ms,
    key_id_in_path,
    new_key_schema,
    revoke_key_in_path,
)
from api_multi.schemas import DEVELOPER
from dreamapi import lookups
from dreamapi.api_key_format import PREFIX
from dreamapi.api_keys import (
    LAST_USED_PRECISION_SECONDS,
    MAX_ACTIVE_KEYS,
    MAX_GRACE_PERIOD_SECONDS,
    shown,
)
from dreamapi.body import json_object, string_field
from dreamapi.errors import bad_request
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import ERROR, NULLABLE_STRING, STRING, Operation, obj
from dreamapi.router import Router
from dreamapi.services import Services


def _grace_seconds(body: dict[str, Any]) -> int:
    grace = body.get("gracePeriodSeconds", 0)
    if not isinstance(grace, int) or isinstance(grace, bool) or not 0 <= grace <= MAX_GRACE_PERIOD_SECONDS:
        raise bad_request(
            f"Field 'gracePeriodSeconds' must be an integer from 0 to {MAX_GRACE_PERIOD_SECONDS}",
            "invalid_field",
        )
    return grace


async def create_key(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    body = json_object(request)
    name = string_field(body, "name", max_length=MAX_NAME_LENGTH)
    expires_at_ms = expiry_ms(body, services.clock.now())
    key = await services.api_keys(platform_id).create(name, expires_at_ms)
    return json_response(key.to_json(), 201)


async def list_keys(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    keys = await services.api_keys(platform_id).list()
    return json_response(
        {
            "platformId": platform_id,
            "keys": [shown(key) for key in keys],
            "maxActiveKeys": MAX_ACTIVE_KEYS,
            "lastUsedPrecisionSeconds": LAST_USED_PRECISION_SECONDS,
        }
    )


async def revoke_key(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    return await revoke_key_in_path(request, services, services.api_keys(platform_id))


async def roll_key(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    key_id = key_id_in_path(request)
    grace = _grace_seconds(json_object(request, required=False))
    new_key, old = await services.api_keys(platform_id).roll(key_id, grace)
    lookups.forget_key(services, old["hash"])
    previous = {"id": old["id"], "expiresAt": shown(old)["expiresAt"]}
    return json_response({**new_key.to_json(), "previousKey": previous}, 201)


NEW_KEY = new_key_schema(PREFIX)
ROLLED_KEY = obj(
    {
        **NEW_KEY["properties"],
        "previousKey": obj({"id": STRING, "expiresAt": NULLABLE_STRING}, ("id", "expiresAt")),
    },
    (*NEW_KEY["required"], "previousKey"),
)
KEY_LIST = obj(
    {
        "platformId": STRING,
        "keys": {"type": "array", "items": KEY},
        "maxActiveKeys": {"type": "integer"},
        "lastUsedPrecisionSeconds": {"type": "integer"},
    },
    ("platformId", "keys", "maxActiveKeys", "lastUsedPrecisionSeconds"),
)
_BY_ID = {"path.keyId": "$response.body#/id"}
THE_NEW_KEY = {
    "ListTheKeys": {"operationId": "get_api_developer_keys"},
    "RollTheNewKey": {"operationId": "post_api_developer_keys_keyId_roll", "parameters": _BY_ID},
    "RevokeTheNewKey": {"operationId": "delete_api_developer_keys_keyId", "parameters": _BY_ID},
}
NOT_FOUND = ("No such key on your platform", ERROR)


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/api/developer/keys",
        create_key,
        Operation(
            "Create a named API key; the key is shown this once",
            security=DEVELOPER,
            body=obj(
                {
                    "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH},
                    "expiresAt": {"type": "string", "format": "date-time"},
                },
                ("name",),
            ),
            responses={
                201: ("Created", NEW_KEY),
                400: ("Invalid name or expiry", ERROR),
                409: (f"Your platform has {MAX_ACTIVE_KEYS} active keys already", ERROR),
                503: UNAVAILABLE,
            },
            links={201: THE_NEW_KEY},
        ),
    )
    router.add(
        "GET",
        "/api/developer/keys",
        list_keys,
        Operation(
            "Every key of your platform, newest first (never a key itself); lastUsedAt to the minute",
            security=DEVELOPER,
            responses={200: ("Keys", KEY_LIST), 503: UNAVAILABLE},
        ),
    )
    router.add(
        "DELETE",
        "/api/developer/keys/{keyId}",
        revoke_key,
        Operation(
            "Revoke a key: refused at once where you revoked it, everywhere within 60 s",
            security=DEVELOPER,
            parameters=(KEY_IN_PATH,),
            responses={200: ("Revoked", KEY), 404: NOT_FOUND, 503: UNAVAILABLE},
        ),
    )
    router.add(
        "POST",
        "/api/developer/keys/{keyId}/roll",
        roll_key,
        Operation(
            "Replace a key by a new one (shown this once); the old one works gracePeriodSeconds more",
            security=DEVELOPER,
            parameters=(KEY_IN_PATH,),
            body=obj(
                {"gracePeriodSeconds": {"type": "integer", "minimum": 0, "maximum": MAX_GRACE_PERIOD_SECONDS}}
            ),
            body_required=False,
            links={201: THE_NEW_KEY},
            responses={
                201: ("Rolled", ROLLED_KEY),
                400: ("Invalid grace period", ERROR),
                404: NOT_FOUND,
                409: ("The key is revoked, expired or rolled already", ERROR),
                503: UNAVAILABLE,
            },
        ),
    )
