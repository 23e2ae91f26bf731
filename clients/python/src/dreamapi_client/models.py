"""What the API answers, typed. Every key is spelt as in the JSON (and in api_multi's OpenAPI
document, which tests/unit/test_sdk_python_contract.py checks these types against): the results
are the decoded bodies themselves, so fields the server adds later are there too.

A `_…Fields` base holds the keys the API always sends; the class built on it (`total=False`)
adds the ones it may leave out (Python 3.10 has no `NotRequired`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict

# --- metering -------------------------------------------------------------------------------


class _UsageFields(TypedDict):
    count: int
    limit: int
    plan: str
    periodStart: str
    periodEnd: str
    remaining: int


class _UsageExtras(TypedDict, total=False):
    units: int  # what this call cost (POST /api/data, a settle)
    credits: int | None  # their prepaid credit balance
    overage: int  # units past the limit this period, billed as overage


class Usage(_UsageFields, _UsageExtras, total=False):
    """An end user's usage this period, in units."""

    held: int  # units held by open reservations


class _ReservationUsageFields(_UsageFields):
    held: int


class ReservationUsage(_ReservationUsageFields, _UsageExtras, total=False):
    """The usage after a reserve, settle or release: `held` is always there."""


class _MeterResultFields(TypedDict):
    success: bool
    usage: Usage


class MeterResult(_MeterResultFields, total=False):
    """POST /api/data: the call was counted (or this Idempotency-Key's first answer replayed)."""

    userId: str
    platformId: str


class DailyCount(TypedDict):
    date: str
    count: int


class Subscription(TypedDict):
    tier: str | None
    status: str


class _UsageReportFields(TypedDict):
    usage: Usage
    daily: list[DailyCount]
    subscription: Subscription


class UsageReport(_UsageReportFields, total=False):
    """GET /api/usage: exact, counting nothing."""

    userId: str
    platformId: str


@dataclass(frozen=True)
class RateLimit:
    """The per-minute window after this call (X-RateLimit-Limit / -Remaining / -Reset)."""

    limit: int
    remaining: int
    reset: int  # epoch seconds when the window ends


@dataclass(frozen=True)
class Metered:
    """A counted call with what the response headers said about it."""

    result: MeterResult
    idempotency_key: str  # the key the call was sent (and any retry resent) with
    replayed: bool  # Idempotent-Replayed: an earlier answer for this key; nothing counted now
    rate_limit: RateLimit | None  # None on a replayed answer
    request_id: str | None

    @property
    def usage(self) -> Usage:
        return self.result["usage"]


# --- reservations ---------------------------------------------------------------------------

ReservationStatus = Literal["held", "settled", "released", "expired"]


class _ReservationFields(TypedDict):
    id: str  # rsv_…
    units: int  # held: the most the work may cost (a settle's answer: the units counted)
    status: ReservationStatus
    expiresAt: str
    createdAt: str


class _ReservationExtras(TypedDict, total=False):
    userId: str
    platformId: str
    finishedAt: str  # when it was settled, released or expired
    settledUnits: int  # settled: the units counted


class ReservationInfo(_ReservationFields, _ReservationExtras, total=False):
    """GET /api/reservations/{reservationId}: a reservation as it stands."""

    shortfall: int  # settled: units asked for beyond what could be covered (not counted)


class _ReservationResultFields(_ReservationFields):
    usage: ReservationUsage


class ReservationResult(_ReservationResultFields, _ReservationExtras, total=False):
    """POST /api/reservations (201) and …/release: the reservation and the usage after the step."""

    shortfall: int


class _SettleResultFields(_ReservationResultFields):
    reservedUnits: int  # what was held
    shortfall: int  # units asked for beyond what could be covered (not counted)


class SettleResult(_SettleResultFields, _ReservationExtras):
    """POST /api/reservations/{reservationId}/settle: `units` is what was counted."""


# --- tiers ----------------------------------------------------------------------------------


class _TierOverageFields(TypedDict):
    stripePriceId: str
    meterEventName: str
    unitPriceCents: int


class TierOverage(_TierOverageFields, total=False):
    maxUnits: int | None


class _TierFields(TypedDict):
    name: str
    limit: int


class Tier(_TierFields, total=False):
    rateLimit: int
    priceCents: int
    currency: str
    stripePriceId: str | None
    default: bool
    overage: TierOverage | None


