"""Exact metering across locations: two api_multi processes (two isolates, as two Cloudflare
locations would be) count through one usage meter, calls taking turns between them."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from scripts.local_platform import concurrently, wait_for_a_fresh_minute
from tests.runtime.conftest import CACHE_SECONDS
from tests.runtime.helpers import (
    SPEC_LIMIT_BODY,
    dashboard_once_it_counts,
    key_headers,
    new_user,
    operations,
    platform_with_tier,
    put_tiers,
    register,
)

pytestmark = pytest.mark.runtime


def usage_at(url: str, api_key: str, user: str) -> int:
    reply = httpx.get(f"{url}/api/usage", headers=key_headers(api_key, user), timeout=30)
    assert reply.status_code == 200, reply.text
    return int(reply.json()["usage"]["count"])


def test_200_concurrent_calls_for_one_user_are_all_answered_and_all_counted(
    api_multi: httpx.Client, locations: list[str]
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=1_000_000, rateLimit=100_000)
    user = new_user()
    replies = asyncio.run(concurrently(locations, [key_headers(api_key, user)] * 200))
    statuses = [reply.status_code for reply in replies]
    print(f"\n200 concurrent calls, two locations: {statuses.count(200)} answered 200")
    assert statuses == [200] * 200
    # every call saw its own increment: the counts handed out are exactly 1..200
    assert sorted(reply.json()["usage"]["count"] for reply in replies) == list(range(1, 201))
    assert [usage_at(url, api_key, user) for url in locations] == [200, 200]


def test_a_burst_across_locations_cannot_pass_the_per_minute_limit(
    api_multi: httpx.Client, locations: list[str]
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=1_000_000, rateLimit=20)
    user = new_user()
    wait_for_a_fresh_minute()
    replies = asyncio.run(concurrently(locations, [key_headers(api_key, user)] * 40))
    statuses = [reply.status_code for reply in replies]
    assert (statuses.count(200), statuses.count(429)) == (20, 20)
    limited = next(reply for reply in replies if reply.status_code == 429)
    assert limited.json()["error"] == "rate_limited"
    assert limited.headers["x-ratelimit-remaining"] == "0" and int(limited.headers["retry-after"]) >= 1
    assert usage_at(locations[1], api_key, user) == 20  # refused calls counted nothing


def test_the_monthly_limit_holds_across_locations(api_multi: httpx.Client, locations: list[str]) -> None:
    _, api_key = platform_with_tier(api_multi, limit=50, rateLimit=100_000)
    user = new_user()
    replies = asyncio.run(concurrently(locations, [key_headers(api_key, user)] * 80))
    statuses = [reply.status_code for reply in replies]
    assert (statuses.count(200), statuses.count(403)) == (50, 30)
    refused = [reply.json() for reply in replies if reply.status_code == 403]
    assert all(
        body == {**SPEC_LIMIT_BODY, "count": 50, "limit": 50, "plan": "metered", "creditsBalance": 0}
        for body in refused
    )
    assert usage_at(locations[0], api_key, user) == 50


def test_concurrent_retries_with_one_idempotency_key_count_once(
    api_multi: httpx.Client, locations: list[str]
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=1_000, rateLimit=1_000)
    user = new_user()
    headers = {**key_headers(api_key, user), "idempotency-key": "order-" + new_user()}
    replies = asyncio.run(concurrently(locations, [headers] * 10))
    assert [reply.status_code for reply in replies] == [200] * 10
    assert len({reply.content for reply in replies}) == 1  # every body identical
    replayed = [reply.headers.get("idempotent-replayed") for reply in replies]
    assert replayed.count("true") == 9 and replayed.count(None) == 1
    assert replies[0].json()["usage"]["count"] == 1
    assert [usage_at(url, api_key, user) for url in locations] == [1, 1]
    later = httpx.post(f"{locations[1]}/api/data", headers=headers)
    assert later.content == replies[0].content and later.headers["idempotent-replayed"] == "true"


def test_an_idempotency_key_reused_with_other_parameters_is_422_and_counts_nothing(
    api_multi: httpx.Client, locations: list[str]
) -> None:
    _, api_key = register(api_multi)
    user = new_user()
    headers = {**key_headers(api_key, user, "free"), "idempotency-key": "k-" + new_user()}
    assert httpx.post(f"{locations[0]}/api/data", headers=headers).status_code == 200
    reused = httpx.post(f"{locations[1]}/api/data", headers={**headers, "x-user-plan": "paid"})
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    assert usage_at(locations[0], api_key, user) == 1


def test_a_refused_call_records_nothing_for_its_idempotency_key(
    api_multi: httpx.Client, locations: list[str]
) -> None:
    """A 403 is not kept as the key's answer: once the limit is raised, the same retry counts."""
    _, api_key = platform_with_tier(api_multi, limit=1, rateLimit=100)
    user = new_user()
    assert httpx.post(f"{locations[0]}/api/data", headers=key_headers(api_key, user)).status_code == 200
    retry = {**key_headers(api_key, user), "idempotency-key": "after-upgrade"}
    assert httpx.post(f"{locations[1]}/api/data", headers=retry).status_code == 403
    put_tiers(api_multi, api_key, [{"name": "metered", "limit": 5, "default": True}])
    time.sleep(CACHE_SECONDS + 0.5)  # the tier config cached in the other location ages out
    reply = httpx.post(f"{locations[1]}/api/data", headers=retry)
    assert reply.status_code == 200 and "idempotent-replayed" not in reply.headers
    assert reply.json()["usage"]["count"] == 2


def test_the_dashboard_counts_every_call_of_every_user_from_both_locations(
    api_multi: httpx.Client, locations: list[str]
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=1_000, rateLimit=1_000)
    users = [new_user() for _ in range(50)]
    replies = asyncio.run(concurrently(locations, [key_headers(api_key, user) for user in users] * 2))
    assert [(reply.status_code, reply.text) for reply in replies if reply.status_code != 200] == []
    assert all(operations(reply)["writes"] == 0 for reply in replies)  # no KV write on a metered call
    stats = dashboard_once_it_counts(api_multi, api_key, 100)
    assert stats["calls"]["thisMonth"] == 100 and stats["endUsers"]["total"] == 50
