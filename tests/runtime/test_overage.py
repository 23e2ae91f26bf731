"""Usage-based billing in workerd: units past a subscriber's included units are allowed (up to
`maxUnits`), counted as overage and reported to the Stripe stand-in's Billing Meter on the
developer's connected account exactly once: through a failing Stripe, a restart of every worker
process, and 200 concurrent calls over two api_multi processes.

Runs its own platform (meter and api_multi, reports every 2 s): it restarts everything."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from scripts import devstack
from scripts.local_platform import Platform, concurrently, running_platform
from scripts.standins.stripe import DEFAULT_SECRET_KEY
from tests.runtime.conftest import ARTIFACTS, TEST_VARIABLES
from tests.runtime.helpers import eventually, jwt_headers, key_headers, new_user, put_tiers, register

pytestmark = pytest.mark.runtime

INCLUDED = 100
UNIT_CENTS = 2


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(
        tmp_path_factory.mktemp("overage"),
        ARTIFACTS / "logs-overage",
        workers=("api_multi",),
        extra_variables={**TEST_VARIABLES, "OVERAGE_REPORT_SECONDS": "2"},
    ) as started:
        yield started


@dataclass
class OverageTier:
    platform_id: str
    api_key: str
    account: str
    event_name: str


def stripe_post(stack: Platform, path: str, account: str, data: dict[str, str]) -> dict:
    headers = {"authorization": f"Bearer {DEFAULT_SECRET_KEY}", "stripe-account": account}
    reply = httpx.post(f"{stack.stripe.base_url}{path}", data=data, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


def overage_tier(stack: Platform, api_multi: httpx.Client, max_units: int | None = None) -> OverageTier:
    """A platform on a connected account with a "pro" tier: $19/month, 100 units, then 2¢ a unit
    through a Billing Meter and a metered price made on that account (as scripts/setup_stripe.py
    --overage would)."""
    platform_id, api_key = register(api_multi)
    account = "acct_" + secrets.token_hex(8)
    record = {"accountId": account, "connectedAt": "2026-11-01T00:00:00Z", "method": "oauth"}
    stack.kv.put("TOKENS_KV", f"platform:{platform_id}:stripe", json.dumps(record))
    stack.kv.put("TOKENS_KV", f"stripe-account:{account}", platform_id)
    event_name = f"api_units_{secrets.token_hex(4)}"
    product = stripe_post(stack, "/v1/products", account, {"name": "Pro"})["id"]
    base = stripe_post(
        stack,
        "/v1/prices",
        account,
        {"currency": "usd", "unit_amount": "1900", "product": product, "recurring[interval]": "month"},
    )["id"]
    meter = stripe_post(
        stack, "/v1/billing/meters", account, {"display_name": "API units", "event_name": event_name}
    )
    metered = stripe_post(
        stack,
        "/v1/prices",
        account,
        {
            "currency": "usd",
            "unit_amount": str(UNIT_CENTS),
            "product": product,
            "recurring[interval]": "month",
            "recurring[usage_type]": "metered",
            "recurring[meter]": meter["id"],
        },
    )["id"]
    overage = {"stripePriceId": metered, "meterEventName": event_name, "unitPriceCents": UNIT_CENTS}
    if max_units is not None:
        overage["maxUnits"] = max_units
    tiers = [
        {"name": "free", "limit": 5, "default": True},
        {
            "name": "pro",
            "limit": INCLUDED,
            "rateLimit": 1000,
            "priceCents": 1900,
            "stripePriceId": base,
            "overage": overage,
        },
    ]
    reply = put_tiers(api_multi, api_key, tiers)
    assert reply.status_code == 200, reply.text
    assert reply.json()["tiers"][1]["overage"]["meterEventName"] == event_name
    return OverageTier(platform_id, api_key, account, event_name)


def subscribe(stack: Platform, api_multi: httpx.Client, tier: OverageTier, user: str) -> str:
    """Checkout of "pro" (base and metered price together) paid in the stand-in; the customer."""
    headers = jwt_headers(stack, tier.platform_id, user)
    reply = api_multi.post("/api/create-checkout", json={"tier": "pro"}, headers=headers)
    assert reply.status_code == 200, reply.text
    session = stack.stripe.sessions[reply.json()["sessionId"]]
    assert [stack.stripe.prices[item["price"]]["unit_amount"] for item in session["line_items"]] == [1900, 2]
    assert httpx.post(f"{reply.json()['url']}/pay", follow_redirects=False).status_code == 303
    return str(session["customer"])


def reported(stack: Platform, tier: OverageTier, customer: str) -> dict:
    query = {"account": tier.account, "customer": customer, "event_name": tier.event_name}
    return httpx.get(f"{stack.stripe.base_url}/_standin/meter-totals", params=query).json()


def reported_once_settled(stack: Platform, tier: OverageTier, customer: str, total: int) -> dict:
    """The stand-in's totals once they reach `total` (the cron reports every few seconds), and a
    few more runs later: nothing may be reported twice."""
    settled = eventually(lambda: reported(stack, tier, customer), lambda r: r["total"] >= total, timeout=90)
    for _ in range(2):
        stack.cron.tick()
    return reported(stack, tier, customer) if settled["total"] == total else settled


def fail_meter_events(stack: Platform, count: int) -> None:
    httpx.post(f"{stack.stripe.base_url}/_standin/fail-meter-events", json={"count": count})


def test_units_past_the_limit_are_billed_once_even_when_stripe_fails_first(stack: Platform) -> None:
    with stack.client("api_multi") as api_multi:
        tier = overage_tier(stack, api_multi)
        user = new_user()
        customer = subscribe(stack, api_multi, tier, user)
        fail_meter_events(stack, 1)  # the first report is answered 500, then retried
        usages = []
        for _ in range(120):
            reply = api_multi.post("/api/data", headers=key_headers(tier.api_key, user))
            assert reply.status_code == 200, reply.text
            usages.append(reply.json()["usage"])
        assert usages[INCLUDED - 1]["overage"] == 0 and usages[-1]["overage"] == 20
        assert (usages[-1]["count"], usages[-1]["plan"], usages[-1]["remaining"]) == (120, "pro", 0)
        totals = reported_once_settled(stack, tier, customer, 20)
        assert totals["total"] == 20, totals
        assert len(set(totals["identifiers"])) == totals["events"] >= 1
        report = api_multi.get("/api/usage", headers=key_headers(tier.api_key, user)).json()
        assert report["usage"]["overage"] == 20
        assert report["subscription"] == {"tier": "pro", "status": "active"}
        dashboard = eventually(
            lambda: api_multi.get(
                "/api/developer/dashboard?refresh=1", headers=key_headers(tier.api_key)
            ).json(),
            lambda stats: stats.get("overage", {}).get("units") == 20,
        )
        assert dashboard["overage"]["revenueCents"] == 20 * UNIT_CENTS
        assert dashboard["overage"]["users"] == [
            {"userId": user, "tier": "pro", "units": 20, "revenueCents": 20 * UNIT_CENTS}
        ]
        _, other_key = register(api_multi)  # another platform sees none of it
        other = api_multi.get("/api/developer/dashboard?refresh=1", headers=key_headers(other_key)).json()
        assert other["overage"] == {"units": 0, "revenueCents": 0, "users": []}


def test_max_units_caps_overage_and_a_refused_unit_is_neither_counted_nor_billed(stack: Platform) -> None:
    with stack.client("api_multi") as api_multi:
        tier = overage_tier(stack, api_multi, max_units=10)
        user = new_user()
        customer = subscribe(stack, api_multi, tier, user)
        for _ in range(INCLUDED + 10):
            assert api_multi.post("/api/data", headers=key_headers(tier.api_key, user)).status_code == 200
        refused = api_multi.post("/api/data", headers=key_headers(tier.api_key, user))
        assert refused.status_code == 403 and refused.json()["error"] == "Tier limit reached"
        usage = api_multi.get("/api/usage", headers=key_headers(tier.api_key, user)).json()["usage"]
        assert (usage["count"], usage["overage"]) == (INCLUDED + 10, 10)
        assert reported_once_settled(stack, tier, customer, 10)["total"] == 10


def test_without_a_subscription_the_limit_stays_hard(stack: Platform) -> None:
    with stack.client("api_multi") as api_multi:
        tier = overage_tier(stack, api_multi)
        user = new_user()
        for _ in range(INCLUDED):
            reply = api_multi.post("/api/data", headers=key_headers(tier.api_key, user, "pro"))
            assert reply.status_code == 200, reply.text
        refused = api_multi.post("/api/data", headers=key_headers(tier.api_key, user, "pro"))
        assert refused.status_code == 403
        usage = api_multi.get("/api/usage", headers=key_headers(tier.api_key, user, "pro")).json()["usage"]
        assert (usage["count"], usage["overage"]) == (INCLUDED, 0)
        assert reported(stack, tier, "")["total"] == 0


def test_concurrent_calls_over_two_processes_bill_exactly_the_overage(stack: Platform) -> None:
    second = stack.start_worker("api_multi", "api_multi-overage-b")
    try:
        devstack.wait_until_up(second)
        with stack.client("api_multi") as api_multi:
            tier = overage_tier(stack, api_multi)
            user = new_user()
            customer = subscribe(stack, api_multi, tier, user)
        urls = [stack.workers["api_multi"].url, second.url]
        replies = asyncio.run(concurrently(urls, [key_headers(tier.api_key, user)] * 200))
        answered = sum(reply.status_code == 200 for reply in replies)
        assert answered == 200, {reply.status_code for reply in replies}
        with stack.client("api_multi") as api_multi:
            usage = api_multi.get("/api/usage", headers=key_headers(tier.api_key, user)).json()["usage"]
        assert usage["overage"] == answered - INCLUDED == 100
        assert reported_once_settled(stack, tier, customer, 100)["total"] == usage["overage"]
    finally:
        second.stop()


def test_overage_counted_before_a_restart_of_everything_is_reported_after_it(stack: Platform) -> None:
    with stack.client("api_multi") as api_multi:
        tier = overage_tier(stack, api_multi)
        user = new_user()
        customer = subscribe(stack, api_multi, tier, user)
        fail_meter_events(stack, 1_000_000)  # Stripe refuses every report until the restart
        for _ in range(INCLUDED + 20):
            assert api_multi.post("/api/data", headers=key_headers(tier.api_key, user)).status_code == 200
    pending = eventually(
        lambda: stack.kv.keys("USAGE_KV", "overage:pending:"), lambda keys: any(user in key for key in keys)
    )
    assert any(user in key for key in pending)
    stack.cron.tick()  # a report is claimed and refused before the restart
    assert reported(stack, tier, customer)["total"] == 0
    stack.restart_everything()
    fail_meter_events(stack, 0)
    assert reported_once_settled(stack, tier, customer, 20)["total"] == 20
