"""The developer's webhook endpoints and alert thresholds (API key or developer session).

Events are kept and delivered by the platform's webhook outbox (dreamapi.webhook_outbox); the
metered path finds the alert settings in the isolate cache (dreamapi.lookups).
"""

from __future__ import annotations

import re
from typing import Any

from api_multi.end_user_auth import authenticate_developer
from api_multi.schemas import DEVELOPER
from dreamapi import lookups, webhook_events
from dreamapi.alerts import parse_alert_settings, store_alert_settings
from dreamapi.body import json_object
from dreamapi.errors import not_found
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import BOOLEAN, ERROR, INTEGER, NULLABLE_STRING, STRING, Operation, obj, path_parameter
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.time_format import iso_from_ms
from dreamapi.webhook_endpoints import new_endpoint_id, new_signing_secret, parse_endpoint


def _endpoint_id(request: Request) -> str:
    endpoint_id = request.path_params["endpointId"]
    if not re.match(ENDPOINT_ID_PATTERN, endpoint_id):
        raise not_found(f"No webhook endpoint {endpoint_id} on this platform", "webhook_endpoint_not_found")
    return endpoint_id


def _shown_endpoint(endpoint: dict[str, Any]) -> dict[str, Any]:
    return {**endpoint, "createdAt": iso_from_ms(endpoint["createdAt"])}


def _shown_delivery(delivery: dict[str, Any]) -> dict[str, Any]:
    times = ("lastAttemptAt", "nextAttemptAt", "createdAt")
    return {**delivery, **{name: iso_from_ms(delivery.get(name)) for name in times}}


