"""The developer's analytics in headless Chromium against the platform as `make dev` runs it: units
per day by tier (the Analytics page), the end users table sorted by usage (End users), and one end
user's page, which shows what GET /api/usage answers for them; axe-core on the three screens,
screenshots at 1280 and 375 px."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from scripts.local_platform import Platform
from tests.runtime.axe import assert_accessible
from tests.runtime.conftest import SNAPSHOT_SECONDS
from tests.runtime.helpers import new_user
from tests.runtime.layout import assert_no_sideways_scroll
from tests.runtime.test_dashboard_e2e import SHOTS, browser, dashboard, nav_to, shot, signed_in_with_a_key

pytestmark = pytest.mark.runtime
__all__ = ["browser", "dashboard"]  # fixtures used by this module's tests


def refresh_until(page: Page, card: str, what: str, shown: Callable[[], bool]) -> None:
    """Snapshots trail the meter by up to SNAPSHOT_SECONDS: refresh the card until `shown()`."""
    refresh = page.locator(f"#{card}").locator("..").get_by_role("button", name=f"Refresh {what}")
    deadline = time.monotonic() + SNAPSHOT_SECONDS + 20
    while not shown() and time.monotonic() < deadline:
        refresh.click()
        page.wait_for_timeout(500)
    assert shown(), f"{what} did not show the calls"


def test_analytics_show_units_by_day_the_users_by_usage_and_one_users_page(
    platform: Platform, dashboard: str, browser: Browser
) -> None:
    page, page_errors, api_key = signed_in_with_a_key(browser, dashboard)
    page.set_viewport_size({"width": 1280, "height": 900})
    nav_to(page, "Analytics")
    expect(page.get_by_test_id("usage-by-day-empty")).to_be_visible()
    nav_to(page, "End users")
    expect(page.get_by_test_id("end-users-empty")).to_be_visible()
    expect(page.get_by_test_id("end-users-empty").get_by_role("link", name="quick start")).to_be_visible()

    api_multi = platform.workers["api_multi"].url
    heavy, light = new_user(), new_user()
    for user, units in ((heavy, 3), (heavy, 2), (light, 1)):  # the default free tier: 5 a month
        reply = httpx.post(
            f"{api_multi}/api/data",
            json={"units": units},
            headers={"authorization": f"Bearer {api_key}", "x-user-id": user},
        )
        assert reply.status_code == 200, reply.text

    # the end users table, sorted by usage, searched; its state in the URL
    rows = page.get_by_test_id("end-user-row")
    refresh_until(page, "end-users-title", "end users", lambda: rows.count() == 2)
    expect(rows.first).to_contain_text(heavy)
    expect(rows.first).to_contain_text("5 / 5")
    expect(rows.first).to_contain_text("100%")
    expect(rows.first.get_by_text("At limit")).to_be_visible()
    rows = page.get_by_test_id("end-user-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text(light)  # sorted by usage, most first
    page.get_by_label("Order", exact=True).select_option("asc")
    expect(rows.first).to_contain_text(light)
    expect(page).to_have_url(f"{dashboard}/dashboard/users?order=asc")
    page.get_by_label("Order", exact=True).select_option("desc")
    page.get_by_label("Search by user id").fill(light[-6:].upper())
    page.get_by_role("button", name="Search", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(light)
    page.get_by_label("Search by user id").fill("")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(rows).to_have_count(2)
    assert_accessible(page, "end users")
    shot(page, "analytics-end-users-1280")
    page.locator("#end-users-title").locator("..").screenshot(
        path=str(SHOTS / "analytics-end-users-title-1280.png")
    )
    page.set_viewport_size({"width": 375, "height": 800})
    assert_no_sideways_scroll(page)
    shot(page, "analytics-end-users-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    # units per day by tier, this month and (empty) last month
    nav_to(page, "Analytics")
    total = page.get_by_test_id("usage-by-day-total")
    refresh_until(
        page, "usage-by-day-title", "units per day", lambda: total.count() == 1 and total.inner_text() == "6"
    )
    expect(page.get_by_test_id("usage-by-day-chart").locator(".recharts-bar-rectangle").first).to_be_visible()
    page.get_by_role("radio", name="Last month").check()
    expect(page.get_by_test_id("usage-by-day-empty")).to_be_visible()
    page.get_by_role("radio", name="This month").check()
    expect(total).to_have_text("6")
    page.locator("#usage-by-day-title").scroll_into_view_if_needed()
    assert_accessible(page, "analytics")
    shot(page, "analytics-1280")
    page.locator("#usage-by-day-title").locator("..").screenshot(
        path=str(SHOTS / "analytics-usage-by-day-title-1280.png")
    )
    page.set_viewport_size({"width": 375, "height": 800})
    assert_no_sideways_scroll(page)
    shot(page, "analytics-375")

    # the heaviest user's page: what GET /api/usage answers for them
    page.set_viewport_size({"width": 1280, "height": 900})
    nav_to(page, "End users")
    page.get_by_role("link", name=heavy).click()
    expect(page).to_have_url(f"{dashboard}/dashboard/users/{heavy}")
    expect(page.get_by_test_id("end-user-id")).to_have_text(heavy)
    usage = httpx.get(
        f"{api_multi}/api/usage", headers={"authorization": f"Bearer {api_key}", "x-user-id": heavy}
    ).json()
    expect(page.get_by_test_id("user-units")).to_have_text(str(usage["usage"]["count"]))
    expect(page.get_by_test_id("user-limit")).to_have_text(str(usage["usage"]["limit"]))
    expect(page.get_by_test_id("user-remaining")).to_have_text(str(usage["usage"]["remaining"]))
    expect(page.get_by_test_id("user-plan")).to_have_text(usage["usage"]["plan"])
    expect(page.get_by_test_id("user-credits")).to_have_text(str(usage["usage"]["credits"]))
    expect(page.get_by_test_id("user-subscription")).to_have_text("none")
    assert usage["usage"]["count"] == 5
    chart = page.get_by_test_id("user-daily-chart")
    expect(chart).to_be_visible()
    today = [day for day in usage["daily"] if day["count"]]
    assert today == [{"date": today[0]["date"], "count": 5}]
    expect(chart.locator("table")).to_contain_text(today[0]["date"])
    assert_accessible(page, "end user page")
    shot(page, "end-user-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert_no_sideways_scroll(page)
    shot(page, "end-user-375")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="End users").click()
    expect(page).to_have_url(f"{dashboard}/dashboard/users")
    expect(page.get_by_test_id("end-user-row").first).to_be_visible()
    assert page_errors == []
