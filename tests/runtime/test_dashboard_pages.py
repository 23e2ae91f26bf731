"""The dashboard's app shell in headless Chromium, with realistic data seeded through the API (two
tiers, a credit pack, 30 end users who made metered calls with the API key, credits, a webhook
endpoint with a delivery, alert thresholds, a gateway config in front of the origin and LLM
stand-ins with calls through it and a reservation held): every page is reached from the sidebar and by its URL
(also after a reload), the browser's back and forward buttons move between pages, the sidebar is a
menu at 375 px, and table and month views live in the URL. Every page is checked with axe-core
(WCAG 2.0/2.1 A and AA: no serious or critical violation) in light and dark at 1280 and 375 px, has
no sideways scroll at 375 px, is at most 2.5 screens tall at 1280 x 800, and is photographed at
both widths and in both schemes to artifacts/e2e/page-*.png (heights: page-heights.json)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from scripts.local_platform import Platform
from tests.runtime.axe import assert_accessible
from tests.runtime.helpers import eventually
from tests.runtime.layout import assert_height_within, assert_no_sideways_scroll
from tests.runtime.test_dashboard_e2e import (
    NARROW,
    SHOTS,
    browser,
    dashboard,
    nav_to,
    shot,
    signed_in_with_a_key,
)

pytestmark = pytest.mark.runtime
__all__ = ["browser", "dashboard"]  # fixtures used by this module's tests

WIDE, HEIGHT = 1280, 800
MAX_SCREENS = 2.5
END_USERS = 30
UPSTREAM_SECRET = "Bearer sk-origin-" + "pages" * 5
PROVIDER_KEY = "sk-provider-" + "p" * 24
HELD = 5  # a reservation the heaviest end user holds while the pages are looked at


@dataclass(frozen=True)
class Section:
    label: str  # the sidebar's link, and the page's heading
    path: str
    slug: str  # screenshot names
    ready: Callable[[Page], Locator]  # visible once the page has its data


def by_test_id(test_id: str, nth: int = 0) -> Callable[[Page], Locator]:
    return lambda page: page.get_by_test_id(test_id).nth(nth)


SECTIONS = [
    Section("Overview", "/dashboard", "overview", by_test_id("stats-users")),
    Section("API keys", "/dashboard/keys", "keys", by_test_id("api-key-row")),
    Section("Pricing", "/dashboard/pricing", "pricing", by_test_id("pack-0")),
    Section("Gateway", "/dashboard/gateway", "gateway", by_test_id("gateway-route-row", 3)),
    Section("End users", "/dashboard/users", "end-users", by_test_id("end-user-row", 24)),
    Section("Analytics", "/dashboard/analytics", "analytics", by_test_id("tier-chart")),
    Section("Webhooks and alerts", "/dashboard/webhooks", "webhooks", by_test_id("webhook-endpoint")),
    Section("Billing", "/dashboard/billing", "billing", by_test_id("plan")),
    Section("Settings", "/dashboard/settings", "settings", by_test_id("connect-stripe")),
]


@dataclass(frozen=True)
class Seeded:
    page: Page
    errors: list[str]
    api_key: str
    heaviest: str  # the end user with the most units
    units: int  # all their calls together
    calls: int
    gateway_url: str
    by_route: dict[str, int]  # the heaviest user's units through the gateway
    by_model: dict[str, int]


@pytest.fixture(scope="module")
def seeded(platform: Platform, dashboard: str, browser: Browser) -> Iterator[Seeded]:
    """A developer who signed up in the dashboard, and their platform's data, seeded through the API
    with the API key the dashboard showed."""
    page, errors, api_key = signed_in_with_a_key(browser, dashboard)
    headers = {"authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=platform.workers["api_multi"].url, headers=headers, timeout=30) as api:
        tiers = [
            {"name": "free", "limit": 50, "rateLimit": 100, "default": True},
            {"name": "pro", "limit": 1000, "rateLimit": 600, "priceCents": 1900},
        ]
        assert api.put("/api/developer/tiers", json={"tiers": tiers}).status_code == 200
        packs = [{"name": "starter", "units": 2500, "priceCents": 900}]
        assert api.put("/api/developer/credit-packs", json={"packs": packs}).status_code == 200
        # 30 end users, a third of them on pro, each a metered call of 1..50 units; two at the free limit
        users = [f"seed_{index:02d}_{secrets.token_hex(2)}" for index in range(END_USERS)]
        total = 0
        for index, user in enumerate(users):
            plan = "pro" if index % 3 == 0 else "free"
            units = 50 if index in (1, 2) else 1 + (index * 7) % 40
            end_user = {"x-user-id": user, "x-user-plan": plan}
            reply = api.post("/api/data", json={"units": units}, headers=end_user)
            assert reply.status_code == 200, reply.text
            total += units
        grant = {"units": 500, "reason": "welcome"}
        granted = api.post(f"/api/developer/users/{users[1]}/credits", json=grant)
        assert granted.status_code == 201, granted.text
        name = "pages_" + secrets.token_hex(4)
        events = ["usage.threshold_crossed", "usage.limit_reached", "credits.low"]
        endpoint = api.post(
            "/api/developer/webhooks", json={"url": platform.webhooks.url(name), "events": events}
        )
        assert endpoint.status_code == 201, endpoint.text
        test = api.post(f"/api/developer/webhooks/{endpoint.json()['id']}/test")
        assert test.status_code == 202, test.text
        alerts = api.put("/api/developer/alerts", json={"usageThresholds": [80, 100], "creditsBelow": 100})
        assert alerts.status_code == 200, alerts.text
        # a gateway in front of the origin stand-in, and an AI route to the LLM stand-in with its own
        # upstream and key; users[1] (at the free limit, paying with credits) calls it three times
        gateway, gateway_url = seed_gateway(platform, api)
        before = api.get("/api/usage", headers={"x-user-id": users[1]}).json()["usage"]["count"]
        by_route, by_model = gateway_calls(platform, api, gateway_url, users[1])
        after = eventually(
            lambda: api.get("/api/usage", headers={"x-user-id": users[1]}).json()["usage"],
            lambda usage: (
                usage["count"] == before + sum(by_route.values()) + sum(by_model.values())
                and usage["held"] == 0
            ),
        )
        assert after["count"] == before + sum(by_route.values()) + sum(by_model.values()), after
        total += after["count"] - before
        held = api.post(
            "/api/reservations", json={"units": HELD, "ttlSeconds": 3600}, headers={"x-user-id": users[1]}
        )
        assert held.status_code == 201, held.text
        # the dashboard's figures come from snapshots that trail the meter by a second or so
        listed = eventually(
            lambda: api.get("/api/developer/users", params={"pageSize": "1"}).json(),
            # (the heaviest: users[1], at the free limit, who then called the gateway)
            lambda table: (
                table.get("total") == END_USERS
                and (table["users"][0]["userId"], table["users"][0]["units"]) == (users[1], after["count"])
            ),
            timeout=60,
        )
        assert listed["total"] == END_USERS, listed
        heaviest = listed["users"][0]["userId"]
        assert heaviest == users[1], listed
        # the gateway's calls in the month's report (snapshots, a second or so behind)
        report = eventually(
            lambda: api.get("/api/developer/analytics/usage").json()["totals"],
            lambda totals: totals["byRoute"] == by_route and totals["byModel"] == by_model,
        )
        assert (report["byRoute"], report["byModel"]) == (by_route, by_model), report
        assert gateway["gatewayUrl"] == gateway_url
    yield Seeded(page, errors, api_key, heaviest, total, END_USERS + 3, gateway_url, by_route, by_model)
    page.close()


def seed_gateway(platform: Platform, api: httpx.Client) -> tuple[dict[str, Any], str]:
    config = {
        "upstream": platform.origin.base_url,
        "upstreamHeaders": {"authorization": UPSTREAM_SECRET},
        "routes": [
            {"method": "POST", "path": "/v1/echo", "units": {"fixed": 2}},
            {"method": "GET", "path": "/v1/units", "units": {"responseHeader": "x-units", "max": 100}},
            {"method": "POST", "path": "/v1/usage", "units": {"jsonPointer": "/usage/units", "max": 1000}},
            {
                "kind": "openai",
                "path": "/v1/chat/completions",
                "upstream": platform.llm.base_url,
                "upstreamHeaders": {"authorization": f"Bearer {PROVIDER_KEY}"},
                "models": {"gpt-4o-mini": {"inputPer1k": 1, "outputPer1k": 4, "cachedInputPer1k": 0.5}},
                "maxOutputTokens": 64,
            },
        ],
    }
    stored = api.put("/api/developer/gateway", json=config)
    assert stored.status_code == 201, stored.text
    return stored.json(), f"{platform.workers['gateway'].url}/{stored.json()['platformId']}"


def gateway_calls(
    platform: Platform, api: httpx.Client, gateway_url: str, user: str
) -> tuple[dict[str, int], dict[str, int]]:
    """Three calls of `user` with a key of their own: what they cost by route and by model."""
    created = api.post(f"/api/developer/users/{user}/keys", json={"name": "seed"})
    assert created.status_code == 201, created.text
    key = {"authorization": f"Bearer {created.json()['apiKey']}"}
    assert httpx.post(f"{gateway_url}/v1/echo", content=b"hi", headers=key).status_code == 200
    assert httpx.get(f"{gateway_url}/v1/units", params={"units": "7"}, headers=key).status_code == 200
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "w " * 400}]}
    reply = httpx.post(
        f"{gateway_url}/v1/chat/completions", json=chat, headers={**key, "x-llm-output-tokens": "20"}
    )
    assert reply.status_code == 200, reply.text
    usage = reply.json()["usage"]
    # (400 input tokens at 1 a 1,000, 20 output at 4), rounded up to a whole unit
    model_units = -(-(usage["prompt_tokens"] * 1 + usage["completion_tokens"] * 4) // 1000)
    return {"POST /v1/echo": 2, "GET /v1/units": 7}, {"gpt-4o-mini": model_units}


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def sidebar_link(page: Page, label: str) -> Locator:
    return page.get_by_role("navigation", name="Dashboard").get_by_role("link", name=label, exact=True)


def every_screen(page: Page, slug: str, heights: dict[str, int]) -> None:
    """The page as it is now: at most 2.5 screens tall at 1280 x 800; then axe, sideways scrolling
    and a screenshot in light and dark at 1280 and 375 px."""
    expect(page.get_by_role("status").filter(has_text="Loading")).to_have_count(0)
    heights[slug] = assert_height_within(page, MAX_SCREENS, slug)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        suffix = "" if scheme == "light" else "-dark"
        for width in (WIDE, NARROW):
            page.set_viewport_size({"width": width, "height": HEIGHT})
            if width == NARROW:
                assert_no_sideways_scroll(page, f"{slug}{suffix}")
            assert_accessible(page, f"{slug}{suffix} at {width}px")
            shot(page, f"page-{slug}{suffix}-{width}")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})


def assert_units_by(page: Page, test_id: str, seeded: Seeded) -> None:
    """The tables of units by route and by model show what the gateway's calls cost."""
    for kind, units in (("route", seeded.by_route), ("model", seeded.by_model)):
        table = page.get_by_test_id(f"{test_id}-{kind}")
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(len(units))
        for name, amount in units.items():
            expect(rows.filter(has_text=name)).to_contain_text(f"{amount:,}")


