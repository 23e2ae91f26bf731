"""Reserve, then settle, in workerd: holds are exact across two locations (two api_multi processes,
one meter), never overspent by concurrent work or by another reservation's overrun, expire on
their own, and every refusal is a documented 4xx that changes nothing."""

from __future__ import annotations

import asyncio
import calendar
import time
from typing import Any

import httpx
import pytest

from scripts.local_platform import Platform, concurrently, wait_for_a_fresh_minute
from tests.runtime.helpers import (
    SPEC_LIMIT_BODY,
    jwt_headers,
    key_headers,
    new_user,
    platform_with_tier,
    register,
)

pytestmark = pytest.mark.runtime


def usage(api_multi: httpx.Client, api_key: str, user: str) -> dict[str, Any]:
    reply = api_multi.get("/api/usage", headers=key_headers(api_key, user))
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["usage"])


def reserve(client: httpx.Client, headers: dict[str, str], units: int, **extra: Any) -> httpx.Response:
    return client.post("/api/reservations", headers=headers, json={"units": units, **extra})


def grant(api_multi: httpx.Client, api_key: str, user: str, units: int) -> None:
    reply = api_multi.post(
        f"/api/developer/users/{user}/credits", headers=key_headers(api_key), json={"units": units}
    )
    assert reply.status_code == 201, reply.text


async def _settle_all(
    urls: list[str], headers: dict[str, str], jobs: list[tuple[str, int]]
) -> list[httpx.Response]:
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for url in urls]
    try:
        return list(
            await asyncio.gather(
                *(
                    clients[i % len(clients)].post(
                        f"/api/reservations/{rid}/settle", headers=headers, json={"units": units}
                    )
                    for i, (rid, units) in enumerate(jobs)
                )
            )
        )
    finally:
        for client in clients:
            await client.aclose()


def test_50_concurrent_reservations_across_two_locations_hold_exactly_what_is_available(
    api_multi: httpx.Client, locations: list[str]
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=200, rateLimit=100_000)
    user = new_user()
    headers = key_headers(api_key, user)
    replies = asyncio.run(concurrently(locations, [headers] * 50, "/api/reservations", {"units": 10}))
    statuses = [reply.status_code for reply in replies]
    assert (statuses.count(201), statuses.count(403)) == (20, 30), statuses
    refused = next(reply.json() for reply in replies if reply.status_code == 403)
    assert {key: refused[key] for key in SPEC_LIMIT_BODY} == SPEC_LIMIT_BODY
    assert refused["available"] < 10 and refused["held"] + refused["available"] == 200
    granted = [reply.json() for reply in replies if reply.status_code == 201]
    assert all(
        body["status"] == "held" and body["units"] == 10 and body["id"].startswith("rsv_") for body in granted
    )
    assert len({body["id"] for body in granted}) == 20
    assert (usage(api_multi, api_key, user)["held"], usage(api_multi, api_key, user)["count"]) == (200, 0)

    jobs = [(body["id"], 7) for body in granted]
    settled = asyncio.run(_settle_all(locations, headers, jobs + jobs))  # every settle sent twice, at once
    assert [reply.status_code for reply in settled] == [200] * 40, [
        r.text for r in settled if r.status_code != 200
    ]
    assert all(reply.json()["units"] == 7 and reply.json()["shortfall"] == 0 for reply in settled)
    assert [reply.headers.get("idempotent-replayed") for reply in settled].count("true") == 20
    final = usage(api_multi, api_key, user)
    assert (final["count"], final["held"]) == (140, 0)


