"""Monthly quota + per-minute rate limit in one KV record: one read and one write per call."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from dreamapi import metering
from dreamapi.errors import ApiError
from dreamapi.metering import KVUsageMeter
from dreamapi.periods import month_period, seconds_until_next_month
from dreamapi.ports.kv import MemoryKV

NOV_15 = datetime(2026, 11, 15, 12, 0, 30, tzinfo=UTC).timestamp()


class CountingKV(MemoryKV):
    def __init__(self) -> None:
        super().__init__()
        self.reads = self.writes = 0

    async def get(self, key: str) -> str | None:
        self.reads += 1
        return await super().get(key)

    async def put(self, key: str, value: str, **kwargs: object) -> None:
        self.writes += 1
        await super().put(key, value, **kwargs)


@pytest.fixture(autouse=True)
def fresh_isolate() -> None:
    metering._local_records.clear()


def meter(kv: MemoryKV) -> KVUsageMeter:
    return KVUsageMeter(kv)


def test_month_periods() -> None:
    period = month_period(NOV_15)
    assert (period.start_iso, period.end_iso) == ("2026-11-01", "2026-11-30")
    assert month_period(datetime(2028, 2, 10, tzinfo=UTC).timestamp()).end_iso == "2028-02-29"
    assert month_period(NOV_15 + seconds_until_next_month(NOV_15)).start_iso == "2026-12-01"


async def test_counts_until_the_limit_then_403_without_writing() -> None:
    kv = CountingKV()
    for expected in range(1, 4):
        call = await meter(kv).record_call("usage:u", plan="free", limit=3, rate_limit=100, now=NOV_15)
        assert call.usage.count == expected and call.usage.remaining == 3 - expected
    assert (kv.reads, kv.writes) == (3, 3)
    with pytest.raises(ApiError) as raised:
        await meter(kv).record_call("usage:u", plan="free", limit=3, rate_limit=100, now=NOV_15)
    assert raised.value.status == 403
    assert raised.value.body() == {
        "error": "Tier limit reached",
        "message": "Please upgrade to unlock more requests",
        "count": 3,
        "limit": 3,
        "plan": "free",
    }
    assert kv.writes == 3


async def test_rate_window_is_the_calendar_minute() -> None:
    kv = MemoryKV()
    for _ in range(2):
        await meter(kv).record_call("usage:u", plan="paid", limit=500, rate_limit=2, now=NOV_15)
    with pytest.raises(ApiError) as raised:
        await meter(kv).record_call("usage:u", plan="paid", limit=500, rate_limit=2, now=NOV_15 + 1)
    assert raised.value.status == 429
    assert raised.value.headers["retry-after"] == "29"
    assert raised.value.headers["x-ratelimit-remaining"] == "0"
    next_minute = await meter(kv).record_call(
        "usage:u", plan="paid", limit=500, rate_limit=2, now=NOV_15 + 30
    )
    assert next_minute.usage.count == 3 and next_minute.rate.remaining == 1


async def test_a_new_month_resets_lazily_and_peek_counts_nothing() -> None:
    kv = MemoryKV()
    await meter(kv).record_call("usage:u", plan="free", limit=5, rate_limit=100, now=NOV_15)
    december = NOV_15 + seconds_until_next_month(NOV_15) + 60
    assert (await meter(kv).peek("usage:u", plan="free", limit=5, now=december)).count == 0
    assert (await meter(kv).peek("usage:u", plan="free", limit=5, now=NOV_15)).count == 1
    call = await meter(kv).record_call("usage:u", plan="free", limit=5, rate_limit=100, now=december)
    assert call.usage.count == 1 and call.usage.period.start_iso == "2026-12-01"


async def test_reads_the_specs_record_shape_and_survives_garbage() -> None:
    kv = MemoryKV()
    spec_record = {"usageCount": 4, "plan": "free", "periodStart": "2026-11-01", "periodEnd": "2026-11-30"}
    await kv.put("usage:a", json.dumps(spec_record))
    await kv.put("usage:b", "not json")
    assert (await meter(kv).peek("usage:a", plan="free", limit=5, now=NOV_15)).count == 4
    assert (await meter(kv).peek("usage:b", plan="free", limit=5, now=NOV_15)).count == 0


class SlowKV(MemoryKV):
    """Yields to the event loop inside every operation, like a real KV round trip."""

    async def get(self, key: str) -> str | None:
        await asyncio.sleep(0)
        return await super().get(key)

    async def put(self, key: str, value: str, **kwargs: object) -> None:
        await asyncio.sleep(0)
        await super().put(key, value, **kwargs)


async def _outcomes(kv: MemoryKV, calls: int, limit: int, rate_limit: int) -> list[int]:
    async def one() -> int:
        try:
            await meter(kv).record_call("usage:u", plan="p", limit=limit, rate_limit=rate_limit, now=NOV_15)
        except ApiError as error:
            return error.status
        return 200

    return list(await asyncio.gather(*(one() for _ in range(calls))))


async def test_concurrent_calls_in_one_isolate_are_all_counted() -> None:
    kv = SlowKV()
    assert (await _outcomes(kv, 50, limit=1000, rate_limit=1000)).count(200) == 50
    assert (await meter(kv).peek("usage:u", plan="p", limit=1000, now=NOV_15)).count == 50
    assert json.loads(await kv.get("usage:u"))["count"] in range(1, 51)  # KV itself may lag behind


async def test_a_burst_cannot_pass_the_rate_or_the_monthly_limit() -> None:
    outcomes = await _outcomes(SlowKV(), 40, limit=1000, rate_limit=20)
    assert (outcomes.count(200), outcomes.count(429)) == (20, 20)
    metering._local_records.clear()
    outcomes = await _outcomes(SlowKV(), 12, limit=5, rate_limit=100)
    assert (outcomes.count(200), outcomes.count(403)) == (5, 7)


async def test_without_the_isolate_record_the_read_modify_write_loses_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Why the isolate record exists: as if every call ran in its own isolate, KV alone over-admits."""
    monkeypatch.setattr(metering, "_remember", lambda key, record: None)
    outcomes = await _outcomes(SlowKV(), 40, limit=1000, rate_limit=20)
    assert outcomes.count(200) == 40  # the 20-a-minute limit did not hold


async def test_the_record_keeps_this_months_calls_per_day() -> None:
    kv = SlowKV()
    day = 86_400
    for offset in (0, 0, day, 3 * day):
        await meter(kv).record_call("usage:d", plan="p", limit=100, rate_limit=100, now=NOV_15 + offset)
    metering._local_records.clear()  # read back from KV alone
    usage = await meter(kv).peek("usage:d", plan="p", limit=100, now=NOV_15 + 3 * day)
    assert usage.daily == {"2026-11-15": 2, "2026-11-16": 1, "2026-11-18": 1}
    series = usage.daily_series("2026-11-18")
    assert len(series) == 18 and series[0] == {"date": "2026-11-01", "count": 0}
    assert series[-4:] == [
        {"date": "2026-11-15", "count": 2},
        {"date": "2026-11-16", "count": 1},
        {"date": "2026-11-17", "count": 0},
        {"date": "2026-11-18", "count": 1},
    ]
