"""The dashboard's Gateway page and what the gateway adds to the others, in headless Chromium
against the platform in workerd (the gateway in front of the origin stand-in): the developer
configures the gateway in the JSON editor (a header value left out is asked for and nothing is
sent; a bad config shows the API's problems beside the editor and nothing is stored; a good one
shows the signing secret once, which verifies what the origin receives; a reload shows the headers
masked; an edit asks for the header value again; rolling the secret shows the new one once;
stopping it asks first, and the gateway then refuses calls).
Then an end user's key is created in the test-call panel and a call sent from the browser (status,
rate headers, body), another key on the end user's page is used through the gateway and revoked,
a reservation shows as held, and units by route show on the user's page and in Analytics. axe
(light and dark, 1280 and 375 px), no sideways scroll and screenshots (artifacts/e2e/gateway-*)."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable

import httpx
import pytest
from dreamapi_client import InvalidGatewaySignature, verify_gateway_request
from playwright.sync_api import Browser, Locator, Page, expect

from scripts.local_platform import Platform
from tests.runtime.axe import assert_accessible
from tests.runtime.conftest import CACHE_SECONDS, SNAPSHOT_SECONDS
from tests.runtime.helpers import key_headers
from tests.runtime.layout import assert_no_sideways_scroll
from tests.runtime.test_dashboard_e2e import (
    NARROW,
    browser,
    dashboard,
    nav_to,
    shot,
    signed_in_with_a_key,
    toast,
)

pytestmark = pytest.mark.runtime
__all__ = ["browser", "dashboard"]  # fixtures used by this module's tests

WIDE, HEIGHT = 1280, 800
UPSTREAM_SECRET = "Bearer sk-origin-" + "first" * 5
NEW_SECRET = "Bearer sk-origin-" + "second" * 5
TIERS = [{"name": "free", "limit": 1000, "rateLimit": 120, "default": True}]


def routes(*extra: dict) -> list[dict]:
    return [
        {"method": "POST", "path": "/v1/echo", "units": {"fixed": 2}},
        {"method": "GET", "path": "/v1/units", "units": {"responseHeader": "x-units", "max": 100}},
        *extra,
    ]


def screens(page: Page, name: str) -> None:
    """axe in light and dark at 1280 and 375 px, no sideways scroll at 375, screenshots."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        suffix = "" if scheme == "light" else "-dark"
        for width in (WIDE, NARROW):
            page.set_viewport_size({"width": width, "height": HEIGHT})
            if width == NARROW:
                assert_no_sideways_scroll(page, f"{name}{suffix}")
            assert_accessible(page, f"{name}{suffix} at {width}px")
            shot(page, f"{name}{suffix}-{width}")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})


def call_origin(platform: Platform, gateway_url: str, user_key: str) -> httpx.Headers:
    """POST /v1/echo through the gateway: the headers the origin received."""
    marker = secrets.token_hex(6)
    reply = httpx.post(
        f"{gateway_url}/v1/echo",
        content=b"hello",
        headers={"authorization": f"Bearer {user_key}", "x-test-marker": marker},
    )
    assert reply.status_code == 200, reply.text
    [seen] = platform.origin.requests(header="x-test-marker", value=marker)
    return httpx.Headers(seen.headers)


