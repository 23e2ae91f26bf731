"""The Python SDK (clients/python, `dreamapi_client`) against the real platform in workerd:
metering to the quota and past the rate, a retry after a dropped connection that counts once,
reservations (settled once, released when the block raises or never settles, refused with what is
held, held once through retries), API key errors, usage, tiers, credits, keys and analytics, the
async client, and FastAPI and Flask apps whose routes it meters. (No `from __future__ import
annotations`: FastAPI reads the annotations of routes defined in functions, whose dependencies are
local names.)"""

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import flask
import httpx
import pytest
from dreamapi_client import (
    AsyncDreamApi,
    BadRequest,
    Conflict,
    ConnectionFailed,
    DreamApi,
    IdempotencyKeyReused,
    InvalidApiKey,
    Metered,
    NotFound,
    QuotaExceeded,
    RateLimited,
    ReservationFinished,
)
from dreamapi_client.fastapi import install
from dreamapi_client.fastapi import metered as fastapi_metered
from dreamapi_client.flask import metered as flask_metered
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from scripts import devstack
from scripts.local_platform import Platform
from tests.runtime.helpers import SPEC_LIMIT_BODY, eventually, new_user, put_tiers, register

pytestmark = pytest.mark.runtime

FREE_LIMIT = 3
BURST_RATE = 3
TIERS = [
    {"name": "free", "limit": FREE_LIMIT, "rateLimit": 100, "default": True},
    {"name": "big", "limit": 1_000_000, "rateLimit": 1000},
    {"name": "burst", "limit": 1000, "rateLimit": BURST_RATE},
]


@dataclass(frozen=True)
class Developer:
    platform_id: str
    api_key: str
    base_url: str

    def client(self, **options: Any) -> DreamApi:
        return DreamApi(self.api_key, base_url=self.base_url, **options)

    def async_client(self, **options: Any) -> AsyncDreamApi:
        return AsyncDreamApi(self.api_key, base_url=self.base_url, **options)


@pytest.fixture(scope="module")
def developer(platform: Platform) -> Developer:
    """A platform whose default tier `free` allows 3 units a month, `big` plenty, and `burst` 3
    calls a minute."""
    with platform.client("api_multi") as api_multi:
        platform_id, api_key = register(api_multi)
        reply = put_tiers(api_multi, api_key, TIERS)
        assert reply.status_code == 200, reply.text
    return Developer(platform_id, api_key, platform.workers["api_multi"].url)


@pytest.fixture()
def dream(developer: Developer) -> Iterator[DreamApi]:
    with developer.client() as client:
        yield client


def clear_of_minute_end(margin: float = 6.0) -> None:
    """Start a burst early enough in the minute that it ends in the window it started in (a
    refusal near the window's end says Retry-After 1-2 s, which the SDK would wait out)."""
    into_minute = time.time() % 60
    if into_minute > 60 - margin:
        time.sleep(60 - into_minute + 0.2)


# --- metering -------------------------------------------------------------------------------


def test_meter_counts_and_usage_reads_without_counting(dream: DreamApi, developer: Developer) -> None:
    user = new_user()
    result = dream.meter(user)
    assert result["success"] is True and result["userId"] == user
    assert result["platformId"] == developer.platform_id
    usage = result["usage"]
    assert (usage["count"], usage["limit"], usage["plan"], usage["remaining"]) == (1, FREE_LIMIT, "free", 2)
    assert usage["units"] == 1 and usage["credits"] == 0

    detailed = dream.meter_detailed(user, 2, plan="big")
    assert detailed.usage["count"] == 3 and detailed.usage["plan"] == "big"
    assert detailed.usage["units"] == 2
    assert detailed.replayed is False and detailed.idempotency_key.startswith("sdk_")
    assert detailed.rate_limit is not None and detailed.rate_limit.limit == 1000
    assert detailed.rate_limit.reset > time.time() - 1
    assert detailed.request_id

    report = dream.usage(user)
    assert report["usage"]["count"] == 3 and report["userId"] == user
    assert report["subscription"] == {"tier": None, "status": "none"}
    assert sum(day["count"] for day in report["daily"]) == 3
    assert dream.usage(user)["usage"]["count"] == 3  # reading counted nothing


