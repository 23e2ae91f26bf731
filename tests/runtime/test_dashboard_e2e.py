"""The developer dashboard in headless Chromium (Debian's, driven by Playwright), against the
platform as `make dev` runs it: workers in workerd, stand-ins, and the Vite dev server.
Screenshots of the main screens go to artifacts/e2e/."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from scripts import devstack
from scripts.local_platform import DASHBOARD_ORIGIN, Platform
from tests.runtime.conftest import SNAPSHOT_SECONDS
from tests.runtime.layout import assert_no_sideways_scroll

pytestmark = pytest.mark.runtime

SHOTS = devstack.ROOT / "artifacts" / "e2e"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium logs every 4xx fetch; these are answers the dashboard expects and shows: 404 before
# credentials exist, 400 for the invalid tier config the test submits on purpose.
EXPECTED_NETWORK_ERRORS = ("status of 404", "status of 400")


@pytest.fixture(scope="module")
def dashboard(platform: Platform) -> Iterator[str]:
    port = int(DASHBOARD_ORIGIN.rsplit(":", 1)[1])
    env = devstack.dashboard_env(
        {name: p.url for name, p in platform.workers.items()},
        platform.identity.server.base_url,
        platform.customer_identity.server.base_url,
    )
    process = devstack.start_dashboard(port, devstack.ROOT / "artifacts" / "runtime" / "logs", env)
    try:
        devstack.wait_until_up(process, "/", timeout=60)
        yield DASHBOARD_ORIGIN
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # generous: under load (2 cores, the whole platform running) Chromium can take a while
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, animations="disabled", timeout=90_000)


def test_developer_journey(platform: Platform, dashboard: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    console_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not any(
            expected in message.text for expected in EXPECTED_NETWORK_ERRORS
        ):
            console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    # what answered a request the console reports as failed (a CORS error hides the status)
    failures: list[str] = []
    page.on("requestfailed", lambda request: failures.append(f"{request.url}: {request.failure}"))
    page.on(
        "response",
        lambda response: (
            failures.append(f"{response.url}: {response.status}") if response.status >= 500 else None
        ),
    )

    page.goto(f"{dashboard}/")
    expect(page.get_by_role("heading", name="dream-api")).to_be_visible()
    shot(page, "01-landing")
    page.get_by_role("link", name="Open the dashboard").click()

    # sign up (local identity provider) → free usage visible
    email = f"dev-{secrets.token_hex(4)}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("plan")).to_have_text("free")
    expect(page.get_by_test_id("usage-limit")).to_have_text("5")
    user_id = "user_" + hashlib.sha256(email.encode()).hexdigest()[:24]

    # generate the key: shown once; after a reload only its prefix
    page.get_by_test_id("generate").click()
    api_key = page.get_by_test_id("api-key").inner_text()
    assert api_key.startswith("dream_live_")
    shot(page, "02-key-shown-once")
    page.reload()
    expect(page.get_by_test_id("key-prefix")).to_have_text(api_key[:15] + "…")
    expect(page.get_by_test_id("api-key")).to_have_count(0)
    platform_id = page.get_by_test_id("platform-id").inner_text()

    # configure two tiers (the API's validation shows inline first)
    page.get_by_label("Tier 1 name").fill("Bad Name")
    page.get_by_test_id("save-tiers").click()
    expect(page.get_by_test_id("tier-problems")).to_contain_text("lowercase")
    page.get_by_label("Tier 1 name").fill("hobby")
    page.get_by_label("Tier 1 monthly limit").fill("3")
    page.get_by_label("Tier 2 name").fill("pro")
    page.get_by_label("Tier 2 monthly limit").fill("1000")
    page.get_by_test_id("save-tiers").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    shot(page, "03-tiers")

    # an end user's call with the key shows up in the stats
    reply = httpx.post(
        f"{platform.workers['api_multi'].url}/api/data",
        headers={"authorization": f"Bearer {api_key}", "x-user-id": "enduser_1"},
    )
    assert reply.status_code == 200 and reply.json()["usage"]["plan"] == "hobby"
    refresh = page.locator("#stats-title").locator("..").get_by_role("button", name="Refresh")
    refresh.click()
    # the card says how late a call can show up; within that, a refresh shows it
    expect(page.get_by_test_id("stats-freshness")).to_contain_text(f"within {SNAPSHOT_SECONDS} seconds")
    calls = page.get_by_test_id("stats-calls")
    deadline = time.monotonic() + SNAPSHOT_SECONDS + 10
    while calls.inner_text() != "1" and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        refresh.click()
    expect(calls).to_have_text("1")
    expect(page.get_by_test_id("stats-users")).to_have_text("1")

    # hit the developer plan's limit, then upgrade through the Stripe stand-in's checkout
    token = platform.identity.issue(user_id, email=email)
    statuses = [
        httpx.post(
            f"{platform.workers['front_auth_api'].url}/verify-auth",
            headers={"authorization": f"Bearer {token}"},
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [403]
    page.reload()
    expect(page.get_by_test_id("usage-count")).to_have_text("5")
    shot(page, "04-limit-reached")
    page.get_by_test_id("subscribe").click()
    expect(page.get_by_text("$29.00 / month")).to_be_visible()
    shot(page, "05-checkout")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Your subscription is active")).to_be_visible()
    expect(page.get_by_test_id("plan")).to_have_text("paid")
    expect(page.get_by_test_id("usage-limit")).to_have_text("500")

    # connect Stripe through the stand-in's consent page
    page.get_by_test_id("connect-stripe").click()
    page.get_by_role("button", name="Connect my Stripe account").click()
    expect(page.get_by_text("Stripe is connected.")).to_be_visible()
    expect(page.get_by_test_id("stripe-connected")).to_contain_text("acct_")
    shot(page, "06-dashboard-connected")

    # narrow screens: nothing overflows sideways
    page.set_viewport_size({"width": 375, "height": 800})
    assert_no_sideways_scroll(page, "dashboard")
    shot(page, "07-dashboard-375px")

    # the public tier page renders from /api/tiers
    page.get_by_test_id("preview-link").click()
    expect(page).to_have_url(f"{dashboard}/p/{platform_id}")
    tiers = page.get_by_test_id("public-tiers")
    expect(tiers).to_contain_text("hobby")
    expect(tiers).to_contain_text("pro")
    shot(page, "08-public-tiers")
    assert console_errors == [], failures


def signed_in_with_a_key(browser: Browser, dashboard: str) -> tuple[Page, list[str], str]:
    """A new developer's dashboard once the key was generated: (page, page errors, API key)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{dashboard}/dashboard")
    page.get_by_label("Email").fill(f"dev-{secrets.token_hex(4)}@example.com")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("generate").click()
    return page, page_errors, page.get_by_test_id("api-key").inner_text()