def until(read: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not read() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert read(), what


def test_the_gateway_is_configured_in_the_editor(
    platform: Platform, dashboard: str, browser: Browser
) -> None:
    page, errors, api_key = signed_in_with_a_key(browser, dashboard)
    platform_id = page.get_by_test_id("platform-id").inner_text()
    api = httpx.Client(base_url=platform.workers["api_multi"].url, headers=key_headers(api_key), timeout=30)
    assert api.put("/api/developer/tiers", json={"tiers": TIERS}).status_code == 200
    puts: list[str] = []
    page.on(
        "request", lambda r: puts.append(r.url) if r.method == "PUT" and r.url.endswith("/gateway") else None
    )

    # no gateway yet: what to do, and the editor with a config to start from
    nav_to(page, "Gateway")
    expect(page).to_have_url(f"{dashboard}/dashboard/gateway")
    expect(page.get_by_test_id("gateway-empty")).to_contain_text("No gateway yet.")
    editor = page.get_by_label("Config (JSON)")
    expect(editor).to_have_value(re.compile(r'"upstream": "https://api\.example\.com"'))
    screens(page, "gateway-empty")

    # a header value is write-only: left out, it is asked for, and nothing is sent
    value = page.get_by_label("Value of authorization")
    expect(value).to_have_attribute("type", "password")
    page.get_by_test_id("save-gateway").click()
    problems = page.get_by_test_id("gateway-problems")
    expect(problems).to_contain_text("Enter the value of authorization")
    expect(value).to_have_attribute("aria-invalid", "true")
    assert puts == []

    # a bad config: every problem the API found, beside the editor; nothing stored
    bad = {
        "upstream": "ftp://origin.example",
        "upstreamHeaders": {"authorization": "********"},
        "routes": [
            {"method": "GET", "path": "v1/no-slash", "units": {"fixed": 1}},
            {"method": "POST", "path": "/v1/echo", "units": {"fixed": 2, "jsonPointer": "/units", "max": 5}},
        ],
    }
    editor.fill(json.dumps(bad, indent=2))
    value.fill(UPSTREAM_SECRET)
    page.get_by_test_id("save-gateway").click()
    expect(problems).to_contain_text("Not saved: 3 problems. Nothing was stored.")
    items = problems.get_by_role("listitem")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_have_text("upstream must be an https:// URL")
    expect(items.nth(1)).to_contain_text("routes[0].path must be a path like /v1/search")
    expect(items.nth(2)).to_contain_text(
        "routes[1].units must have exactly one of fixed, responseHeader, jsonPointer"
    )
    expect(editor).to_have_attribute("aria-invalid", "true")
    expect(editor).to_have_accessible_description(re.compile(r"routes\[0\]\.path must be a path"))
    beside(editor, problems)
    assert len(puts) == 1
    assert api.get("/api/developer/gateway").status_code == 404  # nothing stored
    screens(page, "gateway-problems")

    # a good config: stored, its signing secret shown once
    editor.fill(
        json.dumps(
            {
                "upstream": platform.origin.base_url,
                "upstreamHeaders": {"authorization": "********"},
                "routes": routes(),
            }
        )
    )
    value.fill(UPSTREAM_SECRET)
    page.get_by_test_id("save-gateway").click()
    toast(page, "Gateway saved: copy its signing secret now.")
    secret = page.get_by_test_id("gateway-signing-secret").inner_text()
    assert secret.startswith("gwsec_")
    expect(page.get_by_test_id("gateway-signing-secret-box")).to_contain_text("shown only once")
    expect(page.get_by_role("button", name="Copy the signing secret")).to_be_focused()
    expect(page.get_by_test_id("gateway-problems")).to_have_count(0)
    gateway_url = f"{platform.workers['gateway'].url}/{platform_id}"
    expect(page.get_by_test_id("gateway-url")).to_have_text(gateway_url)
    expect(page.get_by_test_id("gateway-route-row")).to_have_count(2)
    expect(page.get_by_test_id("gateway-route-row").first).to_contain_text("POST /v1/echo")
    expect(page.get_by_test_id("gateway-route-row").first).to_contain_text("2 units a call")
    stored = api.get("/api/developer/gateway").json()
    assert stored["upstreamHeaders"] == {"authorization": "********"} and len(stored["routes"]) == 2
    screens(page, "gateway-saved")

    # the origin receives the header typed in the form, signed with the secret the page showed
    user = "gw_" + secrets.token_hex(4)
    user_key = api.post(f"/api/developer/users/{user}/keys", json={"name": "laptop"}).json()["apiKey"]
    seen = call_origin(platform, gateway_url, user_key)
    assert seen["authorization"] == UPSTREAM_SECRET
    assert verify_gateway_request(secret, method="POST", path="/v1/echo", headers=seen).user_id == user

    # after a reload: the secret is gone and the header's value masked
    page.reload()
    expect(page.get_by_test_id("gateway-headers")).to_have_text("authorization: ********")
    expect(page.get_by_test_id("gateway-signing-secret")).to_have_count(0)
    content = page.content()
    assert secret not in content and UPSTREAM_SECRET not in content

    # an edit: the JSON has the mask where the value was, and the value is asked for again
    page.get_by_test_id("edit-gateway").click()
    expect(editor).to_be_focused()
    expect(editor).to_have_value(re.compile(r'"upstreamHeaders": \{"authorization": "\*{8}"\}'))
    expect(value).to_have_value("")
    third = {"method": "GET", "path": "/v1/echo/*", "units": {"fixed": 1}}
    edited = json.loads(editor.input_value())
    edited["routes"].append(third)
    editor.fill(json.dumps(edited, indent=2))
    page.get_by_test_id("save-gateway").click()
    expect(problems).to_contain_text("Enter the value of authorization")
    assert len(puts) == 2  # still the two sent before (the bad config, the good one)
    value.fill(NEW_SECRET)
    page.get_by_test_id("save-gateway").click()
    toast(page, "Gateway saved: 3 routes.")
    expect(page.get_by_test_id("gateway-route-row")).to_have_count(3)
    expect(page.get_by_test_id("gateway-signing-secret")).to_have_count(0)  # shown after the first save only
    time.sleep(CACHE_SECONDS + 0.5)  # the gateway's isolate cache of the config ages out
    seen = call_origin(platform, gateway_url, user_key)
    assert seen["authorization"] == NEW_SECRET
    assert verify_gateway_request(secret, method="POST", path="/v1/echo", headers=seen).user_id == user

    # rolling the signing secret asks first, then shows the new one once; the gateway signs with it
    page.get_by_role("button", name="Roll signing secret").click()
    expect(page.get_by_role("button", name="Yes, roll it")).to_be_focused()
    page.keyboard.press("Escape")  # changed their mind: nothing rolled, focus back where it was
    expect(page.get_by_role("button", name="Roll signing secret")).to_be_focused()
    expect(page.get_by_test_id("gateway-confirm")).to_have_count(0)
    page.get_by_role("button", name="Stop the gateway").click()
    page.get_by_role("button", name="Roll signing secret").click()  # one question at a time
    expect(page.get_by_role("button", name="Yes, stop it")).to_have_count(0)
    page.get_by_role("button", name="Yes, roll it").click()
    toast(page, "Signing secret rolled")
    rolled = page.get_by_test_id("gateway-signing-secret").inner_text()
    assert rolled.startswith("gwsec_") and rolled != secret
    time.sleep(CACHE_SECONDS + 0.5)
    seen = call_origin(platform, gateway_url, user_key)
    assert verify_gateway_request(rolled, method="POST", path="/v1/echo", headers=seen).user_id == user
    with pytest.raises(InvalidGatewaySignature):
        verify_gateway_request(secret, method="POST", path="/v1/echo", headers=seen)
    screens(page, "gateway-rolled")

    # stopping asks first; then the config is gone and the gateway refuses the end user's calls
    page.get_by_role("button", name="Stop the gateway").click()
    page.get_by_role("button", name="Yes, stop it").click()
    toast(page, "Gateway stopped")
    expect(page.get_by_test_id("gateway-empty")).to_be_visible()
    assert api.get("/api/developer/gateway").status_code == 404
    time.sleep(CACHE_SECONDS + 0.5)
    refused = httpx.post(f"{gateway_url}/v1/echo", headers={"authorization": f"Bearer {user_key}"})
    assert refused.status_code == 404 and refused.json()["error"] == "gateway_not_configured", refused.text
    assert errors == []


def beside(editor: Locator, problems: Locator) -> None:
    """At 1280 px the problems are to the right of the editor, level with it."""
    left, right = editor.bounding_box(), problems.bounding_box()
    assert left and right
    assert right["x"] >= left["x"] + left["width"], (left, right)
    assert right["y"] < left["y"] + left["height"], (left, right)


def refresh_until(page: Page, button: str, shown: Callable[[], bool], what: str) -> None:
    """Click Refresh (`button`) until `shown()` (the meter settles after the answer went out;
    analytics trail it by a snapshot)."""
    deadline = time.monotonic() + SNAPSHOT_SECONDS + 20
    while not shown() and time.monotonic() < deadline:
        page.get_by_role("button", name=button).click()
        page.wait_for_timeout(500)
    assert shown(), what


def units_row(table: Locator, name: str) -> Locator:
    return table.locator("tbody tr").filter(has=table.page.get_by_role("rowheader", name=name, exact=True))


def test_an_end_users_keys_a_test_call_and_units_by_route(
    platform: Platform, dashboard: str, browser: Browser
) -> None:
    page, errors, api_key = signed_in_with_a_key(browser, dashboard)
    platform_id = page.get_by_test_id("platform-id").inner_text()
    api = httpx.Client(base_url=platform.workers["api_multi"].url, headers=key_headers(api_key), timeout=30)
    assert api.put("/api/developer/tiers", json={"tiers": TIERS}).status_code == 200
    config = {
        "upstream": platform.origin.base_url,
        "upstreamHeaders": {"authorization": UPSTREAM_SECRET},
        "routes": routes(),
    }
    assert api.put("/api/developer/gateway", json=config).status_code == 201
    gateway_url = f"{platform.workers['gateway'].url}/{platform_id}"

    # the test call: a key created for an end user (shown once), a call from this browser
    nav_to(page, "Gateway")
    expect(page.get_by_test_id("gateway-route-row")).to_have_count(2)
    user = "gw_" + secrets.token_hex(4)
    page.get_by_label("End user id").fill(user)
    page.get_by_test_id("create-test-key").click()
    test_key = page.get_by_test_id("test-call-key").inner_text()
    assert re.fullmatch(r"dream_user_[0-9A-Za-z]{36}", test_key)
    expect(page.get_by_test_id("test-call-key-box")).to_contain_text("shown only once")
    expect(page.get_by_label("Their key")).to_have_value(test_key)
    expect(page.get_by_label("Route", exact=True)).to_have_value("0")  # POST /v1/echo
    curl = page.get_by_test_id("test-call-curl")
    expect(curl).to_contain_text(
        f"curl -i -X POST '{gateway_url}/v1/echo' -H \"authorization: Bearer $USER_KEY\""
    )
    expect(curl).not_to_contain_text(test_key)
    page.get_by_test_id("send-test-call").click()
    expect(page.get_by_test_id("test-call-status")).to_have_text(re.compile(r"^200\b"))
    headers = page.get_by_test_id("test-call-headers")
    expect(headers).to_contain_text("x-ratelimit-limit120")  # the tier's rate, read across origins
    expect(headers).to_contain_text("x-ratelimit-remaining")
    expect(headers).to_contain_text(re.compile(r"ratelimit-policy.*q=120;w=60"))  # exposed too
    expect(page.get_by_test_id("test-call-body")).to_contain_text('"path": "/v1/echo"')
    expect(page.get_by_test_id("test-call-body")).to_contain_text(f'"x-dream-user-id": "{user}"')
    screens(page, "gateway-test-call")

    # a GET route: no body; its units from the answer's header
    page.get_by_label("Route", exact=True).select_option(label="GET /v1/units")
    expect(page.get_by_label("Body (JSON, optional)")).to_have_count(0)
    page.get_by_label("Path and query").fill("/v1/units?units=5")
    page.get_by_test_id("send-test-call").click()
    expect(page.get_by_test_id("test-call-status")).to_have_text(re.compile(r"^200\b"))
    expect(page.get_by_test_id("test-call-body")).to_contain_text('"ok": true')

    # the end user's page: the test key listed; a key created there is shown once, used, revoked
    page.get_by_role("link", name=f"{user}'s page").click()
    expect(page).to_have_url(f"{dashboard}/dashboard/users/{user}")
    rows = page.get_by_test_id("user-key-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("dashboard test call")
    expect(rows.first).to_contain_text(test_key[:15] + "…")
    page.get_by_label("New key's name").fill("laptop")
    page.get_by_test_id("create-user-key").click()
    laptop = page.get_by_test_id("new-user-key").inner_text()
    assert laptop.startswith("dream_user_") and laptop != test_key
    toast(page, f"Key “laptop” created for {user}")
    expect(rows).to_have_count(2)
    reply = httpx.get(
        f"{gateway_url}/v1/units", params={"units": "17"}, headers={"authorization": f"Bearer {laptop}"}
    )
    assert reply.status_code == 200 and "x-units" not in reply.headers

    # units by route (exact, from the meter, once the gateway settled), and what a reservation holds
    by_route = page.get_by_test_id("user-units-by-route")
    refresh_until(
        page,
        "Refresh this end user",
        lambda: (
            by_route.count() == 1
            and units_row(by_route, "GET /v1/units").count() == 1
            and units_row(by_route, "GET /v1/units").locator("td").first.inner_text() == "22"
        ),
        "units by route on the end user's page",
    )
    expect(units_row(by_route, "POST /v1/echo").locator("td").first).to_have_text("2")
    expect(page.get_by_test_id("user-units")).to_have_text("24")
    expect(page.get_by_test_id("user-units-by-model")).to_contain_text("No calls to AI routes.")
    reserved = api.post(
        "/api/reservations", json={"units": 30, "ttlSeconds": 600}, headers={"x-user-id": user}
    )
    assert reserved.status_code == 201, reserved.text
    page.get_by_role("button", name="Refresh this end user").click()
    expect(page.get_by_test_id("user-held")).to_have_text("30")
    expect(page.get_by_test_id("user-held-hint")).to_contain_text("30 units are set aside")
    screens(page, "gateway-end-user")

    laptop_row = rows.filter(has_text="laptop")
    laptop_row.get_by_role("button", name="Revoke laptop").click()
    expect(page.get_by_role("button", name="Yes, revoke laptop")).to_be_focused()
    page.get_by_role("button", name="Cancel").click()  # changed their mind: focus back on Revoke
    expect(laptop_row.get_by_role("button", name="Revoke laptop")).to_be_focused()
    laptop_row.get_by_role("button", name="Revoke laptop").click()
    page.get_by_role("button", name="Yes, revoke laptop").click()
    expect(laptop_row.get_by_test_id("user-key-status")).to_have_text("revoked")
    expect(page.get_by_test_id("new-user-key")).to_have_count(0)  # hidden with its key revoked
    api_multi = platform.workers["api_multi"].url
    laptop_headers = {"authorization": f"Bearer {laptop}"}
    assert httpx.get(f"{api_multi}/api/usage", headers=laptop_headers).status_code == 401  # at once here
    time.sleep(CACHE_SECONDS + 0.5)  # the gateway's isolate cache of the key ages out
    assert httpx.get(f"{gateway_url}/v1/units", headers=laptop_headers).status_code == 401
    expect(rows.filter(has_text="dashboard test call").get_by_test_id("user-key-status")).to_have_text(
        "active"
    )
    assert (
        httpx.get(f"{api_multi}/api/usage", headers={"authorization": f"Bearer {test_key}"}).status_code
        == 200
    )

    # Analytics: the month's units by route (from snapshots)
    nav_to(page, "Analytics")
    table = page.get_by_test_id("units-by-route")
    refresh_until(
        page,
        "Refresh units by route and model",
        lambda: (
            table.count() == 1
            and units_row(table, "GET /v1/units").count() == 1
            and units_row(table, "GET /v1/units").locator("td").first.inner_text() == "22"
        ),
        "units by route in Analytics",
    )
    expect(units_row(table, "POST /v1/echo").locator("td").first).to_have_text("2")
    expect(page.get_by_test_id("units-by-model")).to_contain_text("No calls to AI routes.")
    screens(page, "gateway-analytics")
    assert errors == []
