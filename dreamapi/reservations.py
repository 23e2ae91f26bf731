"""Reserve, then settle: hold units before work whose cost is known only afterwards.

A reservation holds up to `units` of what an end user has left (included units, credits,
overage headroom) in their counting object, so no other call or reservation can spend them,
however many run at once; settling counts what the work cost (as one metered call) and frees
the rest; releasing, or letting it expire, frees everything and counts nothing. A settle of more
than was held takes the excess only from what is free beside the other holds, and says what it
could not cover (`shortfall`). Each step is idempotent by the reservation's id.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from dreamapi.errors import ApiError, bad_request, conflict, not_found
from dreamapi.idempotency import Idempotency
from dreamapi.meter_answers import (
    MalformedAnswerError,
    integer,
    meter_unavailable,
    rate_of,
    refusal,
    usage_of,
)
from dreamapi.meter_terms import MeterSubject, MeterTerms
from dreamapi.metering import UsageMeter
from dreamapi.ports.meter import JsonBody, MeterUnavailableError
from dreamapi.time_format import iso_from_ms
from dreamapi.usage import RateWindow, Usage

logger = logging.getLogger("dreamapi.reservations")

ID_PATTERN = r"^rsv_[0-9a-f]{24}$"
_ID = re.compile(ID_PATTERN)
MAX_UNITS = 1_000_000
DEFAULT_TTL_SECONDS = 300
MAX_TTL_SECONDS = 86_400
STATUSES = ("held", "settled", "released", "expired")


def new_reservation_id() -> str:
    return "rsv_" + secrets.token_hex(12)


def require_reservation_id(raw: str) -> str:
    if not _ID.match(raw):
        raise bad_request(
            "A reservation id is rsv_ followed by 24 hexadecimal digits", "invalid_reservation_id"
        )
    return raw


@dataclass(frozen=True)
class Reservation:
    id: str
    units: int  # held (what the work may cost at most)
    status: str  # one of STATUSES
    expires_at_ms: int
    created_at_ms: int
    finished_at_ms: int | None = None
    settled_units: int | None = None  # counted by the settle
    requested_units: int | None = None  # what the settle asked for

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": self.id,
            "units": self.units,
            "status": self.status,
            "expiresAt": iso_from_ms(self.expires_at_ms),
            "createdAt": iso_from_ms(self.created_at_ms),
        }
        if self.finished_at_ms is not None:
            shown["finishedAt"] = iso_from_ms(self.finished_at_ms)
        if self.status == "settled":
            shown["settledUnits"] = self.settled_units
            shown["shortfall"] = (self.requested_units or 0) - (self.settled_units or 0)
        return shown


@dataclass(frozen=True)
class ReservationStep:
    """A reserve, settle or release: the reservation after it and the counters it left."""

    reservation: Reservation
    usage: Usage
    rate: RateWindow
    replayed: bool  # the answer recorded earlier for the same step; nothing changed now

    @property
    def shortfall(self) -> int:
        settled = self.reservation
        return (settled.requested_units or 0) - (settled.settled_units or 0)

    def headers(self) -> dict[str, str]:
        return {"idempotent-replayed": "true"} if self.replayed else self.rate.headers()


def _reservation(data: Any) -> Reservation:
    if not isinstance(data, dict) or data.get("state") not in STATUSES or not isinstance(data.get("id"), str):
        raise MalformedAnswerError("hold")
    return Reservation(
        id=data["id"],
        units=integer(data, "units"),
        status=data["state"],
        expires_at_ms=integer(data, "expiresAt"),
        created_at_ms=integer(data, "createdAt"),
        finished_at_ms=data.get("finishedAt") if isinstance(data.get("finishedAt"), int) else None,
        settled_units=data.get("settledUnits") if isinstance(data.get("settledUnits"), int) else None,
        requested_units=data.get("requestedUnits") if isinstance(data.get("requestedUnits"), int) else None,
    )


def reservation_not_found(reservation_id: str) -> ApiError:
    return not_found(f"No reservation {reservation_id} for this end user", "reservation_not_found")


def _finished(reservation: Reservation) -> ApiError:
    messages = {
        "settled": ("reservation_settled", "was settled already, with other units"),
        "released": ("reservation_released", "was released"),
        "expired": ("reservation_expired", "expired before it was settled; nothing was counted"),
    }
    error, what = messages[reservation.status]
    failure = conflict(f"Reservation {reservation.id} {what}", error)
    failure.extra["reservation"] = reservation.to_json()
    return failure


class Reservations:
    """Holds, settles and releases through the end user's counting object."""

    def __init__(self, meter: UsageMeter) -> None:
        self._meter = meter

    async def reserve(
        self,
        subject: MeterSubject,
        terms: MeterTerms,
        *,
        units: int,
        ttl_seconds: int,
        now: float,
        idempotency: Idempotency | None = None,
    ) -> ReservationStep:
        """Holds `units` for `ttl_seconds` (one call in the rate window), or raises 429 / 403 (with
        what is held and available) / 422 / 503, holding nothing."""
        hold = {"id": new_reservation_id(), "expiresAt": self._meter.deadline_after(ttl_seconds)}
        fields = {
            "amount": units,
            "hold": hold,
            "idempotency": idempotency.to_json() if idempotency else None,
        }
        payload = self._meter.counting_body(subject, terms, now, fields)
        return await self._step(subject, terms, "reserve", payload, now, "nothing was held")

    async def settle(
        self,
        subject: MeterSubject,
        terms: MeterTerms,
        reservation_id: str,
        *,
        units: int,
        now: float,
        breakdown: str | None = None,
    ) -> ReservationStep:
        """Counts `units` of the reservation as one metered call (a retry with the same units gets
        the same answer), or raises 404 / 409 (settled with other units, released, expired) / 503.
        `breakdown` names what the call was (`model:…`, `route:…`): its units are also kept by that name."""
        fields: dict[str, Any] = {"holdId": reservation_id, "amount": units}
        if breakdown is not None:
            fields["breakdown"] = breakdown
        payload = self._meter.counting_body(subject, terms, now, fields)
        return await self._step(subject, terms, "settle", payload, now, "nothing was counted", reservation_id)

    async def release(
        self, subject: MeterSubject, terms: MeterTerms, reservation_id: str, *, now: float
    ) -> ReservationStep:
        payload = self._meter.counting_body(subject, terms, now, {"holdId": reservation_id})
        return await self._step(
            subject, terms, "release", payload, now, "nothing was released", reservation_id
        )

    async def get(self, subject: MeterSubject, reservation_id: str) -> Reservation:
        try:
            answer = await self._meter.send(subject, "hold", {"holdId": reservation_id})
            if answer.get("decision") == "not_found":
                raise reservation_not_found(reservation_id)
            return _reservation(answer.get("hold"))
        except (MeterUnavailableError, MalformedAnswerError) as error:
            logger.warning("usage meter unavailable for %s: %s", subject.name, error)
            raise meter_unavailable("the reservation cannot be read right now") from None

    async def _step(
        self,
        subject: MeterSubject,
        terms: MeterTerms,
        operation: str,
        payload: JsonBody,
        now: float,
        what: str,
        reservation_id: str | None = None,
    ) -> ReservationStep:
        try:
            answer = await self._meter.send(subject, operation, payload)
            decision = answer.get("decision")
            refused = refusal(answer, terms, now, reserving=operation == "reserve")
            if refused is not None:
                raise refused
            if decision == "not_found":
                raise reservation_not_found(str(reservation_id))
            if decision in ("settled_otherwise", "settled", "released", "expired") and decision != _done(
                operation
            ):
                raise _finished(_reservation(answer.get("hold")))
            if decision != _done(operation):
                raise MalformedAnswerError(f"decision {decision!r}")
            reservation = _reservation(answer.get("hold"))
            return ReservationStep(
                reservation,
                usage_of(answer, terms.plan),
                rate_of(answer, now),
                answer.get("replayed") is True,
            )
        except (MeterUnavailableError, MalformedAnswerError) as error:
            logger.warning("usage meter unavailable for %s: %s", subject.name, error)
            raise meter_unavailable(what) from None


def _done(operation: str) -> str:
    """The decision a step that did what was asked answers with."""
    return {"reserve": "held", "settle": "settled", "release": "released"}[operation]