def test_every_page_from_the_sidebar_by_its_url_and_back(seeded: Seeded, dashboard: str) -> None:
    page = seeded.page
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})
    page.goto(f"{dashboard}/dashboard")
    heights: dict[str, int] = {}

    # from the sidebar: each section's URL, its heading (focused, for screen readers), its link current
    for section in SECTIONS:
        nav_to(page, section.label)
        expect(page).to_have_url(f"{dashboard}{section.path}")
        expect(heading(page)).to_have_text(section.label)
        expect(page).to_have_title(f"{section.label} · dream-api")
        if section.path != "/dashboard":
            expect(heading(page)).to_be_focused()
        expect(page.locator("nav[aria-label=Dashboard] a[aria-current=page]")).to_have_count(1)
        expect(section.ready(page)).to_be_visible()
        every_screen(page, section.slug, heights)

    # the seeded data is what the pages show
    nav_to(page, "Overview")
    expect(page.get_by_test_id("stats-users")).to_have_text(str(END_USERS))
    expect(page.get_by_test_id("stats-calls")).to_have_text(str(seeded.calls))
    expect(page.get_by_test_id("stats-units")).to_have_text(f"{seeded.units:,}")
    expect(page.get_by_test_id("checklist-progress")).to_have_text("3 of 5 done")
    nav_to(page, "End users")
    expect(page.get_by_test_id("end-user-row")).to_have_count(25)
    expect(page.get_by_text(f"{END_USERS} end users")).to_be_visible()

    # one end user's page, from the table: still under "End users" in the sidebar
    page.get_by_test_id("end-user-row").first.get_by_role("link").click()
    expect(page).to_have_url(f"{dashboard}/dashboard/users/{seeded.heaviest}")
    expect(page.get_by_test_id("end-user-id")).to_have_text(seeded.heaviest)
    expect(sidebar_link(page, "End users")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("user-daily-chart")).to_be_visible()
    expect(page.get_by_test_id("user-held")).to_have_text(str(HELD))
    assert_units_by(page, "user-units-by", seeded)
    expect(page.get_by_test_id("user-key-row")).to_have_count(1)
    expect(page.get_by_test_id("user-key-row")).to_contain_text("seed")
    every_screen(page, "end-user", heights)

    # the browser's back button returns to the previous page, forward goes again
    page.go_back()
    expect(page).to_have_url(f"{dashboard}/dashboard/users")
    expect(heading(page)).to_have_text("End users")
    page.go_back()
    expect(page).to_have_url(f"{dashboard}/dashboard")
    expect(heading(page)).to_have_text("Overview")
    page.go_back()
    expect(page).to_have_url(f"{dashboard}/dashboard/settings")
    expect(heading(page)).to_have_text("Settings")
    expect(sidebar_link(page, "Settings")).to_have_attribute("aria-current", "page")
    page.go_forward()
    expect(page).to_have_url(f"{dashboard}/dashboard")
    expect(heading(page)).to_have_text("Overview")

    # the gateway's config (headers masked) and its calls by route and by model
    nav_to(page, "Gateway")
    expect(page.get_by_test_id("gateway-url")).to_have_text(seeded.gateway_url)
    expect(page.get_by_test_id("gateway-headers")).to_have_text("authorization: ********")
    expect(page.get_by_test_id("gateway-route-row")).to_have_count(4)
    expect(page.get_by_test_id("gateway-route-row").nth(1)).to_contain_text(
        "the x-units header of the answer, at most 100"
    )
    expect(page.get_by_test_id("gateway-route-row").nth(3)).to_contain_text(
        "gpt-4o-mini: 1 in, 4 out, 0.5 cached"
    )
    expect(page.get_by_test_id("gateway-route-row").nth(3)).to_contain_text("with its own authorization")
    assert UPSTREAM_SECRET not in page.content() and PROVIDER_KEY not in page.content()
    # editing asks for both header values again: the config's and the AI route's own
    page.get_by_test_id("edit-gateway").click()
    expect(page.get_by_label("Value of authorization", exact=True)).to_have_value("")
    expect(page.get_by_label("Value of authorization for POST /v1/chat/completions")).to_have_value("")
    expect(page.get_by_test_id("header-values").locator("input")).to_have_count(2)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("gateway-route-row")).to_have_count(4)
    nav_to(page, "Analytics")
    assert_units_by(page, "units-by", seeded)

    # by URL: every page loads where it was asked for, and a reload keeps it there
    for section in SECTIONS:
        page.goto(f"{dashboard}{section.path}")
        expect(heading(page)).to_have_text(section.label)
        page.reload()
        expect(page).to_have_url(f"{dashboard}{section.path}")
        expect(heading(page)).to_have_text(section.label)
        expect(sidebar_link(page, section.label)).to_have_attribute("aria-current", "page")
        expect(section.ready(page)).to_be_visible()
    page.goto(f"{dashboard}/dashboard/users/{seeded.heaviest}")
    expect(page.get_by_test_id("end-user-id")).to_have_text(seeded.heaviest)

    # an address the dashboard does not have: said so, inside the shell
    page.goto(f"{dashboard}/dashboard/no-such-page")
    expect(heading(page)).to_have_text("Page not found")
    expect(sidebar_link(page, "Overview")).to_be_visible()

    measured = {"viewport": [WIDE, HEIGHT], "heights": heights}
    (SHOTS / "page-heights.json").write_text(json.dumps(measured, indent=2))
    print("\npage heights at 1280 x 800:", heights)
    assert seeded.errors == []