def test_metering_to_the_quota_raises_quota_exceeded_and_counts_nothing(dream: DreamApi) -> None:
    user = new_user()
    counts = [dream.meter(user)["usage"]["count"] for _ in range(FREE_LIMIT)]
    assert counts == [1, 2, 3]
    with pytest.raises(QuotaExceeded) as refused:
        dream.meter(user)
    error = refused.value
    assert (error.status, error.code, error.message) == (
        403,
        SPEC_LIMIT_BODY["error"],
        SPEC_LIMIT_BODY["message"],
    )
    assert (error.count, error.limit, error.plan, error.credits_balance) == (
        FREE_LIMIT,
        FREE_LIMIT,
        "free",
        0,
    )
    assert error.body["count"] == FREE_LIMIT

    other = new_user()
    dream.meter(other, 2)
    with pytest.raises(QuotaExceeded) as too_big:  # 2 + 2 > 3: refused whole
        dream.meter(other, 2)
    assert too_big.value.count == 2
    assert dream.usage(user)["usage"]["count"] == FREE_LIMIT
    assert dream.usage(other)["usage"]["count"] == 2


def test_a_burst_past_the_rate_raises_rate_limited_with_retry_after(dream: DreamApi) -> None:
    user = new_user()
    clear_of_minute_end()
    for _ in range(BURST_RATE):
        dream.meter(user, plan="burst")
    started = time.monotonic()
    with pytest.raises(RateLimited) as refused:
        dream.meter(user, plan="burst")
    assert time.monotonic() - started < 1.5, "a Retry-After past max_retry_after is not waited out"
    error = refused.value
    assert error.status == 429 and error.code == "rate_limited"
    assert error.retry_after is not None and error.retry_after > 0
    assert (error.limit, error.remaining) == (BURST_RATE, 0)
    assert error.reset is not None and error.reset > time.time()
    assert dream.usage(user, plan="burst")["usage"]["count"] == BURST_RATE


def test_an_explicit_idempotency_key_replays_and_refuses_other_parameters(dream: DreamApi) -> None:
    user = new_user()
    first = dream.meter_detailed(user, idempotency_key=f"order-{user}")
    again = dream.meter_detailed(user, idempotency_key=f"order-{user}")
    assert (first.replayed, again.replayed) == (False, True)
    assert again.result == first.result and again.rate_limit is None
    assert dream.usage(user)["usage"]["count"] == 1
    with pytest.raises(IdempotencyKeyReused) as reused:
        dream.meter(user, plan="big", idempotency_key=f"order-{user}")
    assert reused.value.status == 422 and reused.value.code == "idempotency_key_reused"


def test_bad_input_raises_bad_request(dream: DreamApi) -> None:
    with pytest.raises(BadRequest) as unknown:
        dream.meter(new_user(), plan="platinum")
    assert unknown.value.status == 400 and unknown.value.code == "unknown_plan"
    with pytest.raises(BadRequest) as units:
        dream.meter(new_user(), 0)
    assert units.value.code == "invalid_units"
    with pytest.raises(TypeError):
        dream.meter(new_user(), 1.5)  # type: ignore[arg-type]


# --- a retry after a dropped connection -----------------------------------------------------