def test_a_settle_frees_the_rest_and_counts_like_a_metered_call(api_multi: httpx.Client) -> None:
    _, api_key = platform_with_tier(api_multi, limit=100, rateLimit=1000)
    user = new_user()
    headers = key_headers(api_key, user)
    reply = reserve(api_multi, headers, 60, ttlSeconds=120)
    assert reply.status_code == 201, reply.text
    held = reply.json()
    assert held["usage"]["held"] == 60 and held["usage"]["count"] == 0 and held["userId"] == user
    assert reply.headers["x-ratelimit-remaining"] == "999" and reply.headers["ratelimit-policy"]
    expires = calendar.timegm(time.strptime(held["expiresAt"], "%Y-%m-%dT%H:%M:%SZ"))
    assert 100 < expires - time.time() <= 121

    # a plain call may use what is not held, and nothing more
    assert api_multi.post("/api/data", headers=headers, json={"units": 40}).status_code == 200
    blocked = api_multi.post("/api/data", headers=headers, json={"units": 1})
    assert blocked.status_code == 403 and (blocked.json()["held"], blocked.json()["available"]) == (60, 0)

    settle = api_multi.post(f"/api/reservations/{held['id']}/settle", headers=headers, json={"units": 25})
    assert settle.status_code == 200, settle.text
    body = settle.json()
    assert (body["status"], body["units"], body["reservedUnits"], body["shortfall"]) == ("settled", 25, 60, 0)
    assert (body["usage"]["count"], body["usage"]["held"], body["usage"]["remaining"]) == (65, 0, 35)
    again = api_multi.post(f"/api/reservations/{held['id']}/settle", headers=headers, json={"units": 25})
    assert again.json() == body and again.headers["idempotent-replayed"] == "true"
    other = api_multi.post(f"/api/reservations/{held['id']}/settle", headers=headers, json={"units": 26})
    assert other.status_code == 409 and other.json()["error"] == "reservation_settled"
    release = api_multi.post(f"/api/reservations/{held['id']}/release", headers=headers)
    assert release.status_code == 409 and release.json()["error"] == "reservation_settled"
    shown = api_multi.get(f"/api/reservations/{held['id']}", headers=headers).json()
    assert (shown["status"], shown["units"], shown["settledUnits"], shown["shortfall"]) == (
        "settled",
        60,
        25,
        0,
    )
    assert usage(api_multi, api_key, user)["count"] == 65  # nothing counted twice


def test_an_overrun_is_taken_only_from_what_is_free_and_credits_never_go_negative(
    api_multi: httpx.Client,
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=10, rateLimit=1000)
    user = new_user()
    headers = key_headers(api_key, user)
    grant(api_multi, api_key, user, 40)  # 10 included + 40 credits = 50 available
    first = reserve(api_multi, headers, 20).json()
    second = reserve(api_multi, headers, 25).json()
    assert usage(api_multi, api_key, user)["held"] == 45
    # the first asks 30: 20 held + the 5 free; 5 more would be the second's, so it is the shortfall
    overrun = api_multi.post(f"/api/reservations/{first['id']}/settle", headers=headers, json={"units": 30})
    assert overrun.status_code == 200, overrun.text
    assert (overrun.json()["units"], overrun.json()["shortfall"]) == (25, 5)
    assert overrun.json()["usage"]["held"] == 25
    # the second's hold is intact: all of it can still be settled
    full = api_multi.post(f"/api/reservations/{second['id']}/settle", headers=headers, json={"units": 25})
    assert (full.status_code, full.json()["units"], full.json()["shortfall"]) == (200, 25, 0)
    final = usage(api_multi, api_key, user)
    assert (final["count"], final["credits"], final["held"]) == (50, 0, 0)
    statement = api_multi.get(f"/api/developer/users/{user}/credits", headers=key_headers(api_key)).json()
    assert statement["balance"] == 0 and all(entry["balanceAfter"] >= 0 for entry in statement["entries"])
    assert reserve(api_multi, headers, 1).status_code == 403


def test_a_short_ttl_expires_holding_and_counting_nothing(api_multi: httpx.Client) -> None:
    _, api_key = platform_with_tier(api_multi, limit=100, rateLimit=1000)
    user = new_user()
    headers = key_headers(api_key, user)
    held = reserve(api_multi, headers, 80, ttlSeconds=1).json()
    assert usage(api_multi, api_key, user)["held"] == 80
    time.sleep(2.5)
    after = usage(api_multi, api_key, user)
    assert (after["held"], after["count"]) == (0, 0)
    late = api_multi.post(f"/api/reservations/{held['id']}/settle", headers=headers, json={"units": 10})
    assert late.status_code == 409 and late.json()["error"] == "reservation_expired"
    assert late.json()["reservation"]["status"] == "expired"
    assert api_multi.post(f"/api/reservations/{held['id']}/release", headers=headers).status_code == 409
    assert api_multi.get(f"/api/reservations/{held['id']}", headers=headers).json()["status"] == "expired"
    assert usage(api_multi, api_key, user)["count"] == 0
    assert reserve(api_multi, headers, 100).status_code == 201  # everything is available again


def test_release_frees_everything_and_counts_nothing(platform: Platform, api_multi: httpx.Client) -> None:
    platform_id, api_key = platform_with_tier(api_multi, limit=100, rateLimit=1000)
    user = new_user()
    headers = jwt_headers(platform, platform_id, user)  # the end user's browser, with a session token
    held = reserve(api_multi, headers, 30)
    assert held.status_code == 201, held.text
    rid = held.json()["id"]
    released = api_multi.post(f"/api/reservations/{rid}/release", headers=headers)
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert released.json()["usage"]["held"] == 0
    assert api_multi.post(f"/api/reservations/{rid}/release", headers=headers).json() == released.json()
    settle = api_multi.post(f"/api/reservations/{rid}/settle", headers=headers, json={"units": 1})
    assert settle.status_code == 409 and settle.json()["error"] == "reservation_released"
    assert usage(api_multi, api_key, user)["count"] == 0


