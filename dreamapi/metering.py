"""Counting calls: a monthly quota and a per-minute rate limit, behind one small interface.

`UsageMeter` is what routes use. `KVUsageMeter` keeps both counters of a subject in one KV
record, `{"count", "periodStart", "periodEnd", "minute", "minuteCount"}`, so a metered call
costs one read and one write (a refused call: one read, no write). The record's KV metadata
repeats `{count, periodStart, plan, limit}`, so aggregates (a platform's dashboard) come from
one `list` per 1000 subjects instead of a shared counter that concurrent calls would race on. KV is eventually
consistent and takes about one write per second per key, so on its own a read-modify-write
loses increments when calls for one subject overlap, and a burst could pass the per-minute
limit. Within an isolate that is closed: the latest record of each subject is also kept in
isolate memory, merged with what KV returns (same period: the larger count), and checked and
incremented with no `await` in between, which the single-threaded event loop makes atomic.
Across isolates (other Cloudflare locations) counts can still drift low, never high; a strongly
consistent backend (Durable Object) can implement `UsageMeter` without touching any route.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from dreamapi.errors import ApiError
from dreamapi.periods import Period, month_period
from dreamapi.ports.kv import KVNamespace


@dataclass(frozen=True)
class Usage:
    count: int
    limit: int
    plan: str
    period: Period
    daily: dict[str, int] = field(default_factory=dict)  # ISO date -> calls, this period

    def daily_series(self, today: str) -> list[dict[str, Any]]:
        """Every day of the period up to `today`, zeros included (what a chart draws)."""
        days = []
        day = self.period.start
        while day.isoformat() <= today and day <= self.period.end:
            days.append({"date": day.isoformat(), "count": self.daily.get(day.isoformat(), 0)})
            day += timedelta(days=1)
        return days

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "limit": self.limit,
            "plan": self.plan,
            "periodStart": self.period.start_iso,
            "periodEnd": self.period.end_iso,
            "remaining": self.remaining,
        }


@dataclass(frozen=True)
class RateWindow:
    limit: int
    used: int
    reset_at: int  # epoch seconds when the current minute ends

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset_at),
        }


@dataclass(frozen=True)
class MeteredCall:
    usage: Usage
    rate: RateWindow


class UsageMeter(Protocol):
    async def peek(self, key: str, *, plan: str, limit: int, now: float) -> Usage: ...

    async def record_call(
        self, key: str, *, plan: str, limit: int, rate_limit: int, now: float
    ) -> MeteredCall:
        """Counts one call, or raises 429 (rate) / 403 (monthly limit) without counting."""
        ...


def tier_limit_reached(usage: Usage) -> ApiError:
    """The spec's body for an exhausted monthly quota."""
    return ApiError(
        403,
        "Tier limit reached",
        "Please upgrade to unlock more requests",
        extra={"count": usage.count, "limit": usage.limit, "plan": usage.plan},
    )


def rate_limited(window: RateWindow, now: float) -> ApiError:
    retry_after = max(1, math.ceil(window.reset_at - now))
    return ApiError(
        429,
        "rate_limited",
        f"Rate limit of {window.limit} requests per minute exceeded; retry in {retry_after}s",
        headers={"retry-after": str(retry_after), **window.headers()},
        extra={"retryAfter": retry_after},
    )


@dataclass
class _Record:
    count: int
    period: Period
    minute: int
    minute_count: int
    days: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "count": self.count,
                "periodStart": self.period.start_iso,
                "periodEnd": self.period.end_iso,
                "minute": self.minute,
                "minuteCount": self.minute_count,
                "days": self.days,
            },
            separators=(",", ":"),
        )


_MAX_LOCAL_RECORDS = 10_000
_local_records: OrderedDict[str, _Record] = OrderedDict()


def _merge_with_local(key: str, stored: _Record) -> _Record:
    """This isolate's newest view of `key`: KV's record, raised to what this isolate counted."""
    local = _local_records.get(key)
    if local is None or local.period != stored.period:
        return stored
    minute_count = stored.minute_count
    if local.minute == stored.minute:
        minute_count = max(stored.minute_count, local.minute_count)
    days = {day: max(stored.days.get(day, 0), local.days.get(day, 0)) for day in {*stored.days, *local.days}}
    return _Record(max(stored.count, local.count), stored.period, stored.minute, minute_count, days)


def _remember(key: str, record: _Record) -> None:
    _local_records[key] = _Record(
        record.count, record.period, record.minute, record.minute_count, dict(record.days)
    )
    _local_records.move_to_end(key)
    while len(_local_records) > _MAX_LOCAL_RECORDS:
        _local_records.popitem(last=False)


def _current_record(raw: str | None, now: float) -> _Record:
    """The stored record as of `now`: a new month resets the count, a new minute the rate."""
    period = month_period(now)
    minute = int(now // 60)
    data: dict[str, Any] = {}
    if raw:
        try:
            parsed = json.loads(raw)
            data = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            data = {}
    # The spec's records call the count "usageCount"; read both.
    count = int(data.get("count", data.get("usageCount", 0)) or 0)
    if data.get("periodStart") != period.start_iso:
        count = 0
    minute_count = int(data.get("minuteCount", 0) or 0) if data.get("minute") == minute else 0
    days = data.get("days") if count and isinstance(data.get("days"), dict) else {}
    return _Record(count, period, minute, minute_count, {str(k): int(v) for k, v in days.items()})


class KVUsageMeter:
    def __init__(self, kv: KVNamespace) -> None:
        self._kv = kv

    async def peek(self, key: str, *, plan: str, limit: int, now: float) -> Usage:
        record = _merge_with_local(key, _current_record(await self._kv.get(key), now))
        return Usage(record.count, limit, plan, record.period, dict(record.days))

    async def record_call(
        self, key: str, *, plan: str, limit: int, rate_limit: int, now: float
    ) -> MeteredCall:
        stored = _current_record(await self._kv.get(key), now)
        # From here to _remember() there is no await: concurrent calls in this isolate see
        # each other's increments.
        record = _merge_with_local(key, stored)
        window = RateWindow(rate_limit, record.minute_count, (record.minute + 1) * 60)
        if record.minute_count >= rate_limit:
            raise rate_limited(window, now)
        if record.count >= limit:
            raise tier_limit_reached(Usage(record.count, limit, plan, record.period))
        record.count += 1
        record.minute_count += 1
        today = datetime.fromtimestamp(now, tz=UTC).date().isoformat()
        record.days[today] = record.days.get(today, 0) + 1
        _remember(key, record)
        metadata = {
            "count": record.count,
            "periodStart": record.period.start_iso,
            "plan": plan,
            "limit": limit,
        }
        await self._kv.put(key, record.to_json(), metadata=metadata)
        return MeteredCall(
            usage=Usage(record.count, limit, plan, record.period),
            rate=RateWindow(rate_limit, record.minute_count, window.reset_at),
        )
