"""The developer's analytics: units per day by tier, the end users table, one end user's page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from api_multi import analytics, lookups
from api_multi.end_user_auth import authenticate_developer
from api_multi.subscriptions import resolve_tier
from dreamapi import ids, kvkeys, meter_subjects
from dreamapi.errors import ApiError
from dreamapi.http import Request, Response, json_response
from dreamapi.periods import month_period
from dreamapi.ports.kv import list_all
from dreamapi.services import Services
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
    user_id = ids.require_user_id(unquote(request.path_params.get("userId", "")), "userId")
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
            "usage": {**usage.to_json(), "credits": usage.credits, "overage": usage.overage},
            "daily": usage.daily_series(iso_utc(now)[:10]),
            "subscription": {"tier": subscription.plan, "status": subscription.status},
            "lastCountedTier": usage.counted_plan,
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
