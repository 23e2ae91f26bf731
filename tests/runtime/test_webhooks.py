"""Developer webhooks in workerd: thresholds detected once by the meter objects across two
api_multi processes, Standard Webhooks signatures checked with the `standardwebhooks` package,
retries with the same webhook-id, delivery after every process restarted, subscription events
from Stripe Connect, and the routes' refusals (bad URLs, other platforms' endpoints)."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from scripts.local_platform import Platform, concurrently
from tests.runtime.helpers import eventually, key_headers, new_user, platform_with_tier, register
from tests.runtime.test_api_multi import _connect_event, _send, connect_stripe
from tests.runtime.test_developer_auth import ATTACKS, attack_tokens

pytestmark = pytest.mark.runtime


def add_endpoint(
    platform: Platform, api_multi: httpx.Client, api_key: str, events: list[str]
) -> tuple[str, str, str]:
    """An endpoint at a fresh name of the receiver stand-in; (endpoint id, secret, inbox name)."""
    name = "hook_" + secrets.token_hex(4)
    reply = api_multi.post(
        "/api/developer/webhooks",
        json={"url": platform.webhooks.url(name), "events": events, "description": "test"},
        headers=key_headers(api_key),
    )
    assert reply.status_code == 201, reply.text
    endpoint = reply.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["events"] == sorted(events)
    platform.webhooks.inbox(name).secret = endpoint["secret"]
    return endpoint["id"], endpoint["secret"], name


def received(platform: Platform, name: str) -> list[dict[str, Any]]:
    return list(platform.webhooks.inbox(name).received)


def delivered_events(
    platform: Platform, name: str, count: int, timeout: float = 30.0
) -> list[dict[str, Any]]:
    """The events answered 200, once `count` arrived; every one's signature checked."""

    def read() -> list[dict[str, Any]]:
        return [r for r in received(platform, name) if r["status"] == 200]

    records = eventually(read, lambda got: len(got) >= count, timeout)
    assert all(record["verified"] is True for record in records), records
    return [record["event"] for record in records]


def test_thresholds_and_the_limit_are_told_once_each_across_two_processes(
    platform: Platform, api_multi: httpx.Client, locations: list[str]
) -> None:
    platform_id, api_key = platform_with_tier(api_multi, limit=10, rateLimit=1000)
    alerts = api_multi.put(
        "/api/developer/alerts", json={"usageThresholds": [50, 100]}, headers=key_headers(api_key)
    )
    assert alerts.status_code == 200 and alerts.json()["usageThresholds"] == [50, 100], alerts.text
    _, secret, name = add_endpoint(
        platform, api_multi, api_key, ["usage.threshold_crossed", "usage.limit_reached"]
    )
    time.sleep(2.5)  # the other location's isolate cache of the alert settings (2 s in tests)
    user = new_user()
    replies = asyncio.run(concurrently(locations, [key_headers(api_key, user)] * 12))
    statuses = sorted(reply.status_code for reply in replies)
    assert statuses == [200] * 10 + [403] * 2, statuses
    events = delivered_events(platform, name, 3)
    time.sleep(2)  # nothing else arrives
    events = delivered_events(platform, name, 3)
    kinds = sorted((e["type"], e["data"].get("threshold")) for e in events)
    assert kinds == [
        ("usage.limit_reached", None),
        ("usage.threshold_crossed", 50),
        ("usage.threshold_crossed", 100),
    ], events
    crossed = {e["data"]["threshold"]: e for e in events if e["type"] == "usage.threshold_crossed"}
    assert crossed[50]["data"]["count"] == 5 and crossed[100]["data"]["count"] == 10
    for event in events:
        assert event["id"].startswith("evt_") and event["createdAt"].endswith("Z")
        data = event["data"]
        assert (data["platformId"], data["userId"], data["tier"], data["limit"]) == (
            platform_id,
            user,
            "metered",
            10,
        )
        assert data["period"]
    # what a developer's server does with the package: verify, then trust the payload
    record = received(platform, name)[0]
    assert Webhook(secret).verify(record["body"], record["headers"]) == record["event"]


def test_a_failing_receiver_gets_the_event_again_with_the_same_id_until_it_answers(
    platform: Platform, api_multi: httpx.Client
) -> None:
    _, api_key = register(api_multi)
    endpoint_id, _, name = add_endpoint(platform, api_multi, api_key, ["credits.low"])
    platform.webhooks.inbox(name).failures_left = 2
    test = api_multi.post(f"/api/developer/webhooks/{endpoint_id}/test", headers=key_headers(api_key))
    assert test.status_code == 202, test.text
    (event,) = delivered_events(platform, name, 1)  # retried 1 s, then 2 s later (WEBHOOK_RETRY_SECONDS)
    attempts = received(platform, name)
    assert [a["status"] for a in attempts] == [500, 500, 200]
    assert len({a["headers"]["webhook-id"] for a in attempts}) == 1 == len({event["id"]})
    assert event["type"] == "webhook.test" and event["id"] == test.json()["eventId"]
    deliveries = api_multi.get(
        f"/api/developer/webhooks/{endpoint_id}/deliveries", headers=key_headers(api_key)
    ).json()["deliveries"]
    assert [(d["state"], d["attempts"], d["lastStatus"]) for d in deliveries] == [("delivered", 3, 200)]


