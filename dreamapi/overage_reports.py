"""Overage units reported to Stripe as Billing Meter events on the developer's connected account.

An end user's meter object counts their overage units (dreamapi.meter_terms.OverageAllowance) and
keeps the reports made of them: a report claims every unclaimed unit of a period under the next
sequence number, and its value never changes. The event's `identifier` is derived from the
subject, the period and that number, and Stripe keeps one event per identifier (for 24 hours at
least), so a report sent twice (a retry, two reporters at once, a restart between Stripe's answer
and our record of it) bills once. A report is recorded as accepted only after Stripe accepted it,
so nothing is lost either.

This runs off the hot path, from api_multi's cron (every minute): the subjects with something to
report are listed in USAGE_KV under `overage:pending:` by their objects. Policy lives here: at
most one event per user per OVERAGE_REPORT_SECONDS (60), the units of a finished period at the
next run, and the backoff after Stripe refused or failed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import stripe

from dreamapi import kvkeys
from dreamapi.meter_terms import MeterSubject
from dreamapi.periods import period_starting
from dreamapi.ports.meter import MeterUnavailableError
from dreamapi.services import Services
from dreamapi.stripe_gateway import stripe_client

logger = logging.getLogger("dreamapi.overage")

RETRY_SECONDS = (5, 30, 120, 600, 3600)  # after each failed attempt in turn; then hourly
SUBJECTS_PER_RUN = 500
CONCURRENT_SUBJECTS = 8
DUPLICATE_CODES = frozenset({"resource_already_exists", "duplicate_meter_event"})


@dataclass
class ReportRun:
    """What one run did (logged, and returned to tests through the scheduled handler)."""

    subjects: int = 0
    accepted: list[str] = field(default_factory=list)  # identifiers Stripe accepted
    failed: list[str] = field(default_factory=list)
    units: int = 0


def identifier_of(subject: str, period: str, seq: int) -> str:
    digest = hashlib.sha256(f"{subject}|{period}|{seq}".encode()).hexdigest()
    return f"dreamapi_ovg_{digest[:48]}"


def _retry_at(now_ms: int, attempts: int) -> int:
    return now_ms + RETRY_SECONDS[min(attempts, len(RETRY_SECONDS) - 1)] * 1000


def _due(period: dict[str, Any], now: float, interval_seconds: int) -> bool:
    """Unclaimed units are claimed a minute after the last report, or at once when their period
    has ended (its last units reach Stripe within a couple of minutes of the end)."""
    if period["unclaimed"] <= 0:
        return False
    ended = period_starting(period["period"]).end_epoch <= now
    last = period["lastClaimAt"]
    return ended or last is None or now * 1000 - last >= interval_seconds * 1000


async def report_overage(services: Services) -> ReportRun:
    run = ReportRun()
    prefix = kvkeys.OVERAGE_PENDING_PREFIX
    listing = await services.usage_kv.list(prefix=prefix, limit=SUBJECTS_PER_RUN)
    subjects = [key.name[len(prefix) :] for key in listing.keys]
    run.subjects = len(subjects)
    gate = asyncio.Semaphore(CONCURRENT_SUBJECTS)

    async def one(subject: str) -> None:
        async with gate:
            try:
                await _report_subject(services, subject, run)
            except MeterUnavailableError as error:  # its turn comes again at the next run
                logger.warning("overage of %s not reported: meter unavailable (%s)", subject, error)

    await asyncio.gather(*(one(subject) for subject in subjects))
    return run


async def _report_subject(services: Services, subject_name: str, run: ReportRun) -> None:
    meter = services.meter
    subject = MeterSubject(subject_name)
    now = services.clock.now()
    state = await meter.send(subject, "overage/state", {})
    for period in state.get("periods", []):
        report = period["open"]
        if report is None and _due(period, now, services.settings.overage_report_seconds):
            claimed = await meter.send(
                subject, "overage/claim", {"period": period["period"], "at": int(now * 1000)}
            )
            report = claimed.get("report")
        if report is None or report["nextAt"] > now * 1000 or period["target"] is None:
            continue
        accepted = await _send(services, subject_name, period["target"], report)
        settle = {
            "period": report["period"],
            "seq": report["seq"],
            "accepted": accepted,
            "at": int(now * 1000),
        }
        if not accepted:
            settle["nextAt"] = _retry_at(int(now * 1000), report["attempts"])
        await meter.send(subject, "overage/settle", settle)
        identifier = identifier_of(subject_name, report["period"], report["seq"])
        (run.accepted if accepted else run.failed).append(identifier)
        run.units += report["value"] if accepted else 0


async def _send(services: Services, subject: str, target: dict[str, Any], report: dict[str, Any]) -> bool:
    """One meter event for the report; True once Stripe has it (now, or from an earlier send)."""
    identifier = identifier_of(subject, report["period"], report["seq"])
    client = stripe_client(services.env, services.http)
    try:
        await client.v1.billing.meter_events.create_async(
            params={
                "event_name": target["eventName"],
                "identifier": identifier,
                "timestamp": report["timestamp"] // 1000,
                "payload": {"stripe_customer_id": target["customer"], "value": str(report["value"])},
            },
            options={"stripe_account": target["account"]},
        )
    except stripe.InvalidRequestError as error:
        if error.code in DUPLICATE_CODES:
            return True
        logger.warning("Stripe refused overage report %s: %s", identifier, error.code or error.http_status)
        return False
    except stripe.StripeError as error:
        logger.warning("overage report %s not sent: %s", identifier, error.__class__.__name__)
        return False
    return True
