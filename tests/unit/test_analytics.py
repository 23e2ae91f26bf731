"""The analytics' arithmetic on snapshot metadata, including metadata a meter of another version
wrote (missing or malformed fields count as nothing rather than failing the page)."""

from __future__ import annotations

from datetime import date

import pytest

from api_multi import analytics
from dreamapi.errors import ApiError
from dreamapi.periods import period_starting
from dreamapi.ports.kv import KeyInfo

NOVEMBER = period_starting("2026-11-01")


def snapshot(user: str, **metadata: object) -> KeyInfo:
    return KeyInfo(f"usage:plt_x:{user}", metadata=dict(metadata))


def test_month_defaults_to_the_current_one_and_refuses_later_or_malformed_months() -> None:
    assert analytics.month_of(None, NOVEMBER) == NOVEMBER
    assert analytics.month_of("2026-10", NOVEMBER).start_iso == "2026-10-01"
    for bad in ("2026-12", "2026-00", "202611", "2026-11-01", "0000-01", "1999-12"):
        with pytest.raises(ApiError) as refused:
            analytics.month_of(bad, NOVEMBER)
        assert refused.value.error == "invalid_month"


def test_units_per_day_sum_by_tier_and_skip_other_months_and_bad_entries() -> None:
    snapshots = [
        snapshot(
            "a",
            plan="free",
            periodStart="2026-11-01",
            calls=2,
            days={"1": 3, "3": 4},
            breakdown={"model:gpt-4o-mini": 5, "route:GET /v1/items/*": 2},
        ),
        snapshot(
            "b", plan="pro", periodStart="2026-11-01", calls=1, days={"3": 10, "31": 5, "x": 1, "2": -4}
        ),
        snapshot(
            "c", plan="pro", periodStart="2026-10-01", calls=9, days={"3": 99}, breakdown={"model:x": 9}
        ),
        snapshot(
            "e", plan="pro", periodStart="2026-11-01", breakdown={"model:gpt-4o-mini": 1, "model:y": "1"}
        ),
        snapshot("d", periodStart="2026-11-01", days="not a map"),
    ]
    report = analytics.usage_by_day(snapshots, NOVEMBER, date(2026, 11, 3))
    assert [day["date"] for day in report["days"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert [day["units"] for day in report["days"]] == [3, 0, 14]
    assert report["days"][2]["byTier"] == {"free": 4, "pro": 10}
    assert report["totals"] == {
        "units": 17,
        "calls": 3,
        "byTier": {"free": 7, "pro": 10},
        "byModel": {"gpt-4o-mini": 6},
        "byRoute": {"GET /v1/items/*": 2},
        "endUsers": 4,
    }
    past = analytics.usage_by_day(snapshots, period_starting("2026-10-01"), date(2026, 11, 3))
    assert len(past["days"]) == 31 and past["totals"]["units"] == 99


def test_rows_from_an_older_month_count_nothing_this_month_but_keep_their_credits() -> None:
    row = analytics.end_user_row(
        snapshot("old", plan="free", limit=10, count=10, periodStart="2026-10-01", credits=5),
        "usage:plt_x:",
        NOVEMBER,
    )
    assert (row.user_id, row.units, row.credits, row.active_this_month) == ("old", 0, 5, False)
    assert row.to_json()["atOrOverLimit"] is False and row.percent_of_limit == 0.0


def test_table_queries_are_validated_and_pages_are_stable_on_ties() -> None:
    assert analytics.table_query({}) == ("", "usage", "desc", 1, 25)
    assert analytics.table_query({"sort": "user"})[2] == "asc"
    rows = [
        analytics.end_user_row(
            snapshot(name, plan="free", limit=10, count=3, periodStart="2026-11-01"), "usage:plt_x:", NOVEMBER
        )
        for name in ("b", "a", "c")
    ]
    page = analytics.end_users_page(rows, search="", sort="usage", order="asc", page=1, page_size=2)
    assert [u["userId"] for u in page["users"]] == ["a", "b"] and page["pages"] == 2
