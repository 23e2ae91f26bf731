"""`DreamApi` (blocking) and `AsyncDreamApi` (asyncio): the same methods, on httpx."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from . import _core
from ._core import DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_AFTER, DEFAULT_TIMEOUT, Call, ReservationState
from .errors import (
    ConnectionFailed,
    DreamApiError,
    ReservationFinished,
    error_from_response,
    retry_after_seconds,
)
from .models import (
    ApiKey,
    ApiKeyList,
    CreatedApiKey,
    CreditBalance,
    CreditChange,
    CreditStatement,
    EndUserDetail,
    EndUsersPage,
    Metered,
    MeterResult,
    ReservationInfo,
    ReservationResult,
    RolledApiKey,
    SettleResult,
    Tiers,
    UsageReport,
)


class DreamApi:
    """A client for the dream-api metering API (api_multi), authenticated with your API key.

    `max_retries` more attempts are made after a failure worth retrying (see `RetryPolicy` in
    `dreamapi_client._core`); a metered call, a reservation and a credit grant keep one
    Idempotency-Key across them, so a retry never counts (or holds) twice. `timeout` is per
    attempt. Thread-safe; reuse one client.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._config = _core.config(api_key, base_url, timeout, max_retries, max_retry_after)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(timeout=timeout)

    @property
    def base_url(self) -> str:
        return self._config.base_url

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> DreamApi:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _send(self, call: Call) -> httpx.Response:
        policy = self._config.retry
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    call.method,
                    self._config.base_url + call.path,
                    headers=call.request_headers(self._config.api_key),
                    params=call.params,
                    json=call.json,
                    timeout=self._config.timeout,
                )
            except httpx.TransportError as error:
                delay = policy.after_error(attempt, error, call.replay_safe)
                if delay is None:
                    message = _core.give_up_message(call, error, attempt + 1)
                    raise ConnectionFailed(message, attempts=attempt + 1) from error
            else:
                if response.is_success:
                    return response
                retry_after = retry_after_seconds(response.headers)
                delay = policy.after_status(attempt, response.status_code, retry_after, call.replay_safe)
                if delay is None:
                    raise error_from_response(response)
            time.sleep(delay)
            attempt += 1

    def _json(self, call: Call) -> Any:
        return _core.decoded(self._send(call))

    # --- metering ---------------------------------------------------------------------------

    def meter(
        self, user_id: str, units: int = 1, *, plan: str | None = None, idempotency_key: str | None = None
    ) -> MeterResult:
        """Count one call of `user_id` costing `units` (POST /api/data). Raises `QuotaExceeded`
        (403), `RateLimited` (429), `MeterUnavailable` (503: not counted), `BadRequest` (e.g. an
        unknown `plan`). Without `idempotency_key` one is made up for this call's attempts."""
        return self.meter_detailed(user_id, units, plan=plan, idempotency_key=idempotency_key).result

    def meter_detailed(
        self, user_id: str, units: int = 1, *, plan: str | None = None, idempotency_key: str | None = None
    ) -> Metered:
        """`meter()`, plus what the headers said: replayed, the rate-limit window, the request id."""
        call = _core.meter(user_id, units, plan, idempotency_key)
        return _core.metered(call, self._send(call))

    def reserve(
        self,
        user_id: str,
        units: int,
        *,
        ttl_seconds: int | None = None,
        plan: str | None = None,
        idempotency_key: str | None = None,
    ) -> Reservation:
        """Hold `units` of `user_id` for work whose cost is known only afterwards (POST
        /api/reservations; counts one call against the rate), for `ttl_seconds` (default 300).
        Then `settle(cost)` or `release()` the `Reservation`; as a context manager it is
        released when the block raises or ends without a settle. Raises `QuotaExceeded` (403, with
        `held` and `available`: nothing held), `RateLimited`, `MeterUnavailable`, `BadRequest`.
        Retries reuse one Idempotency-Key (yours or one made up), so they hold once."""
        call = _core.reserve(user_id, units, ttl_seconds, plan, idempotency_key)
        return Reservation(self._send, user_id, plan, call, self._send(call))

    def usage(self, user_id: str, *, plan: str | None = None) -> UsageReport:
        """`user_id`'s usage this month, exact, counting nothing (GET /api/usage)."""
        result: UsageReport = self._json(_core.usage(user_id, plan))
        return result

    def tiers(self, platform_id: str) -> Tiers:
        """A platform's public tiers (GET /api/tiers; needs no key)."""
        result: Tiers = self._json(_core.tiers(platform_id))
        return result

    # --- credits ----------------------------------------------------------------------------

    def credits(self, user_id: str) -> CreditBalance:
        """`user_id`'s prepaid credit balance (GET /api/credits)."""
        result: CreditBalance = self._json(_core.credit_balance(user_id))
        return result

    def grant_credits(
        self, user_id: str, units: int, *, reason: str | None = None, idempotency_key: str | None = None
    ) -> CreditChange:
        """Grant (units > 0) or take back (units < 0) credits; `Conflict` (insufficient_credits)
        when taking back more than the balance. Retries reuse one Idempotency-Key."""
        result: CreditChange = self._json(_core.grant_credits(user_id, units, reason, idempotency_key))
        return result

    def credit_statement(self, user_id: str) -> CreditStatement:
        """The balance and the latest 50 ledger entries, newest first."""
        result: CreditStatement = self._json(_core.credit_statement(user_id))
        return result

    # --- API keys ---------------------------------------------------------------------------

    def list_keys(self) -> ApiKeyList:
        """Every key of your platform, newest first (never a key itself)."""
        result: ApiKeyList = self._json(_core.list_keys())
        return result

    def create_key(self, name: str, *, expires_at: str | datetime | None = None) -> CreatedApiKey:
        """A new named key, shown this once in `apiKey`; `Conflict` (too_many_keys) past 20."""
        result: CreatedApiKey = self._json(_core.create_key(name, expires_at))
        return result

    def roll_key(self, key_id: str, *, grace_period_seconds: int | None = None) -> RolledApiKey:
        """Replace a key by a new one (in `apiKey`); the old one works `grace_period_seconds` more."""
        result: RolledApiKey = self._json(_core.roll_key(key_id, grace_period_seconds))
        return result

    def revoke_key(self, key_id: str) -> ApiKey:
        """Revoke a key (refused everywhere within 60 s); `NotFound` for another platform's."""
        result: ApiKey = self._json(_core.revoke_key(key_id))
        return result

    # --- analytics --------------------------------------------------------------------------

    def end_users(
        self,
        *,
        search: str | None = None,
        sort: str | None = None,
        order: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
    ) -> EndUsersPage:
        """One page of your end users with this month's units, tier, % of limit and credits.
        `sort`: usage, tier, percent, credits or user; `order`: asc or desc."""
        result: EndUsersPage = self._json(_core.end_users(search, sort, order, page, page_size))
        return result

    def end_user(self, user_id: str) -> EndUserDetail:
        """One end user, exact: usage by day, subscription, credit ledger, overage, webhook events."""
        result: EndUserDetail = self._json(_core.end_user(user_id))
        return result


