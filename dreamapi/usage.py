"""What a metered subject has used: its period's units against its limit, and its rate window."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from dreamapi.periods import Period

RATE_POLICY = "per-minute"  # the name the RateLimit headers give the per-minute limit


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
    held: int = 0  # units held by open reservations (dreamapi.reservations)
    breakdown: dict[str, int] = field(default_factory=dict)  # units by what the calls were (gateway)

    def units_by(self, kind: str) -> dict[str, int]:
        """This period's units by model (`kind` "model") or by gateway route ("route")."""
        return units_by(self.breakdown, kind)

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
        """The spec's usage object."""
        return {
            "count": self.count,
            "limit": self.limit,
            "plan": self.plan,
            "periodStart": self.period.start_iso,
            "periodEnd": self.period.end_iso,
            "remaining": self.remaining,
        }

    def report(self) -> dict[str, Any]:
        """The spec's object with the credit balance, overage and what reservations hold."""
        return {**self.to_json(), "credits": self.credits, "overage": self.overage, "held": self.held}


def units_by(breakdown: dict[str, int], kind: str) -> dict[str, int]:
    """The entries `{kind}:{name}` of a breakdown as {name: units}."""
    prefix = f"{kind}:"
    return {name[len(prefix) :]: units for name, units in breakdown.items() if name.startswith(prefix)}


@dataclass(frozen=True)
class RateWindow:
    limit: int
    used: int
    reset_at: int  # epoch seconds when the current minute ends
    read_at: float  # epoch seconds when the counters were read

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def seconds_left(self) -> int:
        return max(math.ceil(self.reset_at - self.read_at), 1)

    def headers(self) -> dict[str, str]:
        """The IETF httpapi draft's RateLimit-Policy and RateLimit, and the X-RateLimit-* most
        clients (and our SDKs) read."""
        return {
            "ratelimit-policy": f'"{RATE_POLICY}";q={self.limit};w=60',
            "ratelimit": f'"{RATE_POLICY}";r={self.remaining};t={self.seconds_left}',
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset_at),
        }
