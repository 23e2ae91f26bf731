"""Foundation behaviour of the three workers, in workerd, over HTTP."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from scripts.local_platform import DASHBOARD_ORIGIN, Platform

pytestmark = pytest.mark.runtime

WORKERS = ("api_multi", "front_auth_api", "oauth_api")


def new_platform_id() -> str:
    return "plt_" + secrets.token_hex(10)


def assert_json_error(reply: httpx.Response, status: int, error: str) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["error"] == error, body
    assert isinstance(body["message"], str) and body["message"]
    assert reply.headers.get("x-request-id", "").startswith("req_")
    return body


@pytest.mark.parametrize("worker", WORKERS)
def test_health_answers_on_every_worker(platform: Platform, worker: str) -> None:
    with platform.client(worker) as client:
        reply = client.get("/health")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ok"
    assert body["service"] == worker
    assert body["kv"]["TOKENS_KV"] is True
    assert reply.headers["x-request-id"].startswith("req_")


def test_tiers_fall_back_to_defaults_for_a_platform_without_config(
    platform: Platform, api_multi: httpx.Client
) -> None:
    platform_id = new_platform_id()
    platform.kv.put("TOKENS_KV", f"platform:{platform_id}:createdAt", "2026-11-01T00:00:00Z")
    reply = api_multi.get("/api/tiers", params={"platformId": platform_id})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["platformId"] == platform_id
    assert body["source"] == "default"
    by_name = {tier["name"]: tier for tier in body["tiers"]}
    assert by_name["free"]["limit"] == 5 and by_name["free"]["default"] is True
    assert by_name["paid"]["limit"] == 500
    assert {tier["rateLimit"] for tier in body["tiers"]} == {100}


def test_tiers_returns_the_stored_config(platform: Platform, api_multi: httpx.Client) -> None:
    platform_id = new_platform_id()
    platform.kv.put("TOKENS_KV", f"platform:{platform_id}:createdAt", "2026-11-01T00:00:00Z")
    stored = {
        "tiers": [
            {"name": "hobby", "limit": 50, "rateLimit": 10, "priceCents": 0, "default": True},
            {"name": "pro", "limit": 5000, "rateLimit": 600, "priceCents": 1900, "stripePriceId": "price_x"},
        ]
    }
    platform.kv.put("TOKENS_KV", f"user:{platform_id}:tierConfig", json.dumps(stored))
    body = api_multi.get("/api/tiers", params={"platformId": platform_id}).json()
    assert body["source"] == "custom"
    assert [(t["name"], t["limit"], t["rateLimit"]) for t in body["tiers"]] == [
        ("hobby", 50, 10),
        ("pro", 5000, 600),
    ]
    assert body["tiers"][1]["stripePriceId"] == "price_x"


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({}, 400, "missing_platform_id"),
        ({"platformId": "nope"}, 400, "invalid_platform_id"),
        ({"platformId": "plt_../../etc/passwd0000"}, 400, "invalid_platform_id"),
        ({"platformId": "plt_" + "0" * 20}, 404, "platform_not_found"),
    ],
)
def test_tiers_refuses_missing_invalid_and_unknown_platforms(
    api_multi: httpx.Client, params: dict, status: int, error: str
) -> None:
    assert_json_error(api_multi.get("/api/tiers", params=params), status, error)


def test_kv_written_by_one_worker_is_read_by_another(
    platform: Platform, front_auth_api: httpx.Client, api_multi: httpx.Client
) -> None:
    token = platform.developer_token("user_" + secrets.token_hex(6))
    created = front_auth_api.post("/generate-credentials", headers={"authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.text
    platform_id = created.json()["platformId"]
    # written by front_auth_api's isolate, read by api_multi's
    reply = api_multi.get("/api/tiers", params={"platformId": platform_id})
    assert reply.status_code == 200, reply.text
    assert reply.json()["platformId"] == platform_id


@pytest.mark.parametrize("worker", WORKERS)
def test_unknown_path_is_a_json_404(platform: Platform, worker: str) -> None:
    with platform.client(worker) as client:
        assert_json_error(client.get("/no/such/path"), 404, "not_found")


def test_wrong_method_is_a_json_405_with_allow(api_multi: httpx.Client) -> None:
    reply = api_multi.delete("/api/tiers")
    assert_json_error(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == "GET, HEAD, OPTIONS"
    reply = api_multi.get("/api/developer/register")
    assert_json_error(reply, 405, "method_not_allowed")
    assert "POST" in reply.headers["allow"]


def _developer_email_keys(platform: Platform) -> list[str]:
    return platform.kv.keys("TOKENS_KV", "developer-email:")


@pytest.mark.parametrize(
    ("content", "headers", "status", "error"),
    [
        (b'{"email": ', {"content-type": "application/json"}, 400, "invalid_json"),
        (b'{"email": "a@b.co"}', {"content-type": "text/plain"}, 400, "unsupported_content_type"),
        (b'["a@b.co"]', {"content-type": "application/json"}, 400, "invalid_body"),
        (b'{"email": 42}', {"content-type": "application/json"}, 400, "invalid_field"),
        (b'{"email": "not-an-email"}', {"content-type": "application/json"}, 400, "invalid_email"),
        (b"\xff\xfe", {"content-type": "application/json"}, 400, "invalid_json"),
        (b"", {"content-type": "application/json"}, 400, "missing_body"),
    ],
)
def test_bad_bodies_are_400s_and_store_nothing(
    platform: Platform, api_multi: httpx.Client, content: bytes, headers: dict, status: int, error: str
) -> None:
    before = _developer_email_keys(platform)
    reply = api_multi.post("/api/developer/register", content=content, headers=headers)
    assert_json_error(reply, status, error)
    assert _developer_email_keys(platform) == before


def test_bodies_over_the_limit_are_413_and_store_nothing(platform: Platform, api_multi: httpx.Client) -> None:
    before = _developer_email_keys(platform)
    email = "big" + secrets.token_hex(4) + "@example.com"
    padding = "x" * (70 * 1024)
    reply = api_multi.post("/api/developer/register", json={"email": email, "padding": padding})
    assert_json_error(reply, 413, "payload_too_large")
    assert _developer_email_keys(platform) == before


def test_register_shows_the_key_once_and_stores_only_its_hash(
    platform: Platform, api_multi: httpx.Client
) -> None:
    import hashlib

    email = f"dev-{secrets.token_hex(4)}@example.com"
    reply = api_multi.post("/api/developer/register", json={"email": email})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    api_key, platform_id = body["apiKey"], body["platformId"]
    assert api_key.startswith("dream_live_") and len(api_key) == 47
    assert body["keyPrefix"] == api_key[:15]
    key_hash = hashlib.sha256(api_key.encode()).hexdigest()
    assert json.loads(platform.kv.get("TOKENS_KV", f"apikey:{key_hash}"))["platformId"] == platform_id
    for key in platform.kv.keys("TOKENS_KV", f"platform:{platform_id}:"):
        assert api_key not in (platform.kv.get("TOKENS_KV", key) or "")
    again = api_multi.post("/api/developer/register", json={"email": email.upper()})
    assert_json_error(again, 409, "email_taken")


def test_cors_preflight_is_accepted_for_the_dashboard_origin(api_multi: httpx.Client) -> None:
    reply = api_multi.options(
        "/api/developer/register",
        headers={
            "origin": DASHBOARD_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, authorization",
        },
    )
    assert reply.status_code == 204
    assert reply.headers["access-control-allow-origin"] == DASHBOARD_ORIGIN
    assert "POST" in reply.headers["access-control-allow-methods"]
    assert "authorization" in reply.headers["access-control-allow-headers"]
    simple = api_multi.get("/health", headers={"origin": DASHBOARD_ORIGIN})
    assert simple.headers["access-control-allow-origin"] == DASHBOARD_ORIGIN
    exposed = simple.headers["access-control-expose-headers"].split(", ")
    assert {"x-request-id", "retry-after", "ratelimit", "ratelimit-policy"} <= set(exposed)


def test_cors_preflight_is_refused_for_another_origin(api_multi: httpx.Client) -> None:
    reply = api_multi.options(
        "/api/developer/register",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert_json_error(reply, 403, "cors_origin_not_allowed")
    assert "access-control-allow-origin" not in reply.headers
    simple = api_multi.get("/health", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_request_id_is_echoed_when_well_formed(api_multi: httpx.Client) -> None:
    assert (
        api_multi.get("/health", headers={"x-request-id": "trace-42"}).headers["x-request-id"] == "trace-42"
    )
    generated = api_multi.get("/health", headers={"x-request-id": "bad id\twith spaces"})
    assert generated.headers["x-request-id"].startswith("req_")