class _TiersFields(TypedDict):
    platformId: str
    tiers: list[Tier]
    source: Literal["default", "custom"]


class Tiers(_TiersFields, total=False):
    """GET /api/tiers: a platform's public tiers."""

    stripeConnected: bool


# --- credits --------------------------------------------------------------------------------


class CreditBalance(TypedDict):
    """GET /api/credits."""

    platformId: str
    userId: str
    balance: int


class _CreditEntryFields(TypedDict):
    kind: Literal["grant", "adjustment", "top_up", "usage"]
    units: int
    reason: str
    at: str
    balanceAfter: int


class CreditEntry(_CreditEntryFields, total=False):
    date: str  # usage entries: the day the credits paid for


class CreditChange(TypedDict):
    """POST /api/developer/users/{userId}/credits."""

    platformId: str
    userId: str
    balance: int
    entry: CreditEntry


class CreditStatement(TypedDict):
    """GET /api/developer/users/{userId}/credits: the latest 50 entries, newest first."""

    platformId: str
    userId: str
    balance: int
    entries: list[CreditEntry]


# --- API keys -------------------------------------------------------------------------------


class _ApiKeyFields(TypedDict):
    id: str
    name: str
    prefix: str
    createdAt: str
    expiresAt: str | None
    lastUsedAt: str | None
    revokedAt: str | None


class ApiKey(_ApiKeyFields, total=False):
    """A key as lists show it: never the key itself."""

    rolledFrom: str | None
    rolledTo: str | None


class _CreatedApiKeyFields(ApiKey):
    apiKey: str  # dream_live_…: shown this once


class CreatedApiKey(_CreatedApiKeyFields, total=False):
    """POST /api/developer/keys."""

    warning: str


class PreviousKey(TypedDict):
    id: str
    expiresAt: str | None  # when the rolled key stops working


class RolledApiKey(CreatedApiKey):
    """POST /api/developer/keys/{keyId}/roll: the new key (shown once) and the old one's end."""

    previousKey: PreviousKey


class ApiKeyList(TypedDict):
    """GET /api/developer/keys: newest first."""

    platformId: str
    keys: list[ApiKey]
    maxActiveKeys: int
    lastUsedPrecisionSeconds: int


# --- analytics ------------------------------------------------------------------------------


class EndUserSummary(TypedDict):
    userId: str
    tier: str | None
    units: int
    limit: int | None
    percentOfLimit: float | None
    atOrOverLimit: bool
    credits: int
    overage: int
    activeThisMonth: bool


class _EndUsersPageFields(TypedDict):
    platformId: str
    users: list[EndUserSummary]
    total: int
    page: int
    pageSize: int
    pages: int
    sort: Literal["usage", "tier", "percent", "credits", "user"]
    order: Literal["asc", "desc"]
    search: str
    truncated: bool


class EndUsersPage(_EndUsersPageFields, total=False):
    """GET /api/developer/users: one page of your end users (from snapshots; see freshWithinSeconds)."""

    generatedAt: str
    freshWithinSeconds: int


class EndUserCredits(TypedDict):
    balance: int
    entries: list[CreditEntry]


class EndUserOverage(TypedDict):
    units: int
    unitPriceCents: int
    revenueCents: int


class _WebhookDeliveryFields(TypedDict):
    state: str
    attempts: int
    lastStatus: int | None


class WebhookDelivery(_WebhookDeliveryFields, total=False):
    endpointId: str


class WebhookEvent(TypedDict):
    id: str
    type: str
    createdAt: str
    data: dict[str, Any]
    deliveries: list[WebhookDelivery]


class UnitsByModelAndRoute(TypedDict):
    """This month's units of calls through the gateway: by AI model, and by other route."""

    model: dict[str, int]
    route: dict[str, int]


class EndUserDetail(TypedDict):
    """GET /api/developer/users/{userId}: one end user, exact."""

    platformId: str
    userId: str
    usage: Usage
    daily: list[DailyCount]
    subscription: Subscription
    lastCountedTier: str | None
    unitsBy: UnitsByModelAndRoute
    credits: EndUserCredits
    overage: EndUserOverage
    webhookEvents: list[WebhookEvent] | None
    generatedAt: str
