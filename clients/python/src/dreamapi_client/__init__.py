"""Meter your API's calls with dream-api.

    from dreamapi_client import DreamApi

    dream = DreamApi("dream_live_…")
    dream.meter("user_42")  # raises QuotaExceeded / RateLimited when the end user is refused

Integrations (optional extras): `dreamapi_client.fastapi`, `dreamapi_client.flask`."""

from ._core import DEFAULT_BASE_URL
from ._version import __version__
from .client import AsyncDreamApi, DreamApi
from .errors import (
    BadRequest,
    Conflict,
    ConnectionFailed,
    DreamApiError,
    Forbidden,
    IdempotencyKeyReused,
    InvalidApiKey,
    MeterUnavailable,
    NotFound,
    QuotaExceeded,
    RateLimited,
    ServiceUnavailable,
)
from .models import (
    ApiKey,
    ApiKeyList,
    CreatedApiKey,
    CreditBalance,
    CreditChange,
    CreditEntry,
    CreditStatement,
    DailyCount,
    EndUserDetail,
    EndUsersPage,
    EndUserSummary,
    Metered,
    MeterResult,
    RateLimit,
    RolledApiKey,
    Subscription,
    Tier,
    Tiers,
    Usage,
    UsageReport,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "ApiKey",
    "ApiKeyList",
    "AsyncDreamApi",
    "BadRequest",
    "Conflict",
    "ConnectionFailed",
    "CreatedApiKey",
    "CreditBalance",
    "CreditChange",
    "CreditEntry",
    "CreditStatement",
    "DailyCount",
    "DreamApi",
    "DreamApiError",
    "EndUserDetail",
    "EndUserSummary",
    "EndUsersPage",
    "Forbidden",
    "IdempotencyKeyReused",
    "InvalidApiKey",
    "MeterResult",
    "MeterUnavailable",
    "Metered",
    "NotFound",
    "QuotaExceeded",
    "RateLimit",
    "RateLimited",
    "RolledApiKey",
    "ServiceUnavailable",
    "Subscription",
    "Tier",
    "Tiers",
    "Usage",
    "UsageReport",
    "__version__",
]