def _read_message(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """One HTTP/1.1 message (head and a Content-Length or chunked body) from `sock`."""

    def fill() -> bool:
        chunk = sock.recv(65536)
        buffer.extend(chunk)
        return bool(chunk)

    while b"\r\n\r\n" not in buffer:
        if not fill():
            return None
    head_end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:head_end]).decode("latin-1").lower()
    headers = dict(line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
    if headers.get("transfer-encoding", "").strip() == "chunked":
        while b"0\r\n\r\n" not in buffer[head_end:]:
            if not fill():
                return None
        end = buffer.index(b"0\r\n\r\n", head_end) + 5
    else:
        end = head_end + int(headers.get("content-length", "0").strip() or 0)
        while len(buffer) < end:
            if not fill():
                return None
    message = bytes(buffer[:end])
    del buffer[:end]
    return message


class DroppingProxy:
    """A TCP proxy to api_multi that passes the request of the first `drops` exchanges on, waits
    for the worker's whole answer, then closes the client's connection instead of sending it."""

    def __init__(self, upstream: str, drops: int = 1) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.drops = drops
        self.requests: list[dict[str, str]] = []  # the head of every request seen, lowercased
        self.answered: list[bytes] = []  # what the worker answered, dropped or passed on
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(self.upstream) as upstream, contextlib.suppress(OSError):
            from_client, from_upstream = bytearray(), bytearray()
            while (request := _read_message(client, from_client)) is not None:
                head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
                fields = dict(line.lower().split(": ", 1) for line in head[1:])
                upstream.sendall(request)
                answer = _read_message(upstream, from_upstream)
                with self._lock:
                    self.requests.append({"request-line": head[0], **fields})
                    self.answered.append(answer or b"")
                    drop = self.drops > 0
                    self.drops -= drop
                if drop or answer is None:
                    return  # closes the client's connection: it never hears the answer
                client.sendall(answer)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture()
def proxy(platform: Platform) -> Iterator[DroppingProxy]:
    dropping = DroppingProxy(platform.workers["api_multi"].url)
    try:
        yield dropping
    finally:
        dropping.close()


def _assert_counted_once(proxy: DroppingProxy, metered: Metered, units: int) -> None:
    assert [r["request-line"] for r in proxy.requests] == ["POST /api/data HTTP/1.1"] * 2
    keys = {r["idempotency-key"] for r in proxy.requests}
    assert keys == {metered.idempotency_key} and metered.idempotency_key.startswith("sdk_")
    assert all(answer.startswith(b"HTTP/1.1 200") for answer in proxy.answered), proxy.answered
    assert b"idempotent-replayed: true" not in proxy.answered[0].lower()  # the first one counted
    assert b"idempotent-replayed: true" in proxy.answered[1].lower()  # the retry did not
    assert metered.replayed is True
    assert (metered.usage["count"], metered.usage["units"]) == (units, units)


def test_a_retry_after_a_dropped_connection_counts_once(
    developer: Developer, proxy: DroppingProxy, dream: DreamApi
) -> None:
    user = new_user()
    assert dream.usage(user)["usage"]["count"] == 0
    with DreamApi(developer.api_key, base_url=proxy.url) as through_proxy:
        metered = through_proxy.meter_detailed(user, 3, plan="big")
    _assert_counted_once(proxy, metered, 3)
    assert dream.usage(user)["usage"]["count"] == 3


async def test_the_async_client_retries_a_dropped_connection_once_too(
    developer: Developer, proxy: DroppingProxy, dream: DreamApi
) -> None:
    user = new_user()
    async with AsyncDreamApi(developer.api_key, base_url=proxy.url) as through_proxy:
        metered = await through_proxy.meter_detailed(user, 2, plan="big")
    _assert_counted_once(proxy, metered, 2)
    assert dream.usage(user)["usage"]["count"] == 2


def test_no_answer_at_all_raises_connection_failed_after_the_retries(developer: Developer) -> None:
    port = devstack.free_port()  # nothing listens there
    with (
        DreamApi(developer.api_key, base_url=f"http://127.0.0.1:{port}", max_retries=2) as nowhere,
        pytest.raises(ConnectionFailed) as failed,
    ):
        nowhere.meter(new_user())
    assert failed.value.attempts == 3 and failed.value.status is None
    assert isinstance(failed.value.__cause__, httpx.ConnectError)


# --- reservations ---------------------------------------------------------------------------


def held_and_counted(dream: DreamApi, user: str, plan: str | None = "big") -> tuple[int, int]:
    usage = dream.usage(user, plan=plan)["usage"]
    return usage["held"], usage["count"]


def test_a_settled_reservation_counts_what_the_work_cost_once_and_frees_the_rest(dream: DreamApi) -> None:
    user = new_user()
    with dream.reserve(user, 500, plan="big", ttl_seconds=120) as held:
        assert held.id.startswith("rsv_") and (held.status, held.units) == ("held", 500)
        assert (held.usage["held"], held.usage["count"]) == (500, 0) and held.reserved["userId"] == user
        assert held.idempotency_key.startswith("sdk_") and held.replayed is False
        assert held.rate_limit is not None and held.rate_limit.limit == 1000
        expires = datetime.fromisoformat(held.expires_at.replace("Z", "+00:00"))
        assert 100 < (expires - datetime.now(UTC)).total_seconds() <= 121
        assert held_and_counted(dream, user) == (500, 0)

        settled = held.settle(137)  # the plan it was reserved with: counted against `big`
        assert (settled["status"], settled["units"], settled["reservedUnits"], settled["shortfall"]) == (
            "settled",
            137,
            500,
            0,
        )
        assert (settled["usage"]["count"], settled["usage"]["held"], settled["usage"]["plan"]) == (
            137,
            0,
            "big",
        )
        assert held.settle(137) == settled  # the same units again: the same answer, counted once
        with pytest.raises(ReservationFinished) as other:
            held.settle(138)
        assert (other.value.status, other.value.code) == (409, "reservation_settled")
        assert other.value.reservation_status == "settled" and other.value.reservation["settledUnits"] == 137
    assert held.status == "settled"  # left settled: nothing to release
    shown = held.refresh()
    assert (shown["status"], shown["units"], shown["settledUnits"], shown["shortfall"]) == (
        "settled",
        500,
        137,
        0,
    )
    with pytest.raises(ReservationFinished) as late:
        held.release()
    assert late.value.code == "reservation_settled"
    assert held_and_counted(dream, user) == (0, 137)


def test_a_block_that_raises_or_never_settles_releases_and_counts_nothing(dream: DreamApi) -> None:
    user = new_user()
    with pytest.raises(RuntimeError, match="the work failed"), dream.reserve(user, 300, plan="big") as failed:
        assert held_and_counted(dream, user) == (300, 0)
        raise RuntimeError("the work failed")
    assert failed.status == "released" and failed.usage["held"] == 0
    assert held_and_counted(dream, user) == (0, 0)

    with dream.reserve(user, 200, plan="big") as unused:
        assert held_and_counted(dream, user) == (200, 0)
    assert unused.status == "released" and held_and_counted(dream, user) == (0, 0)
    assert unused.release() == unused.latest  # releasing again: the same answer
    with pytest.raises(ReservationFinished) as late:
        unused.settle(1)
    assert (late.value.code, late.value.reservation_status) == ("reservation_released", "released")
    assert held_and_counted(dream, user) == (0, 0)


def test_a_reservation_that_expires_in_the_block_holds_and_counts_nothing(dream: DreamApi) -> None:
    user = new_user()
    with dream.reserve(user, 50, plan="big", ttl_seconds=1) as held:
        time.sleep(2.5)
        with pytest.raises(ReservationFinished) as late:
            held.settle(10)
    assert (late.value.code, late.value.reservation_status, held.status) == (
        "reservation_expired",
        "expired",
        "expired",
    )
    assert held_and_counted(dream, user) == (0, 0)


def test_a_reservation_beyond_what_is_available_raises_quota_exceeded_and_holds_nothing(
    dream: DreamApi,
) -> None:
    user = new_user()
    first = dream.reserve(user, 2)  # of the 3 units `free` allows
    with pytest.raises(QuotaExceeded) as refused:
        dream.reserve(user, 2)
    error = refused.value
    assert (error.status, error.code, error.message) == (
        403,
        SPEC_LIMIT_BODY["error"],
        SPEC_LIMIT_BODY["message"],
    )
    assert (error.held, error.available, error.count, error.limit, error.plan) == (
        2,
        1,
        0,
        FREE_LIMIT,
        "free",
    )
    with pytest.raises(QuotaExceeded) as metered:
        dream.meter(user, 2)  # a metered call cannot spend what is held either
    assert metered.value.held == 2
    assert first.settle(2)["usage"]["count"] == 2
    assert held_and_counted(dream, user, plan=None) == (0, 2)

    with pytest.raises(BadRequest) as ttl:
        dream.reserve(user, 1, ttl_seconds=0)
    assert ttl.value.code == "invalid_ttl"
    with pytest.raises(BadRequest) as units:
        dream.reserve(user, 0)
    assert units.value.code == "invalid_units"
    with pytest.raises(TypeError):
        dream.reserve(user, 1.5)  # type: ignore[arg-type]


def _assert_sent_twice_each(proxy: DroppingProxy, reservation_id: str, key: str) -> None:
    lines = [r["request-line"] for r in proxy.requests]
    assert (
        lines
        == ["POST /api/reservations HTTP/1.1"] * 2
        + [f"POST /api/reservations/{reservation_id}/settle HTTP/1.1"] * 2
    )
    assert {r["idempotency-key"] for r in proxy.requests[:2]} == {key} and key.startswith("sdk_")
    replayed = [b"idempotent-replayed: true" in answer.lower() for answer in proxy.answered]
    assert replayed == [False, True, False, True], proxy.answered  # the first ones held and counted


def test_retries_after_dropped_connections_hold_once_and_settle_once(
    developer: Developer, proxy: DroppingProxy, dream: DreamApi
) -> None:
    user = new_user()
    with DreamApi(developer.api_key, base_url=proxy.url) as through_proxy:
        held = through_proxy.reserve(user, 40, plan="big")
        assert held.replayed is True and held_and_counted(dream, user) == (40, 0)
        proxy.drops = 1
        settled = held.settle(25)
    _assert_sent_twice_each(proxy, held.id, held.idempotency_key)
    assert (settled["units"], settled["usage"]["count"], settled["usage"]["held"]) == (25, 25, 0)
    assert held_and_counted(dream, user) == (0, 25)


async def test_the_async_reservation_is_entered_or_awaited_and_released_alike(
    developer: Developer, dream: DreamApi
) -> None:
    user = new_user()
    async with developer.async_client() as client:
        async with client.reserve(user, 100, plan="big") as held:
            assert held.status == "held" and held.usage["held"] == 100
            settled = await held.settle(60)
        assert (settled["usage"]["count"], held.status) == (60, "settled")
        assert await held.settle(60) == settled

        with pytest.raises(RuntimeError):
            async with client.reserve(user, 100, plan="big") as failed:
                raise RuntimeError("the work failed")
        assert failed.status == "released"

        awaited = await client.reserve(user, 10, plan="big")
        assert (await awaited.refresh())["status"] == "held" and held_and_counted(dream, user) == (10, 60)
        async with awaited:
            pass  # never settled: released
        assert awaited.status == "released"
        with pytest.raises(ReservationFinished) as late:
            await awaited.settle(1)
        assert late.value.code == "reservation_released"

        with pytest.raises(QuotaExceeded) as refused:
            await client.reserve(new_user(), FREE_LIMIT + 1)
        assert (refused.value.held, refused.value.available) == (0, FREE_LIMIT)
    assert held_and_counted(dream, user) == (0, 60)


async def test_the_async_reservation_retries_dropped_connections_once_too(
    developer: Developer, proxy: DroppingProxy, dream: DreamApi
) -> None:
    user = new_user()
    through_proxy = AsyncDreamApi(developer.api_key, base_url=proxy.url)
    async with through_proxy, through_proxy.reserve(user, 30, plan="big") as held:
        assert held.replayed is True
        proxy.drops = 1
        settled = await held.settle(30)
    _assert_sent_twice_each(proxy, held.id, held.idempotency_key)
    assert settled["units"] == 30 and held_and_counted(dream, user) == (0, 30)


# --- keys -----------------------------------------------------------------------------------


def test_keys_can_be_listed_created_rolled_and_revoked(developer: Developer, platform: Platform) -> None:
    with platform.client("api_multi") as api_multi:
        _, api_key = register(api_multi)
    with DreamApi(api_key, base_url=developer.base_url) as dream:
        listed = dream.list_keys()
        assert [key["name"] for key in listed["keys"]] == ["default"]
        assert listed["maxActiveKeys"] == 20 and api_key not in str(listed)

        expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        created = dream.create_key("ci server", expires_at=expiry)
        assert created["name"] == "ci server" and created["apiKey"].startswith("dream_live_")
        assert created["expiresAt"] is not None and created["revokedAt"] is None
        user = new_user()
        with DreamApi(created["apiKey"], base_url=developer.base_url) as ci:
            assert ci.meter(user)["usage"]["count"] == 1

        rolled = dream.roll_key(created["id"], grace_period_seconds=1)
        assert rolled["previousKey"]["id"] == created["id"] and rolled["rolledFrom"] == created["id"]
        with DreamApi(created["apiKey"], base_url=developer.base_url) as old:
            assert old.meter(user)["usage"]["count"] == 2  # through its grace period
        time.sleep(2.1)
        with (
            DreamApi(created["apiKey"], base_url=developer.base_url) as old,
            pytest.raises(InvalidApiKey) as expired,
        ):
            old.meter(user)
        assert expired.value.status == 401 and expired.value.expired
        with pytest.raises(Conflict) as again:
            dream.roll_key(created["id"])
        assert again.value.code == "api_key_not_active"

        revoked = dream.revoke_key(rolled["id"])
        assert revoked["id"] == rolled["id"] and revoked["revokedAt"] is not None
        with (
            DreamApi(rolled["apiKey"], base_url=developer.base_url) as gone,
            pytest.raises(InvalidApiKey) as invalid,
        ):
            gone.usage(user)
        assert invalid.value.code == "invalid_api_key" and not invalid.value.expired
        with pytest.raises(NotFound) as missing:
            dream.revoke_key("key_" + "0" * 24)
        assert missing.value.code == "api_key_not_found"
        assert {key["name"] for key in dream.list_keys()["keys"]} == {"default", "ci server"}
        assert dream.usage(user)["usage"]["count"] == 2


def test_a_wrong_api_key_raises_invalid_api_key(developer: Developer) -> None:
    with (
        DreamApi("dream_live_" + "A" * 36, base_url=developer.base_url) as wrong,
        pytest.raises(InvalidApiKey) as refused,
    ):
        wrong.meter(new_user())
    assert (refused.value.status, refused.value.code) == (401, "invalid_api_key")
    assert refused.value.request_id


# --- tiers, credits, analytics --------------------------------------------------------------


def test_tiers_are_public(dream: DreamApi, developer: Developer) -> None:
    with DreamApi("not-a-key", base_url=developer.base_url) as anyone:
        tiers = anyone.tiers(developer.platform_id)
    assert tiers == dream.tiers(developer.platform_id)
    assert tiers["source"] == "custom" and tiers["stripeConnected"] is False
    assert [(t["name"], t["limit"], t.get("rateLimit")) for t in tiers["tiers"]] == [
        (t["name"], t["limit"], t["rateLimit"]) for t in TIERS
    ]
    with pytest.raises(NotFound) as unknown:
        dream.tiers("plt_" + "0" * 20)
    assert unknown.value.code == "platform_not_found"
    with pytest.raises(BadRequest):
        dream.tiers("nope")


def test_credits_are_granted_once_per_key_read_and_spent(dream: DreamApi) -> None:
    user = new_user()
    assert dream.credits(user)["balance"] == 0
    granted = dream.grant_credits(user, 5, reason="welcome", idempotency_key=f"welcome-{user}")
    assert granted["balance"] == 5 and granted["entry"]["kind"] == "grant"
    assert granted["entry"]["reason"] == "welcome" and granted["entry"]["balanceAfter"] == 5
    assert dream.grant_credits(user, 5, reason="welcome", idempotency_key=f"welcome-{user}") == granted
    assert dream.credits(user) == {"platformId": granted["platformId"], "userId": user, "balance": 5}

    with pytest.raises(Conflict) as short:
        dream.grant_credits(user, -100)
    assert short.value.code == "insufficient_credits"

    dream.meter(user, FREE_LIMIT)  # the month's included units
    paid = dream.meter(user, 2)  # then the credits pay
    assert paid["usage"]["credits"] == 3
    with pytest.raises(QuotaExceeded) as refused:
        dream.meter(user, 4)
    assert refused.value.credits_balance == 3

    statement = dream.credit_statement(user)
    assert statement["balance"] == 3
    assert [entry["kind"] for entry in statement["entries"]] == ["usage", "grant"]
    assert statement["entries"][0]["units"] == -2


def test_analytics_list_and_show_end_users(dream: DreamApi) -> None:
    user = new_user()
    dream.meter(user, 2)
    detail = dream.end_user(user)
    assert detail["userId"] == user and detail["usage"]["count"] == 2
    assert detail["lastCountedTier"] == "free" and detail["credits"]["balance"] == 0

    page = eventually(
        lambda: dream.end_users(search=user, sort="usage", page_size=5), lambda p: p["total"] == 1
    )
    assert [(u["userId"], u["units"], u["tier"]) for u in page["users"]] == [(user, 2, "free")]
    assert (page["page"], page["pageSize"], page["sort"]) == (1, 5, "usage")
    with pytest.raises(BadRequest) as bad:
        dream.end_users(sort="nonsense")
    assert bad.value.code == "invalid_sort"


# --- the async client -----------------------------------------------------------------------


async def test_the_async_client_meters_concurrently_and_raises_the_same_errors(developer: Developer) -> None:
    async with developer.async_client() as dream:
        user = new_user()
        results = await asyncio.gather(*(dream.meter(user, plan="big") for _ in range(5)))
        assert sorted(r["usage"]["count"] for r in results) == [1, 2, 3, 4, 5]
        assert (await dream.usage(user, plan="big"))["usage"]["count"] == 5

        capped = new_user()
        for _ in range(FREE_LIMIT):
            await dream.meter(capped)
        with pytest.raises(QuotaExceeded) as refused:
            await dream.meter(capped)
        assert (refused.value.count, refused.value.limit, refused.value.plan) == (3, 3, "free")

        clear_of_minute_end()
        hurried = new_user()
        for _ in range(BURST_RATE):
            await dream.meter(hurried, plan="burst")
        with pytest.raises(RateLimited) as limited:
            await dream.meter(hurried, plan="burst")
        assert limited.value.retry_after is not None and limited.value.retry_after > 0

        granted = await dream.grant_credits(capped, 7)
        assert (await dream.credits(capped))["balance"] == granted["balance"] == 7
        assert (await dream.credit_statement(capped))["entries"][0]["units"] == 7
        assert (await dream.tiers(developer.platform_id))["source"] == "custom"
        assert any(key["name"] == "default" for key in (await dream.list_keys())["keys"])
        assert (await dream.end_user(capped))["usage"]["count"] == FREE_LIMIT


# --- integrations ---------------------------------------------------------------------------


def _fastapi_app(client: DreamApi | AsyncDreamApi) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if isinstance(client, AsyncDreamApi):
            await client.aclose()
        else:
            client.close()

    app = FastAPI(lifespan=lifespan)
    install(app)
    meter = fastapi_metered(client, user_id=lambda request: request.headers.get("x-user-id"))
    burst = fastapi_metered(
        client, user_id=lambda request: request.headers.get("x-user-id"), plan="burst", units=1
    )

    @app.get("/v1/answer")
    def answer(call: Annotated[Metered, Depends(meter)]) -> dict[str, object]:
        return {"answer": 42, "remaining": call.usage["remaining"]}

    @app.get("/v1/burst", dependencies=[Depends(burst)])
    async def hurried(request: Request) -> dict[str, object]:
        return {"count": request.state.dreamapi.usage["count"]}

    return app


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_fastapi_route_is_metered_by_the_sdk(developer: Developer, flavour: str) -> None:
    client = developer.client() if flavour == "sync" else developer.async_client()
    with TestClient(_fastapi_app(client)) as app:
        user = new_user()
        answers = [app.get("/v1/answer", headers={"x-user-id": user}) for _ in range(FREE_LIMIT)]
        assert [a.status_code for a in answers] == [200] * FREE_LIMIT
        assert [a.json()["remaining"] for a in answers] == [2, 1, 0]
        assert answers[0].headers["x-ratelimit-limit"] == "100"
        refused = app.get("/v1/answer", headers={"x-user-id": user})
        assert refused.status_code == 403
        assert refused.json() == {
            **SPEC_LIMIT_BODY,
            "count": 3,
            "limit": 3,
            "plan": "free",
            "creditsBalance": 0,
        }
        assert app.get("/v1/answer").status_code == 401  # no end user to count against

        clear_of_minute_end()
        hurried = new_user()
        counts = [app.get("/v1/burst", headers={"x-user-id": hurried}).json() for _ in range(BURST_RATE)]
        assert counts == [{"count": n} for n in range(1, BURST_RATE + 1)]
        limited = app.get("/v1/burst", headers={"x-user-id": hurried})
        assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
        assert int(limited.headers["retry-after"]) > 0
        assert limited.headers["x-ratelimit-limit"] == str(BURST_RATE)
        assert limited.headers["x-ratelimit-remaining"] == "0"
    with DreamApi(developer.api_key, base_url=developer.base_url) as dream:
        assert dream.usage(user)["usage"]["count"] == FREE_LIMIT


def test_a_flask_view_is_metered_by_the_sdk(developer: Developer, dream: DreamApi) -> None:
    app = flask.Flask(__name__)

    @app.get("/v1/answer")
    @flask_metered(dream, user_id=lambda request: request.headers.get("X-User-Id"))
    def answer() -> dict[str, object]:
        return {"answer": 42, "remaining": flask.g.dreamapi.usage["remaining"]}

    @app.post("/v1/burst")
    @flask_metered(dream, user_id=lambda request: request.headers.get("X-User-Id"), plan="burst")
    def hurried() -> tuple[str, int]:
        return "", 204

    web = app.test_client()
    user = new_user()
    answers = [web.get("/v1/answer", headers={"X-User-Id": user}) for _ in range(FREE_LIMIT)]
    assert [a.status_code for a in answers] == [200] * FREE_LIMIT
    assert [a.get_json()["remaining"] for a in answers] == [2, 1, 0]
    assert answers[-1].headers["X-RateLimit-Limit"] == "100"
    assert int(answers[-1].headers["X-RateLimit-Remaining"]) < 100
    refused = web.get("/v1/answer", headers={"X-User-Id": user})
    assert refused.status_code == 403
    assert refused.get_json() == {
        **SPEC_LIMIT_BODY,
        "count": 3,
        "limit": 3,
        "plan": "free",
        "creditsBalance": 0,
    }
    assert web.get("/v1/answer").status_code == 401

    clear_of_minute_end()
    hurried_user = new_user()
    for _ in range(BURST_RATE):
        assert web.post("/v1/burst", headers={"X-User-Id": hurried_user}).status_code == 204
    limited = web.post("/v1/burst", headers={"X-User-Id": hurried_user})
    assert limited.status_code == 429 and limited.get_json()["error"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert dream.usage(user)["usage"]["count"] == FREE_LIMIT


@pytest.mark.parametrize("fail_open", [False, True])
def test_when_the_meter_cannot_be_reached_the_integrations_answer_503_or_fail_open(fail_open: bool) -> None:
    nowhere = f"http://127.0.0.1:{devstack.free_port()}"  # nothing listens there
    with DreamApi("dream_live_" + "A" * 36, base_url=nowhere, max_retries=0) as dream:
        api = FastAPI()
        install(api)
        meter = fastapi_metered(dream, user_id=lambda request: "user_1", fail_open=fail_open)

        @api.get("/v1/answer")
        def answer(request: Request, _: Annotated[object, Depends(meter)]) -> dict[str, object]:
            return {"metered": request.state.dreamapi is not None}

        web = flask.Flask(__name__)

        @web.get("/v1/answer")
        @flask_metered(dream, user_id=lambda request: "user_1", fail_open=fail_open)
        def flask_answer() -> dict[str, object]:
            return {"metered": flask.g.dreamapi is not None}

        with TestClient(api) as fastapi_client:
            fastapi_reply = fastapi_client.get("/v1/answer")
        flask_reply = web.test_client().get("/v1/answer")
    answers = [
        (fastapi_reply.status_code, fastapi_reply.json(), fastapi_reply.headers.get("retry-after")),
        (flask_reply.status_code, flask_reply.get_json(), flask_reply.headers.get("retry-after")),
    ]
    for status, body, retry_after in answers:
        if fail_open:
            assert (status, body, retry_after) == (200, {"metered": False}, None)
        else:
            assert (status, body["error"], retry_after) == (503, "meter_unavailable", "2")
