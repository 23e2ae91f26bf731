"""api_multi's routes, each with what it takes and answers (served as /openapi.json)."""

from __future__ import annotations

from api_multi import billing_routes, credits_routes, developer, tiers_routes, usage_routes, webhook_routes
from api_multi.developer_keys import add_key_routes
from api_multi.developer_webhooks import add_webhook_routes
from api_multi.scheduled_routes import add_scheduled_routes
from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.openapi import (
    BOOLEAN,
    DAILY,
    ERROR,
    INTEGER,
    ISSUED_KEY,
    METER_UNAVAILABLE,
    NULLABLE_STRING,
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
    path_parameter,
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
USAGE_REPORT = obj(
    {
        "userId": STRING,
        "platformId": STRING,
        "usage": USAGE,
        "daily": DAILY,
        "subscription": obj({"tier": NULLABLE_STRING, "status": STRING}, ("tier", "status")),
    },
    ("usage", "daily", "subscription"),
)
DASHBOARD = obj(
    {
        "platformId": STRING,
        "totalUsers": INTEGER,
        "totalCalls": INTEGER,
        "revenue": obj(
            {"totalCents": INTEGER, "currency": STRING, "payments": INTEGER},
            ("totalCents", "currency", "payments"),
        ),
        "endUsers": obj(
            {"total": INTEGER, "activeThisMonth": INTEGER, "atOrOverLimit": INTEGER},
            ("total", "activeThisMonth", "atOrOverLimit"),
        ),
        "calls": obj(
            {"thisMonth": INTEGER, "byTier": {"type": OBJECT, "additionalProperties": INTEGER}},
            ("thisMonth", "byTier"),
        ),
        "overage": obj(
            {
                "units": INTEGER,
                "revenueCents": INTEGER,
                "users": {
                    "type": "array",
                    "items": obj(
                        {"userId": STRING, "tier": STRING, "units": INTEGER, "revenueCents": INTEGER}
                    ),
                },
            },
            ("units", "revenueCents", "users"),
        ),
        "generatedAt": STRING,
        "callsShowWithinSeconds": INTEGER,
    },
    ("platformId", "totalUsers", "totalCalls", "revenue", "endUsers", "calls"),
)
RETURN_URL = {"type": "string", "format": "uri"}
USER_ID_PATTERN = r"^[A-Za-z0-9_.@+\-]{1,128}$"
LEDGER_ENTRY = obj(
    {
        "kind": {"enum": ["grant", "adjustment", "top_up", "usage"]},
        "units": INTEGER,
        "reason": STRING,
        "at": STRING,
        "date": STRING,
        "balanceAfter": INTEGER,
    },
    ("kind", "units", "reason", "at", "balanceAfter"),
)
CREDIT_STATEMENT = obj(
    {
        "platformId": STRING,
        "userId": STRING,
        "balance": {"type": "integer", "minimum": 0},
        "entries": {"type": "array", "items": LEDGER_ENTRY},
    },
    ("platformId", "userId", "balance", "entries"),
)
CREDIT_CHANGE = obj(
    {
        "platformId": STRING,
        "userId": STRING,
        "balance": {"type": "integer", "minimum": 0},
        "entry": LEDGER_ENTRY,
    },
    ("platformId", "userId", "balance", "entry"),
)
CREDIT_BALANCE = obj(
    {"platformId": STRING, "userId": STRING, "balance": {"type": "integer", "minimum": 0}},
    ("platformId", "userId", "balance"),
)
CREDIT_PACK = obj(
    {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"},
        "units": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "priceCents": {"type": "integer", "minimum": 50, "maximum": 99_999_999},
        "currency": {"type": "string", "pattern": "^[a-z]{3}$"},
        "stripePriceId": {"type": ["string", "null"], "pattern": "^price_[A-Za-z0-9_]{1,200}$"},
    },
    ("name", "units", "priceCents"),
)
CREDIT_PACKS = obj(
    {"platformId": STRING, "packs": {"type": "array", "items": CREDIT_PACK, "maxItems": 20}},
    ("platformId", "packs"),
)
USER_IN_PATH = path_parameter("userId", USER_ID_PATTERN, "The end user's id in your system")


def create_app() -> App:
    router = Router()
    add_health_route(router, "api_multi")
    router.add(
        "POST",
        "/api/data",
        usage_routes.track_call,
        Operation(
            "Count one call of an end user: its units against their tier's monthly limit, then their "
            "prepaid credits; the call against the per-minute rate",
            security=END_USER,
            parameters=(*END_USER_HEADERS, header("Idempotency-Key", pattern=r"^[\x21-\x7e]{1,255}$")),
            body=obj({"units": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}}),
            body_required=False,
            responses={
                200: ("Counted, or the answer recorded for this Idempotency-Key (nothing counted)", METERED),
                403: (
                    "Neither the month's included units nor the credits cover the call (the spec's body "
                    "+ creditsBalance); nothing counted or spent",
                    TIER_LIMIT_REACHED,
                ),
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
            responses={200: ("Usage, exact, and the credit balance", USAGE_REPORT), 503: METER_UNAVAILABLE},
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
        "GET",
        "/api/credits",
        credits_routes.get_own_credits,
        Operation(
            "An end user's prepaid credit balance, in units",
            security=END_USER,
            parameters=END_USER_HEADERS,
            responses={200: ("Balance", CREDIT_BALANCE), 503: METER_UNAVAILABLE},
        ),
    )
    router.add(
        "GET",
        "/api/credit-packs",
        credits_routes.get_credit_packs,
        Operation(
            "A platform's public credit packs",
            parameters=(query("platformId"),),
            responses={200: ("Packs (empty when none are sold)", CREDIT_PACKS)},
        ),
    )
    router.add(
        "POST",
        "/api/credits/checkout",
        credits_routes.create_credits_checkout,
        Operation(
            "Stripe Checkout (payment mode) for a credit pack, on the developer's connected account; "
            "the paid session grants the pack's units once",
            security=("endUserSession",),
            body=obj({"pack": STRING, "successUrl": RETURN_URL, "cancelUrl": RETURN_URL}, ("pack",)),
            responses={
                200: (
                    "Checkout session",
                    obj({"url": STRING, "sessionId": STRING, "pack": STRING, "units": INTEGER}, ("url",)),
                )
            },
        ),
    )
    router.add(
        "PUT",
        "/api/developer/credit-packs",
        credits_routes.put_credit_packs,
        Operation(
            "Replace your credit packs; a bad list is a 400 listing every problem, the old one kept",
            security=DEVELOPER,
            body=obj({"packs": {"type": "array", "items": CREDIT_PACK, "maxItems": 20}}, ("packs",)),
            responses={200: ("Stored", CREDIT_PACKS)},
            links={
                200: {
                    "PacksJustStored": {
                        "operationId": "get_api_credit_packs",
                        "parameters": {"query.platformId": "$response.body#/platformId"},
                    }
                }
            },
        ),
    )
    router.add(
        "POST",
        "/api/developer/users/{userId}/credits",
        credits_routes.change_user_credits,
        Operation(
            "Grant (units > 0) or remove (units < 0) an end user's credits; honours Idempotency-Key",
            security=DEVELOPER,
            parameters=(USER_IN_PATH, header("Idempotency-Key", pattern=r"^[\x21-\x7e]{1,255}$")),
            body=obj(
                {
                    "units": {"type": "integer", "minimum": -1_000_000_000, "maximum": 1_000_000_000},
                    "reason": {"type": "string", "maxLength": 200},
                },
                ("units",),
            ),
            responses={
                201: ("Applied (or the change recorded for this Idempotency-Key)", CREDIT_CHANGE),
                409: ("The removal exceeds the balance; nothing changed", ERROR),
                422: ("This Idempotency-Key was used with other parameters", ERROR),
                503: METER_UNAVAILABLE,
            },
            links={
                201: {
                    "BalanceJustChanged": {
                        "operationId": "get_api_developer_users_userId_credits",
                        "parameters": {"path.userId": "$response.body#/userId"},
                    }
                }
            },
        ),
    )
    router.add(
        "GET",
        "/api/developer/users/{userId}/credits",
        credits_routes.get_user_credits,
        Operation(
            "An end user's credit balance and latest ledger entries (grants, top-ups, adjustments, "
            "usage per day), newest first",
            security=DEVELOPER,
            parameters=(USER_IN_PATH,),
            responses={200: ("Statement", CREDIT_STATEMENT), 503: METER_UNAVAILABLE},
        ),
    )
    router.add(
        "POST",
        "/webhook/stripe",
        webhook_routes.stripe_webhook,
        stripe_webhook_operation("Stripe Connect events (signed)"),
    )
    add_key_routes(router)
    add_scheduled_routes(router)
    add_webhook_routes(router)
    return App("api_multi", router)
