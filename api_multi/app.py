"""api_multi's routes, each with what it takes and answers (served as /openapi.json)."""

from __future__ import annotations

from api_multi import billing_routes, developer, tiers_routes, usage_routes, webhook_routes
from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.openapi import (
    BOOLEAN,
    ERROR,
    INTEGER,
    ISSUED_KEY,
    METER_UNAVAILABLE,
    OBJECT,
    STRING,
    TIER,
    TIER_LIMIT_REACHED,
    TIER_LIST,
    URL_REPLY,
    USAGE,
    Operation,
    header,
    obj,
    query,
    stripe_webhook_operation,
)
from dreamapi.router import Router

END_USER = ("apiKey", "endUserSession")
DEVELOPER = ("apiKey", "developerSession")
END_USER_HEADERS = (
    header(
        "X-User-Id",
        pattern=r"^[A-Za-z0-9_.@+\-]{1,128}$",
        description="Required with an API key (the end user's id in your system); unused with a JWT",
    ),
    header("X-User-Plan", description="API-key mode: one of your tier names; unknown names are a 400"),
)
METERED = obj(
    {"success": BOOLEAN, "userId": STRING, "platformId": STRING, "usage": USAGE}, ("success", "usage")
)
USAGE_REPORT = obj({"userId": STRING, "platformId": STRING, "usage": USAGE}, ("usage",))
DASHBOARD = obj(
    {
        "platformId": STRING,
        "totalUsers": INTEGER,
        "totalCalls": INTEGER,
        "revenue": {"type": OBJECT},
        "endUsers": {"type": OBJECT},
        "calls": {"type": OBJECT},
        "generatedAt": STRING,
        "callsShowWithinSeconds": INTEGER,
    },
    ("platformId", "totalUsers", "totalCalls", "revenue", "endUsers", "calls"),
)
RETURN_URL = {"type": "string", "format": "uri"}


def create_app() -> App:
    router = Router()
    add_health_route(router, "api_multi")
    router.add(
        "POST",
        "/api/data",
        usage_routes.track_call,
        Operation(
            "Count one call of an end user against their tier (monthly limit and per-minute rate)",
            security=END_USER,
            parameters=(*END_USER_HEADERS, header("Idempotency-Key", pattern=r"^[\x21-\x7e]{1,255}$")),
            responses={
                200: ("Counted, or the answer recorded for this Idempotency-Key (nothing counted)", METERED),
                403: ("Monthly limit reached (the spec's body); nothing counted", TIER_LIMIT_REACHED),
                422: ("This Idempotency-Key was used with other parameters", ERROR),
                429: ("Per-minute rate limit reached; nothing counted", ERROR),
                503: METER_UNAVAILABLE,
            },
        ),
    )
    router.add(
        "GET",
        "/api/usage",
        usage_routes.get_usage,
        Operation(
            "An end user's usage, counting nothing",
            security=END_USER,
            parameters=END_USER_HEADERS,
            responses={200: ("Usage, exact", USAGE_REPORT), 503: METER_UNAVAILABLE},
        ),
    )
    router.add(
        "GET",
        "/api/tiers",
        tiers_routes.get_tiers,
        Operation(
            "A platform's public tiers (defaults when it stored none)",
            parameters=(query("platformId"),),
            responses={200: ("Tiers", TIER_LIST)},
        ),
    )
    router.add(
        "PUT",
        "/api/developer/tiers",
        developer.put_tiers,
        Operation(
            "Replace your tiers; a bad config is a 400 listing every problem",
            security=DEVELOPER,
            body=obj({"tiers": {"type": "array", "items": TIER, "minItems": 1, "maxItems": 20}}, ("tiers",)),
            responses={200: ("Stored", TIER_LIST)},
            links={
                200: {
                    "TiersJustStored": {
                        "operationId": "get_api_tiers",
                        "parameters": {"query.platformId": "$response.body#/platformId"},
                    }
                }
            },
        ),
    )
    router.add(
        "POST",
        "/api/developer/register",
        developer.register,
        Operation(
            "Sign up without Clerk: email → platformId + API key (shown once)",
            body=obj({"email": {"type": "string", "format": "email", "maxLength": 254}}, ("email",)),
            responses={201: ("Registered; the key is never shown again", ISSUED_KEY)},
        ),
    )
    router.add(
        "GET",
        "/api/developer/dashboard",
        developer.dashboard,
        Operation(
            "Your platform's numbers this month (kept 15 s unless refresh=1)",
            security=DEVELOPER,
            parameters=(query("refresh", required=False, pattern="^(1|true|0|false)$"),),
            responses={200: ("Dashboard", DASHBOARD)},
        ),
    )
    router.add(
        "POST",
        "/api/create-checkout",
        billing_routes.create_checkout,
        Operation(
            "Stripe Checkout for a tier, on the developer's connected account",
            security=("endUserSession",),
            body=obj({"tier": STRING, "successUrl": RETURN_URL, "cancelUrl": RETURN_URL}, ("tier",)),
            responses={
                200: ("Checkout session", obj({"url": STRING, "sessionId": STRING, "tier": STRING}, ("url",)))
            },
        ),
    )
    router.add(
        "POST",
        "/api/customer-portal",
        billing_routes.customer_portal,
        Operation(
            "Stripe Customer Portal on the developer's connected account",
            security=("endUserSession",),
            body=obj({"returnUrl": RETURN_URL}),
            body_required=False,
            responses={200: ("Portal", URL_REPLY)},
        ),
    )
    router.add(
        "POST",
        "/webhook/stripe",
        webhook_routes.stripe_webhook,
        stripe_webhook_operation("Stripe Connect events (signed)"),
    )
    return App("api_multi", router)