def test_an_event_owed_survives_every_process_restarting(platform: Platform, api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    endpoint_id, _, name = add_endpoint(platform, api_multi, api_key, ["credits.low"])
    platform.webhooks.inbox(name).failures_left = 1
    test = api_multi.post(f"/api/developer/webhooks/{endpoint_id}/test", headers=key_headers(api_key))
    assert test.status_code == 202
    eventually(lambda: received(platform, name), lambda got: len(got) == 1)
    assert received(platform, name)[0]["status"] == 500  # the retry is due 1 s later
    platform.restart_everything()
    (event,) = delivered_events(platform, name, 1, timeout=60)
    assert event["id"] == test.json()["eventId"]


def test_a_connect_checkout_that_changes_a_tier_is_one_subscription_event(
    platform: Platform, api_multi: httpx.Client
) -> None:
    platform_id, api_key = register(api_multi)
    tiers = [{"name": "free", "limit": 5, "default": True}, {"name": "pro", "limit": 100, "priceCents": 1000}]
    assert (
        api_multi.put("/api/developer/tiers", json={"tiers": tiers}, headers=key_headers(api_key)).status_code
        == 200
    )
    account = connect_stripe(platform, platform_id)
    _, _, name = add_endpoint(platform, api_multi, api_key, ["subscription.updated"])
    user = new_user()
    session = {
        "id": "cs_" + secrets.token_hex(8),
        "object": "checkout.session",
        "mode": "subscription",
        "client_reference_id": user,
        "customer": "cus_" + secrets.token_hex(6),
        "subscription": "sub_" + secrets.token_hex(6),
        "metadata": {"platformId": platform_id, "tier": "pro", "userId": user},
    }
    event = _connect_event(account, "checkout.session.completed", session)
    assert _send(api_multi, event).status_code == 200
    assert _send(api_multi, event).status_code == 200  # Stripe delivering it again
    (told,) = delivered_events(platform, name, 1)
    time.sleep(2)
    assert len(received(platform, name)) == 1
    assert told["type"] == "subscription.updated"
    assert (told["data"]["userId"], told["data"]["tier"], told["data"]["previousTier"]) == (user, "pro", None)


def test_webhook_routes_refuse_bad_urls_other_platforms_and_bad_credentials(
    platform: Platform, api_multi: httpx.Client
) -> None:
    _, key_a = register(api_multi)
    _, key_b = register(api_multi)
    endpoint_a, _, _ = add_endpoint(platform, api_multi, key_a, ["usage.limit_reached"])
    for url in (
        "http://example.com/hook",
        "ftp://example.com",
        "https://user:pw@example.com/",
        "not a url",
        "",
    ):
        reply = api_multi.post(
            "/api/developer/webhooks",
            json={"url": url, "events": ["credits.low"]},
            headers=key_headers(key_a),
        )
        assert (reply.status_code, reply.json()["error"]) == (400, "invalid_webhook_url"), url
    for events in ([], ["usage.everything"], "credits.low", None):
        reply = api_multi.post(
            "/api/developer/webhooks",
            json={"url": "https://example.com/hook", "events": events},
            headers=key_headers(key_a),
        )
        assert (reply.status_code, reply.json()["error"]) == (400, "invalid_webhook_events"), events
    for method, path in (
        ("DELETE", f"/api/developer/webhooks/{endpoint_a}"),
        ("POST", f"/api/developer/webhooks/{endpoint_a}/test"),
        ("GET", f"/api/developer/webhooks/{endpoint_a}/deliveries"),
        ("POST", f"/api/developer/webhooks/{endpoint_a}/deliveries/dlv_{'0' * 32}/retry"),
    ):
        reply = api_multi.request(method, path, headers=key_headers(key_b))
        assert reply.status_code == 404, (method, path, reply.text)
    listed = api_multi.get("/api/developer/webhooks", headers=key_headers(key_b)).json()["endpoints"]
    assert listed == []
    mine = api_multi.get("/api/developer/webhooks", headers=key_headers(key_a)).json()["endpoints"]
    assert [e["id"] for e in mine] == [endpoint_a] and "secret" not in mine[0]
    tokens = attack_tokens(platform)
    for attack in ATTACKS:
        token = tokens[attack]
        reply = api_multi.get("/api/developer/webhooks", headers={"authorization": f"Bearer {token}"})
        assert reply.status_code == 401, attack
    for bad in ({"usageThresholds": [0]}, {"usageThresholds": "80"}, {"creditsBelow": -1}, {"other": 1}):
        reply = api_multi.put("/api/developer/alerts", json=bad, headers=key_headers(key_a))
        assert (reply.status_code, reply.json()["error"]) == (400, "invalid_alerts"), bad
    for _ in range(9):
        add_endpoint(platform, api_multi, key_a, ["credits.low"])
    eleventh = api_multi.post(
        "/api/developer/webhooks",
        json={"url": "https://example.com/x", "events": ["credits.low"]},
        headers=key_headers(key_a),
    )
    assert (eleventh.status_code, eleventh.json()["error"]) == (409, "too_many_endpoints")
    deleted = api_multi.delete(f"/api/developer/webhooks/{endpoint_a}", headers=key_headers(key_a))
    assert deleted.status_code == 200
    assert (
        api_multi.delete(f"/api/developer/webhooks/{endpoint_a}", headers=key_headers(key_a)).status_code
        == 404
    )
