"""Reading a counting object's answers: the counters become Usage and a RateWindow, a refusal
becomes the API's error, and anything unclear becomes "the meter did not confirm" (503)."""

from __future__ import annotations

from typing import Any

from dreamapi.errors import ApiError, unavailable
from dreamapi.meter_terms import MeterTerms
from dreamapi.periods import Period, period_starting
from dreamapi.usage import RateWindow, Usage


class MalformedAnswerError(Exception):
    """The object answered something we cannot read: treated as no answer."""


def integer(answer: dict[str, Any], name: str) -> int:
    value = answer.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedAnswerError(name)
    return value


def optional_integer(answer: dict[str, Any], name: str) -> int | None:
    return None if answer.get(name) is None else integer(answer, name)


def period_of(answer: dict[str, Any]) -> Period:
    try:
        return period_starting(str(answer.get("period")))
    except ValueError:
        raise MalformedAnswerError("period") from None


def labelled_plan(answer: dict[str, Any]) -> str | None:
    """The tier the period's latest counted call was metered against, as the object keeps it."""
    labels = answer.get("labels")
    plan = labels.get("plan") if isinstance(labels, dict) else None
    return plan if isinstance(plan, str) else None


def usage_of(answer: dict[str, Any], plan: str) -> Usage:
    """The counters an operation answered with (its own labels name the plan of a replayed answer)."""
    return Usage(
        count=integer(answer, "used"),
        limit=integer(answer, "limit"),
        plan=labelled_plan(answer) or plan,
        period=period_of(answer),
        credits_used=optional_integer(answer, "creditsUsed") or 0,
        credits=optional_integer(answer, "credits"),
        overage=optional_integer(answer, "overageUsed") or 0,
        held=optional_integer(answer, "held") or 0,
    )


def rate_of(answer: dict[str, Any], now: float) -> RateWindow:
    window = integer(answer, "window")
    return RateWindow(integer(answer, "windowLimit"), integer(answer, "windowCalls"), (window + 1) * 60, now)


def refusal(
    answer: dict[str, Any], terms: MeterTerms, now: float, *, reserving: bool = False
) -> ApiError | None:
    """The error a refusing answer stands for (None: it did not refuse). A refused reservation,
    or a call refused while reservations hold units, also says what is held and available."""
    decision = answer.get("decision")
    if decision == "idempotency_conflict":
        return idempotency_key_reused()
    if decision == "window_full":
        return rate_limited(rate_of(answer, now))
    if decision == "limit_reached":
        usage = usage_of(answer, terms.plan)
        error = tier_limit_reached(usage, usage.credits if terms.credits_cover else None)
        if reserving or usage.held > 0:
            error.extra["held"] = usage.held
            available = optional_integer(answer, "available")
            if available is not None:
                error.extra["available"] = available
        return error
    return None


def tier_limit_reached(usage: Usage, credits_balance: int | None = None) -> ApiError:
    """The spec's body for an exhausted monthly quota (+ the credit balance that could not cover
    the call, where credits apply)."""
    extra: dict[str, Any] = {"count": usage.count, "limit": usage.limit, "plan": usage.plan}
    if credits_balance is not None:
        extra["creditsBalance"] = credits_balance
    return ApiError(403, "Tier limit reached", "Please upgrade to unlock more requests", extra=extra)


def rate_limited(window: RateWindow) -> ApiError:
    retry_after = window.seconds_left
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
