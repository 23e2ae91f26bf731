"""Units held for one forwarded call (dreamapi.reservations): reserved before anything is
forwarded, then settled with what the call cost or released, after the answer went out (the
runtime's waitUntil), so metering never delays the answer. A settle or release that fails is
logged; the reservation's ttl frees the hold at the latest."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dreamapi.end_user_metering import EndUserMetering
from dreamapi.errors import ApiError
from dreamapi.reservations import Reservations
from dreamapi.services import Services
from dreamapi.usage import RateWindow
from gateway.refusals import payment_required

logger = logging.getLogger("gateway.holds")


@dataclass(frozen=True)
class Hold:
    services: Services
    metering: EndUserMetering
    reservation_id: str
    units: int
    rate: RateWindow
    breakdown: str  # what the call was, for the analytics: `route:POST /v1/search`, `model:gpt-4o-mini`

    def settle_later(self, units: int) -> None:
        self.services.defer(self.settle(units))

    def release_later(self) -> None:
        self.services.defer(self.release())

    async def settle(self, units: int) -> None:
        try:
            await self._reservations().settle(
                self.metering.subject,
                self.metering.terms,
                self.reservation_id,
                units=units,
                now=self.services.clock.now(),
                breakdown=self.breakdown,
            )
        except ApiError as failure:
            logger.warning("gateway: settling %s failed: %s", self.reservation_id, failure.error)

    async def release(self) -> None:
        try:
            await self._reservations().release(
                self.metering.subject, self.metering.terms, self.reservation_id, now=self.services.clock.now()
            )
        except ApiError as failure:
            logger.warning("gateway: releasing %s failed: %s", self.reservation_id, failure.error)

    def _reservations(self) -> Reservations:
        return Reservations(self.services.meter)


async def hold_units(
    services: Services, metering: EndUserMetering, units: int, ttl_seconds: int, buy_url: str, breakdown: str
) -> Hold:
    """Holds `units` (counting the call against the rate limit), or 402 with where to buy more / 429."""
    try:
        step = await Reservations(services.meter).reserve(
            metering.subject, metering.terms, units=units, ttl_seconds=ttl_seconds, now=services.clock.now()
        )
    except ApiError as refused:
        if refused.status == 403:
            raise payment_required(buy_url, units, refused) from None
        raise
    return Hold(services, metering, step.reservation.id, units, step.rate, breakdown)
