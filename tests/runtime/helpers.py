"""What the runtime tests of api_multi share: registering platforms, end-user headers, tiers,
concurrent calls, and waiting for what is eventually consistent (dashboard snapshots)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from scripts.local_platform import Platform

SPEC_LIMIT_BODY = {"error": "Tier limit reached", "message": "Please upgrade to unlock more requests"}
T = TypeVar("T")


def register(api_multi: httpx.Client) -> tuple[str, str]:
    reply = api_multi.post(
        "/api/developer/register", json={"email": f"dev-{secrets.token_hex(5)}@example.com"}
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["platformId"], reply.json()["apiKey"]


def key_headers(api_key: str, user_id: str | None = None, plan: str | None = None) -> dict[str, str]:
    headers = {"authorization": f"Bearer {api_key}"}
    if user_id is not None:
        headers["x-user-id"] = user_id
    if plan is not None:
        headers["x-user-plan"] = plan
    return headers


def jwt_headers(
    platform: Platform, platform_id: str, user_id: str, plan: str | None = None
) -> dict[str, str]:
    metadata = {"platformId": platform_id, **({"plan": plan} if plan else {})}
    token = platform.customer_identity.issue(user_id, public_metadata=metadata)
    return {"authorization": f"Bearer {token}"}


def new_user() -> str:
    return "enduser_" + secrets.token_hex(6)


def put_tiers(api_multi: httpx.Client, api_key: str, tiers: list[dict]) -> httpx.Response:
    return api_multi.put("/api/developer/tiers", json={"tiers": tiers}, headers=key_headers(api_key))


def platform_with_tier(api_multi: httpx.Client, **tier: int) -> tuple[str, str]:
    """A new platform whose one (default) tier is `metered` with these limits."""
    platform_id, api_key = register(api_multi)
    reply = put_tiers(api_multi, api_key, [{"name": "metered", "default": True, **tier}])
    assert reply.status_code == 200, reply.text
    return platform_id, api_key


def operations(reply: httpx.Response, header: str = "x-kv-ops") -> dict[str, int]:
    """The storage operations a call cost, as the worker counted them (EXPOSE_KV_OPS)."""
    return {k: int(v) for k, v in (part.split("=") for part in reply.headers[header].split(";"))}


def eventually(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 15.0) -> T:
    """`read()` until `done(value)`; the last value either way (the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.25)
        value = read()
    return value


def dashboard_once_it_counts(api_multi: httpx.Client, api_key: str, calls: int) -> dict[str, Any]:
    """The platform's dashboard once its snapshots add up to `calls` (they trail the meter by up to
    USAGE_SNAPSHOT_SECONDS). Local KV, shared by several processes, may answer "busy" meanwhile:
    the worker must then say 503 storage_unavailable with Retry-After, never anything else."""

    def read() -> dict[str, Any]:
        reply = api_multi.get("/api/developer/dashboard?refresh=1", headers=key_headers(api_key))
        if reply.status_code != 200:
            assert reply.status_code == 503 and reply.json()["error"] == "storage_unavailable", reply.text
            assert reply.headers["retry-after"]
            return {}
        return dict(reply.json())

    return eventually(read, lambda stats: stats.get("calls", {}).get("thisMonth") == calls)
