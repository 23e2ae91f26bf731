"""Counting calls exactly: a monthly quota and a per-minute rate limit per metered subject.

`UsageMeter` is what routes use. Each subject (an end user of a platform; a developer's own
plan) has one counting object (`usage_meter/`, a Durable Object) that checks both limits and
counts in one step, so concurrent calls from any number of isolates or locations are counted
exactly and a refused call counts nothing. The object holds counters, not policy: this module
passes it the period, day and minute from our clock, the tier's limits, the amount, and labels
it keeps beside the counters for dashboards.

A call the object did not confirm in time is answered 503 and was not counted: the object
refuses to apply an operation after its deadline, and we wait a little longer than that.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dreamapi.errors import ApiError, unavailable
from dreamapi.idempotency import Idempotency
from dreamapi.periods import Period, month_period, period_starting
from dreamapi.ports.meter import MeterPort, MeterUnavailableError

logger = logging.getLogger("dreamapi.metering")

# How much longer than the deadline we wait for the answer: an operation applied just before
# its deadline still reaches us, so "not confirmed" means "not counted".
ANSWER_GRACE_SECONDS = 1.0


@dataclass(frozen=True)
class MeterSubject:
    name: str  # names the subject's counting object
    snapshot_key: str | None = None  # where the object keeps a KV snapshot for dashboards
    # where it keeps one snapshot per period ("{period}" is replaced by the period's first day)
    period_snapshot_key: str | None = None


@dataclass(frozen=True)
class Usage:
    count: int
    limit: int
    plan: str
    period: Period
    daily: dict[str, int] = field(default_factory=dict)  # ISO date -> units, this period
    credits_used: int = 0  # units of `count` that prepaid credits paid for
    credits: int | None = None  # the subject's credit balance when read (None: not told)
    overage: int = 0  # units of `count` past the limit, billed as overage
    counted_plan: str | None = None  # the tier this period's latest counted call was metered against

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
        """Included units left this period (credits and overage come on top)."""
        return max(self.limit - (self.count - self.credits_used - self.overage), 0)

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
    replayed: bool = False  # the answer recorded for this Idempotency-Key; nothing counted now
    units: int = 1  # what this call cost

    def usage_json(self) -> dict[str, Any]:
        """The answer's `usage`: the period's, this call's units and the credit balance after it."""
        return {
            **self.usage.to_json(),
            "units": self.units,
            "credits": self.usage.credits,
            "overage": self.usage.overage,
        }

    def headers(self) -> dict[str, str]:
        if self.replayed:
            return {"idempotent-replayed": "true"}
        return self.rate.headers()


@dataclass(frozen=True)
class OverageAllowance:
    """Units past the limit a call may use, billed later (dreamapi.overage_reports): `target` is
    what the reporter needs to bill them, kept beside the counters."""

    max_units: int | None
    target: dict[str, Any]
    pending_key: str  # USAGE_KV: where the object lists its subject once it has overage to report

    def to_json(self) -> dict[str, Any]:
        return {"maxUnits": self.max_units, "target": self.target, "pendingKey": self.pending_key}


def tier_limit_reached(usage: Usage, credits_balance: int | None = None) -> ApiError:
    """The spec's body for an exhausted monthly quota (+ the credit balance that could not cover
    the call, where credits apply)."""
    extra: dict[str, Any] = {"count": usage.count, "limit": usage.limit, "plan": usage.plan}
    if credits_balance is not None:
        extra["creditsBalance"] = credits_balance
    return ApiError(403, "Tier limit reached", "Please upgrade to unlock more requests", extra=extra)


def rate_limited(window: RateWindow, now: float) -> ApiError:
    retry_after = max(1, math.ceil(window.reset_at - now))
    return ApiError(
        429,
        "rate_limited",
        f"Rate limit of {window.limit} requests per minute exceeded; retry in {retry_after}s",
        headers={"retry-after": str(retry_after), **window.headers()},
        extra={"retryAfter": retry_after},
    )


def idempotency_key_reused() -> ApiError:
    return ApiError(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was used with different request parameters in the last 24 hours; "
        "use a new key for a new request",
    )


def meter_unavailable(what: str) -> ApiError:
    return unavailable(
        f"The usage meter is unavailable, so {what}. Retry in a few seconds.", "meter_unavailable"
    )


class _MalformedAnswerError(Exception):
    pass


def _integer(answer: dict[str, Any], name: str) -> int:
    value = answer.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _MalformedAnswerError(name)
    return value


def _period(answer: dict[str, Any]) -> Period:
    try:
        return period_starting(str(answer.get("period")))
    except ValueError:
        raise _MalformedAnswerError("period") from None


def _optional_integer(answer: dict[str, Any], name: str) -> int | None:
    return None if answer.get(name) is None else _integer(answer, name)


def _labelled_plan(answer: dict[str, Any]) -> str | None:
    """The tier the period's latest counted call was metered against, as the object keeps it."""
    labels = answer.get("labels")
    plan = labels.get("plan") if isinstance(labels, dict) else None
    return plan if isinstance(plan, str) else None


