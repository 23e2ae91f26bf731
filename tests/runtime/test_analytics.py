"""The developer's analytics in workerd: units per day by tier for this month and the last (kept
after the month turns), the end users table (search, sort, pages, limit flags, credits) and one
end user's page, which answers what GET /api/usage answers for that user."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from scripts.local_platform import Platform
from tests.runtime.helpers import eventually, key_headers, new_user, put_tiers, register
from tests.runtime.test_webhooks import add_endpoint, delivered_events

pytestmark = pytest.mark.runtime

TWO_TIERS = [
    {"name": "free", "limit": 100, "rateLimit": 1000, "default": True},
    {"name": "pro", "limit": 1000, "rateLimit": 1000},
]


def two_tier_platform(api_multi: httpx.Client) -> tuple[str, str]:
    platform_id, api_key = register(api_multi)
    assert put_tiers(api_multi, api_key, TWO_TIERS).status_code == 200
    return platform_id, api_key


def call(api_multi: httpx.Client, api_key: str, user: str, units: int, plan: str = "free") -> None:
    reply = api_multi.post("/api/data", json={"units": units}, headers=key_headers(api_key, user, plan))
    assert reply.status_code == 200, reply.text


def usage_by_day(api_multi: httpx.Client, api_key: str, month: str | None = None) -> dict[str, Any]:
    query = f"?month={month}" if month else ""
    reply = api_multi.get(f"/api/developer/analytics/usage{query}", headers=key_headers(api_key))
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def table(api_multi: httpx.Client, api_key: str, query: str = "") -> dict[str, Any]:
    reply = api_multi.get(f"/api/developer/users{query}", headers=key_headers(api_key))
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_units_per_day_by_tier_for_this_month_and_the_last_after_the_month_turns(
    api_multi: httpx.Client, next_month_api_multi: httpx.Client
) -> None:
    _, api_key = two_tier_platform(api_multi)
    light, heavy = new_user(), new_user()
    for _ in range(3):
        call(api_multi, api_key, light, 2)
    call(api_multi, api_key, heavy, 5, plan="pro")
    call(api_multi, api_key, heavy, 5, plan="pro")
    today = datetime.now(UTC).date().isoformat()
    this_month = today[:7]

    report = eventually(
        lambda: usage_by_day(api_multi, api_key), lambda r: r["totals"]["units"] == 16, timeout=20
    )
    assert report["month"] == this_month and report["period"]["start"] == this_month + "-01"
    assert report["totals"] == {
        "units": 16,
        "calls": 5,
        "byTier": {"free": 6, "pro": 10},
        "endUsers": 2,
        "byModel": {},
        "byRoute": {},
    }
    assert report["tiers"] == ["pro", "free"]  # most units first
    assert [day["date"] for day in report["days"]][-1] == today  # every day up to today
    assert report["days"][0]["date"] == this_month + "-01"
    by_date = {day["date"]: day for day in report["days"]}
    assert by_date[today]["byTier"] == {"free": 6, "pro": 10} and by_date[today]["units"] == 16
    assert all(day["units"] == 0 for day in report["days"] if day["date"] != today)
    assert report["freshWithinSeconds"] >= 1 and report["generatedAt"].endswith("Z")

    # next month: the light user calls again; their latest snapshot moves on, last month's stays
    call(next_month_api_multi, api_key, light, 4)
    upcoming = eventually(
        lambda: usage_by_day(next_month_api_multi, api_key),
        lambda r: r["totals"]["units"] == 4,
        timeout=20,
    )
    assert upcoming["month"] > this_month
    assert upcoming["totals"] == {
        "units": 4,
        "calls": 1,
        "byTier": {"free": 4},
        "endUsers": 1,
        "byModel": {},
        "byRoute": {},
    }
    last = usage_by_day(next_month_api_multi, api_key, this_month)
    assert last["totals"] == report["totals"] and last["days"][-1]["date"] == last["period"]["end"]
    assert {d["date"]: d["units"] for d in last["days"]}[today] == 16

    for bad in ("2026-13", "26-01", "2026-1", "x"):
        reply = api_multi.get(f"/api/developer/analytics/usage?month={bad}", headers=key_headers(api_key))
        assert (reply.status_code, reply.json()["error"]) == (400, "invalid_month"), bad
    reply = api_multi.get("/api/developer/analytics/usage?month=2999-01", headers=key_headers(api_key))
    assert (reply.status_code, reply.json()["error"]) == (400, "invalid_month")
    assert api_multi.get("/api/developer/analytics/usage").status_code == 401


def test_the_end_users_table_searches_sorts_pages_and_flags_users_at_their_limit(
    api_multi: httpx.Client,
) -> None:
    platform_id, api_key = two_tier_platform(api_multi)
    prefix = new_user()
    at_limit, half, small = f"{prefix}_limit", f"{prefix}_half", f"{prefix}_small"
    call(api_multi, api_key, at_limit, 100)  # the free tier's 100 units: at its limit
    call(api_multi, api_key, half, 500, plan="pro")
    call(api_multi, api_key, small, 1)
    saver = f"{prefix}_saver"  # credits granted, no call yet
    granted = api_multi.post(
        f"/api/developer/users/{saver}/credits", json={"units": 700}, headers=key_headers(api_key)
    )
    assert granted.status_code == 201, granted.text

    first = eventually(
        lambda: table(api_multi, api_key),
        lambda t: t["total"] == 4 and sum(u["units"] for u in t["users"]) == 601,
        timeout=20,
    )
    assert [u["userId"] for u in first["users"]] == [half, at_limit, small, saver]  # usage, most first
    rows = {u["userId"]: u for u in first["users"]}
    assert rows[at_limit] == {
        "userId": at_limit,
        "tier": "free",
        "units": 100,
        "limit": 100,
        "percentOfLimit": 100.0,
        "atOrOverLimit": True,
        "credits": 0,
        "overage": 0,
        "activeThisMonth": True,
    }
    assert (rows[half]["tier"], rows[half]["percentOfLimit"], rows[half]["atOrOverLimit"]) == (
        "pro",
        50.0,
        False,
    )
    assert (rows[saver]["credits"], rows[saver]["units"], rows[saver]["activeThisMonth"]) == (700, 0, False)
    assert (first["sort"], first["order"], first["page"], first["pages"]) == ("usage", "desc", 1, 1)
    assert first["platformId"] == platform_id and first["truncated"] is False

    by_percent = table(api_multi, api_key, "?sort=percent")
    assert [u["userId"] for u in by_percent["users"]][:2] == [at_limit, half]
    by_credits = table(api_multi, api_key, "?sort=credits")
    assert by_credits["users"][0]["userId"] == saver
    by_tier = table(api_multi, api_key, "?sort=tier&order=desc")
    assert by_tier["users"][0]["tier"] == "pro"
    ascending = table(api_multi, api_key, "?sort=usage&order=asc")
    assert [u["userId"] for u in ascending["users"]] == [saver, small, at_limit, half]

    page_two = table(api_multi, api_key, "?pageSize=3&page=2")
    assert (page_two["total"], page_two["pages"], [u["userId"] for u in page_two["users"]]) == (4, 2, [saver])
    found = table(api_multi, api_key, "?search=HALF")
    assert [u["userId"] for u in found["users"]] == [half] and found["total"] == 1
    assert table(api_multi, api_key, "?search=nobody-like-this")["users"] == []

    for query, code in (
        ("?sort=name", "invalid_sort"),
        ("?order=up", "invalid_order"),
        ("?page=0", "invalid_page"),
        ("?pageSize=101", "invalid_pageSize"),
        ("?page=x", "invalid_page"),
    ):
        reply = api_multi.get(f"/api/developer/users{query}", headers=key_headers(api_key))
        assert (reply.status_code, reply.json()["error"]) == (400, code), query
    # another platform sees none of these users
    _, other_key = register(api_multi)
    assert table(api_multi, other_key)["users"] == []


def test_one_end_user_page_matches_their_usage_and_shows_credits_overage_and_events(
    platform: Platform, api_multi: httpx.Client
) -> None:
    platform_id, api_key = two_tier_platform(api_multi)
    alerts = api_multi.put(
        "/api/developer/alerts", json={"usageThresholds": [50]}, headers=key_headers(api_key)
    )
    assert alerts.status_code == 200, alerts.text
    _, _, inbox = add_endpoint(platform, api_multi, api_key, ["usage.threshold_crossed"])
    time.sleep(2.5)  # the isolate cache of the alert settings (2 s in tests)
    user = new_user()
    assert (
        api_multi.post(
            f"/api/developer/users/{user}/credits",
            json={"units": 40, "reason": "welcome"},
            headers=key_headers(api_key),
        ).status_code
        == 201
    )
    call(api_multi, api_key, user, 60)
    call(api_multi, api_key, user, 70)  # 130 units: the 100 included, then 30 from credits
    delivered_events(platform, inbox, 1)

    page = api_multi.get(f"/api/developer/users/{user}", headers=key_headers(api_key))
    assert page.status_code == 200, page.text
    detail = page.json()
    usage = api_multi.get("/api/usage", headers=key_headers(api_key, user)).json()
    for field in ("usage", "daily", "subscription"):
        assert detail[field] == usage[field], field
    assert detail["usage"]["count"] == 130 and detail["usage"]["credits"] == 10
    assert (detail["platformId"], detail["userId"], detail["lastCountedTier"]) == (platform_id, user, "free")
    assert detail["credits"]["balance"] == 10
    kinds = [(entry["kind"], entry["units"]) for entry in detail["credits"]["entries"]]
    assert kinds == [("usage", -30), ("grant", 40)]
    assert detail["overage"] == {"units": 0, "unitPriceCents": 0, "revenueCents": 0}
    events = detail["webhookEvents"]
    assert [(e["type"], e["data"]["threshold"], e["data"]["userId"]) for e in events] == [
        ("usage.threshold_crossed", 50, user)
    ]
    assert events[0]["deliveries"][0]["state"] == "delivered" and events[0]["createdAt"].endswith("Z")

    # another platform's view of the same user id is its own (empty) user
    _, other_key = register(api_multi)
    other = api_multi.get(f"/api/developer/users/{user}", headers=key_headers(other_key)).json()
    assert other["usage"]["count"] == 0 and other["credits"]["entries"] == [] and other["webhookEvents"] == []
    bad = api_multi.get("/api/developer/users/bad%20id", headers=key_headers(api_key))
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_user_id")
    assert api_multi.get(f"/api/developer/users/{user}").status_code == 401


def test_the_public_tier_list_says_whether_end_users_can_pay(
    platform: Platform, api_multi: httpx.Client
) -> None:
    from tests.runtime.test_api_multi import connect_stripe

    platform_id, _ = register(api_multi)
    before = api_multi.get(f"/api/tiers?platformId={platform_id}").json()
    assert before["stripeConnected"] is False
    connect_stripe(platform, platform_id)
    after = eventually(
        lambda: api_multi.get(f"/api/tiers?platformId={platform_id}").json(),
        lambda tiers: tiers["stripeConnected"] is True,
        timeout=10,
    )
    assert after["stripeConnected"] is True
