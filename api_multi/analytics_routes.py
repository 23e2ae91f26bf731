"""The developer's analytics: units per day by tier, the end users table, one end user's page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api_multi import analytics
from api_multi.end_user_auth import authenticate_developer
from api_multi.schemas import DEVELOPER, LEDGER_ENTRY, NULLABLE_INTEGER, USER_IN_PATH, user_id_in_path
from dreamapi import kvkeys, lookups, meter_subjects
from dreamapi.errors import ApiError
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import (
    BOOLEAN,
    DAILY,
    INTEGER,
    METER_UNAVAILABLE,
    NULLABLE_STRING,
    OBJECT,
    STRING,
    USAGE,
    Operation,
    obj,
    query,
)
from dreamapi.periods import month_period
from dreamapi.ports.kv import list_all
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.subscriptions import resolve_tier
from dreamapi.time_format import iso_from_ms, iso_utc


def _freshness(services: Services, now: float) -> dict[str, Any]:
    # a call shows up once its meter object wrote its snapshot (at most this many seconds later)
    return {"generatedAt": iso_utc(now), "freshWithinSeconds": services.settings.usage_snapshot_seconds}


async def usage_by_day(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    now = services.clock.now()
    period = analytics.month_of(request.query_param("month"), month_period(now))
    prefix = kvkeys.end_user_period_usage_prefix(platform_id, period.start_iso)
    snapshots = [key async for key in list_all(services.usage_kv, prefix)]
    today = datetime.fromtimestamp(now, tz=UTC).date()
    report = analytics.usage_by_day(snapshots, period, today)
    return json_response({"platformId": platform_id, **report, **_freshness(services, now)})


async def end_users(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    names = ("search", "sort", "order", "page", "pageSize")
    search, sort, order, page, page_size = analytics.table_query(
        {name: request.query_param(name) for name in names}
    )
    now = services.clock.now()
    period = month_period(now)
    prefix = kvkeys.end_user_usage_prefix(platform_id)
    rows: list[analytics.EndUserRow] = []
    truncated = False
    async for key in list_all(services.usage_kv, prefix):
        if len(rows) == analytics.MAX_USERS_LISTED:
            truncated = True
            break
        rows.append(analytics.end_user_row(key, prefix, period))
    table = analytics.end_users_page(
        rows, search=search, sort=sort, order=order, page=page, page_size=page_size
    )
    return json_response(
        {"platformId": platform_id, **table, "truncated": truncated, **_freshness(services, now)}
    )


async def end_user(request: Request, services: Services) -> Response:
    """Exact, from the end user's meter object: the same usage `GET /api/usage` answers for them
    (without X-User-Plan), their credit ledger, overage and the latest webhook events about them."""
    platform_id = await authenticate_developer(request, services)
    user_id = user_id_in_path(request)
    config = await lookups.tier_config(services, platform_id)
    subscription = await lookups.subscription(services, platform_id, user_id)
    tier = resolve_tier(config, None, subscription, trust_request=True)
    subject = meter_subjects.end_user(platform_id, user_id)
    now = services.clock.now()
    usage = await services.meter.peek(subject, plan=tier.name, limit=tier.limit, now=now)
    statement = await services.credits.statement(subject)
    price = tier.overage.unit_price_cents if tier.overage else 0
    return json_response(
        {
            "platformId": platform_id,
            "userId": user_id,
            "usage": usage.report(),
            "daily": usage.daily_series(iso_utc(now)[:10]),
            "subscription": {"tier": subscription.plan, "status": subscription.status},
            "lastCountedTier": usage.counted_plan,
            "unitsBy": {"model": usage.units_by("model"), "route": usage.units_by("route")},
            "credits": statement.to_json(),
            "overage": {
                "units": usage.overage,
                "unitPriceCents": price,
                "revenueCents": usage.overage * price,
            },
            "webhookEvents": await _events_about(services, platform_id, user_id),
            "generatedAt": iso_utc(now),
        }
    )


async def _events_about(services: Services, platform_id: str, user_id: str) -> list[dict[str, Any]] | None:
    """None when the outbox cannot be reached: the rest of the page is still worth showing."""
    try:
        events = await services.webhooks(platform_id).events_about_user(user_id)
    except ApiError:
        return None
    return [
        {
            **event,
            "createdAt": iso_from_ms(event["createdAt"]),
            "deliveries": [
                {
                    "endpointId": delivery.get("endpointId"),
                    "state": delivery["state"],
                    "attempts": delivery["attempts"],
                    "lastStatus": delivery["lastStatus"],
                }
                for delivery in event["deliveries"]
            ],
        }
        for event in events
    ]


FRESHNESS = {"generatedAt": STRING, "freshWithinSeconds": INTEGER}
UNITS_BY_TIER = {"type": OBJECT, "additionalProperties": INTEGER}
UNITS_BY_MODEL_AND_ROUTE = obj(
    {
        "model": {**UNITS_BY_TIER, "description": "units of calls to the gateway's AI routes, by model"},
        "route": {**UNITS_BY_TIER, "description": "units of calls to the gateway's other routes, by route"},
    },
    ("model", "route"),
)
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
            {
                "units": INTEGER,
                "calls": INTEGER,
                "byTier": UNITS_BY_TIER,
                "byModel": UNITS_BY_TIER,
                "byRoute": UNITS_BY_TIER,
                "endUsers": INTEGER,
            },
            ("units", "calls", "byTier", "byModel", "byRoute", "endUsers"),
        ),
        **FRESHNESS,
    },
    ("platformId", "month", "period", "days", "tiers", "totals", "generatedAt", "freshWithinSeconds"),
)
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
        "unitsBy": UNITS_BY_MODEL_AND_ROUTE,
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
        "unitsBy",
        "credits",
        "overage",
        "webhookEvents",
        "generatedAt",
    ),
)


def add_routes(router: Router) -> None:
    router.add(
        "GET",
        "/api/developer/analytics/usage",
        usage_by_day,
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
        end_users,
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
        end_user,
        Operation(
            "One end user, exact: this month's usage by day (as GET /api/usage answers it), "
            "subscription, credit ledger, overage and the latest webhook events about them",
            security=DEVELOPER,
            parameters=(USER_IN_PATH,),
            responses={200: ("The end user", END_USER_DETAIL), 503: METER_UNAVAILABLE},
        ),
    )
