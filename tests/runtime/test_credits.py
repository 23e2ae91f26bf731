"""Units and prepaid credits in workerd: weighted calls, balances spent exactly across two
api_multi processes, grants with Idempotency-Key, packs bought through the Stripe stand-in's
Checkout (each granted once), and tenant isolation of every credits route."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from scripts.local_platform import Platform, concurrently
from scripts.standins.stripe import DEFAULT_CONNECT_WEBHOOK_SECRET
from tests.runtime.helpers import (
    SPEC_LIMIT_BODY,
    eventually,
    jwt_headers,
    key_headers,
    new_user,
    platform_with_tier,
    register,
)
from tests.runtime.test_api_multi import _connect_event, _send, connect_stripe
from tests.runtime.test_developer_auth import ATTACKS, attack_tokens

pytestmark = pytest.mark.runtime


def call(api_multi: httpx.Client, api_key: str, user: str, units: int | None = None) -> httpx.Response:
    body = None if units is None else {"units": units}
    return api_multi.post("/api/data", json=body, headers=key_headers(api_key, user))


def credits_of(api_multi: httpx.Client, api_key: str, user: str) -> dict:
    reply = api_multi.get(f"/api/developer/users/{user}/credits", headers=key_headers(api_key))
    assert reply.status_code == 200, reply.text
    return reply.json()


def grant(api_multi: httpx.Client, api_key: str, user: str, units: int, **headers: str) -> httpx.Response:
    return api_multi.post(
        f"/api/developer/users/{user}/credits",
        json={"units": units, "reason": "test"},
        headers={**key_headers(api_key), **headers},
    )


def test_a_tier_limit_counts_units_and_refuses_a_call_it_cannot_cover_whole(api_multi: httpx.Client) -> None:
    _, api_key = platform_with_tier(api_multi, limit=100, rateLimit=1000)
    user = new_user()
    for used in (30, 60, 90):
        reply = call(api_multi, api_key, user, 30)
        assert reply.status_code == 200, reply.text
        usage = reply.json()["usage"]
        assert (usage["count"], usage["units"], usage["remaining"], usage["credits"]) == (
            used,
            30,
            100 - used,
            0,
        )
    refused = call(api_multi, api_key, user, 30)
    assert refused.status_code == 403
    assert refused.json() == {
        **SPEC_LIMIT_BODY,
        "count": 90,
        "limit": 100,
        "plan": "metered",
        "creditsBalance": 0,
    }
    assert api_multi.get("/api/usage", headers=key_headers(api_key, user)).json()["usage"]["count"] == 90
    assert call(api_multi, api_key, user, 10).status_code == 200  # what is left still fits
    for bad in (0, -1, 1_000_001, "3", 1.5, True, None):
        reply = api_multi.post("/api/data", json={"units": bad}, headers=key_headers(api_key, user))
        assert (reply.status_code, reply.json()["error"]) == (400, "invalid_units"), bad
    usage = api_multi.get("/api/usage", headers=key_headers(api_key, user)).json()["usage"]
    assert usage["count"] == 100  # refused calls counted nothing


def test_credits_pay_for_what_the_month_does_not_include_exactly_across_two_processes(
    api_multi: httpx.Client, locations: list[str]
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=10, rateLimit=1000)
    user = new_user()
    granted = grant(api_multi, api_key, user, 50)
    assert granted.status_code == 201 and granted.json()["balance"] == 50, granted.text
    replies = asyncio.run(concurrently(locations, [key_headers(api_key, user)] * 100))
    statuses = [reply.status_code for reply in replies]
    print(f"\n100 concurrent 1-unit calls, limit 10 + 50 credits: {statuses.count(200)} answered 200")
    assert (statuses.count(200), statuses.count(403)) == (60, 40), statuses
    balances = sorted(reply.json()["usage"]["credits"] for reply in replies if reply.status_code == 200)
    # the 10 included calls spent no credit (balance still 50); each later one spent one
    assert balances == [*range(50), *[50] * 10]  # each credit spent exactly once
    assert all(reply.json()["creditsBalance"] == 0 for reply in replies if reply.status_code == 403)
    statement = credits_of(api_multi, api_key, user)
    assert statement["balance"] == 0
    assert sum(entry["units"] for entry in statement["entries"]) == 0  # +50 granted, -50 spent
    kinds = {entry["kind"]: entry["units"] for entry in statement["entries"]}
    assert kinds == {"grant": 50, "usage": -50}
    assert api_multi.get("/api/credits", headers=key_headers(api_key, user)).json()["balance"] == 0


def test_grants_and_adjustments_honour_idempotency_and_never_go_below_zero(api_multi: httpx.Client) -> None:
    platform_id, api_key = platform_with_tier(api_multi, limit=1, rateLimit=1000)
    user = new_user()
    first = grant(api_multi, api_key, user, 20, **{"idempotency-key": "grant-1"})
    again = grant(api_multi, api_key, user, 20, **{"idempotency-key": "grant-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true" and again.json()["balance"] == 20
    other = grant(api_multi, api_key, user, 25, **{"idempotency-key": "grant-1"})
    assert other.status_code == 422
    too_much = grant(api_multi, api_key, user, -21)
    assert too_much.status_code == 409 and too_much.json() == {
        "error": "insufficient_credits",
        "message": "The balance is 20 units; removing 21 would take it below zero",
        "creditsBalance": 20,
    }
    taken = grant(api_multi, api_key, user, -5)
    assert taken.status_code == 201 and taken.json()["entry"]["kind"] == "adjustment"
    for body in ({"units": 0}, {"units": "5"}, {"units": 5, "reason": "x" * 201}, {}):
        reply = api_multi.post(
            f"/api/developer/users/{user}/credits", json=body, headers=key_headers(api_key)
        )
        assert reply.status_code == 400, body
    statement = credits_of(api_multi, api_key, user)
    assert statement["balance"] == 15
    assert [(e["kind"], e["units"], e["balanceAfter"]) for e in statement["entries"]] == [
        ("adjustment", -5, 15),
        ("grant", 20, 20),
    ]
    # an end user reads their own balance in both auth modes
    assert api_multi.get("/api/credits", headers=key_headers(api_key, user)).json() == {
        "platformId": platform_id,
        "userId": user,
        "balance": 15,
    }


def pay_and_redeliver(
    platform: Platform, checkout_url: str, session_id: str, account: str
) -> list[int | None]:
    """Pays the session in the stand-in, delivers its event again, and sends the same session in
    another event (as Stripe does for delayed payment methods); the status of every delivery."""
    assert httpx.post(f"{checkout_url}/pay", follow_redirects=False).status_code == 303
    event = next(
        d.event for d in platform.stripe.deliveries if d.event["data"]["object"].get("id") == session_id
    )
    resent = httpx.post(f"{platform.stripe.base_url}/_standin/events/{event['id']}/resend")
    assert resent.status_code == 200 and len(resent.json()) == 3
    later = platform.stripe.emit(
        "checkout.session.async_payment_succeeded", event["data"]["object"], account=account
    )
    return [d.status for d in platform.stripe.deliveries if d.event["id"] in (event["id"], later["id"])]


def _packs(api_multi: httpx.Client, api_key: str, packs: list[dict]) -> httpx.Response:
    return api_multi.put("/api/developer/credit-packs", json={"packs": packs}, headers=key_headers(api_key))


def test_a_pack_bought_through_checkout_is_granted_once_however_often_its_events_arrive(
    platform: Platform, api_multi: httpx.Client, locations: list[str]
) -> None:
    platform_id, api_key = platform_with_tier(api_multi, limit=1, rateLimit=1000)
    account = connect_stripe(platform, platform_id)
    stored = _packs(api_multi, api_key, [{"name": "starter", "units": 1000, "priceCents": 900}])
    assert stored.status_code == 200, stored.text
    bad = _packs(api_multi, api_key, [{"name": "Bad", "units": 0, "priceCents": 1}])
    assert bad.status_code == 400 and len(bad.json()["problems"]) == 3
    public = api_multi.get("/api/credit-packs", params={"platformId": platform_id}).json()
    assert [p["name"] for p in public["packs"]] == ["starter"]  # the old config was kept
    user = new_user()
    headers = jwt_headers(platform, platform_id, user)
    assert (
        api_multi.post(
            "/api/credits/checkout", json={"pack": "starter"}, headers=key_headers(api_key, user)
        ).status_code
        == 401
    )
    assert (
        api_multi.post("/api/credits/checkout", json={"pack": "huge"}, headers=headers).json()["error"]
        == "unknown_pack"
    )
    checkout = api_multi.post("/api/credits/checkout", json={"pack": "starter"}, headers=headers)
    assert checkout.status_code == 200, checkout.text
    session = platform.stripe.sessions[checkout.json()["sessionId"]]
    assert (session["mode"], session["account"], session["amount_total"]) == ("payment", account, 900)
    # a second endpoint of ours receives connected accounts' events too
    second_endpoint = (f"{locations[1]}/webhook/stripe", DEFAULT_CONNECT_WEBHOOK_SECRET)
    platform.stripe.connect_webhook_targets.append(second_endpoint)
    try:
        deliveries = pay_and_redeliver(platform, checkout.json()["url"], session["id"], account)
    finally:
        platform.stripe.connect_webhook_targets.remove(second_endpoint)
    assert all(status == 200 for status in deliveries), deliveries
    assert len(deliveries) == 3 + 3 + 3  # api_multi twice and oauth_api, for each of the three
    statement = credits_of(api_multi, api_key, user)
    assert statement["balance"] == 1000
    assert [(e["kind"], e["units"]) for e in statement["entries"]] == [("top_up", 1000)]
    assert api_multi.get("/api/credits", headers=headers).json()["balance"] == 1000
    dashboard = eventually(  # local KV shared by processes may be busy: 503 meanwhile
        lambda: api_multi.get("/api/developer/dashboard?refresh=1", headers=key_headers(api_key)),
        lambda reply: reply.status_code == 200,
    )
    stats = dashboard.json()
    assert stats["revenue"]["totalCents"] == 900 and stats["revenue"]["payments"] == 1


def test_another_platform_cannot_read_or_change_credits_or_packs(
    platform: Platform, api_multi: httpx.Client
) -> None:
    a_id, a_key = platform_with_tier(api_multi, limit=1, rateLimit=1000)
    b_id, b_key = register(api_multi)
    user = "shared_name"
    assert grant(api_multi, a_key, user, 40).status_code == 201
    assert _packs(api_multi, a_key, [{"name": "a-pack", "units": 10, "priceCents": 100}]).status_code == 200
    # B's key addresses B's user of the same name: a separate balance
    assert credits_of(api_multi, b_key, user) == {
        "platformId": b_id,
        "userId": user,
        "balance": 0,
        "entries": [],
    }
    assert grant(api_multi, b_key, user, -1).status_code == 409
    assert grant(api_multi, b_key, user, 5).json()["platformId"] == b_id
    assert credits_of(api_multi, a_key, user)["balance"] == 40
    assert api_multi.get("/api/credits", headers=key_headers(b_key, user)).json()["balance"] == 5
    assert api_multi.get("/api/credits", headers=jwt_headers(platform, a_id, user)).json()["balance"] == 40
    # B's packs are B's: writing them leaves A's alone, B's users cannot buy A's
    assert _packs(api_multi, b_key, []).status_code == 200
    a_packs = api_multi.get("/api/credit-packs", params={"platformId": a_id}).json()["packs"]
    assert [p["name"] for p in a_packs] == ["a-pack"]
    b_buy = api_multi.post(
        "/api/credits/checkout", json={"pack": "a-pack"}, headers=jwt_headers(platform, b_id, user)
    )
    assert b_buy.status_code == 400 and b_buy.json()["error"] == "unknown_pack"
    # no credentials, or an end user's session, reach no developer credits route
    assert api_multi.get(f"/api/developer/users/{user}/credits").status_code == 401
    end_user = jwt_headers(platform, a_id, user)
    assert api_multi.get(f"/api/developer/users/{user}/credits", headers=end_user).status_code == 401
    assert (
        api_multi.put("/api/developer/credit-packs", json={"packs": []}, headers=end_user).status_code == 401
    )
    assert (
        json.loads(platform.kv.get("TOKENS_KV", f"platform:{a_id}:credit-packs"))["packs"][0]["name"]
        == "a-pack"
    )


@pytest.mark.parametrize("attack", ATTACKS)
def test_forged_tokens_reach_no_credits_route(
    platform: Platform, api_multi: httpx.Client, attack: str
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=1, rateLimit=1000)
    user = new_user()
    token = attack_tokens(platform)[attack]
    forged = {"authorization": f"Bearer {token}"}
    replies = [
        api_multi.post(f"/api/developer/users/{user}/credits", json={"units": 10}, headers=forged),
        api_multi.get(f"/api/developer/users/{user}/credits", headers=forged),
        api_multi.put("/api/developer/credit-packs", json={"packs": []}, headers=forged),
        api_multi.post("/api/credits/checkout", json={"pack": "x"}, headers=forged),
        api_multi.get("/api/credits", headers=forged),
    ]
    assert [reply.status_code for reply in replies] == [401] * 5, (attack, [r.text for r in replies])
    assert all(token not in reply.text for reply in replies)
    assert credits_of(api_multi, api_key, user)["balance"] == 0


def test_ids_that_could_escape_their_key_and_forged_top_ups_change_nothing(
    platform: Platform, api_multi: httpx.Client
) -> None:
    a_id, a_key = platform_with_tier(api_multi, limit=1, rateLimit=1000)
    b_id, b_key = platform_with_tier(api_multi, limit=1, rateLimit=1000)
    for user in ("a%3Ab", "a%2Fb", "x" * 129, "%20"):
        reply = api_multi.post(
            f"/api/developer/users/{user}/credits", json={"units": 1}, headers=key_headers(a_key)
        )
        assert (reply.status_code, reply.json()["error"]) == (400, "invalid_user_id"), user
    a_account = connect_stripe(platform, a_id)
    top_up = {
        "id": "cs_forged_" + new_user(),
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "client_reference_id": "victim",
        "amount_total": 100,
        "currency": "usd",
        "metadata": {"platformId": b_id, "userId": "victim", "kind": "credits", "units": "1000000"},
    }
    # A's connected account cannot grant credits to B's users, whatever its metadata says
    reply = _send(api_multi, _connect_event(a_account, "checkout.session.completed", top_up))
    assert reply.status_code == 200 and "another platform" in reply.json()["outcome"]
    # an unsigned or wrongly signed event is refused
    payload = json.dumps(_connect_event(a_account, "checkout.session.completed", top_up)).encode()
    unsigned = api_multi.post(
        "/webhook/stripe", content=payload, headers={"content-type": "application/json"}
    )
    assert unsigned.status_code == 400
    assert credits_of(api_multi, b_key, "victim")["balance"] == 0
    # unpaid sessions grant nothing yet
    unpaid = {**top_up, "payment_status": "unpaid", "metadata": {**top_up["metadata"], "platformId": a_id}}
    reply = _send(api_multi, _connect_event(a_account, "checkout.session.completed", unpaid))
    assert reply.json()["outcome"].startswith("pending")
    assert credits_of(api_multi, a_key, "victim")["balance"] == 0
