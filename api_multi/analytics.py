"""A platform's analytics, summed from the snapshots each end user's meter object writes to KV.

Nothing here reads or writes a shared counter: every end user's object writes its own snapshots
(`usage:{platform}:{user}` for the latest month, `usage-period:{platform}:{month}:{user}` for each
month), at most once every USAGE_SNAPSHOT_SECONDS, and a `list` returns 1000 of them with their
metadata. Figures are therefore as fresh as the snapshots (the answer says how fresh); an end
user's own numbers, read from their object, are exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dreamapi.errors import bad_request
from dreamapi.periods import Period, period_starting
from dreamapi.ports.kv import KeyInfo
from dreamapi.usage import units_by

MONTH_PATTERN = r"^2[0-9]{3}-(0[1-9]|1[0-2])$"  # nothing was metered before 2000
_MONTH = re.compile(MONTH_PATTERN)
SORTS = ("usage", "tier", "percent", "credits", "user")
MAX_PAGE_SIZE = 100
MAX_USERS_LISTED = 10_000  # beyond this a platform needs an export, not a table


def month_of(text: str | None, current: Period) -> Period:
    """`YYYY-MM` (default: the current month); months after the current one are a 400."""
    if text is None or text == "":
        return current
    match = _MONTH.match(text)
    if not match:
        raise bad_request("'month' must be YYYY-MM, from 2000-01", "invalid_month")
    period = period_starting(f"{text}-01")
    if period.start > current.start:
        raise bad_request("'month' must not be after the current month", "invalid_month")
    return period


def _units(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def usage_by_day(snapshots: Iterable[KeyInfo], period: Period, today: date) -> dict[str, Any]:
    """Units per day of `period` (up to `today` in the current month) by tier, from each end
    user's month snapshot: its metadata holds the units of each day, keyed by day of month, and
    the tier of the user's latest call that month."""
    last = min(period.end, today) if period.start <= today else period.start - timedelta(days=1)
    days = [period.start + timedelta(days=n) for n in range((last - period.start).days + 1)]
    by_day: dict[int, dict[str, int]] = {day.day: {} for day in days}
    totals: dict[str, int] = {}
    breakdown: dict[str, int] = {}
    calls = users = 0
    for snapshot in snapshots:
        meta = snapshot.metadata or {}
        if meta.get("periodStart") != period.start_iso:
            continue
        users += 1
        named = meta.get("breakdown") if isinstance(meta.get("breakdown"), dict) else {}
        for name, amount in named.items():
            if _units(amount):
                breakdown[str(name)] = breakdown.get(str(name), 0) + _units(amount)
        tier = str(meta.get("plan") or "unknown")
        calls += _units(meta.get("calls"))
        daily = meta.get("days") if isinstance(meta.get("days"), dict) else {}
        for day_text, amount in daily.items():
            units = _units(amount)
            day = int(day_text) if str(day_text).isdigit() else 0
            if units and day in by_day:
                by_day[day][tier] = by_day[day].get(tier, 0) + units
                totals[tier] = totals.get(tier, 0) + units
    return {
        "month": period.start_iso[:7],
        "period": {"start": period.start_iso, "end": period.end_iso},
        "days": [
            {"date": day.isoformat(), "units": sum(by_day[day.day].values()), "byTier": by_day[day.day]}
            for day in days
        ],
        "tiers": sorted(totals, key=lambda tier: -totals[tier]),
        "totals": {
            "units": sum(totals.values()),
            "calls": calls,
            "byTier": totals,
            "byModel": units_by(breakdown, "model"),
            "byRoute": units_by(breakdown, "route"),
            "endUsers": users,
        },
    }


@dataclass(frozen=True)
class EndUserRow:
    user_id: str
    tier: str | None
    units: int  # this month
    limit: int | None
    credits: int
    overage: int
    active_this_month: bool

    @property
    def percent_of_limit(self) -> float | None:
        return round(100 * self.units / self.limit, 1) if self.limit else None

    def to_json(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "tier": self.tier,
            "units": self.units,
            "limit": self.limit,
            "percentOfLimit": self.percent_of_limit,
            "atOrOverLimit": bool(self.limit) and self.units >= (self.limit or 0),
            "credits": self.credits,
            "overage": self.overage,
            "activeThisMonth": self.active_this_month,
        }


def end_user_row(snapshot: KeyInfo, prefix: str, period: Period) -> EndUserRow:
    """One row of the end users table from a user's latest snapshot (KV metadata)."""
    meta = snapshot.metadata or {}
    current = meta.get("periodStart") == period.start_iso
    limit = meta.get("limit")
    return EndUserRow(
        user_id=snapshot.name[len(prefix) :],
        tier=str(meta["plan"]) if meta.get("plan") else None,
        units=_units(meta.get("count")) if current else 0,
        limit=limit if isinstance(limit, int) and limit > 0 else None,
        credits=_units(meta.get("credits")),
        overage=_units(meta.get("overage")) if current else 0,
        active_this_month=current,
    )


def _sort_key(sort: str) -> Any:
    if sort == "usage":
        return lambda row: (row.units, row.user_id)
    if sort == "tier":
        return lambda row: (row.tier or "", row.user_id)
    if sort == "percent":
        return lambda row: (row.percent_of_limit or 0.0, row.user_id)
    if sort == "credits":
        return lambda row: (row.credits, row.user_id)
    return lambda row: row.user_id


def table_query(params: dict[str, str | None]) -> tuple[str, str, str, int, int]:
    """search, sort, order, page, page size; a bad value is a 400 naming it."""
    sort = params.get("sort") or "usage"
    if sort not in SORTS:
        raise bad_request(f"'sort' must be one of {', '.join(SORTS)}", "invalid_sort")
    order = params.get("order") or ("asc" if sort in ("user", "tier") else "desc")
    if order not in ("asc", "desc"):
        raise bad_request("'order' must be asc or desc", "invalid_order")
    numbers = []
    for name, default, highest in (("page", 1, 1_000_000), ("pageSize", 25, MAX_PAGE_SIZE)):
        text = params.get(name) or str(default)
        if not text.isdigit() or not 1 <= int(text) <= highest:
            raise bad_request(f"'{name}' must be an integer from 1 to {highest}", f"invalid_{name}")
        numbers.append(int(text))
    search = (params.get("search") or "").strip()
    if len(search) > 128:
        raise bad_request("'search' must be at most 128 characters", "invalid_search")
    return search, sort, order, numbers[0], numbers[1]


def end_users_page(
    rows: list[EndUserRow], *, search: str, sort: str, order: str, page: int, page_size: int
) -> dict[str, Any]:
    matching = [row for row in rows if search.lower() in row.user_id.lower()] if search else rows
    matching.sort(key=_sort_key(sort), reverse=order == "desc")
    start = (page - 1) * page_size
    return {
        "users": [row.to_json() for row in matching[start : start + page_size]],
        "total": len(matching),
        "page": page,
        "pageSize": page_size,
        "pages": max((len(matching) + page_size - 1) // page_size, 1),
        "sort": sort,
        "order": order,
        "search": search,
    }