async def create_endpoint(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    wanted = parse_endpoint(json_object(request), development=services.settings.environment == "development")
    secret = new_signing_secret()
    endpoint = {
        "id": new_endpoint_id(),
        **wanted,
        "secret": secret,
        "createdAt": int(services.clock.now() * 1000),
    }
    stored = await services.webhooks(platform_id).add_endpoint(endpoint)
    return json_response({**_shown_endpoint(stored), "secret": secret}, 201)


async def list_endpoints(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    endpoints = await services.webhooks(platform_id).endpoints()
    return json_response({"platformId": platform_id, "endpoints": [_shown_endpoint(e) for e in endpoints]})


async def delete_endpoint(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    endpoint_id = _endpoint_id(request)
    await services.webhooks(platform_id).delete_endpoint(endpoint_id)
    return json_response({"id": endpoint_id, "deleted": True})


async def send_test(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    outbox = services.webhooks(platform_id)
    endpoint = await outbox.endpoint(_endpoint_id(request))
    data = {"platformId": platform_id, "endpointId": endpoint["id"]}
    event = webhook_events.outbox_event(webhook_events.WEBHOOK_TEST, data, services.clock.now())
    await outbox.enqueue([event], endpoint_id=endpoint["id"])
    return json_response({"eventId": event["id"], "type": event["type"], "queued": True}, 202)


async def list_deliveries(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    outbox = services.webhooks(platform_id)
    endpoint = await outbox.endpoint(_endpoint_id(request))
    deliveries = await outbox.deliveries(endpoint["id"])
    return json_response(
        {"endpointId": endpoint["id"], "deliveries": [_shown_delivery(d) for d in deliveries]}
    )


async def retry_delivery(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    delivery = await services.webhooks(platform_id).retry(
        _endpoint_id(request), request.path_params["deliveryId"]
    )
    return json_response(_shown_delivery(delivery), 202)


async def get_alerts(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    settings = await lookups.alert_settings(services, platform_id)
    return json_response({"platformId": platform_id, **settings.to_json()})


async def put_alerts(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    settings = parse_alert_settings(json_object(request))
    await store_alert_settings(services.tokens_kv, platform_id, settings)
    lookups.forget_alert_settings(services, platform_id)
    return json_response({"platformId": platform_id, **settings.to_json()})


ENDPOINT_ID_PATTERN = r"^we_[0-9a-f]{24}$"
DELIVERY_ID_PATTERN = r"^dlv_[0-9a-f]{32}$"
EVENT_TYPE = {"enum": list(webhook_events.EVENT_TYPES)}
ENDPOINT = obj(
    {
        "id": STRING,
        "url": STRING,
        "events": {"type": "array", "items": EVENT_TYPE},
        "description": STRING,
        "createdAt": STRING,
    },
    ("id", "url", "events", "createdAt"),
)
ENDPOINT_LIST = obj(
    {"platformId": STRING, "endpoints": {"type": "array", "items": ENDPOINT}}, ("platformId", "endpoints")
)
NEW_ENDPOINT = obj(
    {**ENDPOINT["properties"], "secret": {"type": "string", "pattern": "^whsec_"}},
    ("id", "url", "events", "createdAt", "secret"),
)
DELIVERY = obj(
    {
        "id": STRING,
        "eventId": STRING,
        "type": STRING,
        "state": {"enum": ["pending", "delivered", "failed"]},
        "attempts": INTEGER,
        "lastStatus": {"type": ["integer", "null"]},
        "lastError": NULLABLE_STRING,
        "lastAttemptAt": NULLABLE_STRING,
        "nextAttemptAt": NULLABLE_STRING,
        "createdAt": STRING,
    },
    (
        "id",
        "eventId",
        "type",
        "state",
        "attempts",
        "lastStatus",
        "lastError",
        "lastAttemptAt",
        "nextAttemptAt",
        "createdAt",
    ),
)
ALERTS = obj(
    {
        "platformId": STRING,
        "usageThresholds": {"type": "array", "items": INTEGER},
        "creditsBelow": {"type": ["integer", "null"]},
    },
    ("platformId", "usageThresholds", "creditsBelow"),
)
ENDPOINT_IN_PATH = path_parameter("endpointId", ENDPOINT_ID_PATTERN, "A webhook endpoint of your platform")
DELIVERY_IN_PATH = path_parameter("deliveryId", DELIVERY_ID_PATTERN, "One delivery of an event to it")
UNAVAILABLE = ("The webhook outbox did not answer; retry (Retry-After)", ERROR)
NOT_FOUND = ("No such endpoint (or delivery) on your platform", ERROR)


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/api/developer/webhooks",
        create_endpoint,
        Operation(
            "Add a webhook endpoint; its signing secret (Standard Webhooks) is shown this once",
            security=DEVELOPER,
            body=obj(
                {
                    "url": {"type": "string", "maxLength": 2048},
                    "events": {"type": "array", "items": EVENT_TYPE, "minItems": 1},
                    "description": {"type": "string", "maxLength": 200},
                },
                ("url", "events"),
            ),
            responses={
                201: ("Added", NEW_ENDPOINT),
                409: ("Your platform has the most endpoints it may have (10)", ERROR),
                503: UNAVAILABLE,
            },
        ),
    )
    router.add(
        "GET",
        "/api/developer/webhooks",
        list_endpoints,
        Operation(
            "Your webhook endpoints (never their secrets)",
            security=DEVELOPER,
            responses={
                200: ("Endpoints", ENDPOINT_LIST),
                503: UNAVAILABLE,
            },
        ),
    )
    router.add(
        "DELETE",
        "/api/developer/webhooks/{endpointId}",
        delete_endpoint,
        Operation(
            "Remove an endpoint and what it was still owed",
            security=DEVELOPER,
            parameters=(ENDPOINT_IN_PATH,),
            responses={
                200: ("Removed", obj({"id": STRING, "deleted": BOOLEAN})),
                404: NOT_FOUND,
                503: UNAVAILABLE,
            },
        ),
    )
    router.add(
        "POST",
        "/api/developer/webhooks/{endpointId}/test",
        send_test,
        Operation(
            "Send a webhook.test event to this endpoint",
            security=DEVELOPER,
            parameters=(ENDPOINT_IN_PATH,),
            body_required=False,
            responses={
                202: ("Queued", obj({"eventId": STRING, "type": STRING, "queued": BOOLEAN})),
                404: NOT_FOUND,
                503: UNAVAILABLE,
            },
        ),
    )
    router.add(
        "GET",
        "/api/developer/webhooks/{endpointId}/deliveries",
        list_deliveries,
        Operation(
            "The endpoint's latest deliveries (50), newest first: attempts, last status, next retry",
            security=DEVELOPER,
            parameters=(ENDPOINT_IN_PATH,),
            responses={
                200: (
                    "Deliveries",
                    obj(
                        {"endpointId": STRING, "deliveries": {"type": "array", "items": DELIVERY}},
                        ("endpointId", "deliveries"),
                    ),
                ),
                404: NOT_FOUND,
                503: UNAVAILABLE,
            },
        ),
    )
    router.add(
        "POST",
        "/api/developer/webhooks/{endpointId}/deliveries/{deliveryId}/retry",
        retry_delivery,
        Operation(
            "Send a delivery again now (a failed one gets one more attempt)",
            security=DEVELOPER,
            parameters=(ENDPOINT_IN_PATH, DELIVERY_IN_PATH),
            body_required=False,
            responses={202: ("Queued", DELIVERY), 404: NOT_FOUND, 503: UNAVAILABLE},
        ),
    )
    router.add(
        "GET",
        "/api/developer/alerts",
        get_alerts,
        Operation(
            "Your usage thresholds and low-credit level",
            security=DEVELOPER,
            responses={200: ("Alerts", ALERTS)},
        ),
    )
    router.add(
        "PUT",
        "/api/developer/alerts",
        put_alerts,
        Operation(
            "Set the usage thresholds (percent of a tier's monthly units; default [80, 100]) and the "
            "credit balance below which credits.low is sent",
            security=DEVELOPER,
            body=obj(
                {
                    "usageThresholds": {
                        "type": "array",
                        "items": {"type": "integer", "minimum": 1, "maximum": 1000},
                        "maxItems": 10,
                    },
                    "creditsBelow": {"type": ["integer", "null"], "minimum": 1},
                }
            ),
            responses={200: ("Stored", ALERTS)},
        ),
    )
