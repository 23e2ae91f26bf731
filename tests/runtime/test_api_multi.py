"""api_multi in workerd: both auth modes, tiers, metering, Connect billing, tenant isolation."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime

import httpx
import pytest

from scripts.local_platform import Platform
from scripts.standins.stripe import DEFAULT_CONNECT_WEBHOOK_SECRET, DEFAULT_SECRET_KEY, sign
from tests.runtime.conftest import CACHE_SECONDS
from tests.runtime.helpers import (
    SPEC_LIMIT_BODY,
    dashboard_once_it_counts,
    eventually,
    jwt_headers,
    key_headers,
    new_user,
    operations,
    put_tiers,
    register,
)

pytestmark = pytest.mark.runtime


def connect_stripe(platform: Platform, platform_id: str) -> str:
    """What oauth_api stores once a developer connected Stripe (seeded here)."""
    account = "acct_" + secrets.token_hex(8)
    record = {"accountId": account, "connectedAt": "2026-11-01T00:00:00Z", "method": "oauth"}
    platform.kv.put("TOKENS_KV", f"platform:{platform_id}:stripe", json.dumps(record))
    platform.kv.put("TOKENS_KV", f"stripe-account:{account}", platform_id)
    return account


def create_price(platform: Platform, account: str, cents: int) -> str:
    headers = {"authorization": f"Bearer {DEFAULT_SECRET_KEY}", "stripe-account": account}
    product = httpx.post(
        f"{platform.stripe.base_url}/v1/products", data={"name": "Pro"}, headers=headers
    ).json()
    price = httpx.post(
        f"{platform.stripe.base_url}/v1/prices",
        data={
            "currency": "usd",
            "unit_amount": str(cents),
            "product": product["id"],
            "recurring[interval]": "month",
        },
        headers=headers,
    ).json()
    return price["id"]


@pytest.mark.parametrize("mode", ["api_key", "jwt"])
def test_free_tier_journey_in_both_auth_modes(platform: Platform, api_multi: httpx.Client, mode: str) -> None:
    platform_id, api_key = register(api_multi)
    user = new_user()
    headers = key_headers(api_key, user) if mode == "api_key" else jwt_headers(platform, platform_id, user)
    for call in range(1, 6):
        reply = api_multi.post("/api/data", headers=headers)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["success"] is True and body["userId"] == user and body["platformId"] == platform_id
        assert (body["usage"]["count"], body["usage"]["limit"], body["usage"]["plan"]) == (call, 5, "free")
    sixth = api_multi.post("/api/data", headers=headers)
    assert sixth.status_code == 403
    assert sixth.json() == {**SPEC_LIMIT_BODY, "count": 5, "limit": 5, "plan": "free", "creditsBalance": 0}
    usage = api_multi.get("/api/usage", headers=headers)
    assert usage.status_code == 200 and usage.json()["usage"]["count"] == 5
    # the meter object keeps a snapshot in KV for dashboards, written off the hot path
    snapshot = eventually(lambda: platform.kv.get("USAGE_KV", f"usage:{platform_id}:{user}"), bool)
    assert snapshot is not None and json.loads(snapshot)["count"] == 5


def test_a_paid_user_gets_500_in_both_modes(platform: Platform, api_multi: httpx.Client) -> None:
    platform_id, api_key = register(api_multi)
    by_key = api_multi.post("/api/data", headers=key_headers(api_key, new_user(), "paid")).json()["usage"]
    by_jwt = api_multi.post(
        "/api/data", headers=jwt_headers(platform, platform_id, new_user(), "paid")
    ).json()
    assert (by_key["limit"], by_key["plan"]) == (500, "paid")
    assert (by_jwt["usage"]["limit"], by_jwt["usage"]["plan"]) == (500, "paid")


def test_rate_limit_per_tier_is_429_with_headers(api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    assert (
        put_tiers(
            api_multi, api_key, [{"name": "tiny", "limit": 100, "rateLimit": 3, "default": True}]
        ).status_code
        == 200
    )
    user = new_user()
    into_minute = time.time() % 60
    if into_minute > 50:
        time.sleep(61 - into_minute)
    for _ in range(3):
        assert api_multi.post("/api/data", headers=key_headers(api_key, user)).status_code == 200
    limited = api_multi.post("/api/data", headers=key_headers(api_key, user))
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert limited.headers["x-ratelimit-limit"] == "3" and limited.headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    other_user = api_multi.post("/api/data", headers=key_headers(api_key, new_user()))
    assert other_user.status_code == 200  # the window is per platform and user


def test_a_new_month_resets_end_user_counts(
    platform: Platform, api_multi: httpx.Client, next_month_api_multi: httpx.Client
) -> None:
    _, api_key = register(api_multi)
    user = new_user()
    for _ in range(5):
        api_multi.post("/api/data", headers=key_headers(api_key, user))
    assert api_multi.post("/api/data", headers=key_headers(api_key, user)).status_code == 403
    reply = next_month_api_multi.post("/api/data", headers=key_headers(api_key, user))
    assert reply.status_code == 200, reply.text
    assert reply.json()["usage"]["count"] == 1


def test_tier_config_update_and_validation(api_multi: httpx.Client) -> None:
    platform_id, api_key = register(api_multi)
    tiers = [
        {"name": "hobby", "limit": 2, "rateLimit": 10, "default": True},
        {"name": "pro", "limit": 1000, "rateLimit": 100, "priceCents": 1900, "stripePriceId": "price_pro1"},
    ]
    stored = put_tiers(api_multi, api_key, tiers)
    assert stored.status_code == 200, stored.text
    public = api_multi.get("/api/tiers", params={"platformId": platform_id}).json()
    assert public["source"] == "custom" and [t["name"] for t in public["tiers"]] == ["hobby", "pro"]
    bad = put_tiers(
        api_multi,
        api_key,
        [
            {"name": "Bad Name", "limit": 0, "default": True},
            {"name": "x", "limit": 5, "default": True},
            {"name": "x", "limit": -1, "stripePriceId": "nope"},
        ],
    )
    assert bad.status_code == 400
    problems = bad.json()["problems"]
    assert any("name" in p for p in problems) and any("unique" in p for p in problems)
    assert any("exactly one tier" in p for p in problems) and any("stripePriceId" in p for p in problems)
    assert api_multi.get("/api/tiers", params={"platformId": platform_id}).json()["tiers"] == public["tiers"]
    user = new_user()
    assert api_multi.post("/api/data", headers=key_headers(api_key, user)).json()["usage"]["plan"] == "hobby"
    assert (
        api_multi.post("/api/data", headers=key_headers(api_key, user, "pro")).json()["usage"]["limit"]
        == 1000
    )
    unknown = api_multi.post("/api/data", headers=key_headers(api_key, user, "paid"))
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_plan"
    assert put_tiers(api_multi, "dream_live_" + "x" * 36, tiers).status_code == 401


def test_an_idempotent_retry_is_not_counted_twice(api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    user = new_user()
    headers = {**key_headers(api_key, user), "idempotency-key": "order-42"}
    first = api_multi.post("/api/data", headers=headers)
    retry = api_multi.post("/api/data", headers=headers)
    assert first.json() == retry.json() and retry.headers.get("idempotent-replayed") == "true"
    other = api_multi.post("/api/data", headers={**headers, "idempotency-key": "order-43"})
    assert other.json()["usage"]["count"] == 2
    bad = api_multi.post("/api/data", headers={**headers, "idempotency-key": "bad key with spaces"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "missing_token"),
        ({"authorization": "Bearer sk_test_notourkindofkey0000000000000000000"}, 401, "invalid_token"),
        ({"authorization": "Bearer pk_test_wrongprefix00000000000000000000000"}, 401, "invalid_token"),
        ({"authorization": "Bearer pk_live_unknownkeyunknownkeyunknownkey000000"}, 401, "invalid_token"),
        ({"authorization": "Bearer dream_live_unknownkeyunknownkeyunknownkey0"}, 401, "invalid_api_key"),
        ({"authorization": "Bearer not.a.jwt"}, 401, "invalid_token"),
    ],
)
def test_auth_failures(api_multi: httpx.Client, headers: dict, status: int, error: str) -> None:
    reply = api_multi.post("/api/data", headers={**headers, "x-user-id": "u1"})
    assert reply.status_code == status and reply.json()["error"] == error


def test_a_mistyped_key_is_refused_without_a_kv_read(api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    typo = api_key[:-1] + ("A" if api_key[-1] != "A" else "B")
    for key in (typo, api_key[:-1], "dream_live_" + "0" * 36):
        reply = api_multi.post("/api/data", headers=key_headers(key, new_user()))
        assert reply.status_code == 401 and reply.json()["error"] == "invalid_api_key", key
        assert operations(reply)["reads"] == 0, key


def test_api_key_mode_needs_a_valid_user_id(api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    missing = api_multi.post("/api/data", headers=key_headers(api_key))
    assert missing.status_code == 400 and missing.json()["error"] == "missing_user_id"
    for bad in ("a:b", "../etc", "x" * 129, "ünï".encode(), "tab\there"):
        reply = api_multi.post("/api/data", headers={**key_headers(api_key), "x-user-id": bad})
        assert reply.status_code == 400 and reply.json()["error"] == "invalid_user_id", bad


def test_jwts_without_a_platform_or_from_another_app_are_refused(
    platform: Platform, api_multi: httpx.Client
) -> None:
    user = new_user()
    ghost = jwt_headers(platform, "plt_" + "9" * 20, user)
    assert api_multi.post("/api/data", headers=ghost).status_code == 403
    no_claim = {"authorization": f"Bearer {platform.customer_identity.issue(user)}"}
    assert api_multi.post("/api/data", headers=no_claim).json()["error"] == "no_platform"
    platform_id, _ = register(api_multi)
    developer_app_token = platform.identity.issue(user, public_metadata={"platformId": platform_id})
    reply = api_multi.post("/api/data", headers={"authorization": f"Bearer {developer_app_token}"})
    assert reply.status_code == 401  # signed by the developers' Clerk app, not the customers'


def test_rotation_on_front_auth_api_revokes_the_key_here(
    platform: Platform, front_auth_api: httpx.Client, api_multi: httpx.Client
) -> None:
    token = platform.developer_token("user_" + secrets.token_hex(6))
    auth = {"authorization": f"Bearer {token}"}
    old_key = front_auth_api.post("/generate-credentials", headers=auth).json()["apiKey"]
    assert api_multi.post("/api/data", headers=key_headers(old_key, "u1")).status_code == 200
    new_key = front_auth_api.post("/rotate-key", headers=auth).json()["apiKey"]
    time.sleep(CACHE_SECONDS + 0.5)  # the documented bound: api_multi's isolate cache TTL
    assert api_multi.post("/api/data", headers=key_headers(old_key, "u1")).status_code == 401
    assert api_multi.post("/api/data", headers=key_headers(new_key, "u1")).json()["usage"]["count"] == 2


def _pro_platform(platform: Platform, api_multi: httpx.Client) -> tuple[str, str, str, str]:
    platform_id, api_key = register(api_multi)
    account = connect_stripe(platform, platform_id)
    price = create_price(platform, account, 1900)
    tiers = [
        {"name": "free", "limit": 5, "default": True},
        {"name": "pro", "limit": 1000, "priceCents": 1900, "stripePriceId": price},
    ]
    assert put_tiers(api_multi, api_key, tiers).status_code == 200
    return platform_id, api_key, account, price


def test_connect_checkout_webhook_upgrade_and_portal(platform: Platform, api_multi: httpx.Client) -> None:
    platform_id, api_key, account, _ = _pro_platform(platform, api_multi)
    user = new_user()
    headers = jwt_headers(platform, platform_id, user, "free")
    assert (
        api_multi.post(
            "/api/create-checkout", json={"tier": "pro"}, headers=key_headers(api_key, user)
        ).json()["error"]
        == "jwt_required"
    )
    reply = api_multi.post("/api/create-checkout", json={"tier": "pro"}, headers=headers)
    assert reply.status_code == 200, reply.text
    session = platform.stripe.sessions[reply.json()["sessionId"]]
    assert session["account"] == account  # created with Stripe-Account: the developer's account
    assert session["metadata"] == {"platformId": platform_id, "userId": user, "tier": "pro"}
    paid = httpx.post(f"{reply.json()['url']}/pay", follow_redirects=False)
    assert paid.status_code == 303
    deliveries = [d for d in platform.stripe.deliveries if d.event.get("account") == account]
    assert deliveries and all(d.status == 200 for d in deliveries)
    call = api_multi.post("/api/data", headers=headers).json()["usage"]  # token still says "free"
    assert (call["plan"], call["limit"]) == ("pro", 1000)
    dashboard = api_multi.get("/api/developer/dashboard", headers=key_headers(api_key))
    assert dashboard.status_code == 200, dashboard.text
    stats = dashboard.json()
    assert stats["revenue"]["totalCents"] == 2900 and stats["revenue"]["payments"] == 1
    portal = api_multi.post("/api/customer-portal", headers=headers)
    assert portal.status_code == 200, portal.text
    httpx.post(f"{portal.json()['url']}/cancel-subscription")
    after = api_multi.post("/api/data", headers=headers).json()["usage"]
    assert (after["plan"], after["limit"]) == ("free", 5)


def test_checkout_without_a_connected_account_is_409(platform: Platform, api_multi: httpx.Client) -> None:
    platform_id, api_key = register(api_multi)
    tiers = [
        {"name": "free", "limit": 5, "default": True},
        {"name": "pro", "limit": 50, "stripePriceId": "price_x1"},
    ]
    put_tiers(api_multi, api_key, tiers)
    reply = api_multi.post(
        "/api/create-checkout", json={"tier": "pro"}, headers=jwt_headers(platform, platform_id, new_user())
    )
    assert reply.status_code == 409 and reply.json()["error"] == "stripe_not_connected"
    assert "connect Stripe" in reply.json()["message"]
    unknown = api_multi.post(
        "/api/create-checkout", json={"tier": "gold"}, headers=jwt_headers(platform, platform_id, new_user())
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_tier"


def _connect_event(account: str, kind: str, obj: dict) -> dict:
    return {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "account": account,
        "data": {"object": obj},
    }


def _send(api_multi: httpx.Client, event: dict) -> httpx.Response:
    """One Stripe delivery, redelivered on 503 as Stripe does: local KV shared by several
    processes sometimes answers SQLITE_BUSY, which the worker reports as 503 storing nothing."""
    payload = json.dumps(event).encode()
    for _ in range(3):
        reply = api_multi.post(
            "/webhook/stripe",
            content=payload,
            headers={
                "content-type": "application/json",
                "stripe-signature": sign(payload, DEFAULT_CONNECT_WEBHOOK_SECRET),
            },
        )
        if reply.status_code != 503:
            break
        assert "retry-after" in reply.headers, reply.headers
        time.sleep(1)
    return reply


def test_tenant_isolation_on_every_route(platform: Platform, api_multi: httpx.Client) -> None:
    a_id, a_key, a_account, _ = _pro_platform(platform, api_multi)
    b_id, b_key = register(api_multi)
    user = "shared_name"
    for _ in range(3):
        api_multi.post("/api/data", headers=key_headers(a_key, user))
    # usage: B's key only ever sees B's user of the same name
    assert api_multi.get("/api/usage", headers=key_headers(b_key, user)).json()["usage"]["count"] == 0
    assert api_multi.post("/api/data", headers=key_headers(b_key, user)).json()["platformId"] == b_id
    assert api_multi.get("/api/usage", headers=key_headers(a_key, user)).json()["usage"]["count"] == 3
    # tiers: B's key writes B's config only
    put_tiers(api_multi, b_key, [{"name": "solo", "limit": 1, "default": True}])
    a_tiers = api_multi.get("/api/tiers", params={"platformId": a_id}).json()["tiers"]
    assert [t["name"] for t in a_tiers] == ["free", "pro"]
    # stats: each key sees its own platform
    assert api_multi.get("/api/developer/dashboard", headers=key_headers(b_key)).json()["platformId"] == b_id
    a_stats = dashboard_once_it_counts(api_multi, a_key, 3)
    assert a_stats["platformId"] == a_id and a_stats["calls"]["thisMonth"] == 3
    # checkout: B's users buy B's tiers on B's account (B has neither a "pro" tier nor an account)
    b_checkout = api_multi.post(
        "/api/create-checkout", json={"tier": "pro"}, headers=jwt_headers(platform, b_id, user)
    )
    assert b_checkout.status_code == 400
    # webhooks: A's account cannot upgrade a user of B, whatever its metadata says
    event = _connect_event(
        a_account,
        "checkout.session.completed",
        {
            "id": "cs_forged",
            "mode": "subscription",
            "client_reference_id": user,
            "customer": "cus_f",
            "subscription": "sub_f",
            "metadata": {"platformId": b_id, "userId": user, "tier": "solo"},
        },
    )
    reply = _send(api_multi, event)
    assert reply.status_code == 200 and "another platform" in reply.json()["outcome"]
    assert platform.kv.get("TOKENS_KV", f"enduser:{b_id}:{user}:subscription") is None
    unknown = _send(api_multi, _connect_event("acct_nobody", "checkout.session.completed", {"id": "cs_z"}))
    assert "unknown connected account" in unknown.json()["outcome"]


@pytest.mark.parametrize("mode", ["api_key", "jwt"])
def test_a_steady_state_metered_call_is_one_meter_call_and_no_kv_operation(
    platform: Platform, api_multi: httpx.Client, mode: str
) -> None:
    platform_id, api_key = register(api_multi)
    user = new_user()
    headers = key_headers(api_key, user) if mode == "api_key" else jwt_headers(platform, platform_id, user)
    first = api_multi.post("/api/data", headers=headers)
    assert operations(first)["writes"] == 0  # cold: key/platform, tiers, subscription are read
    assert operations(first, "x-meter-ops")["calls"] == 1
    steady = api_multi.post("/api/data", headers=headers)
    assert operations(steady) == {"reads": 0, "writes": 0, "lists": 0, "deletes": 0}
    assert operations(steady, "x-meter-ops") == {"calls": 1, "rows_written": 1}
    keyed = api_multi.post("/api/data", headers={**headers, "idempotency-key": new_user()})
    assert operations(keyed, "x-meter-ops") == {"calls": 1, "rows_written": 2}  # + the replay record


def test_oversized_headers_are_refused_without_a_5xx(api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    for name, value in (("x-user-id", "u" * 20_000), ("authorization", "Bearer " + "x" * 20_000)):
        headers = {**key_headers(api_key, "u1"), name: value}
        reply = api_multi.post("/api/data", headers=headers)
        assert 400 <= reply.status_code < 500, (name, reply.status_code)


def test_developer_routes_also_take_the_developers_session(
    platform: Platform, front_auth_api: httpx.Client, api_multi: httpx.Client
) -> None:
    developer = {"authorization": f"Bearer {platform.developer_token('user_' + secrets.token_hex(6))}"}
    assert api_multi.get("/api/developer/dashboard", headers=developer).json()["error"] == "no_platform"
    platform_id = front_auth_api.post("/generate-credentials", headers=developer).json()["platformId"]
    tiers = [{"name": "solo", "limit": 7, "default": True}]
    stored = api_multi.put("/api/developer/tiers", json={"tiers": tiers}, headers=developer)
    assert stored.status_code == 200 and stored.json()["platformId"] == platform_id
    assert api_multi.get("/api/developer/dashboard", headers=developer).json()["platformId"] == platform_id
    end_user = jwt_headers(platform, platform_id, "someone")  # the customers' app: not a developer
    assert api_multi.get("/api/developer/dashboard", headers=end_user).status_code == 401


def test_usage_reads_back_a_daily_series_and_the_subscription(api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    user = new_user()
    for _ in range(3):
        assert api_multi.post("/api/data", headers=key_headers(api_key, user)).status_code == 200
    report = api_multi.get("/api/usage", headers=key_headers(api_key, user)).json()
    today = datetime.now(UTC).date()
    assert [day["date"] for day in report["daily"]] == [
        today.replace(day=n).isoformat() for n in range(1, today.day + 1)
    ]
    assert report["daily"][-1]["count"] == 3 and sum(day["count"] for day in report["daily"]) == 3
    assert report["subscription"] == {"tier": None, "status": "none"}
