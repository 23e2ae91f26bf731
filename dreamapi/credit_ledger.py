"""Prepaid credits: an end user's balance in units, which never goes below zero, and its ledger.

The balance lives in the subject's meter object beside its counters (usage_meter/), so a call
spending credits (`UsageMeter.record_call` with `MeterTerms.credits_cover`) and a change of the balance
are each applied in one step. Every change carries a reference, the key of its ledger entry,
which the object applies at most once, ever: a retried grant, a webhook delivered twice or to
two endpoints, changes the balance once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dreamapi.errors import ApiError
from dreamapi.meter_answers import idempotency_key_reused, meter_unavailable
from dreamapi.meter_terms import MeterSubject
from dreamapi.metering import UsageMeter
from dreamapi.ports.meter import MeterUnavailableError

logger = logging.getLogger("dreamapi.credits")

GRANT = "grant"  # the developer adds units
ADJUSTMENT = "adjustment"  # the developer removes units
TOP_UP = "top_up"  # the end user bought a credit pack
USAGE = "usage"  # calls the month's included units did not cover, one entry per day
MAX_CHANGE_UNITS = 1_000_000_000
MAX_REASON_LENGTH = 200
LEDGER_ENTRIES_SHOWN = 50


@dataclass(frozen=True)
class LedgerEntry:
    kind: str
    units: int  # signed: what the entry changed the balance by
    reason: str
    at: str  # ISO time of the change (for a day's usage: its latest call)
    balance: int  # after the change
    date: str | None = None  # the day a usage entry aggregates

    def to_json(self) -> dict[str, Any]:
        entry = {"kind": self.kind, "units": self.units, "reason": self.reason, "at": self.at}
        if self.date is not None:
            entry["date"] = self.date
        return {**entry, "balanceAfter": self.balance}


@dataclass(frozen=True)
class CreditStatement:
    balance: int
    entries: tuple[LedgerEntry, ...]  # newest first

    def to_json(self) -> dict[str, Any]:
        return {"balance": self.balance, "entries": [entry.to_json() for entry in self.entries]}


@dataclass(frozen=True)
class CreditChange:
    balance: int
    entry: LedgerEntry
    replayed: bool  # this reference was applied before; nothing changed now


def insufficient_credits(balance: int, units: int) -> ApiError:
    return ApiError(
        409,
        "insufficient_credits",
        f"The balance is {balance} units; removing {-units} would take it below zero",
        extra={"creditsBalance": balance},
    )


def fingerprint(parameters: dict[str, Any]) -> str:
    """What a reference is applied with; the same reference with others is a conflict."""
    text = json.dumps(parameters, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class _MalformedAnswerError(Exception):
    pass


def _integer(data: Any, name: str) -> int:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _MalformedAnswerError(name)
    return value


def _entry(data: Any) -> LedgerEntry:
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise _MalformedAnswerError("entry")
    at = datetime.fromtimestamp(_integer(data, "at") / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = data.get("day")
    return LedgerEntry(
        kind=data["kind"],
        units=_integer(data, "units"),
        reason=str(data.get("reason") or ""),
        at=at,
        balance=_integer(data, "balance"),
        date=day if isinstance(day, str) and day else None,
    )


class Credits:
    """Reads and changes balances through the meter objects that hold them."""

    def __init__(self, meter: UsageMeter) -> None:
        self._meter = meter

    async def change(
        self,
        subject: MeterSubject,
        *,
        units: int,
        kind: str,
        reason: str,
        reference: str,
        fingerprint: str,
        now: float,
        notify: dict[str, Any] | None = None,
    ) -> CreditChange:
        """Adds (or removes, when negative) `units`, once per `reference`; 409 when a removal
        exceeds the balance, 422 when the reference was applied with other parameters."""
        payload = {
            "reference": reference,
            "fingerprint": fingerprint,
            "units": units,
            "kind": kind,
            "reason": reason,
            "at": int(now * 1000),
            "deadline": self._meter.deadline(),
            "flushSeconds": self._meter.flush_seconds,
        }
        if notify is not None:  # a balance falling below the developer's mark is an event
            payload["notify"] = notify
        if subject.snapshot_key is not None:  # the dashboards' snapshot carries the balance
            payload["snapshotKey"] = subject.snapshot_key
        try:
            answer = await self._meter.send(subject, "credit", payload)
            decision = answer.get("decision")
            if decision == "insufficient_credits":
                raise insufficient_credits(_integer(answer, "balance"), units)
            if decision == "conflict":
                raise idempotency_key_reused()
            if decision != "applied":
                raise _MalformedAnswerError(f"decision {decision!r}")
            return CreditChange(
                _integer(answer, "balance"), _entry(answer.get("entry")), answer.get("replayed") is True
            )
        except (MeterUnavailableError, _MalformedAnswerError, ValueError, OverflowError) as error:
            logger.warning("credits unavailable for %s: %s", subject.name, error)
            raise meter_unavailable("the credits were not changed") from None

    async def statement(
        self, subject: MeterSubject, *, entries: int = LEDGER_ENTRIES_SHOWN
    ) -> CreditStatement:
        """The balance and the latest ledger entries, newest first."""
        try:
            answer = await self._meter.send(subject, "ledger", {"entries": entries})
            listed = answer.get("entries")
            if not isinstance(listed, list):
                raise _MalformedAnswerError("entries")
            return CreditStatement(_integer(answer, "balance"), tuple(_entry(item) for item in listed))
        except (MeterUnavailableError, _MalformedAnswerError, ValueError, OverflowError) as error:
            logger.warning("credits unavailable for %s: %s", subject.name, error)
            raise meter_unavailable("the credits cannot be read right now") from None