def test_the_sidebar_is_a_menu_on_a_narrow_screen(seeded: Seeded, dashboard: str) -> None:
    page = seeded.page
    page.set_viewport_size({"width": NARROW, "height": HEIGHT})
    page.goto(f"{dashboard}/dashboard")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(sidebar_link(page, "Pricing")).to_be_hidden()

    # open: every section is listed; axe in both schemes; nothing sideways
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for section in SECTIONS:
        expect(sidebar_link(page, section.label)).to_be_visible()
    assert_no_sideways_scroll(page, "menu")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page, f"menu open ({scheme})")
        shot(page, f"page-menu-open{'' if scheme == 'light' else '-dark'}-{NARROW}")
    page.emulate_media(color_scheme="light")

    # a link goes to its page and closes the menu
    sidebar_link(page, "Analytics").click()
    expect(page).to_have_url(f"{dashboard}/dashboard/analytics")
    expect(heading(page)).to_have_text("Analytics")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(sidebar_link(page, "Pricing")).to_be_hidden()

    # Escape closes it too, and gives the focus back to the button
    menu.click()
    expect(sidebar_link(page, "Pricing")).to_be_visible()
    sidebar_link(page, "Pricing").focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})
    expect(menu).to_be_hidden()  # a sidebar again
    expect(sidebar_link(page, "Pricing")).to_be_visible()
    assert seeded.errors == []


