"""The overage reporter's policy: when a period's unclaimed units are due, and identifiers."""

from __future__ import annotations

from datetime import UTC, datetime

from dreamapi.overage_reports import _due, _retry_at, identifier_of


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_a_report_waits_for_the_interval_unless_its_month_has_ended() -> None:
    now = _epoch("2026-12-02T10:00:00")
    period = {"period": "2026-12-01", "unclaimed": 5, "lastClaimAt": int((now - 30) * 1000)}
    assert not _due(period, now, 60)
    assert _due({**period, "lastClaimAt": int((now - 60) * 1000)}, now, 60)
    assert _due({**period, "lastClaimAt": None}, now, 60)
    assert not _due({**period, "unclaimed": 0, "lastClaimAt": None}, now, 60)
    november = {"period": "2026-11-01", "unclaimed": 3, "lastClaimAt": int((now - 1) * 1000)}
    assert _due(november, now, 60)  # the month is over: its last units go at once


def test_identifiers_are_stable_per_report_and_fit_stripe() -> None:
    first = identifier_of("end-user:plt_x:" + "u" * 128, "2026-12-01", 1)
    assert first == identifier_of("end-user:plt_x:" + "u" * 128, "2026-12-01", 1)
    assert first != identifier_of("end-user:plt_x:" + "u" * 128, "2026-12-01", 2)
    assert len(first) <= 100  # Stripe's limit for a meter event identifier


def test_failed_reports_back_off_then_retry_hourly() -> None:
    waits = [(_retry_at(0, attempts)) // 1000 for attempts in range(7)]
    assert waits == [5, 30, 120, 600, 3600, 3600, 3600]
