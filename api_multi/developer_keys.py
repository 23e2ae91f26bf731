"""The developer's API keys (API key or developer session): create, list, revoke, roll.

Records and the active-key limit: dreamapi.api_keys; what the metered path reads: dreamapi.key_grants.
A key revoked or rolled here is forgotten by this isolate's cache at once.
"""

from __future__ import annotations

import re
from typing import Any

from api_multi.end_user_auth import authenticate_developer
from api_multi.schemas import DEVELOPER
from dreamapi import lookups
from dreamapi.api_keys import (
    LAST_USED_PRECISION_SECONDS,
    MAX_ACTIVE_KEYS,
    MAX_GRACE_PERIOD_SECONDS,
    key_not_found,
    shown,
)
from dreamapi.body import json_object, string_field
from dreamapi.errors import bad_request
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import ERROR, NULLABLE_STRING, STRING, Operation, obj, path_parameter
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.time_format import parse_iso

KEY_ID_PATTERN = r"^key_[0-9a-f]{24}$"
MAX_NAME_LENGTH = 64


def _key_id(request: Request) -> str:
    key_id = request.path_params["keyId"]
    if not re.match(KEY_ID_PATTERN, key_id):
        raise key_not_found(key_id)
    return key_id


def _expiry_ms(body: dict[str, Any], now: float) -> int | None:
    raw = body.get("expiresAt")
    if raw is None:
        return None
    moment = parse_iso(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    if moment is None:
        raise bad_request(
            "Field 'expiresAt' must be an ISO 8601 time with a zone, e.g. 2027-01-31T00:00:00Z",
            "invalid_field",
        )
    if moment <= now:
        raise bad_request("Field 'expiresAt' must be in the future", "invalid_field")
    return int(moment * 1000)


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
    expires_at_ms = _expiry_ms(body, services.clock.now())
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
    record = await services.api_keys(platform_id).revoke(_key_id(request))
    lookups.forget_key(services, record["hash"])
    return json_response(shown(record))


async def roll_key(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    key_id = _key_id(request)
    grace = _grace_seconds(json_object(request, required=False))
    new_key, old = await services.api_keys(platform_id).roll(key_id, grace)
    lookups.forget_key(services, old["hash"])
    previous = {"id": old["id"], "expiresAt": shown(old)["expiresAt"]}
    return json_response({**new_key.to_json(), "previousKey": previous}, 201)


KEY = obj(
    {
        "id": {"type": "string", "pattern": KEY_ID_PATTERN},
        "name": STRING,
        "prefix": STRING,
        "createdAt": STRING,
        "expiresAt": NULLABLE_STRING,
        "lastUsedAt": NULLABLE_STRING,
        "revokedAt": NULLABLE_STRING,
        "rolledFrom": NULLABLE_STRING,
        "rolledTo": NULLABLE_STRING,
    },
    ("id", "name", "prefix", "createdAt", "expiresAt", "lastUsedAt", "revokedAt"),
)
NEW_KEY = obj(
    {
        **KEY["properties"],
        "apiKey": {"type": "string", "pattern": "^dream_live_"},
        "warning": STRING,
    },
    (*KEY["required"], "apiKey"),
)
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
KEY_IN_PATH = path_parameter("keyId", KEY_ID_PATTERN, "An API key of your platform (its id, never the key)")
_BY_ID = {"path.keyId": "$response.body#/id"}
THE_NEW_KEY = {
    "ListTheKeys": {"operationId": "get_api_developer_keys"},
    "RollTheNewKey": {"operationId": "post_api_developer_keys_keyId_roll", "parameters": _BY_ID},
    "RevokeTheNewKey": {"operationId": "delete_api_developer_keys_keyId", "parameters": _BY_ID},
}
UNAVAILABLE = ("The key store did not answer; nothing changed; retry (Retry-After)", ERROR)
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