def test_an_idempotency_key_returns_the_same_reservation(api_multi: httpx.Client) -> None:
    _, api_key = platform_with_tier(api_multi, limit=100, rateLimit=1000)
    user = new_user()
    headers = {**key_headers(api_key, user), "idempotency-key": "job-" + new_user()}
    first = reserve(api_multi, headers, 10)
    retry = reserve(api_multi, headers, 10)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"] and retry.headers["idempotent-replayed"] == "true"
    assert usage(api_multi, api_key, user)["held"] == 10
    reused = reserve(api_multi, headers, 11)
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"


def test_the_rate_limit_counts_reservations_not_settles(api_multi: httpx.Client) -> None:
    _, api_key = platform_with_tier(api_multi, limit=1000, rateLimit=3)
    user = new_user()
    headers = key_headers(api_key, user)
    wait_for_a_fresh_minute()
    ids = [reserve(api_multi, headers, 1).json()["id"] for _ in range(3)]
    limited = reserve(api_multi, headers, 1)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    for rid in ids:  # settling is part of the reservation's call, not another one
        assert (
            api_multi.post(f"/api/reservations/{rid}/settle", headers=headers, json={"units": 1}).status_code
            == 200
        )
    assert usage(api_multi, api_key, user)["held"] == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"units": 0}, "invalid_units"),
        ({"units": -1}, "invalid_units"),
        ({"units": 1.5}, "invalid_units"),
        ({"units": "7"}, "invalid_units"),
        ({"units": 10**9}, "invalid_units"),
        ({}, "invalid_units"),
        ({"units": 5, "ttlSeconds": 0}, "invalid_ttl"),
        ({"units": 5, "ttlSeconds": 86_401}, "invalid_ttl"),
        ({"units": 5, "ttlSeconds": "60"}, "invalid_ttl"),
    ],
)
def test_bad_reservations_are_400_and_hold_nothing(api_multi: httpx.Client, body: dict, error: str) -> None:
    _, api_key = platform_with_tier(api_multi, limit=100, rateLimit=1000)
    user = new_user()
    reply = api_multi.post("/api/reservations", headers=key_headers(api_key, user), json=body)
    assert reply.status_code == 400 and reply.json()["error"] == error, reply.text
    assert usage(api_multi, api_key, user)["held"] == 0


def test_other_users_and_platforms_cannot_see_or_touch_a_reservation(api_multi: httpx.Client) -> None:
    _, api_key = platform_with_tier(api_multi, limit=100, rateLimit=1000)
    _, other_key = register(api_multi)
    owner, stranger = new_user(), new_user()
    rid = reserve(api_multi, key_headers(api_key, owner), 40).json()["id"]
    for headers in (key_headers(api_key, stranger), key_headers(other_key, owner)):
        for method, path, body in (
            ("GET", f"/api/reservations/{rid}", None),
            ("POST", f"/api/reservations/{rid}/settle", {"units": 1}),
            ("POST", f"/api/reservations/{rid}/release", None),
        ):
            reply = api_multi.request(method, path, headers=headers, json=body)
            assert reply.status_code == 404 and reply.json()["error"] == "reservation_not_found", reply.text
    unknown = "rsv_" + "0" * 24
    reply = api_multi.post(
        f"/api/reservations/{unknown}/settle", headers=key_headers(api_key, owner), json={"units": 1}
    )
    assert reply.status_code == 404
    for malformed in ("rsv_xyz", "x" * 28, "rsv_" + "A" * 24):
        reply = api_multi.get(f"/api/reservations/{malformed}", headers=key_headers(api_key, owner))
        assert reply.status_code == 400 and reply.json()["error"] == "invalid_reservation_id"
    for units in (-1, 1.5, "3", 10**9):
        reply = api_multi.post(
            f"/api/reservations/{rid}/settle", headers=key_headers(api_key, owner), json={"units": units}
        )
        assert reply.status_code == 400 and reply.json()["error"] == "invalid_units"
    assert usage(api_multi, api_key, owner)["held"] == 40 and usage(api_multi, api_key, owner)["count"] == 0
    assert api_multi.post("/api/reservations", json={"units": 1}).status_code == 401
