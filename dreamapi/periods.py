"""Billing periods: calendar months in UTC, reset lazily on first use in a new month."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # last day, inclusive (the spec's "2025-11-30")

    @property
    def start_iso(self) -> str:
        return self.start.isoformat()

    @property
    def end_iso(self) -> str:
        return self.end.isoformat()

    @property
    def end_epoch(self) -> float:
        """The first second after the period (midnight UTC after its last day)."""
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC).timestamp() + 86_400


def month_period(epoch_seconds: float) -> Period:
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    last_day = calendar.monthrange(moment.year, moment.month)[1]
    return Period(date(moment.year, moment.month, 1), date(moment.year, moment.month, last_day))


def seconds_until_next_month(epoch_seconds: float) -> float:
    period = month_period(epoch_seconds)
    next_start = datetime(period.end.year, period.end.month, period.end.day, tzinfo=UTC).timestamp()
    return next_start + 86_400 - epoch_seconds


def period_starting(start_iso: str) -> Period:
    """The month that begins on `start_iso` (YYYY-MM-01); ValueError for anything else."""
    start = date.fromisoformat(start_iso)
    if start.day != 1:
        raise ValueError(f"{start_iso} does not start a month")
    return Period(start, date(start.year, start.month, calendar.monthrange(start.year, start.month)[1]))
