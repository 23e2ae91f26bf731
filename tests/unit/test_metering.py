"""The Python half of metering: what UsageMeter asks the meter object, and how it answers the
caller. The object itself (usage_meter/) is exercised in workerd by tests/runtime."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dreamapi.errors import ApiError
from dreamapi.http import Headers, Request
from dreamapi.idempotency import idempotency_of
from dreamapi.meter_terms import MeterSubject, MeterTerms
from dreamapi.metering import ANSWER_GRACE_SECONDS, UsageMeter
from dreamapi.periods import month_period, period_starting, seconds_until_next_month
from dreamapi.ports.meter import JsonBody, MeterUnavailableError

NOV_15 = datetime(2026, 11, 15, 12, 0, 30, tzinfo=UTC).timestamp()
WALL = 1_800_000_000.0
SUBJECT = MeterSubject("end-user:plt_x:u1", snapshot_key="usage:plt_x:u1")


class ScriptedMeter:
    """A meter port that records what it is asked and answers what the test scripts."""

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, dict[str, Any], float]] = []

    async def send(
        self, subject: str, operation: str, payload: dict[str, Any] | JsonBody, timeout_seconds: float
    ) -> dict[str, Any]:
        sent = json.loads(payload) if isinstance(payload, JsonBody) else dict(payload)
        self.sent.append((subject, operation, sent, timeout_seconds))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def meter(port: ScriptedMeter) -> UsageMeter:
    return UsageMeter(port, timeout_seconds=3.0, flush_seconds=30, wall_clock=lambda: WALL)


def counted(**fields: Any) -> dict[str, Any]:
    answer = {
        "decision": "counted",
        "replayed": False,
        "period": "2026-11-01",
        "used": 4,
        "calls": 4,
        "limit": 5,
        "window": int(NOV_15 // 60),
        "windowCalls": 2,
        "windowLimit": 100,
        "labels": {"plan": "free", "limit": 5},
        "units": 1,
        "held": 0,
    }
    return {**answer, **fields}


async def record(port: ScriptedMeter, **kwargs: Any) -> Any:
    return await meter(port).record_call(
        SUBJECT, MeterTerms("free", 5, 100), now=kwargs.pop("now", NOV_15), **kwargs
    )


def test_month_periods() -> None:
    period = month_period(NOV_15)
    assert (period.start_iso, period.end_iso) == ("2026-11-01", "2026-11-30")
    assert month_period(datetime(2028, 2, 10, tzinfo=UTC).timestamp()).end_iso == "2028-02-29"
    assert month_period(NOV_15 + seconds_until_next_month(NOV_15)).start_iso == "2026-12-01"
    assert period_starting("2028-02-01").end_iso == "2028-02-29"
    for bad in ("2026-11-02", "garbage", ""):
        with pytest.raises(ValueError):
            period_starting(bad)


async def test_a_call_asks_the_object_with_our_clock_limits_and_deadline() -> None:
    port = ScriptedMeter(counted(), counted())
    call = await record(port)
    subject, operation, payload, timeout = port.sent[0]
    assert (subject, operation) == ("end-user:plt_x:u1", "meter")
    assert timeout == 3.0 + ANSWER_GRACE_SECONDS
    assert payload["period"] == "2026-11-01" and payload["day"] == "2026-11-15"
    assert payload["window"] == int(NOV_15 // 60)
    assert (payload["amount"], payload["limit"], payload["windowLimit"]) == (1, 5, 100)
    assert payload["labels"] == {"plan": "free", "limit": 5}
    assert payload["deadline"] == int((WALL + 3.0) * 1000)  # real time, not the metering clock
    assert payload["snapshotKey"] == "usage:plt_x:u1" and payload["creditsCover"] is False
    assert payload["flushSeconds"] == 30 and payload["idempotency"] is None
    await record(port)
    assert port.sent[1][2]["operation"] != payload["operation"]  # one id per operation
    assert (call.usage.count, call.usage.remaining, call.usage.plan) == (4, 1, "free")
    assert call.headers() == {
        "ratelimit-policy": '"per-minute";q=100;w=60',
        "ratelimit": '"per-minute";r=98;t=30',  # NOV_15 is 30 s into its minute
        "x-ratelimit-limit": "100",
        "x-ratelimit-remaining": "98",
        "x-ratelimit-reset": str((int(NOV_15 // 60) + 1) * 60),
    }


async def test_a_replay_answers_what_was_recorded_and_says_so() -> None:
    port = ScriptedMeter(counted(replayed=True, used=2, labels={"plan": "pro", "limit": 50}, limit=50))
    call = await record(port)
    assert call.replayed and call.headers() == {"idempotent-replayed": "true"}
    assert (call.usage.count, call.usage.limit, call.usage.plan) == (2, 50, "pro")


async def test_a_full_window_is_429_with_the_seconds_left_in_the_minute() -> None:
    port = ScriptedMeter(counted(decision="window_full", windowCalls=100))
    with pytest.raises(ApiError) as raised:
        await record(port)
    assert raised.value.status == 429 and raised.value.error == "rate_limited"
    assert raised.value.headers["retry-after"] == "30"  # NOV_15 is 30 s into its minute
    assert raised.value.headers["x-ratelimit-remaining"] == "0"


async def test_an_exhausted_month_is_the_specs_403() -> None:
    port = ScriptedMeter(counted(decision="limit_reached", used=5))
    with pytest.raises(ApiError) as raised:
        await record(port)
    assert raised.value.status == 403
    assert raised.value.body() == {
        "error": "Tier limit reached",
        "message": "Please upgrade to unlock more requests",
        "count": 5,
        "limit": 5,
        "plan": "free",
    }


async def test_a_key_reused_with_other_parameters_is_422() -> None:
    with pytest.raises(ApiError) as raised:
        await record(ScriptedMeter({"decision": "idempotency_conflict"}))
    assert raised.value.status == 422 and raised.value.error == "idempotency_key_reused"


@pytest.mark.parametrize(
    "answer",
    [
        MeterUnavailableError("meter: no answer within 4.0s"),
        {"decision": "deadline_passed"},
        {"decision": "something new"},
        counted(used="four"),
        counted(period="2026-11-07"),
    ],
)
async def test_anything_but_a_clear_answer_is_503_and_not_counted(answer: Any) -> None:
    with pytest.raises(ApiError) as raised:
        await record(ScriptedMeter(answer))
    assert raised.value.status == 503 and raised.value.error == "meter_unavailable"
    assert "not counted" in raised.value.message
    assert raised.value.headers["retry-after"] == "2"


async def test_peek_reads_this_periods_counts_and_days() -> None:
    days = {"2026-11-15": 2, "2026-11-16": 1, "2026-11-18": 1}
    port = ScriptedMeter({"period": "2026-11-01", "used": 4, "calls": 4, "days": days, "labels": {}})
    usage = await meter(port).peek(SUBJECT, plan="paid", limit=500, now=NOV_15 + 3 * 86_400)
    assert port.sent[0][1] == "peek" and port.sent[0][2] == {"period": "2026-11-01"}
    assert (usage.count, usage.limit, usage.plan) == (4, 500, "paid")
    series = usage.daily_series("2026-11-18")
    assert len(series) == 18 and series[0] == {"date": "2026-11-01", "count": 0}
    assert series[-4:] == [
        {"date": "2026-11-15", "count": 2},
        {"date": "2026-11-16", "count": 1},
        {"date": "2026-11-17", "count": 0},
        {"date": "2026-11-18", "count": 1},
    ]
    with pytest.raises(ApiError) as raised:
        await meter(ScriptedMeter(MeterUnavailableError("down"))).peek(SUBJECT, plan="p", limit=1, now=NOV_15)
    assert raised.value.status == 503


def request_with(headers: dict[str, str]) -> Request:
    return Request.from_url("POST", "/api/data", Headers(headers))


def test_idempotency_keys_are_hashed_and_fingerprinted() -> None:
    assert idempotency_of(request_with({}), {"plan": None}) is None
    first = idempotency_of(request_with({"idempotency-key": "order-1"}), {"plan": None})
    assert first is not None
    assert first.key == hashlib.sha256(b"order-1").hexdigest()[:32]
    assert "order-1" not in str(first.to_json())
    other_plan = idempotency_of(request_with({"idempotency-key": "order-1"}), {"plan": "pro"})
    assert other_plan is not None and other_plan.key == first.key
    assert other_plan.fingerprint != first.fingerprint
    for bad in ("", "has space", "x" * 256, "tab\t"):
        with pytest.raises(ApiError) as raised:
            idempotency_of(request_with({"idempotency-key": bad}), {})
        assert raised.value.status == 400 and raised.value.error == "invalid_idempotency_key"
