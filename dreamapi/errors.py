"""The one error type handlers raise; rendered as JSON `{"error", "message"}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message, **self.extra}


def bad_request(message: str, error: str = "bad_request", **extra: Any) -> ApiError:
    return ApiError(400, error, message, extra=extra)


def unauthorized(message: str, error: str = "unauthorized") -> ApiError:
    return ApiError(401, error, message, headers={"www-authenticate": "Bearer"})


def forbidden(message: str, error: str = "forbidden") -> ApiError:
    return ApiError(403, error, message)


def not_found(message: str, error: str = "not_found") -> ApiError:
    return ApiError(404, error, message)


def conflict(message: str, error: str = "conflict") -> ApiError:
    return ApiError(409, error, message)


RETRY_AFTER_SECONDS = 2


def unavailable(message: str, error: str, status: int = 503) -> ApiError:
    """Something we depend on failed (storage, the meter, Clerk, Stripe): worth retrying soon."""
    return ApiError(status, error, message, headers={"retry-after": str(RETRY_AFTER_SECONDS)})
