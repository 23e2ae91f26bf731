"""The developer dashboard in headless Chromium (Debian's, driven by Playwright), against the
platform as `make dev` runs it: workers in workerd, stand-ins, and the Vite dev server. A new
developer goes from sign-up through the overview's checklist (key, first metered call noticed
without a reload, tiers, Stripe, the portal) and the upgrade of their own plan; then what each page
does: credit packs and an end user's credits, webhooks and alerts, API keys. Screenshots of the main
screens go to artifacts/e2e/ (every page at both widths: test_dashboard_pages.py)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from scripts import devstack
from scripts.local_platform import DASHBOARD_ORIGIN, Platform
from tests.runtime.axe import assert_accessible
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


NARROW = 375  # below 48rem the sidebar is a menu
# Assertions wait up to 15 s (Playwright's default is 5): on two shared cores with the whole platform
# running, a worker's first answers on a freshly loaded page can take longer than 5 s.
expect.set_options(timeout=15_000)


def nav_to(page: Page, label: str) -> None:
    """Open a section from the sidebar (from its menu on a narrow screen) and wait for its page."""
    nav = page.get_by_role("navigation", name="Dashboard")
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") == "false":
        menu.click()
    nav.get_by_role("link", name=label, exact=True).click()
    expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")


def toast(page: Page, text: str) -> None:
    """A toast saying `text` is shown."""
    expect(page.get_by_test_id("toast").filter(has_text=text)).to_be_visible()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # generous: under load (2 cores, the whole platform running) Chromium can take a while
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, animations="disabled", timeout=90_000)


def test_developer_journey(platform: Platform, dashboard: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
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

    # sign up (local identity provider) → the overview, with a checklist where nothing is done yet
    email = f"dev-{secrets.token_hex(4)}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{dashboard}/dashboard")
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    progress = page.get_by_test_id("checklist-progress")
    expect(progress).to_have_text("0 of 5 done")
    for step in ("key", "call", "tiers", "stripe", "portal"):
        expect(page.get_by_test_id(f"step-{step}")).to_have_attribute("data-done", "false")
    user_id = "user_" + hashlib.sha256(email.encode()).hexdigest()[:24]

    # step 1, the key: shown once; the next step's snippet carries it; after a reload only its prefix
    page.get_by_test_id("generate").click()
    api_key = page.get_by_test_id("api-key").inner_text()
    assert api_key.startswith("dream_live_")
    expect(page.get_by_test_id("step-key")).to_have_attribute("data-done", "true")
    expect(progress).to_have_text("1 of 5 done")
    expect(page.get_by_test_id("step-call")).to_contain_text(f"Bearer {api_key}")
    expect(page.get_by_test_id("first-call-status")).to_contain_text("Waiting for your first call")
    for scheme in ("dark", "light"):  # the key shown once, the snippet, the live status
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page, f"overview waiting for the first call ({scheme})")
    shot(page, "02-key-shown-once")
    page.reload()
    expect(page.get_by_test_id("key-prefix")).to_have_text(api_key[:15] + "…")
    expect(page.get_by_test_id("api-key")).to_have_count(0)
    expect(page.get_by_test_id("step-call")).not_to_contain_text(api_key)
    platform_id = page.get_by_test_id("platform-id").inner_text()

    # step 2, the first metered call: the overview notices it arrive, without a reload
    page.evaluate("() => { window.__sameDocument = true; }")
    expect(page.get_by_test_id("stats-calls")).to_have_text("0")
    reply = httpx.post(
        f"{platform.workers['api_multi'].url}/api/data",
        headers={"authorization": f"Bearer {api_key}", "x-user-id": "enduser_1"},
    )
    assert reply.status_code == 200 and reply.json()["usage"]["plan"] == "free"
    # the page says how late a call can show up; it asks every 3 s, past the API's 15 s cache
    within = f"within {SNAPSHOT_SECONDS} second{'' if SNAPSHOT_SECONDS == 1 else 's'}."
    expect(page.get_by_test_id("stats-freshness")).to_contain_text(within)
    arrival = (SNAPSHOT_SECONDS + 3 + 10) * 1000
    expect(page.get_by_test_id("step-call")).to_have_attribute("data-done", "true", timeout=arrival)
    toast(page, "Your first metered call arrived.")
    expect(page.get_by_test_id("stats-units")).to_have_text("1")
    expect(page.get_by_test_id("stats-calls")).to_have_text("1")  # units by day caught up too
    expect(page.get_by_test_id("stats-users")).to_have_text("1")
    expect(page.get_by_test_id("step-call")).to_contain_text("1 call from 1 end user")
    expect(page.get_by_test_id("first-call-status")).to_have_count(0)
    expect(progress).to_have_text("2 of 5 done")
    assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    shot(page, "03-first-call")

    # step 3, tiers, on the pricing page the checklist links to (the API's problems at their fields)
    page.get_by_test_id("checklist-tiers").click()
    expect(page).to_have_url(f"{dashboard}/dashboard/pricing")
    expect(page.get_by_role("heading", name="Pricing", level=1)).to_be_focused()
    expect(page.get_by_test_id("default-tiers")).to_be_visible()
    page.get_by_label("Tier 1 name").fill("Bad Name")
    page.get_by_test_id("save-tiers").click()
    name = page.get_by_label("Tier 1 name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("lowercase"))
    expect(page.get_by_test_id("tier-0").get_by_test_id("error-0.name")).to_contain_text("lowercase")
    expect(page.get_by_test_id("tier-problems")).to_contain_text("Tier config is invalid")
    assert_accessible(page, "pricing with a problem at a field")
    page.get_by_label("Tier 1 name").fill("hobby")
    page.get_by_label("Tier 1 units a month").fill("3")
    page.get_by_label("Tier 2 name").fill("pro")
    page.get_by_label("Tier 2 units a month").fill("1000")
    page.get_by_test_id("save-tiers").click()
    toast(page, "Tiers saved: hobby, pro.")
    expect(page.locator("[aria-invalid=true]")).to_have_count(0)
    expect(page.get_by_test_id("tier-problems")).to_have_count(0)
    expect(page.get_by_test_id("default-tiers")).to_have_count(0)
    shot(page, "04-tiers")
    reply = httpx.post(
        f"{platform.workers['api_multi'].url}/api/data",
        headers={"authorization": f"Bearer {api_key}", "x-user-id": "enduser_2"},
    )
    assert reply.status_code == 200 and reply.json()["usage"]["plan"] == "hobby"
    page.go_back()  # the browser's back button: the overview, the step done
    expect(page).to_have_url(f"{dashboard}/dashboard")
    expect(page.get_by_test_id("step-tiers")).to_have_attribute("data-done", "true")
    expect(page.get_by_test_id("step-tiers")).to_contain_text("hobby, pro")
    expect(progress).to_have_text("3 of 5 done")

    # the developer's own plan: hit the free limit, then upgrade through the Stripe stand-in's checkout
    token = platform.identity.issue(user_id, email=email, azp=dashboard)  # this dashboard's origin
    statuses = [
        httpx.post(
            f"{platform.workers['front_auth_api'].url}/verify-auth",
            headers={"authorization": f"Bearer {token}"},
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [403]
    nav_to(page, "Billing")
    expect(page).to_have_url(f"{dashboard}/dashboard/billing")
    expect(page.get_by_test_id("usage-count")).to_have_text("5")
    expect(page.get_by_test_id("plan")).to_have_text("free")
    expect(page.get_by_test_id("usage-limit")).to_have_text("5")
    shot(page, "05-limit-reached")
    page.get_by_test_id("subscribe").click()
    expect(page.get_by_text("$29.00 / month")).to_be_visible()
    shot(page, "06-checkout")
    page.get_by_role("button", name="Pay").click()
    # back on the page the checkout started from, with the outcome
    expect(page).to_have_url(f"{dashboard}/dashboard/billing")
    expect(page.get_by_test_id("flow-outcome")).to_contain_text("Your subscription is active")
    expect(page.get_by_test_id("plan")).to_have_text("paid")
    expect(page.get_by_test_id("usage-limit")).to_have_text("500")

    # step 4: connect Stripe from the checklist, through the stand-in's consent page, back to it
    nav_to(page, "Overview")
    expect(page.get_by_test_id("flow-outcome")).to_have_count(0)
    page.get_by_test_id("checklist-connect-stripe").click()
    page.wait_for_url(re.compile(r"/oauth/authorize"))  # the stand-in's consent page
    page.get_by_role("button", name="Connect my Stripe account").click()
    expect(page).to_have_url(f"{dashboard}/dashboard")
    expect(page.get_by_test_id("flow-outcome")).to_contain_text("Stripe is connected.")
    expect(page.get_by_test_id("step-stripe")).to_have_attribute("data-done", "true")
    expect(page.get_by_test_id("step-stripe")).to_contain_text("acct_")
    expect(progress).to_have_text("4 of 5 done")
    nav_to(page, "Settings")
    expect(page.get_by_test_id("stripe-connected")).to_contain_text("acct_")
    shot(page, "07-settings-connected")

    # step 5: the end users' portal opens in a new tab and renders the tiers from /api/tiers
    nav_to(page, "Overview")
    with page.context.expect_page() as opened:
        page.get_by_test_id("checklist-portal").click()
    portal = opened.value
    expect(portal).to_have_url(f"{dashboard}/p/{platform_id}")
    tiers = portal.get_by_test_id("public-tiers")
    expect(tiers).to_contain_text("hobby")
    expect(tiers).to_contain_text("pro")
    shot(portal, "08-public-tiers")
    portal.close()
    expect(progress).to_have_text("5 of 5 done")
    expect(page.get_by_role("heading", name="You are set up")).to_be_visible()
    shot(page, "09-overview-set-up")

    # Settings: disconnecting Stripe asks first, then says so; the checklist's step opens again
    nav_to(page, "Settings")
    page.get_by_role("button", name="Disconnect Stripe").click()
    page.get_by_role("button", name="Yes, disconnect Stripe").click()
    toast(page, "Stripe is disconnected.")
    expect(page.get_by_test_id("connect-stripe")).to_be_visible()
    status = httpx.get(
        f"{platform.workers['oauth_api'].url}/status",
        headers={"authorization": f"Bearer {platform.identity.issue(user_id, email=email, azp=dashboard)}"},
    )
    assert status.json()["stripe"]["connected"] is False
    page.go_back()
    expect(page.get_by_test_id("step-stripe")).to_have_attribute("data-done", "false")
    expect(progress).to_have_text("4 of 5 done")

    # narrow screens: nothing overflows sideways
    page.set_viewport_size({"width": NARROW, "height": 800})
    assert_no_sideways_scroll(page, "overview")
    shot(page, "10-overview-375px")
    assert console_errors == [], failures


def signed_in_with_a_key(browser: Browser, dashboard: str) -> tuple[Page, list[str], str]:
    """A new developer's overview once the key was generated: (page, page errors, API key)."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
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

    # define a pack on the pricing page (the API's problem shows at its field first)
    nav_to(page, "Pricing")
    expect(page).to_have_url(f"{dashboard}/dashboard/pricing")
    expect(page.get_by_text("No credit packs yet")).to_be_visible()
    page.get_by_role("button", name="Add pack").click()
    page.get_by_label("Pack 1 name").fill("Starter Pack")
    page.get_by_test_id("save-packs").click()
    expect(page.get_by_test_id("pack-0").get_by_test_id("error-0.name")).to_contain_text("lowercase")
    expect(page.get_by_label("Pack 1 name")).to_have_accessible_description(re.compile("lowercase"))
    expect(page.get_by_test_id("pack-problems")).to_contain_text("Credit packs not saved")
    page.get_by_label("Pack 1 name").fill("starter")
    page.get_by_label("Pack 1 units").fill("2500")
    page.get_by_label("Pack 1 price").fill("900")
    page.get_by_test_id("save-packs").click()
    toast(page, "Credit packs saved: starter.")
    expect(page.get_by_test_id("pack-problems")).to_have_count(0)
    public = httpx.get(
        f"{platform.workers['api_multi'].url}/api/credit-packs", params={"platformId": platform_id}
    )
    assert public.json()["packs"] == [
        {"name": "starter", "units": 2500, "priceCents": 900, "currency": "usd", "stripePriceId": None}
    ]

    # an end user who made a call: open their page by id, grant credits, see balance and ledger
    call = httpx.post(
        f"{platform.workers['api_multi'].url}/api/data",
        headers={"authorization": f"Bearer {api_key}", "x-user-id": "enduser_7"},
    )
    assert call.status_code == 200
    nav_to(page, "End users")
    page.get_by_label("End user id").fill("enduser_7")
    page.get_by_test_id("lookup-user").click()
    expect(page).to_have_url(f"{dashboard}/dashboard/users/enduser_7")
    expect(page.get_by_test_id("end-user-id")).to_have_text("enduser_7")
    expect(page.get_by_test_id("credit-balance")).to_have_text("0")
    expect(page.get_by_text("No ledger entries yet")).to_be_visible()
    units = page.get_by_label("Units (negative to remove)")
    units.fill("-5")
    page.get_by_test_id("apply-credits").click()
    expect(page.get_by_test_id("error-units")).to_contain_text("below zero")
    expect(units).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("credits-error")).to_contain_text("Credits not saved")
    expect(page.get_by_test_id("credit-balance")).to_have_text("0")
    units.fill("300")
    page.get_by_label("Reason").fill("welcome bonus")
    page.get_by_test_id("apply-credits").click()
    toast(page, "Granted 300 units: enduser_7 now has 300.")
    expect(page.get_by_test_id("credit-balance")).to_have_text("300")
    expect(page.get_by_test_id("user-credits")).to_have_text("300")
    expect(page.get_by_test_id("error-units")).to_have_count(0)
    ledger = page.get_by_test_id("ledger")
    expect(ledger).to_contain_text("grant")
    expect(ledger).to_contain_text("+300")
    expect(ledger).to_contain_text("welcome bonus")
    shot(page, "11-credits")
    balance = httpx.get(
        f"{platform.workers['api_multi'].url}/api/credits",
        headers={"authorization": f"Bearer {api_key}", "x-user-id": "enduser_7"},
    )
    assert balance.json()["balance"] == 300
    page.set_viewport_size({"width": NARROW, "height": 800})
    assert_no_sideways_scroll(page, "end user")
    assert page_errors == []


