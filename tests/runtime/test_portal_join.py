"""End users joining a platform's portal in workerd: the shared customer Clerk app (its stand-in)
gets publicMetadata.platformId once, the next session token carries it, an account of another
platform is refused, and Clerk being unreachable is a 502 that changes nothing."""

from __future__ import annotations

import httpx
import pytest

from scripts import devstack
from scripts.local_platform import Platform
from tests.runtime.helpers import key_headers, new_user, register

pytestmark = pytest.mark.runtime


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def join(api_multi: httpx.Client, token: str, platform_id: str) -> httpx.Response:
    return api_multi.post("/api/portal/join", json={"platformId": platform_id}, headers=bearer(token))


def test_a_new_end_user_joins_one_platform_and_their_next_token_names_it(
    platform: Platform, api_multi: httpx.Client
) -> None:
    platform_a, _ = register(api_multi)
    platform_b, key_b = register(api_multi)
    user = new_user()
    signed_up = platform.customer_identity.issue(user)  # a fresh account: no metadata yet
    refused = api_multi.get("/api/usage", headers=bearer(signed_up))
    assert (refused.status_code, refused.json()["error"]) == (403, "no_platform")

    joined = join(api_multi, signed_up, platform_a)
    assert joined.status_code == 200, joined.text
    assert joined.json() == {"platformId": platform_a, "userId": user, "joined": True}
    assert platform.customer_identity.public_metadata[user] == {"platformId": platform_a}
    next_token = platform.customer_identity.issue(user)
    usage = api_multi.get("/api/usage", headers=bearer(next_token))
    assert usage.status_code == 200 and usage.json()["platformId"] == platform_a, usage.text

    # again, with the old token or the new one: nothing changes
    for token in (signed_up, next_token):
        again = join(api_multi, token, platform_a)
        assert again.status_code == 200 and again.json()["joined"] is False, again.text
    # another platform: refused, with the stale token too (Clerk's copy decides), nothing changed
    for token in (signed_up, next_token):
        other = join(api_multi, token, platform_b)
        assert (other.status_code, other.json()["error"]) == (409, "other_platform"), other.text
    assert platform.customer_identity.public_metadata[user] == {"platformId": platform_a}

    missing = join(api_multi, signed_up, "plt_" + "0" * 20)
    assert (missing.status_code, missing.json()["error"]) == (404, "platform_not_found")
    for bad in ("plt_short", "", None):
        reply = api_multi.post("/api/portal/join", json={"platformId": bad}, headers=bearer(signed_up))
        assert reply.status_code == 400, (bad, reply.text)
    with_key = api_multi.post("/api/portal/join", json={"platformId": platform_b}, headers=key_headers(key_b))
    assert (with_key.status_code, with_key.json()["error"]) == (401, "jwt_required")
    assert api_multi.post("/api/portal/join", json={"platformId": platform_b}).status_code == 401


def test_clerk_unreachable_is_a_502_with_retry_after_and_changes_nothing(
    platform: Platform, api_multi: httpx.Client
) -> None:
    platform_id, _ = register(api_multi)
    user = new_user()
    process = platform.start_worker(
        "api_multi",
        "api_multi-clerk-down",
        {"CUSTOMER_CLERK_API_URL": f"http://127.0.0.1:{devstack.free_port()}"},
    )
    try:
        devstack.wait_until_up(process)
        with httpx.Client(base_url=process.url, timeout=60) as clerk_down:
            reply = join(clerk_down, platform.customer_identity.issue(user), platform_id)
    finally:
        process.stop()
    assert (reply.status_code, reply.json()["error"]) == (502, "clerk_unavailable"), reply.text
    assert reply.headers["retry-after"]
    assert user not in platform.customer_identity.public_metadata
