"""The end users' portal (/p/{platformId}) and the landing page in headless Chromium, against the
real platform in workerd: an end user signs in (customer identity stand-in), sees this month's
usage and chart, upgrades through the Stripe stand-in's checkout on the developer's connected
account, buys credits and opens the billing portal; another creates and revokes a key of their
own and sees what a reservation holds next to their usage. Also what a platform without Stripe,
an unknown platform and another platform's user see. Every screen is checked with axe (WCAG A/AA),
has no horizontal scroll at 375 px, and is photographed at 1280 and 375 px to artifacts/e2e/."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from scripts.local_platform import Platform
from tests.runtime.axe import assert_accessible
from tests.runtime.helpers import key_headers, put_tiers, register
from tests.runtime.layout import assert_no_sideways_scroll
from tests.runtime.test_api_multi import create_price
from tests.runtime.test_dashboard_e2e import browser, dashboard, shot  # noqa: F401 - fixtures
from tests.runtime.test_oauth_api import consent, developer_with_platform, start_stripe_flow

pytestmark = pytest.mark.runtime

WIDE, NARROW = 1280, 375
NO_PAYMENTS = "This provider has not set up payments yet"


class Tab:
    """A browser page that records console errors, except answers of the expected statuses
    (Chromium logs every 4xx fetch, including those the page handles)."""

    def __init__(self, chromium: Browser, expected_statuses: tuple[int, ...] = ()) -> None:
        self.page = chromium.new_page(viewport={"width": WIDE, "height": 900})
        self.errors: list[str] = []
        self.failures: list[str] = []
        expected = tuple(f"status of {status}" for status in expected_statuses)

        def on_console(message: ConsoleMessage) -> None:
            source = message.location.get("url", "")
            if source.endswith("/favicon.ico"):  # the dev server has none; the browser asks anyway
                return
            if message.type == "error" and not any(text in message.text for text in expected):
                self.errors.append(f"{message.text} ({source})")

        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "requestfailed", lambda request: self.failures.append(f"{request.url}: {request.failure}")
        )
        self.page.on(
            "response",
            lambda response: (
                self.failures.append(f"{response.url}: {response.status}") if response.status >= 400 else None
            ),
        )

    def screens(self, name: str, *, dark_too: bool = True) -> None:
        """axe, then no sideways scrolling and a screenshot at both widths (and in dark mode)."""
        page = self.page
        schemes = ("light", "dark") if dark_too else ("light",)
        for scheme in schemes:
            page.emulate_media(color_scheme=scheme)
            suffix = "" if scheme == "light" else "-dark"
            assert_accessible(page, f"{name}{suffix}")
            for width in (WIDE, NARROW):
                page.set_viewport_size({"width": width, "height": 900})
                assert_no_sideways_scroll(page, f"{name}{suffix}")
                if width == NARROW:
                    assert_accessible(page, f"{name}{suffix} at {width}px")
                shot(page, f"{name}{suffix}-{width}")
        page.emulate_media(color_scheme="light")
        page.set_viewport_size({"width": WIDE, "height": 900})

    def assert_clean(self) -> None:
        assert self.errors == [], (self.errors, self.failures)


def end_user_id(email: str) -> str:
    """The id the local sign-in gives an email (as the developer-side stand-in does)."""
    return "user_" + hashlib.sha256(email.lower().encode()).hexdigest()[:24]


@pytest.fixture(scope="module")
def connected_platform(platform: Platform) -> Iterator[tuple[str, str]]:
    """A developer who signed up, connected Stripe through the stand-in's consent page and sells
    a `pro` tier (a monthly price on the connected account) and a credit pack: (platformId, key)."""
    with (
        platform.client("front_auth_api") as front_auth_api,
        platform.client("oauth_api") as oauth_api,
        platform.client("api_multi") as api_multi,
        httpx.Client(timeout=30, follow_redirects=False) as tab,
    ):
        headers, platform_id = developer_with_platform(platform, front_auth_api)
        back = consent(tab, start_stripe_flow(oauth_api, tab, headers), "approve")
        assert "stripe=connected" in tab.get(back).headers["location"]
        account = oauth_api.get("/status", headers=headers).json()["stripe"]["accountId"]
        api_key = front_auth_api.post("/rotate-key", headers=headers).json()["apiKey"]
        price = create_price(platform, account, 1900)
        tiers = [
            {"name": "free", "limit": 5, "default": True},
            {"name": "pro", "limit": 1000, "priceCents": 1900, "stripePriceId": price},
        ]
        assert put_tiers(api_multi, api_key, tiers).status_code == 200
        packs = {"packs": [{"name": "starter", "units": 2500, "priceCents": 900}]}
        reply = api_multi.put("/api/developer/credit-packs", json=packs, headers=key_headers(api_key))
        assert reply.status_code == 200, reply.text
        yield platform_id, api_key


def sign_in(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()


def test_landing_page(dashboard: str, browser: Browser) -> None:  # noqa: F811 - fixtures
    tab = Tab(browser)
    page = tab.page
    page.goto(f"{dashboard}/")
    expect(page.get_by_role("heading", name="dream-api")).to_be_visible()
    for promise in ("API keys & end-user sign-in", "Exact metering", "Stripe billing", "Webhooks"):
        expect(page.get_by_role("heading", name=promise)).to_be_visible()
    expect(page.get_by_text("5 calls a month")).to_be_visible()
    expect(page.get_by_text("500 calls a month")).to_be_visible()
    expect(page.get_by_text('-H "x-user-id: user_42"')).to_be_visible()
    tab.screens("landing")
    tab.assert_clean()
    page.get_by_role("link", name="Open the dashboard").click()
    expect(page.get_by_label("Email")).to_be_visible()


def test_end_user_journey(
    platform: Platform,
    dashboard: str,  # noqa: F811 - fixture
    browser: Browser,  # noqa: F811 - fixture
    connected_platform: tuple[str, str],
) -> None:
    platform_id, api_key = connected_platform
    # a new account's first read is 403 no_platform: the portal then joins it to this platform
    tab = Tab(browser, expected_statuses=(403,))
    page = tab.page
    joins: list[int] = []
    page.on("response", lambda r: joins.append(r.status) if r.url.endswith("/api/portal/join") else None)

    # signed out: the plans, with prices, and the sign-in
    page.goto(f"{dashboard}/p/{platform_id}")
    tiers = page.get_by_test_id("public-tiers")
    expect(tiers).to_contain_text("free")
    expect(tiers).to_contain_text("$19.00")
    expect(page.get_by_test_id("credit-packs")).to_contain_text("2,500 units")
    expect(page.get_by_role("button", name="Upgrade to pro")).to_have_count(0)
    tab.screens("portal-signed-out")

    # signed in: nothing used yet
    email = f"Fan-{secrets.token_hex(4)}@example.com"
    sign_in(page, email)
    expect(page.get_by_test_id("portal-email")).to_have_text(email)
    expect(page.get_by_test_id("usage-count")).to_have_text("0")
    expect(page.get_by_test_id("current-tier")).to_have_text("free")
    expect(page.get_by_test_id("usage-remaining")).to_have_text("5")
    expect(page.get_by_text("No usage yet this month.")).to_be_visible()
    assert joins == [200]  # joined once; the account's next tokens name the platform
    assert platform.customer_identity.public_metadata[end_user_id(email)] == {"platformId": platform_id}
    tab.screens("portal-signed-in-empty")

    # the developer's server meters calls for that user; after a reload the portal shows them
    user = end_user_id(email)
    data = f"{platform.workers['api_multi'].url}/api/data"
    for _ in range(3):
        assert httpx.post(data, headers=key_headers(api_key, user)).status_code == 200
    page.reload()
    expect(page.get_by_test_id("usage-count")).to_have_text("3")
    expect(page.get_by_test_id("usage-remaining")).to_have_text("2")
    chart = page.get_by_test_id("usage-chart")
    expect(chart).to_contain_text("3 in all")
    expect(chart.locator(".recharts-bar-rectangle path")).not_to_have_count(0)
    expect(chart.locator(".recharts-label").first).to_be_visible()
    tab.screens("portal-signed-in")

    # upgrade: the stand-in's checkout on the connected account, Pay, back on the portal
    page.get_by_role("button", name="Upgrade to pro").click()
    # (no screenshot of the stand-in's pages here: a full-page screenshot of this checkout hung in
    # Chromium, 30 s and then 90 s, in two full fresh-clone runs, never when this file ran alone;
    # cause not found. The dashboard's journey photographs the same checkout page.)
    expect(page.get_by_text("$19.00 / month")).to_be_visible()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_test_id("checkout-notice")).to_contain_text("Payment received")
    expect(page.get_by_test_id("current-tier")).to_have_text("pro", timeout=45_000)
    expect(page.get_by_test_id("checkout-notice")).to_contain_text("you are now on the pro plan")
    expect(page.get_by_test_id("updating")).to_have_count(0)
    expect(page.get_by_test_id("usage-remaining")).to_have_text("997")
    assert "checkout=" not in page.url
    tab.screens("portal-upgraded")

    # credits: buy the pack, back with the balance
    page.get_by_role("button", name="Buy starter credits").click()
    expect(page.get_by_text("$9.00")).to_be_visible()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_test_id("credits")).to_have_text("2,500", timeout=45_000)
    expect(page.get_by_test_id("checkout-notice")).to_contain_text("your credits were added")

    # manage billing: the stand-in's customer portal for this end user, then back
    page.get_by_test_id("manage-billing").click()
    expect(page.get_by_role("heading", name="Billing portal (Stripe stand-in)")).to_be_visible()
    page.get_by_role("link", name="Return").click()
    expect(page.get_by_test_id("current-tier")).to_have_text("pro")
    tab.assert_clean()


def test_a_platform_without_stripe_and_another_platforms_user(
    platform: Platform,
    dashboard: str,  # noqa: F811 - fixture
    browser: Browser,  # noqa: F811 - fixture
    connected_platform: tuple[str, str],
) -> None:
    with platform.client("api_multi") as api_multi:
        platform_id, api_key = register(api_multi)
        tiers = [
            {"name": "free", "limit": 5, "default": True},
            {"name": "pro", "limit": 50, "priceCents": 500, "stripePriceId": "price_not_connected"},
        ]
        assert put_tiers(api_multi, api_key, tiers).status_code == 200
    tab = Tab(browser, expected_statuses=(403,))  # the new account's first read, before it joins
    page = tab.page
    page.goto(f"{dashboard}/p/{platform_id}")
    sign_in(page, f"fan-{secrets.token_hex(4)}@example.com")
    upgrade = page.get_by_role("button", name="Upgrade to pro")
    expect(upgrade).to_be_visible()
    # /api/tiers says Stripe is not connected: the message up front, Upgrade disabled
    expect(upgrade).to_be_disabled()
    expect(page.get_by_test_id("payments-off")).to_contain_text(NO_PAYMENTS)
    assert page.url == f"{dashboard}/p/{platform_id}"
    tab.screens("portal-no-stripe")

    # the same end user (an account that joined this platform) opens another platform's portal
    other_id, _ = connected_platform
    page.goto(f"{dashboard}/p/{other_id}")
    expect(page.get_by_test_id("other-platform")).to_contain_text("another API provider")
    expect(page.get_by_role("button", name="Upgrade to pro")).to_have_count(0)
    tab.screens("portal-other-platform")
    page.get_by_test_id("other-platform").get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Email")).to_be_visible()
    tab.assert_clean()


def test_an_unknown_platform_is_not_found(dashboard: str, browser: Browser) -> None:  # noqa: F811
    tab = Tab(browser, expected_statuses=(404, 400))
    page = tab.page
    page.goto(f"{dashboard}/p/plt_{secrets.token_hex(10)}")
    expect(page.get_by_role("heading", name="Portal not found")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("No API provider with the id")
    expect(page.get_by_label("Email")).to_have_count(0)
    tab.screens("portal-not-found")
    page.goto(f"{dashboard}/p/not-a-platform")
    expect(page.get_by_role("heading", name="Portal not found")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("is not a valid provider id")
    tab.assert_clean()


def test_an_end_user_creates_and_revokes_a_key_of_their_own(
    platform: Platform,
    dashboard: str,  # noqa: F811 - fixture
    browser: Browser,  # noqa: F811 - fixture
) -> None:
    with platform.client("api_multi") as api_multi:
        platform_id, api_key = register(api_multi)
        assert (
            put_tiers(api_multi, api_key, [{"name": "free", "limit": 100, "default": True}]).status_code
            == 200
        )
    api = platform.workers["api_multi"].url
    tab = Tab(browser, expected_statuses=(403,))  # the new account's first read, before it joins
    page = tab.page
    page.goto(f"{dashboard}/p/{platform_id}")
    email = f"keys-{secrets.token_hex(4)}@example.com"
    sign_in(page, email)
    user = end_user_id(email)
    keys = page.get_by_role("region", name="Your API keys")
    expect(keys.get_by_text("No keys yet.")).to_be_visible()
    expect(page.get_by_test_id("usage-held")).to_have_text("0")

    # create: the key shown once, with a copy button that has the focus; it calls the API as them
    keys.get_by_label("New key's name").fill("laptop")
    keys.get_by_test_id("portal-create-key").click()
    own_key = keys.get_by_test_id("portal-new-key").inner_text()
    assert own_key.startswith("dream_user_")
    expect(keys.get_by_test_id("portal-new-key-box")).to_contain_text("shown only once")
    expect(keys.get_by_role("button", name="Copy the key")).to_be_focused()
    listed = keys.get_by_test_id("portal-key")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("laptop")
    expect(listed.first).to_contain_text(own_key[:15] + "…")
    expect(listed.first.get_by_test_id("portal-key-status")).to_have_text("active")
    expect(keys.get_by_label("New key's name")).to_have_value("")
    usage = httpx.get(f"{api}/api/usage", headers={"authorization": f"Bearer {own_key}"})
    assert usage.status_code == 200 and usage.json()["userId"] == user

    # what the developer's server reserves for them shows as held, next to their usage
    reserved = httpx.post(
        f"{api}/api/reservations",
        json={"units": 7, "ttlSeconds": 600},
        headers=key_headers(api_key, user),
    )
    assert reserved.status_code == 201, reserved.text
    assert (
        httpx.post(f"{api}/api/data", json={"units": 3}, headers=key_headers(api_key, user)).status_code
        == 200
    )
    page.get_by_role("button", name="Refresh", exact=True).click()
    expect(page.get_by_test_id("usage-held")).to_have_text("7")
    expect(page.get_by_test_id("usage-count")).to_have_text("3")
    tab.screens("portal-keys")

    # revoke: asked first, then refused by the API; after a reload the key is listed, never shown
    listed.first.get_by_role("button", name="Revoke laptop").click()
    expect(keys.get_by_role("button", name="Yes, revoke laptop")).to_be_focused()
    page.keyboard.press("Escape")  # changed their mind: nothing revoked, focus back on Revoke
    expect(keys.get_by_role("button", name="Revoke laptop")).to_be_focused()
    expect(keys.get_by_test_id("portal-key-status")).to_have_text("active")
    page.keyboard.press("Enter")
    expect(keys.get_by_role("button", name="Yes, revoke laptop")).to_be_focused()
    keys.get_by_role("button", name="Yes, revoke laptop").click()
    expect(keys.get_by_test_id("portal-key-status")).to_have_text("revoked")
    expect(keys.get_by_role("status").filter(has_text="is revoked")).to_be_visible()
    expect(keys.get_by_test_id("portal-new-key")).to_have_count(0)
    assert httpx.get(f"{api}/api/usage", headers={"authorization": f"Bearer {own_key}"}).status_code == 401
    page.reload()
    expect(page.get_by_test_id("portal-key-status")).to_have_text("revoked")
    assert own_key not in page.content()
    tab.screens("portal-keys-revoked")
    tab.assert_clean()
