"""oauth_api in workerd: Stripe Connect (OAuth and onboarding) and GitHub, CSRF-safe."""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from scripts.local_platform import DASHBOARD_ORIGIN, Platform
from scripts.standins.stripe import DEFAULT_SECRET_KEY

pytestmark = pytest.mark.runtime


def developer_with_platform(platform: Platform, front_auth_api: httpx.Client) -> tuple[dict[str, str], str]:
    token = platform.developer_token("user_" + secrets.token_hex(8))
    headers = {"authorization": f"Bearer {token}"}
    created = front_auth_api.post("/generate-credentials", headers=headers)
    assert created.status_code == 201, created.text
    return headers, created.json()["platformId"]


def browser() -> httpx.Client:
    return httpx.Client(timeout=30, follow_redirects=False)


def ticket(oauth_api: httpx.Client, headers: dict[str, str]) -> str:
    reply = oauth_api.post("/connect/ticket", headers=headers)
    assert reply.status_code == 201, reply.text
    return reply.json()["ticket"]


def dashboard_outcome(reply: httpx.Response) -> dict[str, str]:
    assert reply.status_code == 302, reply.text
    location = reply.headers["location"]
    assert location.startswith(f"{DASHBOARD_ORIGIN}/dashboard?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def start_stripe_flow(oauth_api: httpx.Client, tab: httpx.Client, headers: dict[str, str]) -> str:
    """Navigates to /stripe/connect; returns Stripe's authorize URL (the tab keeps the cookie)."""
    reply = tab.get(f"{oauth_api.base_url}/stripe/connect", params={"ticket": ticket(oauth_api, headers)})
    assert reply.status_code == 302, reply.text
    assert "dreamapi_oauth_stripe=" in reply.headers["set-cookie"]
    assert "HttpOnly" in reply.headers["set-cookie"]
    return reply.headers["location"]


def consent(tab: httpx.Client, authorize_url: str, decision: str) -> str:
    """Answers Stripe's consent page; returns where Stripe sends the browser back."""
    page = tab.get(authorize_url)
    assert page.status_code == 200 and "Connect your Stripe account" in page.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    base = authorize_url.split("/oauth/authorize")[0]
    reply = tab.post(f"{base}/oauth/authorize/decision", data={**query, "decision": decision})
    assert reply.status_code == 302
    return reply.headers["location"]


def stored_stripe(platform: Platform, platform_id: str) -> dict | None:
    raw = platform.kv.get("TOKENS_KV", f"platform:{platform_id}:stripe")
    return json.loads(raw) if raw else None


def test_authorize_url_has_what_stripe_needs(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    headers, _ = developer_with_platform(platform, front_auth_api)
    with browser() as tab:
        url = start_stripe_flow(oauth_api, tab, headers)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}" == platform.stripe.base_url and parts.path == "/oauth/authorize"
    assert query["response_type"] == "code" and query["scope"] == "read_write"
    assert query["client_id"] == "ca_dreamapi_local"
    assert query["redirect_uri"] == f"{oauth_api.base_url}/stripe/callback"
    assert len(query["state"]) >= 40


def test_full_stripe_connect_round_trip_enables_connect_checkout(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client, api_multi: httpx.Client
) -> None:
    headers, platform_id = developer_with_platform(platform, front_auth_api)
    with browser() as tab:
        back = consent(tab, start_stripe_flow(oauth_api, tab, headers), "approve")
        assert back.startswith(f"{oauth_api.base_url}/stripe/callback?")
        assert dashboard_outcome(tab.get(back)) == {"stripe": "connected"}
    record = stored_stripe(platform, platform_id)
    account = record["accountId"]
    assert record["method"] == "oauth" and account.startswith("acct_")
    assert platform.kv.get("TOKENS_KV", f"stripe-account:{account}") == platform_id
    for key in platform.kv.keys("TOKENS_KV", f"platform:{platform_id}:"):
        value = platform.kv.get("TOKENS_KV", key) or ""
        assert "sk_test_connected" not in value and "rt_" not in value and DEFAULT_SECRET_KEY not in value
    status = oauth_api.get("/status", headers=headers).json()
    assert status["stripe"]["connected"] is True and status["stripe"]["accountId"] == account

    # api_multi can now sell this platform's tier on the connected account
    api_key = front_auth_api.post("/rotate-key", headers=headers).json()["apiKey"]
    stripe_headers = {"authorization": f"Bearer {DEFAULT_SECRET_KEY}", "stripe-account": account}
    product = httpx.post(
        f"{platform.stripe.base_url}/v1/products", data={"name": "Pro"}, headers=stripe_headers
    )
    price = httpx.post(
        f"{platform.stripe.base_url}/v1/prices",
        data={
            "currency": "usd",
            "unit_amount": "900",
            "product": product.json()["id"],
            "recurring[interval]": "month",
        },
        headers=stripe_headers,
    ).json()["id"]
    tiers = [
        {"name": "free", "limit": 5, "default": True},
        {"name": "pro", "limit": 99, "stripePriceId": price},
    ]
    assert (
        api_multi.put(
            "/api/developer/tiers", json={"tiers": tiers}, headers={"authorization": f"Bearer {api_key}"}
        ).status_code
        == 200
    )
    end_user = platform.customer_identity.issue("fan_1", public_metadata={"platformId": platform_id})
    checkout = api_multi.post(
        "/api/create-checkout", json={"tier": "pro"}, headers={"authorization": f"Bearer {end_user}"}
    )
    assert checkout.status_code == 200, checkout.text
    assert platform.stripe.sessions[checkout.json()["sessionId"]]["account"] == account


def test_denied_consent_stores_nothing(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    headers, platform_id = developer_with_platform(platform, front_auth_api)
    with browser() as tab:
        back = consent(tab, start_stripe_flow(oauth_api, tab, headers), "deny")
        assert dashboard_outcome(tab.get(back)) == {"stripe": "denied", "reason": "access_denied"}
    assert stored_stripe(platform, platform_id) is None


def test_forged_and_replayed_states_are_refused(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    headers, platform_id = developer_with_platform(platform, front_auth_api)
    with browser() as tab:
        back = consent(tab, start_stripe_flow(oauth_api, tab, headers), "approve")
        forged = back.split("state=")[0] + "state=" + secrets.token_urlsafe(32)
        assert dashboard_outcome(tab.get(forged)) == {"stripe": "error", "reason": "invalid_state"}
        no_state = back.split("&state=")[0]
        assert dashboard_outcome(tab.get(no_state))["reason"] == "invalid_state"
    assert stored_stripe(platform, platform_id) is None
    with browser() as tab:
        back = consent(tab, start_stripe_flow(oauth_api, tab, headers), "approve")
        assert dashboard_outcome(tab.get(back)) == {"stripe": "connected"}
        first = stored_stripe(platform, platform_id)
        assert dashboard_outcome(tab.get(back)) == {"stripe": "error", "reason": "invalid_state"}
    assert stored_stripe(platform, platform_id) == first


def test_expired_state_is_refused(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client, later_oauth_api: httpx.Client
) -> None:
    headers, platform_id = developer_with_platform(platform, front_auth_api)
    with browser() as tab:
        back = consent(tab, start_stripe_flow(oauth_api, tab, headers), "approve")
        later = back.replace(str(oauth_api.base_url), str(later_oauth_api.base_url))
        cookie = tab.cookies.get("dreamapi_oauth_stripe")
        reply = later_oauth_api.get(
            later.split(str(later_oauth_api.base_url))[1],
            headers={"cookie": f"dreamapi_oauth_stripe={cookie}"},
        )
        assert dashboard_outcome(reply) == {"stripe": "error", "reason": "invalid_state"}
    assert stored_stripe(platform, platform_id) is None


def test_state_of_platform_a_cannot_attach_an_account_from_another_browser(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    a_headers, a_platform = developer_with_platform(platform, front_auth_api)
    b_headers, b_platform = developer_with_platform(platform, front_auth_api)
    with browser() as a_tab, browser() as b_tab:
        a_authorize = start_stripe_flow(oauth_api, a_tab, a_headers)
        start_stripe_flow(oauth_api, b_tab, b_headers)  # B has a flow (and cookie) of its own
        # B obtains A's authorize URL and approves it with B's Stripe account, in B's browser
        back = consent(b_tab, a_authorize, "approve")
        assert dashboard_outcome(b_tab.get(back)) == {"stripe": "error", "reason": "invalid_state"}
    assert stored_stripe(platform, a_platform) is None
    assert stored_stripe(platform, b_platform) is None


def test_token_endpoint_failure_is_readable_and_stores_nothing(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    headers, platform_id = developer_with_platform(platform, front_auth_api)
    with browser() as tab:
        back = consent(tab, start_stripe_flow(oauth_api, tab, headers), "approve")
        httpx.post(f"{platform.stripe.base_url}/_standin/oauth-token-failure", json={"fail": True})
        try:
            outcome = dashboard_outcome(tab.get(back))
        finally:
            httpx.post(f"{platform.stripe.base_url}/_standin/oauth-token-failure", json={"fail": False})
    assert outcome == {"stripe": "error", "reason": "token_exchange_failed"}
    assert stored_stripe(platform, platform_id) is None


def test_disconnect_deauthorizes_and_removes_the_account(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    headers, platform_id = developer_with_platform(platform, front_auth_api)
    assert oauth_api.post("/stripe/disconnect", headers=headers).status_code == 404
    with browser() as tab:
        tab.get(consent(tab, start_stripe_flow(oauth_api, tab, headers), "approve"))
    account = stored_stripe(platform, platform_id)["accountId"]
    reply = oauth_api.post("/stripe/disconnect", headers=headers)
    assert reply.status_code == 200 and reply.json() == {"disconnected": True, "accountId": account}
    assert platform.stripe.accounts[account].get("deauthorized") is True
    assert stored_stripe(platform, platform_id) is None
    assert platform.kv.get("TOKENS_KV", f"stripe-account:{account}") is None
    assert oauth_api.get("/status", headers=headers).json()["stripe"]["connected"] is False


def test_connect_onboarding_marks_connected_once_charges_are_enabled(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    headers, platform_id = developer_with_platform(platform, front_auth_api)
    reply = oauth_api.post("/stripe/onboard", headers=headers)
    assert reply.status_code == 200, reply.text
    account = reply.json()["accountId"]
    assert oauth_api.get("/status", headers=headers).json()["stripe"] == {
        "connected": False,
        "onboardingPending": True,
    }
    again = oauth_api.post("/stripe/onboard", headers=headers).json()
    assert again["accountId"] == account  # reused, not a second account
    done = httpx.post(f"{again['url']}/complete", follow_redirects=False)
    assert done.status_code == 303
    record = stored_stripe(platform, platform_id)
    assert record["accountId"] == account and record["method"] == "onboarding"
    assert platform.kv.get("TOKENS_KV", f"stripe-account:{account}") == platform_id


def test_tickets_are_single_use_and_required(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    headers, _ = developer_with_platform(platform, front_auth_api)
    one = ticket(oauth_api, headers)
    with browser() as tab:
        assert tab.get(f"{oauth_api.base_url}/stripe/connect", params={"ticket": one}).status_code == 302
        reused = tab.get(f"{oauth_api.base_url}/stripe/connect", params={"ticket": one})
        assert reused.status_code == 401 and reused.json()["error"] == "invalid_ticket"
        assert tab.get(f"{oauth_api.base_url}/stripe/connect").status_code == 401
    assert oauth_api.post("/connect/ticket").status_code == 401


def test_a_developer_without_a_platform_is_sent_back_with_a_reason(
    platform: Platform, oauth_api: httpx.Client
) -> None:
    headers = {"authorization": f"Bearer {platform.developer_token('user_' + secrets.token_hex(8))}"}
    with browser() as tab:
        reply = tab.get(f"{oauth_api.base_url}/stripe/connect", params={"ticket": ticket(oauth_api, headers)})
        assert dashboard_outcome(reply) == {"stripe": "error", "reason": "no_platform"}


def _github_flow(oauth_api: httpx.Client, tab: httpx.Client, headers: dict[str, str], decision: str) -> str:
    start = tab.get(f"{oauth_api.base_url}/github/connect", params={"ticket": ticket(oauth_api, headers)})
    assert start.status_code == 302
    authorize = start.headers["location"]
    assert tab.get(authorize).status_code == 200
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    base = authorize.split("/login/oauth/authorize")[0]
    back = tab.post(f"{base}/login/oauth/authorize/decision", data={**query, "decision": decision})
    return back.headers["location"]


def test_github_round_trip_denial_and_forged_state(
    platform: Platform, front_auth_api: httpx.Client, oauth_api: httpx.Client
) -> None:
    headers, _ = developer_with_platform(platform, front_auth_api)
    with browser() as tab:
        denied = _github_flow(oauth_api, tab, headers, "deny")
        assert dashboard_outcome(tab.get(denied)) == {"github": "denied", "reason": "access_denied"}
        forged = _github_flow(oauth_api, tab, headers, "approve").split("state=")[0] + "state=forged"
        assert dashboard_outcome(tab.get(forged)) == {"github": "error", "reason": "invalid_state"}
        assert oauth_api.get("/status", headers=headers).json()["github"] == {"connected": False}
        approved = _github_flow(oauth_api, tab, headers, "approve")
        assert dashboard_outcome(tab.get(approved)) == {"github": "connected"}
    github = oauth_api.get("/status", headers=headers).json()["github"]
    assert github["connected"] is True and github["login"] == "octo-dev" and github["id"] == 4242
    for binding in ("TOKENS_KV", "USAGE_KV"):
        for key in platform.kv.keys(binding, "user:"):
            value = platform.kv.get(binding, key) or ""
            assert not any(token in value for token in platform.github.issued_tokens)
    assert oauth_api.post("/github/disconnect", headers=headers).json() == {"disconnected": True}
    assert oauth_api.get("/status", headers=headers).json()["github"] == {"connected": False}
