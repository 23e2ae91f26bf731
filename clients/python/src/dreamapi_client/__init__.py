"""Meter your API's calls with dream-api.

    from dreamapi_client import DreamApi

    dream = DreamApi("dream_live_…")
    dream.meter("user_42")  # raises QuotaExceeded / RateLimited when the end user is refused

    with dream.reserve("user_42", 500) as held:  # released if the block raises or never settles
        held.settle(do_the_work())  # counts what it cost, frees the rest

Integrations (optional extras): `dreamapi_client.fastapi`, `dreamapi_client.flask`."""

from ._core import DEFAULT_BASE_URL
from ._version import __version__
from .client import AsyncDreamApi, AsyncReservation, DreamApi, PendingReservation, Reservation
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
    ReservationFinished,
    ServiceUnavailable,
)
from .gateway import GatewayCaller, InvalidGatewaySignature, verify_gateway_request
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
    ReservationInfo,
    ReservationResult,
    ReservationStatus,
    ReservationUsage,
    RolledApiKey,
    SettleResult,
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
    "AsyncReservation",
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
    "GatewayCaller",
    "IdempotencyKeyReused",
    "InvalidApiKey",
    "InvalidGatewaySignature",
    "MeterResult",
    "MeterUnavailable",
    "Metered",
    "NotFound",
    "PendingReservation",
    "QuotaExceeded",
    "RateLimit",
    "RateLimited",
    "Reservation",
    "ReservationFinished",
    "ReservationInfo",
    "ReservationResult",
    "ReservationStatus",
    "ReservationUsage",
    "RolledApiKey",
    "ServiceUnavailable",
    "SettleResult",
    "Subscription",
    "Tier",
    "Tiers",
    "Usage",
    "UsageReport",
    "__version__",
    "verify_gateway_request",
]
