"""What the sync and async clients share: configuration, the requests each method sends, when
to retry, and how answers become results or exceptions. No I/O here."""

from __future__ import annotations

import logging
import os
import random
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from ._version import __version__
from .errors import DreamApiError, ReservationFinished
from .models import (
    Metered,
    MeterResult,
    RateLimit,
    ReservationInfo,
    ReservationResult,
    ReservationStatus,
    ReservationUsage,
    SettleResult,
)

# api_multi as `make dev` runs it; a deployment's own URL comes from base_url or DREAMAPI_BASE_URL
DEFAULT_BASE_URL = "http://127.0.0.1:8787"
DEFAULT_TIMEOUT = 10.0  # seconds, per attempt
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RETRY_AFTER = 2.0  # the longest Retry-After (seconds) the client waits out itself
USER_AGENT = f"dreamapi-client-python/{__version__}"
STATUSES: tuple[ReservationStatus, ...] = typing.get_args(ReservationStatus)

logger = logging.getLogger("dreamapi_client")

# Transport errors after which the request certainly never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Transport errors worth another attempt (network trouble, not a malformed URL or a local bug).
_TRANSIENT = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a request again, and after how long.

    - no answer (connect error, timeout, dropped connection): again after an exponential backoff
      with jitter, unless the request may have reached the server and repeating it is not safe
      (creating or rolling a key): those are only retried when they were certainly not sent;
    - 502, 503, 504: again after Retry-After (when it is at most `max_retry_after`; a longer one
      is raised at once) or the backoff; a request that is not safe to repeat only on 503, which
      the API answers when it changed nothing;
    - 429: again only when Retry-After says so within `max_retry_after`;
    - anything else: never.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    backoff_base: float = 0.25
    backoff_cap: float = 4.0
    jitter: Callable[[], float] = field(default=random.random, compare=False, repr=False)  # in [0, 1)

    def backoff(self, attempt: int) -> float:
        """Half the exponential step fixed, half random ("equal jitter")."""
        step = min(self.backoff_cap, self.backoff_base * 2.0**attempt)
        return step / 2 + self.jitter() * step / 2

    def after_error(self, attempt: int, error: httpx.TransportError, replay_safe: bool) -> float | None:
        """Seconds to wait before attempt `attempt + 1` after no answer; None: give up."""
        if attempt >= self.max_retries or not isinstance(error, _TRANSIENT):
            return None
        if not replay_safe and not isinstance(error, _NOT_SENT):
            return None
        return self.backoff(attempt)

    def after_status(
        self, attempt: int, status: int, retry_after: float | None, replay_safe: bool
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1` after this answer; None: give up."""
        if attempt >= self.max_retries:
            return None
        if retry_after is not None and retry_after > self.max_retry_after:
            return None
        if status == 429:
            return retry_after
        if status == 503 or (status in (502, 504) and replay_safe):
            return retry_after if retry_after is not None else self.backoff(attempt)
        return None


@dataclass(frozen=True)
class Config:
    api_key: str
    base_url: str
    timeout: float | httpx.Timeout
    retry: RetryPolicy


def config(
    api_key: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    max_retry_after: float,
) -> Config:
    key = api_key if api_key is not None else os.environ.get("DREAMAPI_API_KEY")
    if not key:
        raise ValueError("an API key is needed: DreamApi('dream_live_…') or DREAMAPI_API_KEY")
    url = base_url or os.environ.get("DREAMAPI_BASE_URL") or DEFAULT_BASE_URL
    if max_retries < 0:
        raise ValueError("max_retries must be 0 or more")
    return Config(key, url.rstrip("/"), timeout, RetryPolicy(max_retries, max_retry_after))


@dataclass(frozen=True)
class Call:
    """One API call as every attempt sends it."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    replay_safe: bool = True  # sending it twice does what sending it once does
    authenticated: bool = True
    idempotency_key: str | None = None

    def request_headers(self, api_key: str) -> dict[str, str]:
        headers = {"user-agent": USER_AGENT, "accept": "application/json", **self.headers}
        if self.authenticated:
            headers["authorization"] = f"Bearer {api_key}"
        if self.idempotency_key is not None:
            headers["idempotency-key"] = self.idempotency_key
        return headers


def new_idempotency_key() -> str:
    return "sdk_" + uuid.uuid4().hex


def segment(value: str) -> str:
    """A path parameter; the characters of user ids (`A-Za-z0-9_.@+-`) stay as they are."""
    if not isinstance(value, str) or not value:
        raise ValueError("a path parameter must be a non-empty string")
    return quote(value, safe="@+")


def _user_headers(user_id: str, plan: str | None) -> dict[str, str]:
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("user_id must be a non-empty string")
    headers = {"x-user-id": user_id}
    if plan is not None:
        headers["x-user-plan"] = plan
    return headers


def _whole_number(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


# --- the calls ------------------------------------------------------------------------------


def meter(user_id: str, units: int, plan: str | None, idempotency_key: str | None) -> Call:
    units = _whole_number("units", units)
    return Call(
        "POST",
        "/api/data",
        headers=_user_headers(user_id, plan),
        json={"units": units} if units != 1 else None,
        idempotency_key=idempotency_key or new_idempotency_key(),
    )


def reserve(
    user_id: str, units: int, ttl_seconds: int | None, plan: str | None, idempotency_key: str | None
) -> Call:
    body = {"units": _whole_number("units", units)}
    if ttl_seconds is not None:
        body["ttlSeconds"] = _whole_number("ttl_seconds", ttl_seconds)
    return Call(
        "POST",
        "/api/reservations",
        headers=_user_headers(user_id, plan),
        json=body,
        idempotency_key=idempotency_key or new_idempotency_key(),
    )


def settle(user_id: str, plan: str | None, reservation_id: str, units: int) -> Call:
    body = {"units": _whole_number("units", units)}
    path = f"/api/reservations/{segment(reservation_id)}/settle"  # again with the same units: the same
    return Call("POST", path, headers=_user_headers(user_id, plan), json=body)


def release(user_id: str, plan: str | None, reservation_id: str) -> Call:
    path = f"/api/reservations/{segment(reservation_id)}/release"  # again: the same answer
    return Call("POST", path, headers=_user_headers(user_id, plan))


def reservation(user_id: str, plan: str | None, reservation_id: str) -> Call:
    return Call("GET", f"/api/reservations/{segment(reservation_id)}", headers=_user_headers(user_id, plan))


def usage(user_id: str, plan: str | None) -> Call:
    return Call("GET", "/api/usage", headers=_user_headers(user_id, plan))


def tiers(platform_id: str) -> Call:
    return Call("GET", "/api/tiers", params={"platformId": platform_id}, authenticated=False)


def credit_balance(user_id: str) -> Call:
    return Call("GET", "/api/credits", headers=_user_headers(user_id, None))


def grant_credits(user_id: str, units: int, reason: str | None, idempotency_key: str | None) -> Call:
    body: dict[str, Any] = {"units": _whole_number("units", units)}
    if reason is not None:
        body["reason"] = reason
    return Call(
        "POST",
        f"/api/developer/users/{segment(user_id)}/credits",
        json=body,
        idempotency_key=idempotency_key or new_idempotency_key(),
    )


def credit_statement(user_id: str) -> Call:
    return Call("GET", f"/api/developer/users/{segment(user_id)}/credits")


def list_keys() -> Call:
    return Call("GET", "/api/developer/keys")


def create_key(name: str, expires_at: str | datetime | None) -> Call:
    body: dict[str, Any] = {"name": name}
    if isinstance(expires_at, datetime):
        if expires_at.tzinfo is None:
            raise ValueError("expires_at needs a time zone (e.g. datetime.now(timezone.utc) + …)")
        body["expiresAt"] = expires_at.isoformat()
    elif expires_at is not None:
        body["expiresAt"] = expires_at
    return Call("POST", "/api/developer/keys", json=body, replay_safe=False)


def roll_key(key_id: str, grace_period_seconds: int | None) -> Call:
    body = {} if grace_period_seconds is None else {"gracePeriodSeconds": grace_period_seconds}
    return Call("POST", f"/api/developer/keys/{segment(key_id)}/roll", json=body, replay_safe=False)


def revoke_key(key_id: str) -> Call:
    return Call("DELETE", f"/api/developer/keys/{segment(key_id)}")  # revoking again: the same answer


def end_users(
    search: str | None, sort: str | None, order: str | None, page: int | None, page_size: int | None
) -> Call:
    given = {"search": search, "sort": sort, "order": order, "page": page, "pageSize": page_size}
    return Call("GET", "/api/developer/users", params={k: str(v) for k, v in given.items() if v is not None})


def end_user(user_id: str) -> Call:
    return Call("GET", f"/api/developer/users/{segment(user_id)}")


# --- answers --------------------------------------------------------------------------------


def decoded(response: httpx.Response) -> Any:
    """A 2xx answer's JSON object."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DreamApiError(
            f"expected a JSON object from {response.request.method} {response.request.url.path}",
            status=response.status_code,
            code="malformed_response",
            headers=response.headers,
        )
    return body


def metered(call: Call, response: httpx.Response) -> Metered:
    result: MeterResult = decoded(response)
    return Metered(
        result=result,
        idempotency_key=call.idempotency_key or "",
        replayed=response.headers.get("idempotent-replayed", "").lower() == "true",
        rate_limit=rate_limit_of(response.headers),
        request_id=response.headers.get("x-request-id"),
    )


class ReservationState:
    """What the sync and async reservation handles share: whose hold it is, what the reserve
    answered, and what the latest answer about it said. The calls themselves are the handles'."""

    id: str
    user_id: str
    plan: str | None
    reserved: ReservationResult  # the reserve's answer
    latest: ReservationResult | SettleResult | ReservationInfo  # the latest answer about it
    usage: ReservationUsage  # the end user's usage after the latest reserve, settle or release
    idempotency_key: str  # the reserve was sent (and any retry resent) with it
    replayed: bool  # the reserve's answer was the one recorded for this key earlier
    rate_limit: RateLimit | None
    request_id: str | None

    def __init__(self, user_id: str, plan: str | None, call: Call, response: httpx.Response) -> None:
        self.reserved = reservation_answer(response)
        self.id = self.reserved["id"]
        self.user_id, self.plan = user_id, plan
        self.latest, self.usage = self.reserved, self.reserved["usage"]
        self.idempotency_key = call.idempotency_key or ""
        self.replayed = response.headers.get("idempotent-replayed", "").lower() == "true"
        self.rate_limit = rate_limit_of(response.headers)
        self.request_id = response.headers.get("x-request-id")

    @property
    def units(self) -> int:
        """The units held: the most the work may cost."""
        return self.reserved["units"]

    @property
    def expires_at(self) -> str:
        return self.reserved["expiresAt"]

    @property
    def status(self) -> ReservationStatus:
        """As the latest answer said: held, settled, released or expired."""
        return self.latest["status"]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.status} {self.units} units of {self.user_id}>"

    def _settle_call(self, units: int) -> Call:
        return settle(self.user_id, self.plan, self.id, units)

    def _release_call(self) -> Call:
        return release(self.user_id, self.plan, self.id)

    def _get_call(self) -> Call:
        return reservation(self.user_id, self.plan, self.id)

    def _noted(self, response: httpx.Response) -> Any:
        """An answer about this reservation (a settle's, a release's, a read's), noted."""
        answer = reservation_answer(response)
        self.latest = answer
        if isinstance(answer.get("usage"), dict):
            self.usage = answer["usage"]
        return answer

    def _note_finished(self, error: ReservationFinished) -> None:
        """A 409 says how the reservation stands: settled, released or expired."""
        if error.reservation.get("id") == self.id and error.reservation.get("status") in STATUSES:
            self.latest = typing.cast(ReservationInfo, error.reservation)

    def _release_failed(self, error: DreamApiError, raised: BaseException) -> None:
        """The release on leaving a block that raised `raised` failed: that error goes on (the hold
        expires at `expires_at` anyway); this one is logged."""
        logger.warning("releasing %s after %r failed: %s", self.id, raised, error)


def reservation_answer(response: httpx.Response) -> Any:
    body = decoded(response)
    if not isinstance(body.get("id"), str) or body.get("status") not in STATUSES:
        raise DreamApiError(
            f"expected a reservation from {response.request.method} {response.request.url.path}",
            status=response.status_code,
            code="malformed_response",
            headers=response.headers,
        )
    return body


def rate_limit_of(headers: Mapping[str, str]) -> RateLimit | None:
    try:
        return RateLimit(
            limit=int(headers["x-ratelimit-limit"]),
            remaining=int(headers["x-ratelimit-remaining"]),
            reset=int(headers["x-ratelimit-reset"]),
        )
    except (KeyError, ValueError):
        return None


def give_up_message(call: Call, error: httpx.TransportError, attempts: int) -> str:
    what = type(error).__name__
    detail = str(error) or what
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    return f"{call.method} {call.path}: no answer after {tries} ({what}: {detail})"
