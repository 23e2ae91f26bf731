"""Every failure is a `DreamApiError`: an answer the API refused (`status`, `code` = the JSON
`error`, `message`, `body`, `headers`) or no answer at all (`ConnectionFailed`, status None).
The names say what happened, as the API's codes do, rather than ending in "Error"."""

# ruff: noqa: N818

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import httpx


class DreamApiError(Exception):
    """Base of every error this package raises; an answer with an unexpected status is one itself."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body: dict[str, Any] = dict(body or {})
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}

    @property
    def request_id(self) -> str | None:
        """X-Request-Id of the answer: quote it when you ask us about a call."""
        return self.headers.get("x-request-id")

    def __str__(self) -> str:
        parts = [str(self.status)] if self.status is not None else []
        if self.code:
            parts.append(self.code)
        return f"{' '.join(parts)}: {self.message}" if parts else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class BadRequest(DreamApiError):
    """400: e.g. `unknown_plan`, `invalid_units`, `invalid_field`; the call counted nothing."""


class InvalidApiKey(DreamApiError):
    """401: `invalid_api_key` (unknown, revoked or mistyped) or `expired_api_key`."""

    @property
    def expired(self) -> bool:
        return self.code == "expired_api_key"


class Forbidden(DreamApiError):
    """403 for another reason than the quota."""


class QuotaExceeded(Forbidden):
    """403 "Tier limit reached": the month's included units and the credits cannot cover the
    call (or the reservation, beside what other reservations hold); nothing was counted, spent
    or held."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.count: int | None = _integer(self.body.get("count"))
        self.limit: int | None = _integer(self.body.get("limit"))
        self.plan: str | None = self.body.get("plan") if isinstance(self.body.get("plan"), str) else None
        self.credits_balance: int | None = _integer(self.body.get("creditsBalance"))
        self.held: int | None = _integer(self.body.get("held"))  # by open reservations
        self.available: int | None = _integer(self.body.get("available"))  # beside what is held


class NotFound(DreamApiError):
    """404: e.g. `platform_not_found`, `api_key_not_found`, `reservation_not_found`."""


class Conflict(DreamApiError):
    """409: e.g. `insufficient_credits`, `too_many_keys`, `api_key_not_active`; the reservations'
    409s are `ReservationFinished`."""


class ReservationFinished(Conflict):
    """409 `reservation_settled` (settled already, with other units), `reservation_released` or
    `reservation_expired`: the reservation holds nothing any more and nothing changed.
    `reservation` is the reservation as it stands; `reservation_status` its status."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        shown = self.body.get("reservation")
        self.reservation: dict[str, Any] = dict(shown) if isinstance(shown, dict) else {}
        status = self.reservation.get("status")
        self.reservation_status: str = (
            status if isinstance(status, str) else (self.code or "").removeprefix("reservation_")
        )


class IdempotencyKeyReused(DreamApiError):
    """422 `idempotency_key_reused`: the key was used for a call with other parameters."""


class RateLimited(DreamApiError):
    """429: the end user's per-minute rate is used up; nothing was counted."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after: float | None = retry_after_seconds(self.headers)
        if self.retry_after is None and _integer(self.body.get("retryAfter")) is not None:
            self.retry_after = float(self.body["retryAfter"])
        self.limit: int | None = _integer(self.headers.get("x-ratelimit-limit"))
        self.remaining: int | None = _integer(self.headers.get("x-ratelimit-remaining"))
        self.reset: int | None = _integer(self.headers.get("x-ratelimit-reset"))


class ServiceUnavailable(DreamApiError):
    """502/503/504: something the API depends on failed (e.g. `storage_unavailable`); retry after
    `retry_after` seconds."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after: float | None = retry_after_seconds(self.headers)


class MeterUnavailable(ServiceUnavailable):
    """503 `meter_unavailable`: the usage meter did not confirm in time; the call was not counted."""


class ConnectionFailed(DreamApiError):
    """No answer: connecting, sending or reading failed (or timed out) on every attempt. The
    original httpx error is `__cause__`."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message, code="connection_failed")
        self.attempts = attempts


_BY_STATUS: dict[int, type[DreamApiError]] = {
    400: BadRequest,
    401: InvalidApiKey,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: IdempotencyKeyReused,
    429: RateLimited,
    502: ServiceUnavailable,
    503: ServiceUnavailable,
    504: ServiceUnavailable,
}
TIER_LIMIT_REACHED = "Tier limit reached"
RESERVATION_FINISHED = frozenset({"reservation_settled", "reservation_released", "reservation_expired"})


def error_from_response(response: httpx.Response) -> DreamApiError:
    """The exception for a non-2xx answer."""
    try:
        decoded = response.json()
    except ValueError:
        decoded = None
    body: dict[str, Any] = decoded if isinstance(decoded, dict) else {}
    code = body.get("error") if isinstance(body.get("error"), str) else None
    message = body.get("message") if isinstance(body.get("message"), str) else None
    if message is None:
        message = response.text.strip()[:200] or response.reason_phrase or "HTTP error"
    kind = _BY_STATUS.get(response.status_code, DreamApiError)
    if response.status_code == 403 and code == TIER_LIMIT_REACHED:
        kind = QuotaExceeded
    elif response.status_code == 409 and code in RESERVATION_FINISHED:
        kind = ReservationFinished
    elif response.status_code == 503 and code == "meter_unavailable":
        kind = MeterUnavailable
    return kind(message, status=response.status_code, code=code, body=body, headers=response.headers)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds from now (delta-seconds or an HTTP date), None when absent or garbled."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None