class AsyncDreamApi:
    """`DreamApi` for asyncio: the same methods, awaited. Reuse one client per event loop."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._config = _core.config(api_key, base_url, timeout, max_retries, max_retry_after)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient(timeout=timeout)

    @property
    def base_url(self) -> str:
        return self._config.base_url

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncDreamApi:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _send(self, call: Call) -> httpx.Response:
        policy = self._config.retry
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    call.method,
                    self._config.base_url + call.path,
                    headers=call.request_headers(self._config.api_key),
                    params=call.params,
                    json=call.json,
                    timeout=self._config.timeout,
                )
            except httpx.TransportError as error:
                delay = policy.after_error(attempt, error, call.replay_safe)
                if delay is None:
                    message = _core.give_up_message(call, error, attempt + 1)
                    raise ConnectionFailed(message, attempts=attempt + 1) from error
            else:
                if response.is_success:
                    return response
                retry_after = retry_after_seconds(response.headers)
                delay = policy.after_status(attempt, response.status_code, retry_after, call.replay_safe)
                if delay is None:
                    raise error_from_response(response)
            await asyncio.sleep(delay)
            attempt += 1

    async def _json(self, call: Call) -> Any:
        return _core.decoded(await self._send(call))

    # --- metering ---------------------------------------------------------------------------

    async def meter(
        self, user_id: str, units: int = 1, *, plan: str | None = None, idempotency_key: str | None = None
    ) -> MeterResult:
        """See `DreamApi.meter`."""
        metered = await self.meter_detailed(user_id, units, plan=plan, idempotency_key=idempotency_key)
        return metered.result

    async def meter_detailed(
        self, user_id: str, units: int = 1, *, plan: str | None = None, idempotency_key: str | None = None
    ) -> Metered:
        """See `DreamApi.meter_detailed`."""
        call = _core.meter(user_id, units, plan, idempotency_key)
        return _core.metered(call, await self._send(call))

    def reserve(
        self,
        user_id: str,
        units: int,
        *,
        ttl_seconds: int | None = None,
        plan: str | None = None,
        idempotency_key: str | None = None,
    ) -> PendingReservation:
        """See `DreamApi.reserve`: `r = await dream.reserve(…)`, or `async with dream.reserve(…)
        as r:` (released on leaving the block without a settle)."""
        call = _core.reserve(user_id, units, ttl_seconds, plan, idempotency_key)
        return PendingReservation(self._reserve(user_id, plan, call))

    async def _reserve(self, user_id: str, plan: str | None, call: Call) -> AsyncReservation:
        return AsyncReservation(self._send, user_id, plan, call, await self._send(call))

    async def usage(self, user_id: str, *, plan: str | None = None) -> UsageReport:
        """See `DreamApi.usage`."""
        result: UsageReport = await self._json(_core.usage(user_id, plan))
        return result

    async def tiers(self, platform_id: str) -> Tiers:
        """See `DreamApi.tiers`."""
        result: Tiers = await self._json(_core.tiers(platform_id))
        return result

    # --- credits ----------------------------------------------------------------------------

    async def credits(self, user_id: str) -> CreditBalance:
        """See `DreamApi.credits`."""
        result: CreditBalance = await self._json(_core.credit_balance(user_id))
        return result

    async def grant_credits(
        self, user_id: str, units: int, *, reason: str | None = None, idempotency_key: str | None = None
    ) -> CreditChange:
        """See `DreamApi.grant_credits`."""
        result: CreditChange = await self._json(_core.grant_credits(user_id, units, reason, idempotency_key))
        return result

    async def credit_statement(self, user_id: str) -> CreditStatement:
        """See `DreamApi.credit_statement`."""
        result: CreditStatement = await self._json(_core.credit_statement(user_id))
        return result

    # --- API keys ---------------------------------------------------------------------------

    async def list_keys(self) -> ApiKeyList:
        """See `DreamApi.list_keys`."""
        result: ApiKeyList = await self._json(_core.list_keys())
        return result

    async def create_key(self, name: str, *, expires_at: str | datetime | None = None) -> CreatedApiKey:
        """See `DreamApi.create_key`."""
        result: CreatedApiKey = await self._json(_core.create_key(name, expires_at))
        return result

    async def roll_key(self, key_id: str, *, grace_period_seconds: int | None = None) -> RolledApiKey:
        """See `DreamApi.roll_key`."""
        result: RolledApiKey = await self._json(_core.roll_key(key_id, grace_period_seconds))
        return result

    async def revoke_key(self, key_id: str) -> ApiKey:
        """See `DreamApi.revoke_key`."""
        result: ApiKey = await self._json(_core.revoke_key(key_id))
        return result

    # --- analytics --------------------------------------------------------------------------

    async def end_users(
        self,
        *,
        search: str | None = None,
        sort: str | None = None,
        order: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
    ) -> EndUsersPage:
        """See `DreamApi.end_users`."""
        result: EndUsersPage = await self._json(_core.end_users(search, sort, order, page, page_size))
        return result

    async def end_user(self, user_id: str) -> EndUserDetail:
        """See `DreamApi.end_user`."""
        result: EndUserDetail = await self._json(_core.end_user(user_id))
        return result


# --- reservations ---------------------------------------------------------------------------


class Reservation(ReservationState):
    """Units held for an end user by `DreamApi.reserve`: do the work, then `settle()` what it
    cost, or `release()` it. Used as a context manager, it is released when the block raises or
    ends without a settle (a failing release then never hides the block's own exception)."""

    def __init__(
        self,
        send: Callable[[Call], httpx.Response],
        user_id: str,
        plan: str | None,
        call: Call,
        response: httpx.Response,
    ) -> None:
        super().__init__(user_id, plan, call, response)
        self._send = send

    def settle(self, units: int) -> SettleResult:
        """Count `units` (what the work cost; 0 counts nothing) as one metered call and free the
        rest. The same units again answers the same and counts once; other units, or a released or
        expired reservation, raise `ReservationFinished`. Units beyond the hold are counted only as
        far as what is free covers (`shortfall`: the rest)."""
        result: SettleResult = self._step(self._settle_call(units))
        return result

    def release(self) -> ReservationResult:
        """Free the whole hold, counting nothing (again: the same answer); `ReservationFinished`
        when it was settled or expired."""
        result: ReservationResult = self._step(self._release_call())
        return result

    def refresh(self) -> ReservationInfo:
        """The reservation as it stands (GET /api/reservations/{id}); `status` follows it."""
        result: ReservationInfo = self._step(self._get_call())
        return result

    def _step(self, call: Call) -> Any:
        try:
            return self._noted(self._send(call))
        except ReservationFinished as finished:
            self._note_finished(finished)
            raise

    def __enter__(self) -> Reservation:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.status != "held":
            return
        try:
            self.release()
        except ReservationFinished:
            pass  # it holds nothing any more, which is what the release was for
        except DreamApiError as failed:
            if error is None:
                raise
            self._release_failed(failed, error)


class AsyncReservation(ReservationState):
    """`Reservation` for asyncio: the same methods, awaited; `async with` releases likewise."""

    def __init__(
        self,
        send: Callable[[Call], Awaitable[httpx.Response]],
        user_id: str,
        plan: str | None,
        call: Call,
        response: httpx.Response,
    ) -> None:
        super().__init__(user_id, plan, call, response)
        self._send = send

    async def settle(self, units: int) -> SettleResult:
        """See `Reservation.settle`."""
        result: SettleResult = await self._step(self._settle_call(units))
        return result

    async def release(self) -> ReservationResult:
        """See `Reservation.release`."""
        result: ReservationResult = await self._step(self._release_call())
        return result

    async def refresh(self) -> ReservationInfo:
        """See `Reservation.refresh`."""
        result: ReservationInfo = await self._step(self._get_call())
        return result

    async def _step(self, call: Call) -> Any:
        try:
            return self._noted(await self._send(call))
        except ReservationFinished as finished:
            self._note_finished(finished)
            raise

    async def __aenter__(self) -> AsyncReservation:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.status != "held":
            return
        try:
            await self.release()
        except ReservationFinished:
            pass  # it holds nothing any more, which is what the release was for
        except DreamApiError as failed:
            if error is None:
                raise
            self._release_failed(failed, error)


class PendingReservation:
    """What `AsyncDreamApi.reserve()` returns: `await` it for the `AsyncReservation`, or use it
    as `async with dream.reserve(…) as r:` (released on leaving the block without a settle)."""

    def __init__(self, reserving: Coroutine[Any, Any, AsyncReservation]) -> None:
        self._reserving = reserving
        self._reservation: AsyncReservation | None = None

    def __await__(self) -> Generator[Any, None, AsyncReservation]:
        return self._reserving.__await__()

    async def __aenter__(self) -> AsyncReservation:
        self._reservation = await self._reserving
        return self._reservation

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._reservation is not None:
            await self._reservation.__aexit__(kind, error, tb)
