"""What a subject's counting object is told with every operation: who is counted (the subject),
against what (the terms: tier, limits, credits, overage, alert marks), and when (our clock)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from dreamapi.periods import month_period


@dataclass(frozen=True)
class MeterSubject:
    name: str  # names the subject's counting object
    snapshot_key: str | None = None  # where the object keeps a KV snapshot for dashboards
    # where it keeps one snapshot per period ("{period}" is replaced by the period's first day)
    period_snapshot_key: str | None = None


@dataclass(frozen=True)
class OverageAllowance:
    """Units past the limit a call may use, billed later (dreamapi.overage_reports): `target` is
    what the reporter needs to bill them, kept beside the counters."""

    max_units: int | None
    target: dict[str, Any]
    pending_key: str  # USAGE_KV: where the object lists its subject once it has overage to report

    def to_json(self) -> dict[str, Any]:
        return {"maxUnits": self.max_units, "target": self.target, "pendingKey": self.pending_key}


@dataclass(frozen=True)
class MeterTerms:
    """What calls are counted against. With `credits_cover`, prepaid credits pay for what the
    month's included units cannot; `overage`: units past both are billed instead of refused;
    `notify`: the marks whose crossing the object turns into webhook events (dreamapi.alerts)."""

    plan: str
    limit: int
    rate_limit: int
    credits_cover: bool = False
    notify: dict[str, Any] | None = None
    overage: OverageAllowance | None = None

    def to_json(self) -> dict[str, Any]:
        terms: dict[str, Any] = {
            "limit": self.limit,
            "windowLimit": self.rate_limit,
            "creditsCover": self.credits_cover,
            "labels": {"plan": self.plan, "limit": self.limit},
        }
        if self.notify is not None:
            terms["notify"] = self.notify
        if self.overage is not None:
            terms["overage"] = self.overage.to_json()
        return terms

    @cached_property
    def encoded(self) -> str:
        """`to_json()` as JSON members without the braces, encoded once: the same terms serve every
        call an isolate meters for a user until a lookup behind them changes (end_user_metering)."""
        return json.dumps(self.to_json())[1:-1]


def clock_fields(now: float) -> dict[str, Any]:
    """Our clock as the object keys its counters: the month, the day, the minute, the moment."""
    return {
        "period": month_period(now).start_iso,
        "day": datetime.fromtimestamp(now, tz=UTC).date().isoformat(),
        "window": int(now // 60),
        "at": int(now * 1000),
    }
