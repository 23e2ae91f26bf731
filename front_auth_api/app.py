"""front_auth_api's routes, each with what it takes and answers (served as /openapi.json)."""

from __future__ import annotations

from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.openapi import (
    DAILY,
    ERROR,
    ISSUED_KEY,
    METER_UNAVAILABLE,
    STRING,
    TIER_LIMIT_REACHED,
    URL_REPLY,
    USAGE,
    Operation,
    obj,
    stripe_webhook_operation,
)
from dreamapi.router import Router
from front_auth_api import billing_routes, credentials_routes, usage_routes, webhook_routes

DEVELOPER = ("developerSession",)


def create_app() -> App:
    router = Router()
    add_health_route(router, "front_auth_api")
    router.add(
        "POST",
        "/verify-auth",
        usage_routes.verify_auth,
        Operation(
            "Verify the session and count one call against your plan (5 free, 500 paid; 100/min)",
            security=DEVELOPER,
            responses={
                200: (
                    "Counted",
                    obj({"success": {"const": True}, "userId": STRING, "usage": USAGE}, ("success", "usage")),
                ),
                403: ("Monthly limit reached (the spec's body); nothing counted", TIER_LIMIT_REACHED),
                429: ("Per-minute rate limit reached; nothing counted", ERROR),
                503: METER_UNAVAILABLE,
            },
        ),
    )
    router.add(
        "GET",
        "/usage",
        usage_routes.get_usage,
        Operation(
            "Your usage and subscription, counting nothing",
            security=DEVELOPER,
            responses={
                200: (
                    "Usage",
                    obj(
                        {
                            "userId": STRING,
                            "usage": USAGE,
                            "subscription": obj({"plan": STRING, "status": STRING}, ("plan", "status")),
                            "daily": DAILY,
                        },
                        ("usage", "subscription", "daily"),
                    ),
                ),
                503: METER_UNAVAILABLE,
            },
        ),
    )
    router.add(
        "POST",
        "/create-checkout",
        billing_routes.create_checkout,
        Operation(
            "Stripe Checkout for the $29/month plan",
            security=DEVELOPER,
            responses={200: ("Checkout session", obj({"url": STRING, "sessionId": STRING}, ("url",)))},
        ),
    )
    router.add(
        "POST",
        "/create-portal",
        billing_routes.create_portal,
        Operation(
            "Stripe Customer Portal for your subscription",
            security=DEVELOPER,
            responses={200: ("Portal", URL_REPLY)},
        ),
    )
    router.add(
        "POST",
        "/webhook/stripe",
        webhook_routes.stripe_webhook,
        stripe_webhook_operation("Stripe events of our account (signed)"),
    )
    router.add(
        "POST",
        "/generate-credentials",
        credentials_routes.generate_credentials,
        Operation(
            "Create your platform and first API key (shown once)",
            security=DEVELOPER,
            responses={201: ("Created; the key is never shown again", ISSUED_KEY)},
        ),
    )
    router.add(
        "POST",
        "/rotate-key",
        credentials_routes.rotate_key,
        Operation(
            "A new API key (shown once); the old one stops working",
            security=DEVELOPER,
            responses={200: ("Rotated", ISSUED_KEY)},
            links={200: {"CredentialsAfterRotation": {"operationId": "get_get_credentials"}}},
        ),
    )
    router.add(
        "GET",
        "/get-credentials",
        credentials_routes.get_credentials,
        Operation(
            "Your platformId and key prefix; never the key",
            security=DEVELOPER,
            responses={
                200: (
                    "Credentials",
                    obj(
                        {
                            "platformId": STRING,
                            "keyPrefix": {"type": ["string", "null"]},
                            "keyCreatedAt": {"type": ["string", "null"]},
                            "createdAt": {"type": ["string", "null"]},
                        },
                        ("platformId",),
                    ),
                )
            },
        ),
    )
    return App("front_auth_api", router)
