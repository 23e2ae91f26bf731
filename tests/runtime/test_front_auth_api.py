"""front_auth_api in workerd: the developer's plan, metering, subscription and webhooks."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime

import httpx
import pytest

from scripts.local_platform import Platform
from scripts.standins.stripe import DEFAULT_WEBHOOK_SECRET, sign

pytestmark = pytest.mark.runtime


def developer(platform: Platform) -> tuple[str, dict[str, str]]:
    user_id = "user_" + secrets.token_hex(8)
    token = platform.developer_token(user_id, email=f"{user_id}@example.com")
    return user_id, {"authorization": f"Bearer {token}"}


def billing(platform: Platform, user_id: str) -> dict | None:
    raw = platform.kv.get("TOKENS_KV", f"user:{user_id}:billing")
    return json.loads(raw) if raw else None


def wait_for_a_fresh_minute_if_needed(seconds_needed: float) -> None:
    """Rate-limit windows are calendar minutes: start a burst early enough in one."""
    into_minute = time.time() % 60
    if 60 - into_minute < seconds_needed:
        time.sleep(60 - into_minute + 0.5)


def subscribe(platform: Platform, client: httpx.Client, headers: dict[str, str]) -> str:
    """Goes through checkout the way a browser would; returns the checkout session id."""
    reply = client.post("/create-checkout", headers=headers)
    assert reply.status_code == 200, reply.text
    url, session_id = reply.json()["url"], reply.json()["sessionId"]
    page = httpx.get(url)
    assert page.status_code == 200 and "$29.00 / month" in page.text
    paid = httpx.post(f"{url}/pay", follow_redirects=False)
    assert paid.status_code == 303
    assert paid.headers["location"].startswith("http://localhost:5173/dashboard?checkout=success")
    assert session_id in paid.headers["location"]
    return session_id


def test_free_tier_journey_five_calls_then_403(platform: Platform, front_auth_api: httpx.Client) -> None:
    user_id, headers = developer(platform)
    today = datetime.now(UTC).date()
    for call in range(1, 6):
        reply = front_auth_api.post("/verify-auth", headers=headers)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["success"] is True and body["userId"] == user_id
        usage = body["usage"]
        assert (usage["count"], usage["limit"], usage["plan"], usage["remaining"]) == (
            call,
            5,
            "free",
            5 - call,
        )
        assert usage["periodStart"] == today.replace(day=1).isoformat()
        assert usage["periodEnd"][:7] == today.isoformat()[:7]
        assert reply.headers["x-ratelimit-limit"] == "100"
    sixth = front_auth_api.post("/verify-auth", headers=headers)
    assert sixth.status_code == 403
    assert sixth.json() == {
        "error": "Tier limit reached",
        "count": 5,
        "limit": 5,
        "plan": "free",
        "message": "Please upgrade to unlock more requests",
    }
    peek = front_auth_api.get("/usage", headers=headers).json()
    assert peek["usage"]["count"] == 5 and peek["usage"]["remaining"] == 0
    assert peek["daily"][-1] == {"date": today.isoformat(), "count": 5}  # the dashboard's chart
    assert len(peek["daily"]) == today.day
    assert (
        front_auth_api.get("/usage", headers=headers).json()["usage"]["count"] == 5
    )  # reading counts nothing


def test_a_new_month_resets_the_count(
    platform: Platform, front_auth_api: httpx.Client, next_month_front_auth_api: httpx.Client
) -> None:
    _, headers = developer(platform)
    for _ in range(5):
        assert front_auth_api.post("/verify-auth", headers=headers).status_code == 200
    assert front_auth_api.post("/verify-auth", headers=headers).status_code == 403
    reply = next_month_front_auth_api.post("/verify-auth", headers=headers)
    assert reply.status_code == 200, reply.text
    usage = reply.json()["usage"]
    assert usage["count"] == 1 and usage["remaining"] == 4
    this_month = datetime.now(UTC).date().replace(day=1).isoformat()
    assert usage["periodStart"] > this_month


def test_the_101st_call_in_a_minute_is_429_with_headers(
    platform: Platform, front_auth_api: httpx.Client
) -> None:
    user_id, headers = developer(platform)
    platform.kv.put("TOKENS_KV", f"user:{user_id}:billing", json.dumps({"plan": "paid", "status": "active"}))
    wait_for_a_fresh_minute_if_needed(30)
    for call in range(1, 101):
        reply = front_auth_api.post("/verify-auth", headers=headers)
        assert reply.status_code == 200, (call, reply.text)
        assert reply.headers["x-ratelimit-remaining"] == str(100 - call)
    limited = front_auth_api.post("/verify-auth", headers=headers)
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["x-ratelimit-limit"] == "100"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert int(limited.headers["x-ratelimit-reset"]) > time.time()
    assert front_auth_api.get("/usage", headers=headers).json()["usage"]["count"] == 100


def test_upgrade_through_checkout_and_webhooks_gives_500(
    platform: Platform, front_auth_api: httpx.Client
) -> None:
    user_id, headers = developer(platform)
    for _ in range(5):
        front_auth_api.post("/verify-auth", headers=headers)
    assert front_auth_api.post("/verify-auth", headers=headers).status_code == 403
    session_id = subscribe(platform, front_auth_api, headers)
    session = platform.stripe.sessions[session_id]
    assert session["client_reference_id"] == user_id and session["mode"] == "subscription"
    assert session["line_items"] == [{"price": "price_dreamapi_monthly", "quantity": "1"}]
    state = billing(platform, user_id)
    assert state["plan"] == "paid" and state["status"] == "active"
    assert state["customer_id"] == session["customer"]
    reply = front_auth_api.post("/verify-auth", headers=headers)
    assert reply.status_code == 200, reply.text
    assert reply.json()["usage"]["limit"] == 500 and reply.json()["usage"]["plan"] == "paid"
    assert reply.json()["usage"]["count"] == 6
    # publicMetadata.plan written through the Clerk Backend API stand-in
    assert platform.identity.public_metadata[user_id] == {"plan": "paid"}
    # the customer is reused, and a subscribed developer cannot check out twice
    again = front_auth_api.post("/create-checkout", headers=headers)
    assert again.status_code == 409 and again.json()["error"] == "already_subscribed"


def test_portal_and_cancellation_downgrade(platform: Platform, front_auth_api: httpx.Client) -> None:
    user_id, headers = developer(platform)
    not_yet = front_auth_api.post("/create-portal", headers=headers)
    assert not_yet.status_code == 409 and not_yet.json()["error"] == "not_subscribed"
    subscribe(platform, front_auth_api, headers)
    portal = front_auth_api.post("/create-portal", headers=headers)
    assert portal.status_code == 200, portal.text
    cancelled = httpx.post(f"{portal.json()['url']}/cancel-subscription", follow_redirects=False)
    assert cancelled.status_code == 303
    assert billing(platform, user_id)["plan"] == "free"
    assert front_auth_api.get("/usage", headers=headers).json()["usage"]["limit"] == 5
    assert platform.identity.public_metadata[user_id] == {"plan": "free"}


def test_a_redelivered_webhook_changes_nothing(platform: Platform, front_auth_api: httpx.Client) -> None:
    user_id, headers = developer(platform)
    session_id = subscribe(platform, front_auth_api, headers)
    completed = next(
        d.event
        for d in platform.stripe.deliveries
        if d.event["type"] == "checkout.session.completed" and d.event["data"]["object"]["id"] == session_id
    )
    portal = front_auth_api.post("/create-portal", headers=headers).json()["url"]
    httpx.post(f"{portal}/cancel-subscription")
    before = billing(platform, user_id)
    assert before["plan"] == "free"
    resent = httpx.post(f"{platform.stripe.base_url}/_standin/events/{completed['id']}/resend").json()
    assert [delivery["status"] for delivery in resent] == [200]
    assert billing(platform, user_id) == before
    marker = platform.kv.get("USAGE_KV", f"webhook:stripe:front_auth_api:{completed['id']}")
    assert marker is not None


def _post_event(client: httpx.Client, event: dict, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["stripe-signature"] = signature
    return client.post("/webhook/stripe", content=json.dumps(event).encode(), headers=headers)


@pytest.mark.parametrize("attack", ["tampered", "stale", "wrong_secret", "missing", "garbage"])
def test_bad_webhook_signatures_are_400_and_change_nothing(
    platform: Platform, front_auth_api: httpx.Client, attack: str
) -> None:
    user_id, _ = developer(platform)
    event = {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "cs_x",
                "mode": "subscription",
                "client_reference_id": user_id,
                "customer": "cus_attack",
                "subscription": "sub_attack",
            }
        },
    }
    payload = json.dumps(event).encode()
    signature = {
        "tampered": sign(payload.replace(b"cus_attack", b"cus_other"), DEFAULT_WEBHOOK_SECRET),
        "stale": sign(payload, DEFAULT_WEBHOOK_SECRET, int(time.time()) - 400),
        "wrong_secret": sign(payload, "whsec_not_ours"),
        "missing": None,
        "garbage": "t=abc,v1=zz",
    }[attack]
    reply = _post_event(front_auth_api, event, signature)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] in ("invalid_signature", "missing_signature")
    assert billing(platform, user_id) is None
    assert platform.kv.get("USAGE_KV", f"webhook:stripe:front_auth_api:{event['id']}") is None


def test_a_correctly_signed_event_is_applied_once(platform: Platform, front_auth_api: httpx.Client) -> None:
    user_id, _ = developer(platform)
    event = {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "cs_y",
                "mode": "subscription",
                "client_reference_id": user_id,
                "customer": "cus_" + secrets.token_hex(6),
                "subscription": "sub_y",
            }
        },
    }
    payload = json.dumps(event).encode()
    first = _post_event(front_auth_api, event, sign(payload, DEFAULT_WEBHOOK_SECRET))
    assert first.status_code == 200 and first.json()["duplicate"] is False
    assert billing(platform, user_id)["plan"] == "paid"
    second = _post_event(front_auth_api, event, sign(payload, DEFAULT_WEBHOOK_SECRET))
    assert second.status_code == 200 and second.json()["duplicate"] is True


@pytest.mark.parametrize(
    ("path", "method", "kwargs", "status", "error"),
    [
        ("/verify-auth", "POST", {}, 401, "missing_token"),
        ("/usage", "GET", {}, 401, "missing_token"),
        ("/create-checkout", "POST", {}, 401, "missing_token"),
        (
            "/webhook/stripe",
            "POST",
            {"content": b"not json", "headers": {"stripe-signature": "t=1,v1=00"}},
            400,
            "invalid_signature",
        ),
        ("/webhook/stripe", "GET", {}, 405, "method_not_allowed"),
        ("/verify-auth", "PUT", {}, 405, "method_not_allowed"),
    ],
)
def test_bad_requests_get_json_4xx(
    front_auth_api: httpx.Client, path: str, method: str, kwargs: dict, status: int, error: str
) -> None:
    reply = front_auth_api.request(method, path, **kwargs)
    assert reply.status_code == status, reply.text
    assert reply.json()["error"] == error
