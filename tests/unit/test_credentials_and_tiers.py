"""Platforms, keys and tiers against the in-memory KV, through api_multi's app in-process."""

from __future__ import annotations

import hashlib
import json

from api_multi.app import create_app
from dreamapi import api_key_format, credentials, ids
from dreamapi.ports.kv import MemoryKV
from dreamapi.runtime.cpython import call, cpython_services
from dreamapi.tiers import DEFAULT_TIERS, load_tier_config


async def test_create_platform_stores_only_the_hash() -> None:
    kv = MemoryKV()
    issued = await credentials.create_platform(kv, 1_700_000_000, owner_user_id="user_1", email="a@b.co")
    assert ids.is_platform_id(issued.platform_id)
    assert issued.api_key.startswith("dream_live_")
    assert await kv.get(f"apikey:{hashlib.sha256(issued.api_key.encode()).hexdigest()}") == issued.platform_id
    assert await kv.get("user:user_1:platformId") == issued.platform_id
    assert await credentials.platform_for_key(kv, issued.api_key) == issued.platform_id
    assert issued.created_at == "2023-11-14T22:13:20Z"
    stored = [await kv.get(key.name) for key in (await kv.list()).keys]
    assert all(issued.api_key not in (value or "") for value in stored)


async def test_rotation_revokes_the_previous_key() -> None:
    kv = MemoryKV()
    first = await credentials.create_platform(kv, 0, owner_user_id="user_1")
    second = await credentials.rotate_key(kv, first.platform_id, 60)
    assert await credentials.platform_for_key(kv, first.api_key) is None
    assert await credentials.platform_for_key(kv, second.api_key) == first.platform_id
    assert (await credentials.current_key_record(kv, first.platform_id))["prefix"] == second.key_prefix


async def test_tier_config_defaults_and_stored() -> None:
    kv = MemoryKV()
    config = await load_tier_config(kv, "plt_" + "0" * 20)
    assert config.source == "default" and config.tiers == DEFAULT_TIERS
    await kv.put("user:plt_x:tierConfig", json.dumps({"tiers": [{"name": "solo", "limit": 7}]}))
    stored = await load_tier_config(kv, "plt_x")
    assert stored.source == "custom" and stored.tiers[0].limit == 7 and stored.tiers[0].rate_limit == 100


async def test_register_then_tiers_in_process() -> None:
    services = cpython_services()
    app = create_app()
    created = await call(
        app,
        services,
        "POST",
        "/api/developer/register",
        headers={"content-type": "application/json"},
        body=b'{"email": "Dev@Example.com"}',
    )
    assert created.status == 201
    platform_id = created.json()["platformId"]
    tiers = await call(app, services, "GET", f"/api/tiers?platformId={platform_id}")
    assert tiers.status == 200 and tiers.json()["source"] == "default"
    duplicate = await call(
        app,
        services,
        "POST",
        "/api/developer/register",
        headers={"content-type": "application/json"},
        body=b'{"email": "dev@example.com"}',
    )
    assert duplicate.status == 409


def test_id_rules() -> None:
    assert ids.is_platform_id(ids.new_platform_id())
    for bad in ("plt_", "plt_../../x", "PLT_" + "a" * 20, "plt_" + "a" * 21):
        assert not ids.is_platform_id(bad)
    assert ids.require_user_id("user_2abc@x.co") == "user_2abc@x.co"


async def test_malformed_keys_are_refused_without_a_kv_read() -> None:
    """A well-formed key costs one SHA-256 and one KV read by its hash (no comparison against
    stored keys that could leak timing); one failing the format or checksum costs no read."""
    from dreamapi.ports.kv import CountingKV, KVOperationCount

    inner = MemoryKV()
    issued = await credentials.create_platform(inner, 0, email="t@x.io")
    unknown = api_key_format.new_api_key()
    legacy = "pk_live_" + "A" * 43
    checks = {issued.api_key: 1, unknown: 1, legacy: 1, issued.api_key[:-1] + "x": 0, "pk_live_": 0, "x": 0}
    for candidate, reads in checks.items():
        count = KVOperationCount()
        found = await credentials.platform_for_key(CountingKV(inner, count), candidate)
        assert (found is not None) == (candidate == issued.api_key)
        assert (count.reads, count.writes, count.lists) == (reads, 0, 0), candidate
