"""Many named API keys per platform, in workerd: create, list, revoke, roll with a grace period,
expiry, last use, the active-key limit, and one platform never reaching another's keys."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from scripts.local_platform import Platform
from tests.runtime.conftest import worker_with_clock_offset
from tests.runtime.helpers import eventually, key_headers, new_user, operations, register


def create_key(api_multi: httpx.Client, api_key: str, name: str, **extra: object) -> httpx.Response:
    return api_multi.post("/api/developer/keys", json={"name": name, **extra}, headers=key_headers(api_key))


def listed(api_multi: httpx.Client, api_key: str) -> dict[str, dict]:
    reply = api_multi.get("/api/developer/keys", headers=key_headers(api_key))
    assert reply.status_code == 200, reply.text
    return {key["name"]: key for key in reply.json()["keys"]}


def call(client: httpx.Client, api_key: str, user: str) -> httpx.Response:
    return client.post("/api/data", headers=key_headers(api_key, user))


def test_two_keys_meter_into_one_platform_and_revoking_one_leaves_the_other(api_multi: httpx.Client) -> None:
    platform_id, first = register(api_multi)
    created = create_key(api_multi, first, "ci server")
    assert created.status_code == 201, created.text
    second = created.json()["apiKey"]
    assert second.startswith("dream_live_") and created.json()["prefix"] == second[:15]
    user = new_user()
    assert call(api_multi, first, user).json()["usage"]["count"] == 1
    counted = call(api_multi, second, user).json()
    assert (counted["platformId"], counted["usage"]["count"]) == (platform_id, 2)

    keys = listed(api_multi, first)
    assert set(keys) == {"default", "ci server"}
    assert all(second not in str(key) and first not in str(key) for key in keys.values())
    assert all("hash" not in key for key in keys.values())

    revoked = api_multi.delete(f"/api/developer/keys/{keys['ci server']['id']}", headers=key_headers(first))
    assert revoked.status_code == 200 and revoked.json()["revokedAt"] is not None
    refused = call(api_multi, second, user)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_api_key"
    assert call(api_multi, first, user).json()["usage"]["count"] == 3  # the refused call counted nothing
    assert listed(api_multi, first)["ci server"]["revokedAt"] == revoked.json()["revokedAt"]


def test_a_rolled_key_works_through_its_grace_period_then_not(
    platform: Platform, api_multi: httpx.Client
) -> None:
    _, old = register(api_multi)
    old_id = listed(api_multi, old)["default"]["id"]
    rolled = api_multi.post(
        f"/api/developer/keys/{old_id}/roll", json={"gracePeriodSeconds": 60}, headers=key_headers(old)
    )
    assert rolled.status_code == 201, rolled.text
    new = rolled.json()["apiKey"]
    assert rolled.json()["name"] == "default" and rolled.json()["previousKey"]["id"] == old_id
    assert rolled.json()["rolledFrom"] == old_id
    user = new_user()
    assert call(api_multi, old, user).status_code == 200
    assert call(api_multi, new, user).json()["usage"]["count"] == 2
    again = api_multi.post(f"/api/developer/keys/{old_id}/roll", json={}, headers=key_headers(new))
    assert again.status_code == 409 and again.json()["error"] == "api_key_not_active"

    with worker_with_clock_offset(platform, "api_multi", 61) as later:
        expired = call(later, old, user)
        assert expired.status_code == 401 and expired.json()["error"] == "expired_api_key"
        assert call(later, new, user).json()["usage"]["count"] == 3


def test_keys_expire_and_expiry_must_be_a_future_time(platform: Platform, api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="seconds")
    created = create_key(api_multi, api_key, "temporary", expiresAt=in_an_hour)
    assert created.status_code == 201, created.text
    temporary = created.json()["apiKey"]
    assert created.json()["expiresAt"] is not None
    assert call(api_multi, temporary, new_user()).status_code == 200
    with worker_with_clock_offset(platform, "api_multi", 3601) as later:
        expired = call(later, temporary, new_user())
        assert expired.status_code == 401 and expired.json()["error"] == "expired_api_key"
        listing = later.get("/api/developer/keys", headers=key_headers(temporary))
        assert listing.status_code == 401 and listing.json()["error"] == "expired_api_key"
        assert call(later, api_key, new_user()).status_code == 200

    for bad in ("2020-01-01T00:00:00Z", "tomorrow", "2030-01-01T00:00:00", 1893456000, ""):
        refused = create_key(api_multi, api_key, "bad", expiresAt=bad)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_field", bad
    assert set(listed(api_multi, api_key)) == {"default", "temporary"}  # nothing stored when refused


def test_another_platform_cannot_list_revoke_or_roll_these_keys(api_multi: httpx.Client) -> None:
    _, key_a = register(api_multi)
    _, key_b = register(api_multi)
    before = listed(api_multi, key_a)
    id_a = before["default"]["id"]
    assert id_a not in str(listed(api_multi, key_b))
    revoke = api_multi.delete(f"/api/developer/keys/{id_a}", headers=key_headers(key_b))
    roll = api_multi.post(f"/api/developer/keys/{id_a}/roll", json={}, headers=key_headers(key_b))
    for reply in (revoke, roll):
        assert reply.status_code == 404 and reply.json()["error"] == "api_key_not_found"
    unchanged = ("id", "name", "expiresAt", "revokedAt", "rolledTo")
    after = listed(api_multi, key_a)
    assert [after["default"][field] for field in unchanged] == [
        before["default"][field] for field in unchanged
    ]
    assert call(api_multi, key_a, new_user()).status_code == 200
    malformed = api_multi.delete("/api/developer/keys/key_../../x", headers=key_headers(key_a))
    assert malformed.status_code == 404


def test_at_most_twenty_active_keys(api_multi: httpx.Client) -> None:
    _, api_key = register(api_multi)
    for number in range(19):  # the default key is the first
        assert create_key(api_multi, api_key, f"server {number}").status_code == 201
    refused = create_key(api_multi, api_key, "one too many")
    assert refused.status_code == 409 and refused.json()["error"] == "too_many_keys"
    assert len(listed(api_multi, api_key)) == 20
    spare = listed(api_multi, api_key)["server 0"]["id"]
    assert api_multi.delete(f"/api/developer/keys/{spare}", headers=key_headers(api_key)).status_code == 200
    assert create_key(api_multi, api_key, "in its place").status_code == 201


def test_last_used_is_recorded_off_the_hot_path_at_most_once_a_minute(api_multi: httpx.Client) -> None:
    started = datetime.now(UTC).replace(microsecond=0)
    _, api_key = register(api_multi)
    # unused so far: this listing's own use of the key is recorded after its answer
    assert listed(api_multi, api_key)["default"]["lastUsedAt"] is None
    call(api_multi, api_key, new_user())
    used = eventually(
        lambda: listed(api_multi, api_key)["default"]["lastUsedAt"], lambda value: value is not None
    )
    assert used is not None
    used_at = datetime.fromisoformat(used.replace("Z", "+00:00"))
    assert started - timedelta(seconds=1) <= used_at <= datetime.now(UTC)
    for _ in range(3):
        call(api_multi, api_key, new_user())
    time.sleep(1)
    assert listed(api_multi, api_key)["default"]["lastUsedAt"] == used  # within the minute: not rewritten


@pytest.mark.parametrize("grace", [-1, 86_401, "60", 1.5, True])
def test_a_grace_period_out_of_range_changes_nothing(api_multi: httpx.Client, grace: object) -> None:
    _, api_key = register(api_multi)
    key_id = listed(api_multi, api_key)["default"]["id"]
    reply = api_multi.post(
        f"/api/developer/keys/{key_id}/roll", json={"gracePeriodSeconds": grace}, headers=key_headers(api_key)
    )
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_field"
    assert list(listed(api_multi, api_key)) == ["default"]
    assert call(api_multi, api_key, new_user()).status_code == 200


KEY_ROUTES = [
    ("POST", "/api/developer/keys", {"name": "x"}),
    ("GET", "/api/developer/keys", None),
    ("DELETE", "/api/developer/keys/{id}", None),
    ("POST", "/api/developer/keys/{id}/roll", {"gracePeriodSeconds": 0}),
]


@pytest.mark.parametrize(("method", "path", "body"), KEY_ROUTES)
def test_every_key_route_refuses_a_revoked_or_mistyped_key_and_changes_nothing(
    api_multi: httpx.Client, method: str, path: str, body: dict | None
) -> None:
    _, api_key = register(api_multi)
    revoked = create_key(api_multi, api_key, "leaked").json()
    assert (
        api_multi.delete(f"/api/developer/keys/{revoked['id']}", headers=key_headers(api_key)).status_code
        == 200
    )
    before = listed(api_multi, api_key)
    target = path.format(id=before["default"]["id"])
    typo = api_key[:-1] + ("A" if api_key[-1] != "A" else "B")
    for attacker, error in ((revoked["apiKey"], "invalid_api_key"), (typo, "invalid_api_key")):
        reply = api_multi.request(method, target, json=body, headers=key_headers(attacker))
        assert reply.status_code == 401 and reply.json()["error"] == error
        if attacker == typo:
            assert operations(reply)["reads"] == 0  # refused by the checksum, before any KV read
    after = listed(api_multi, api_key)
    assert set(after) == set(before) and after["default"]["revokedAt"] is None
    assert call(api_multi, api_key, new_user()).status_code == 200