def test_credit_packs_and_an_end_users_credits(platform: Platform, dashboard: str, browser: Browser) -> None:
    page, page_errors, api_key = signed_in_with_a_key(browser, dashboard)
    platform_id = page.get_by_test_id("platform-id").inner_text()

    # define a pack (the API's validation shows inline first)
    expect(page.get_by_text("No credit packs yet.")).to_be_visible()
    page.get_by_role("button", name="Add pack").click()
    page.get_by_label("Pack 1 name").fill("Starter Pack")
    page.get_by_test_id("save-packs").click()
    expect(page.get_by_test_id("pack-problems")).to_contain_text("lowercase")
    page.get_by_label("Pack 1 name").fill("starter")
    page.get_by_label("Pack 1 units").fill("2500")
    page.get_by_label("Pack 1 price").fill("900")
    page.get_by_test_id("save-packs").click()
    expect(page.get_by_text("Packs saved.")).to_be_visible()
    public = httpx.get(
        f"{platform.workers['api_multi'].url}/api/credit-packs", params={"platformId": platform_id}
    )
    assert public.json()["packs"] == [
        {"name": "starter", "units": 2500, "priceCents": 900, "currency": "usd", "stripePriceId": None}
    ]

    # an end user who made a call; look them up, grant credits, see balance and ledger
    call = httpx.post(
        f"{platform.workers['api_multi'].url}/api/data",
        headers={"authorization": f"Bearer {api_key}", "x-user-id": "enduser_7"},
    )
    assert call.status_code == 200
    page.get_by_label("End user id").fill("enduser_7")
    page.get_by_test_id("lookup-user").click()
    expect(page.get_by_test_id("credit-balance")).to_have_text("0")
    expect(page.get_by_text("No ledger entries yet.")).to_be_visible()
    page.get_by_label("Units (negative to remove)").fill("-5")
    page.get_by_test_id("apply-credits").click()
    expect(page.locator("#end-user-title").locator("..").get_by_role("alert")).to_contain_text("below zero")
    page.get_by_label("Units (negative to remove)").fill("300")
    page.get_by_label("Reason").fill("welcome bonus")
    page.get_by_test_id("apply-credits").click()
    expect(page.get_by_test_id("credit-balance")).to_have_text("300")
    ledger = page.get_by_test_id("ledger")
    expect(ledger).to_contain_text("grant")
    expect(ledger).to_contain_text("+300")
    expect(ledger).to_contain_text("welcome bonus")
    shot(page, "09-credits")
    balance = httpx.get(
        f"{platform.workers['api_multi'].url}/api/credits",
        headers={"authorization": f"Bearer {api_key}", "x-user-id": "enduser_7"},
    )
    assert balance.json()["balance"] == 300
    page.set_viewport_size({"width": 375, "height": 800})
    assert_no_sideways_scroll(page, "dashboard")
    assert page_errors == []


