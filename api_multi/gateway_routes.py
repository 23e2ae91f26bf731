"""A developer's gateway: where their API lives, the secret headers it needs, and the routes end
users may call through the gateway worker (gateway/) with what each costs. The first config
stored gets a signing secret (shown once) with which the developer's origin verifies the
gateway's identity headers (dreamapi.gateway_signing)."""

from __future__ import annotations

from typing import Any

from api_multi.end_user_auth import authenticate_developer
from api_multi.schemas import DEVELOPER
from dreamapi import lookups
from dreamapi.body import json_object
from dreamapi.errors import ApiError, not_found
from dreamapi.gateway_config import MAX_ROUTES, InvalidGatewayConfigError, parse_gateway_config
from dreamapi.gateway_signing import new_signing_secret
from dreamapi.gateway_store import Gateway, delete_gateway, masked, store_gateway
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import BOOLEAN, ERROR, OBJECT, STRING, Operation, obj
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.time_format import iso_utc


def _shown(platform_id: str, gateway: Gateway, services: Services, **extra: Any) -> dict[str, Any]:
    url = f"{services.settings.gateway_public_url}/{platform_id}"
    return {"platformId": platform_id, "gatewayUrl": url, **masked(gateway), **extra}


async def put_gateway(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    try:
        config = parse_gateway_config(json_object(request), services.settings.upstream_policy)
    except InvalidGatewayConfigError as invalid:
        message = f"The gateway config has {len(invalid.problems)} problem(s); nothing was stored"
        raise ApiError(400, "invalid_gateway_config", message, extra={"problems": invalid.problems}) from None
    current = await lookups.stored_gateway(services, platform_id)
    secret = current.signing_secret if current else new_signing_secret()
    gateway = Gateway(config, secret, iso_utc(services.clock.now()))
    await store_gateway(services.tokens_kv, services.secrets_at_rest, platform_id, gateway)
    shown_once = {} if current else {"signingSecret": secret}
    return json_response(_shown(platform_id, gateway, services, **shown_once), 200 if current else 201)


async def get_gateway(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    gateway = await lookups.stored_gateway(services, platform_id)
    if gateway is None:
        raise not_found("No gateway is configured for your platform; PUT one first", "gateway_not_configured")
    return json_response(_shown(platform_id, gateway, services))


async def remove_gateway(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    await delete_gateway(services.tokens_kv, platform_id)
    return json_response({"platformId": platform_id, "deleted": True})


async def roll_signing_secret(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    current = await lookups.stored_gateway(services, platform_id)
    if current is None:
        raise not_found("No gateway is configured for your platform; PUT one first", "gateway_not_configured")
    rolled = Gateway(current.config, new_signing_secret(), iso_utc(services.clock.now()))
    await store_gateway(services.tokens_kv, services.secrets_at_rest, platform_id, rolled)
    return json_response({"platformId": platform_id, "signingSecret": rolled.signing_secret}, 201)


HEADERS = {"type": OBJECT, "additionalProperties": STRING, "description": "header name → value (secret)"}
UNITS = {
    "type": OBJECT,
    "description": "{fixed} | {responseHeader, max} | {jsonPointer, max}",
    "properties": {
        "fixed": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
        "responseHeader": STRING,
        "jsonPointer": STRING,
        "max": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
    },
}
ROUTE = {
    "type": OBJECT,
    "properties": {
        "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
        "path": {"type": "string", "pattern": "^/"},
        "kind": {"enum": ["http", "openai", "anthropic"]},
        "units": UNITS,
        "models": {"type": OBJECT},
        "maxOutputTokens": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "meterOn": {"enum": ["success", "any"]},
        "upstream": STRING,
        "upstreamHeaders": HEADERS,
    },
    "required": ["path"],
}
CONFIG = obj(
    {
        "upstream": {"type": "string", "format": "uri"},
        "upstreamHeaders": HEADERS,
        "routes": {"type": "array", "items": ROUTE, "minItems": 1, "maxItems": MAX_ROUTES},
    },
    ("upstream", "routes"),
)
SHOWN = obj(
    {
        "platformId": STRING,
        "gatewayUrl": STRING,
        "upstream": STRING,
        "upstreamHeaders": {**HEADERS, "description": "names only: values are shown as ********"},
        "routes": {"type": "array", "items": ROUTE},
        "updatedAt": STRING,
        "signingSecret": {"type": "string", "description": "only in the answer of the first PUT"},
    },
    ("platformId", "gatewayUrl", "upstream", "upstreamHeaders", "routes", "updatedAt"),
)
INVALID = obj(
    {
        "error": {"const": "invalid_gateway_config"},
        "message": STRING,
        "problems": {"type": "array", "items": STRING},
    },
    ("error", "message", "problems"),
)
NOT_CONFIGURED = ("No gateway configured yet", ERROR)


def add_routes(router: Router) -> None:
    router.add(
        "PUT",
        "/api/developer/gateway",
        put_gateway,
        Operation(
            "Configure your gateway: upstream (https, public), secret headers it adds (stored encrypted, "
            "never shown again), routes and their units. A bad config is a 400 listing every problem; "
            "the old one stays. The first config answers with the signing secret, once",
            security=DEVELOPER,
            body=CONFIG,
            responses={
                201: ("Stored (first time: with signingSecret)", SHOWN),
                200: ("Replaced", SHOWN),
                400: ("Every problem", INVALID),
            },
        ),
    )
    router.add(
        "GET",
        "/api/developer/gateway",
        get_gateway,
        Operation(
            "Your gateway config with header values masked",
            security=DEVELOPER,
            responses={200: ("The config", SHOWN), 404: NOT_CONFIGURED},
        ),
    )
    router.add(
        "DELETE",
        "/api/developer/gateway",
        remove_gateway,
        Operation(
            "Stop the gateway (forgets the config and its secrets)",
            security=DEVELOPER,
            responses={
                200: ("Deleted", obj({"platformId": STRING, "deleted": BOOLEAN}, ("platformId", "deleted")))
            },
        ),
    )
    router.add(
        "POST",
        "/api/developer/gateway/signing-secret/roll",
        roll_signing_secret,
        Operation(
            "A new signing secret (shown once); the gateway signs with it from now on",
            security=DEVELOPER,
            body_required=False,
            responses={
                201: (
                    "Rolled",
                    obj({"platformId": STRING, "signingSecret": STRING}, ("platformId", "signingSecret")),
                ),
                404: NOT_CONFIGURED,
            },
        ),
    )