def _labelled_usage(answer: dict[str, Any], plan: str, limit: int) -> Usage:
    plan = _labelled_plan(answer) or plan
    credits_used = _optional_integer(answer, "creditsUsed") or 0
    balance = _optional_integer(answer, "credits")
    overage = _optional_integer(answer, "overageUsed") or 0
    return Usage(
        _integer(answer, "used"),
        _integer(answer, "limit"),
        plan,
        _period(answer),
        {},
        credits_used,
        balance,
        overage,
    )


class UsageMeter:
    def __init__(
        self,
        port: MeterPort,
        *,
        timeout_seconds: float,
        flush_seconds: int,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._port = port
        self._timeout = timeout_seconds
        self._flush_seconds = flush_seconds
        self._wall_clock = wall_clock

    @property
    def flush_seconds(self) -> int:
        """How long a subject's object waits before writing its dashboard snapshots."""
        return self._flush_seconds

    async def send(self, subject: MeterSubject, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One operation on the subject's object (MeterUnavailableError when it did not answer)."""
        return await self._port.send(subject.name, operation, payload, self._timeout + ANSWER_GRACE_SECONDS)

    def deadline(self) -> int:
        """Epoch ms after which the object applies nothing of an operation sent now."""
        return int((self._wall_clock() + self._timeout) * 1000)

    async def record_call(
        self,
        subject: MeterSubject,
        *,
        plan: str,
        limit: int,
        rate_limit: int,
        now: float,
        idempotency: Idempotency | None = None,
        units: int = 1,
        credits_cover: bool = False,
        notify: dict[str, Any] | None = None,
        overage: OverageAllowance | None = None,
    ) -> MeteredCall:
        """Counts one call of `units` units, or raises 429 (rate) / 403 (monthly limit) / 503
        without counting. With `credits_cover`, the subject's prepaid credits pay for what the
        month's included units cannot; a call both cannot cover is refused whole. `notify`: the
        marks whose crossing the object turns into webhook events (dreamapi.alerts). `overage`:
        units past the limit (after credits) are counted as overage instead of refused."""
        period = month_period(now)
        minute = int(now // 60)
        payload: dict[str, Any] = {
            "operation": secrets.token_hex(12),  # a retry of this operation is applied once
            "period": period.start_iso,
            "day": datetime.fromtimestamp(now, tz=UTC).date().isoformat(),
            "window": minute,
            "amount": units,
            "creditsCover": credits_cover,
            "at": int(now * 1000),
            "limit": limit,
            "windowLimit": rate_limit,
            "labels": {"plan": plan, "limit": limit},
            "snapshotKey": subject.snapshot_key,
            "periodSnapshotKey": subject.period_snapshot_key,
            "flushSeconds": self._flush_seconds,
            "deadline": self.deadline(),
            "idempotency": idempotency.to_json() if idempotency else None,
        }
        if notify is not None:
            payload["notify"] = notify
        if overage is not None:
            payload["overage"] = overage.to_json()
        try:
            answer = await self.send(subject, "meter", payload)
            return self._decide(answer, plan, limit, now, credits_cover)
        except (MeterUnavailableError, _MalformedAnswerError) as error:
            logger.warning("usage meter unavailable for %s: %s", subject.name, error)
            raise meter_unavailable("the call was not counted") from None

    def _decide(
        self, answer: dict[str, Any], plan: str, limit: int, now: float, credits_cover: bool
    ) -> MeteredCall:
        decision = answer.get("decision")
        if decision == "idempotency_conflict":
            raise idempotency_key_reused()
        if decision not in ("counted", "window_full", "limit_reached"):
            raise MeterUnavailableError(f"decision {decision!r}")
        usage = _labelled_usage(answer, plan, limit)
        window = _integer(answer, "window")
        rate = RateWindow(_integer(answer, "windowLimit"), _integer(answer, "windowCalls"), (window + 1) * 60)
        if decision == "window_full":
            raise rate_limited(rate, now)
        if decision == "limit_reached":
            raise tier_limit_reached(usage, usage.credits if credits_cover else None)
        units = _optional_integer(answer, "units") or 1
        return MeteredCall(usage, rate, answer.get("replayed") is True, units)

    async def peek(self, subject: MeterSubject, *, plan: str, limit: int, now: float) -> Usage:
        """This period's usage, counting nothing (exact: read from the subject's object)."""
        period = month_period(now)
        try:
            answer = await self.send(subject, "peek", {"period": period.start_iso})
            days = answer.get("days")
            if not isinstance(days, dict):
                raise _MalformedAnswerError("days")
            daily = {str(day): int(amount) for day, amount in days.items()}
            credits_used = _optional_integer(answer, "creditsUsed") or 0
            balance = _optional_integer(answer, "credits")
            overage = _optional_integer(answer, "overageUsed") or 0
            used = _integer(answer, "used")
            counted_plan = _labelled_plan(answer)
            return Usage(used, limit, plan, period, daily, credits_used, balance, overage, counted_plan)
        except (MeterUnavailableError, _MalformedAnswerError, ValueError, TypeError) as error:
            logger.warning("usage meter unavailable for %s: %s", subject.name, error)
            raise meter_unavailable("usage cannot be read right now") from None