def test_webhook_endpoint_test_event_and_alerts(platform: Platform, dashboard: str, browser: Browser) -> None:
    page, page_errors, api_key = signed_in_with_a_key(browser, dashboard)
    nav_to(page, "Webhooks and alerts")
    expect(page).to_have_url(f"{dashboard}/dashboard/webhooks")
    expect(page.get_by_text("No webhook endpoints yet")).to_be_visible()

    # a plain-http URL that is not this machine is refused, and the reason shown at the field
    url = page.get_by_label("Endpoint URL")
    url.fill("http://example.com/hooks")
    page.get_by_test_id("add-webhook").click()
    expect(page.get_by_test_id("error-url")).to_contain_text("https")
    expect(url).to_have_accessible_description(re.compile("https"))
    expect(page.get_by_test_id("add-webhook-error")).to_contain_text("Endpoint not saved")
    expect(page.get_by_test_id("webhook-endpoint")).to_have_count(0)

    # add an endpoint at the receiver stand-in, for two of the event types: the secret shows once
    name = "dashboard_" + secrets.token_hex(4)
    url.fill(platform.webhooks.url(name))
    page.get_by_label("Description (optional)").fill("billing service")
    page.get_by_role("checkbox", name="credits.low").uncheck()
    page.get_by_role("checkbox", name="subscription.updated").uncheck()
    page.get_by_test_id("add-webhook").click()
    secret = page.get_by_test_id("webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    toast(page, "Endpoint added")
    platform.webhooks.inbox(name).secret = secret
    expect(url).to_have_value("")
    expect(page.get_by_test_id("error-url")).to_have_count(0)
    endpoint = page.get_by_test_id("webhook-endpoint")
    expect(endpoint).to_contain_text(platform.webhooks.url(name))
    expect(endpoint).to_contain_text("billing service · usage.limit_reached, usage.threshold_crossed")

    # send a test: the card refreshes until the receiver has it, signed with that secret
    endpoint.get_by_test_id("send-test").click()
    toast(page, "Test event queued")
    expect(endpoint.get_by_test_id("delivery-state")).to_have_text("delivered", timeout=30_000)
    expect(endpoint.get_by_test_id("deliveries")).to_contain_text("webhook.test")
    first = platform.webhooks.inbox(name).received
    assert [(r["event"]["type"], r["verified"], r["status"]) for r in first] == [("webhook.test", True, 200)]
    shot(page, "12-webhooks")

    # retrying a delivered event sends it again with the same webhook-id
    endpoint.get_by_role("button", name="Retry webhook.test").click()
    expect(endpoint.get_by_role("cell", name="2", exact=True)).to_be_visible(timeout=30_000)
    expect(endpoint.get_by_test_id("delivery-state")).to_have_text("delivered", timeout=30_000)
    ids = {r["headers"]["webhook-id"] for r in platform.webhooks.inbox(name).received}
    assert len(platform.webhooks.inbox(name).received) == 2 and len(ids) == 1

    # alert thresholds: a bad one is refused at its field; then saved, read back with the API key
    thresholds = page.get_by_label("Thresholds (% of monthly units, comma-separated)")
    thresholds.fill("50, 5000")
    page.get_by_test_id("save-alerts").click()
    expect(page.get_by_test_id("error-usageThresholds")).to_contain_text("integers from 1 to")
    expect(thresholds).to_have_attribute("aria-invalid", "true")
    thresholds.fill("50, 100")
    page.get_by_label("Credits below (optional)").fill("25")
    page.get_by_test_id("save-alerts").click()
    toast(page, "Alerts saved: at 50%, 100%, and below 25 credits.")
    expect(thresholds).not_to_have_attribute("aria-invalid", "true")
    stored = httpx.get(
        f"{platform.workers['api_multi'].url}/api/developer/alerts",
        headers={"authorization": f"Bearer {api_key}"},
    )
    assert stored.json()["usageThresholds"] == [50, 100] and stored.json()["creditsBelow"] == 25

    # after a reload the page is still this one: the endpoint is listed, its secret is not
    page.reload()
    expect(page).to_have_url(f"{dashboard}/dashboard/webhooks")
    expect(page.get_by_test_id("webhook-endpoint")).to_have_count(1)
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
    assert secret not in page.content()
    page.set_viewport_size({"width": NARROW, "height": 800})
    assert_no_sideways_scroll(page, "webhooks")
    assert page_errors == []


def test_api_keys_create_and_revoke(platform: Platform, dashboard: str, browser: Browser) -> None:
    page, page_errors, first_key = signed_in_with_a_key(browser, dashboard)
    nav_to(page, "API keys")
    expect(page).to_have_url(f"{dashboard}/dashboard/keys")
    rows = page.get_by_test_id("api-key-row")
    original = rows.filter(has_text="default")
    expect(original.get_by_test_id("key-status")).to_have_text("active")

    # a key that would expire in the past is refused at its field (the API's message)
    page.get_by_label("Key name").fill("ci server")
    page.get_by_label("Last day (optional)").evaluate("(input) => input.removeAttribute('min')")
    page.get_by_label("Last day (optional)").fill("2020-01-31")
    page.get_by_test_id("create-key").click()
    expect(page.get_by_test_id("error-expiresAt")).to_contain_text("must be in the future")
    expect(page.get_by_label("Last day (optional)")).to_have_attribute("aria-invalid", "true")
    expect(rows).to_have_count(1)

    # a second key: listed, never used, and the key itself shown once
    page.get_by_label("Last day (optional)").fill("")
    page.get_by_test_id("create-key").click()
    new_key = page.get_by_test_id("new-api-key").inner_text()
    assert new_key.startswith("dream_live_")
    toast(page, "Key “ci server” created")
    expect(page.get_by_test_id("error-expiresAt")).to_have_count(0)
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
    shot(page, "13-api-keys")
    assert page_errors == []