def test_webhook_endpoint_test_event_and_alerts(platform: Platform, dashboard: str, browser: Browser) -> None:
    page, page_errors, api_key = signed_in_with_a_key(browser, dashboard)
    expect(page.get_by_text("No webhook endpoints yet.")).to_be_visible()

    # a plain-http URL that is not this machine is refused, and the reason shown
    page.get_by_label("Endpoint URL").fill("http://example.com/hooks")
    page.get_by_test_id("add-webhook").click()
    expect(page.get_by_test_id("webhook-error")).to_contain_text("https")
    expect(page.get_by_test_id("webhook-endpoint")).to_have_count(0)

    # add an endpoint at the receiver stand-in, for two of the event types: the secret shows once
    name = "dashboard_" + secrets.token_hex(4)
    page.get_by_label("Endpoint URL").fill(platform.webhooks.url(name))
    page.get_by_label("Description (optional)").fill("billing service")
    page.get_by_role("checkbox", name="credits.low").uncheck()
    page.get_by_role("checkbox", name="subscription.updated").uncheck()
    page.get_by_test_id("add-webhook").click()
    secret = page.get_by_test_id("webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    platform.webhooks.inbox(name).secret = secret
    expect(page.get_by_label("Endpoint URL")).to_have_value("")
    endpoint = page.get_by_test_id("webhook-endpoint")
    expect(endpoint).to_contain_text(platform.webhooks.url(name))
    expect(endpoint).to_contain_text("billing service · usage.limit_reached, usage.threshold_crossed")

    # send a test: the card refreshes until the receiver has it, signed with that secret
    endpoint.get_by_test_id("send-test").click()
    expect(endpoint.get_by_test_id("delivery-state")).to_have_text("delivered", timeout=30_000)
    expect(endpoint.get_by_test_id("deliveries")).to_contain_text("webhook.test")
    first = platform.webhooks.inbox(name).received
    assert [(r["event"]["type"], r["verified"], r["status"]) for r in first] == [("webhook.test", True, 200)]
    shot(page, "10-webhooks")

    # retrying a delivered event sends it again with the same webhook-id
    endpoint.get_by_role("button", name="Retry webhook.test").click()
    expect(endpoint.get_by_role("cell", name="2", exact=True)).to_be_visible(timeout=30_000)
    expect(endpoint.get_by_test_id("delivery-state")).to_have_text("delivered", timeout=30_000)
    ids = {r["headers"]["webhook-id"] for r in platform.webhooks.inbox(name).received}
    assert len(platform.webhooks.inbox(name).received) == 2 and len(ids) == 1

    # alert thresholds: saved through the API the card calls, read back with the API key
    page.get_by_label("Thresholds (% of monthly units, comma-separated)").fill("50, 100")
    page.get_by_label("Credits below (optional)").fill("25")
    page.get_by_test_id("save-alerts").click()
    expect(page.get_by_text("Alerts saved.")).to_be_visible()
    stored = httpx.get(
        f"{platform.workers['api_multi'].url}/api/developer/alerts",
        headers={"authorization": f"Bearer {api_key}"},
    )
    assert stored.json()["usageThresholds"] == [50, 100] and stored.json()["creditsBelow"] == 25

    # after a reload the endpoint is listed, its secret is not
    page.reload()
    expect(page.get_by_test_id("webhook-endpoint")).to_have_count(1)
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
    assert secret not in page.content()
    page.set_viewport_size({"width": 375, "height": 800})
    assert_no_sideways_scroll(page, "dashboard")
    assert page_errors == []


def test_api_keys_create_and_revoke(platform: Platform, dashboard: str, browser: Browser) -> None:
    page, page_errors, first_key = signed_in_with_a_key(browser, dashboard)
    rows = page.get_by_test_id("api-key-row")
    original = rows.filter(has_text="default")
    expect(original.get_by_test_id("key-status")).to_have_text("active")

    # a second key: listed, never used, and the key itself shown once
    page.get_by_label("Key name").fill("ci server")
    page.get_by_test_id("create-key").click()
    new_key = page.get_by_test_id("new-api-key").inner_text()
    assert new_key.startswith("dream_live_")
    second = rows.filter(has_text="ci server")
    expect(second.get_by_test_id("key-status")).to_have_text("active")
    expect(second.get_by_test_id("key-last-used")).to_have_text("never")
    expect(rows).to_have_count(2)
    data = f"{platform.workers['api_multi'].url}/api/data"
    headers = {"authorization": f"Bearer {new_key}", "x-user-id": "enduser_1"}
    assert httpx.post(data, headers=headers).status_code == 200

    # revoking asks first, in the row; then the key is refused and the original one still works
    second.get_by_role("button", name="Revoke ci server", exact=True).click()
    page.get_by_role("button", name="Yes, revoke ci server").click()
    expect(second.get_by_test_id("key-status")).to_have_text("revoked")
    expect(second.get_by_role("button")).to_have_count(0)
    expect(original.get_by_test_id("key-status")).to_have_text("active")
    assert httpx.post(data, headers=headers).status_code == 401
    assert httpx.post(data, headers={**headers, "authorization": f"Bearer {first_key}"}).status_code == 200
    shot(page, "11-api-keys")
    assert page_errors == []
