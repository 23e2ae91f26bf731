"""What the web framework integrations share: which refusals reach your end user, and how."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConnectionFailed, DreamApiError, QuotaExceeded, RateLimited, ServiceUnavailable
from .models import Metered

# The headers of a refusal worth passing on to the end user.
FORWARDED = ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
RETRY_AFTER_SECONDS = "2"


@dataclass(frozen=True)
class Refusal:
    """The answer your endpoint gives instead of running: dream-api's status, body and headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def refusal(error: DreamApiError, *, fail_open: bool) -> Refusal | None:
    """The answer for a metered call that failed, or None to serve it uncounted (`fail_open` and
    the meter could not be reached). Errors that are your server's to fix (a bad API key, an
    unknown plan, …) are raised again."""
    if isinstance(error, (QuotaExceeded, RateLimited)):
        return Refusal(error.status or 403, error.body, _forwarded(error.headers))
    if isinstance(error, (ServiceUnavailable, ConnectionFailed)):
        if fail_open:
            return None
        if isinstance(error, ServiceUnavailable) and error.body.get("error"):
            body = error.body
        else:
            body = {
                "error": "meter_unavailable",
                "message": "The usage meter could not be reached, so the call was not counted. "
                "Retry in a few seconds.",
            }
        return Refusal(503, body, {"retry-after": RETRY_AFTER_SECONDS, **_forwarded(error.headers)})
    raise error


def success_headers(metered: Metered) -> dict[str, str]:
    """X-RateLimit-* of a counted call, for your response."""
    if metered.rate_limit is None:
        return {}
    return {
        "x-ratelimit-limit": str(metered.rate_limit.limit),
        "x-ratelimit-remaining": str(metered.rate_limit.remaining),
        "x-ratelimit-reset": str(metered.rate_limit.reset),
    }


def missing_user() -> Refusal:
    return Refusal(401, {"error": "unauthorized", "message": "No end user to count this call against"}, {})


def _forwarded(headers: dict[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in FORWARDED if name in headers}