def test_views_of_a_page_are_in_its_url(seeded: Seeded, dashboard: str) -> None:
    page = seeded.page
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})
    rows = page.get_by_test_id("end-user-row")

    # the end users table: sort and order from the URL; its pages are history entries
    page.goto(f"{dashboard}/dashboard/users?sort=percent&order=asc&page=2")
    expect(page.get_by_label("Sort by")).to_have_value("percent")
    expect(page.get_by_label("Order", exact=True)).to_have_value("asc")
    expect(rows).to_have_count(END_USERS - 25)
    expect(rows.last).to_contain_text("At limit")  # lowest first: the users at their limit come last
    page.goto(f"{dashboard}/dashboard/users")
    expect(rows).to_have_count(25)
    first = rows.first.get_by_role("link").inner_text()
    page.get_by_role("button", name="Next page").click()
    expect(page).to_have_url(f"{dashboard}/dashboard/users?page=2")
    expect(rows).to_have_count(END_USERS - 25)
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(f"{dashboard}/dashboard/users")
    expect(rows).to_have_count(25)
    expect(rows.first.get_by_role("link")).to_have_text(first)
    page.get_by_label("Search by user id").fill(seeded.heaviest.upper())
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(f"{dashboard}/dashboard/users?search={seeded.heaviest.upper()}")
    expect(rows).to_have_count(1)
    page.reload()
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Search by user id")).to_have_value(seeded.heaviest.upper())

    # analytics: last month is its own URL
    page.goto(f"{dashboard}/dashboard/analytics")
    today = datetime.now(UTC)
    last_month = f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"
    page.get_by_role("radio", name="Last month").check()
    expect(page).to_have_url(f"{dashboard}/dashboard/analytics?month={last_month}")
    expect(page.get_by_test_id("usage-by-day-empty")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("radio", name="This month")).to_be_checked()
    expect(page.get_by_test_id("usage-by-day-chart")).to_be_visible()

    # a part of a page: the pricing page's credit packs, scrolled into view
    page.goto(f"{dashboard}/dashboard/pricing#credit-packs")
    packs = page.get_by_role("heading", name="Credit packs")
    expect(packs).to_be_in_viewport()
    assert seeded.errors == []
