"""api_multi's routes, each with what it takes and answers (served as /openapi.json)."""

from __future__ import annotations

from api_multi import (
    analytics,
    analytics_routes,
    billing_routes,
    credits_routes,
    developer,
    portal_routes,
    tiers_routes,
    usage_routes,
    webhook_routes,
)
from api_multi.developer_keys import add_key_routes
from api_multi.developer_webhooks import add_webhook_routes
from api_multi.scheduled_routes import add_scheduled_routes
from dreamapi import ids
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
                        {"userId": STRING, "tier": STRING, "units": INTEGER, "revenueCents": INTEGER},
                        ("userId", "tier", "units", "revenueCents"),
                    ),
                },
            },
            ("units", "revenueCents", "users"),
        ),
        "generatedAt": STRING,
        "callsShowWithinSeconds": INTEGER,
    },
    (
        "platformId",
        "totalUsers",
        "totalCalls",
        "revenue",
        "endUsers",
        "calls",
        "overage",
        "generatedAt",
        "callsShowWithinSeconds",
    ),
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
FRESHNESS = {"generatedAt": STRING, "freshWithinSeconds": INTEGER}
UNITS_BY_TIER = {"type": OBJECT, "additionalProperties": INTEGER}
USAGE_BY_DAY = obj(
    {
        "platformId": STRING,
        "month": STRING,
        "period": obj({"start": STRING, "end": STRING}, ("start", "end")),
        "days": {
            "type": "array",
            "description": "every day of the month (up to today in the current one), zeros included",
            "items": obj(
                {"date": STRING, "units": INTEGER, "byTier": UNITS_BY_TIER}, ("date", "units", "byTier")
            ),
        },
        "tiers": {"type": "array", "items": STRING, "description": "tiers with units, most first"},
        "totals": obj(
            {"units": INTEGER, "calls": INTEGER, "byTier": UNITS_BY_TIER, "endUsers": INTEGER},
            ("units", "calls", "byTier", "endUsers"),
        ),
        **FRESHNESS,
    },
    ("platformId", "month", "period", "days", "tiers", "totals", "generatedAt", "freshWithinSeconds"),
)
NULLABLE_INTEGER = {"type": ["integer", "null"]}
END_USER_ROW = obj(
    {
        "userId": STRING,
        "tier": NULLABLE_STRING,
        "units": INTEGER,
        "limit": NULLABLE_INTEGER,
        "percentOfLimit": {"type": ["number", "null"]},
        "atOrOverLimit": BOOLEAN,
        "credits": INTEGER,
        "overage": INTEGER,
        "activeThisMonth": BOOLEAN,
    },
    (
        "userId",
        "tier",
        "units",
        "limit",
        "percentOfLimit",
        "atOrOverLimit",
        "credits",
        "overage",
        "activeThisMonth",
    ),
)
END_USER_TABLE = obj(
    {
        "platformId": STRING,
        "users": {"type": "array", "items": END_USER_ROW},
        "total": INTEGER,
        "page": INTEGER,
        "pageSize": INTEGER,
        "pages": INTEGER,
        "sort": {"enum": list(analytics.SORTS)},
        "order": {"enum": ["asc", "desc"]},
        "search": STRING,
        "truncated": BOOLEAN,
        **FRESHNESS,
    },
    ("platformId", "users", "total", "page", "pageSize", "pages", "sort", "order", "search", "truncated"),
)
WEBHOOK_EVENT = obj(
    {
        "id": STRING,
        "type": STRING,
        "createdAt": STRING,
        "data": {"type": OBJECT},
        "deliveries": {
            "type": "array",
            "items": obj(
                {"endpointId": STRING, "state": STRING, "attempts": INTEGER, "lastStatus": NULLABLE_INTEGER},
                ("state", "attempts", "lastStatus"),
            ),
        },
    },
    ("id", "type", "createdAt", "data", "deliveries"),
)
END_USER_DETAIL = obj(
    {
        "platformId": STRING,
        "userId": STRING,
        "usage": USAGE,
        "daily": DAILY,
        "subscription": obj({"tier": NULLABLE_STRING, "status": STRING}, ("tier", "status")),
        "lastCountedTier": {
            **NULLABLE_STRING,
            "description": "the tier this month's latest counted call was metered against (X-User-Plan)",
        },
        "credits": obj(
            {"balance": INTEGER, "entries": {"type": "array", "items": LEDGER_ENTRY}}, ("balance", "entries")
        ),
        "overage": obj(
            {"units": INTEGER, "unitPriceCents": INTEGER, "revenueCents": INTEGER},
            ("units", "unitPriceCents", "revenueCents"),
        ),
        "webhookEvents": {
            "type": ["array", "null"],
            "items": WEBHOOK_EVENT,
            "description": "the latest events about this user sent to your endpoints; null when unavailable",
        },
        "generatedAt": STRING,
    },
    (
        "platformId",
        "userId",
        "usage",
        "daily",
        "subscription",
        "lastCountedTier",
        "credits",
        "overage",
        "webhookEvents",
        "generatedAt",
    ),
)


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
        "POST",
        "/api/portal/join",
        portal_routes.join_platform,
        Operation(
            "An end user of the shared customer Clerk app joins a platform's portal: their account's "
            "publicMetadata.platformId is set (once), so their next session token names the platform",
            security=("endUserSession",),
            body=obj({"platformId": {"type": "string", "pattern": ids.PLATFORM_ID.pattern}}, ("platformId",)),
            responses={
                200: (
                    "Joined (joined: false when the account already belonged to it)",
                    obj(
                        {"platformId": STRING, "userId": STRING, "joined": BOOLEAN},
                        ("platformId", "userId", "joined"),
                    ),
                ),
                404: ("No such platform", ERROR),
                409: ("The account belongs to another platform", ERROR),
                502: ("Clerk could not be reached; nothing changed", ERROR),
                503: ("Portal sign-up is not configured", ERROR),
            },
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
        "GET",
        "/api/developer/analytics/usage",
        analytics_routes.usage_by_day,
        Operation(
            "Your end users' units per day by tier for one month (default: this one), summed from "
            "each user's meter snapshot (fresh within freshWithinSeconds)",
            security=DEVELOPER,
            parameters=(query("month", required=False, pattern=analytics.MONTH_PATTERN),),
            responses={200: ("Units per day", USAGE_BY_DAY)},
        ),
    )
    router.add(
        "GET",
        "/api/developer/users",
        analytics_routes.end_users,
        Operation(
            "Your end users with this month's units, tier, % of limit and credits: searchable by id, "
            "sorted, paginated (from each user's meter snapshot, fresh within freshWithinSeconds)",
            security=DEVELOPER,
            parameters=(
                query("search", required=False),
                query("sort", required=False, pattern="^(" + "|".join(analytics.SORTS) + ")$"),
                query("order", required=False, pattern="^(asc|desc)$"),
                query("page", required=False, pattern=r"^[1-9][0-9]{0,6}$"),
                query("pageSize", required=False, pattern=r"^[1-9][0-9]?$|^100$"),
            ),
            responses={200: ("One page of end users", END_USER_TABLE)},
        ),
    )
    router.add(
        "GET",
        "/api/developer/users/{userId}",
        analytics_routes.end_user,
        Operation(
            "One end user, exact: this month's usage by day (as GET /api/usage answers it), "
            "subscription, credit ledger, overage and the latest webhook events about them",
            security=DEVELOPER,
            parameters=(USER_IN_PATH,),
            responses={200: ("The end user", END_USER_DETAIL), 503: METER_UNAVAILABLE},
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
