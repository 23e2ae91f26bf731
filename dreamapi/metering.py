"""Counting calls exactly: a monthly quota and a per-minute rate limit per metered subject.

`UsageMeter` is what routes use. Each subject (an end user of a platform; a developer's own
plan) has one counting object (`usage_meter/`, a Durable Object) that checks both limits and
counts in one step, so concurrent calls from any number of isolates or locations are counted
exactly and a refused call counts nothing. The object holds counters, not policy: this module
passes it our clock (dreamapi.meter_terms), the terms a call is counted against, the amount,
and labels it keeps beside the counters for dashboards.

A call the object did not confirm in time is answered 503 and was not counted: the object
refuses to apply an operation after its deadline, and we wait a little longer than that.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dreamapi.idempotency import Idempotency
from dreamapi.meter_answers import (
    MalformedAnswerError,
    integer,
    labelled_plan,
    meter_unavailable,
    optional_integer,
    rate_of,
    refusal,
    usage_of,
)
from dreamapi.meter_terms import MeterSubject, MeterTerms, clock_fields
from dreamapi.periods import month_period
from dreamapi.ports.meter import JsonBody, MeterPort, MeterUnavailableError
from dreamapi.usage import RateWindow, Usage

logger = logging.getLogger("dreamapi.metering")

# How much longer than the deadline we wait for the answer: an operation applied just before
# its deadline still reaches us, so "not confirmed" means "not counted".
ANSWER_GRACE_SECONDS = 1.0


@dataclass(frozen=True)
class MeteredCall:
    usage: Usage
    rate: RateWindow
    replayed: bool = False  # the answer recorded for this Idempotency-Key; nothing counted now
    units: int = 1  # what this call cost

    def usage_json(self) -> dict[str, Any]:
        """The answer's `usage`: the period's, this call's units, the credit balance after it."""
        return {**self.usage.report(), "units": self.units}

    def headers(self) -> dict[str, str]:
        if self.replayed:
            return {"idempotent-replayed": "true"}
        return self.rate.headers()


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(name): units for name, units in value.items() if isinstance(units, int)}


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

    async def send(
        self, subject: MeterSubject, operation: str, payload: dict[str, Any] | JsonBody
    ) -> dict[str, Any]:
        """One operation on the subject's object (MeterUnavailableError when it did not answer)."""
        return await self._port.send(subject.name, operation, payload, self._timeout + ANSWER_GRACE_SECONDS)

    def deadline(self) -> int:
        """Epoch ms after which the object applies nothing of an operation sent now."""
        return self.deadline_after(self._timeout)

    def deadline_after(self, seconds: float) -> int:
        """Epoch ms `seconds` from now in real time (the object's clock, whatever ours is offset by)."""
        return int((self._wall_clock() + seconds) * 1000)

    def counting_body(
        self, subject: MeterSubject, terms: MeterTerms, now: float, fields: dict[str, Any]
    ) -> JsonBody:
        """What every counting operation carries: `fields`, our clock, where snapshots go, the
        deadline, and the terms (encoded once per terms: they are most of the payload)."""
        per_call = {
            **fields,
            **clock_fields(now),
            "snapshotKey": subject.snapshot_key,
            "periodSnapshotKey": subject.period_snapshot_key,
            "flushSeconds": self._flush_seconds,
            "deadline": self.deadline(),
        }
        return JsonBody(f"{{{terms.encoded}, {json.dumps(per_call)[1:]}")

    async def record_call(
        self,
        subject: MeterSubject,
        terms: MeterTerms,
        *,
        now: float,
        idempotency: Idempotency | None = None,
        units: int = 1,
    ) -> MeteredCall:
        """Counts one call of `units` units, or raises 429 (rate) / 403 (monthly limit) / 422 (an
        Idempotency-Key reused) / 503, counting nothing; a call the terms cannot cover whole is
        refused whole."""
        payload = self.counting_body(
            subject,
            terms,
            now,
            {
                "operation": secrets.token_hex(12),  # a retry of this operation is applied once
                "amount": units,
                "idempotency": idempotency.to_json() if idempotency else None,
            },
        )
        try:
            answer = await self.send(subject, "meter", payload)
            refused = refusal(answer, terms, now)
            if refused is not None:
                raise refused
            if answer.get("decision") != "counted":
                raise MalformedAnswerError(f"decision {answer.get('decision')!r}")
            usage = usage_of(answer, terms.plan)
            return MeteredCall(
                usage, rate_of(answer, now), answer.get("replayed") is True, integer(answer, "units")
            )
        except (MeterUnavailableError, MalformedAnswerError) as error:
            logger.warning("usage meter unavailable for %s: %s", subject.name, error)
            raise meter_unavailable("the call was not counted") from None

    async def peek(self, subject: MeterSubject, *, plan: str, limit: int, now: float) -> Usage:
        """This period's usage, counting nothing (exact: read from the subject's object)."""
        period = month_period(now)
        try:
            answer = await self.send(subject, "peek", {"period": period.start_iso})
            days = answer.get("days")
            if not isinstance(days, dict):
                raise MalformedAnswerError("days")
            return Usage(
                count=integer(answer, "used"),
                limit=limit,
                plan=plan,
                period=period,
                daily={str(day): int(amount) for day, amount in days.items()},
                credits_used=optional_integer(answer, "creditsUsed") or 0,
                credits=optional_integer(answer, "credits"),
                overage=optional_integer(answer, "overageUsed") or 0,
                counted_plan=labelled_plan(answer),
                held=optional_integer(answer, "held") or 0,
                breakdown=_counts(answer.get("breakdown")),
            )
        except (MeterUnavailableError, MalformedAnswerError, ValueError, TypeError) as error:
            logger.warning("usage meter unavailable for %s: %s", subject.name, error)
            raise meter_unavailable("usage cannot be read right now") from None
