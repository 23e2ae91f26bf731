"""API key grants (the KV index the metered path reads) and tiers, against the in-memory KV."""

from __future__ import annotations

import hashlib
import json

from dreamapi import api_key_format, ids
from dreamapi.key_grants import KeyGrant, grant_for_key, key_id_of, parse_index
from dreamapi.ports.kv import MemoryKV
from dreamapi.tiers import DEFAULT_TIERS, load_tier_config


async def test_the_index_grants_a_platform_until_its_expiry() -> None:
    kv = MemoryKV()
    platform_id = ids.new_platform_id()
    api_key = api_key_format.new_api_key()
    key_hash = hashlib.sha256(api_key.encode()).hexdigest()
    await kv.put(f"apikey:{key_hash}", KeyGrant(platform_id, key_id_of(key_hash), 1000.0).to_index())
    grant = await grant_for_key(kv, api_key)
    assert grant == KeyGrant(platform_id, f"key_{key_hash[:24]}", 1000.0)
    assert not grant.expired(999.9) and grant.expired(1000.0)
    await kv.delete(f"apikey:{key_hash}")
    assert await grant_for_key(kv, api_key) is None  # revoked


def test_an_unreadable_index_grants_nothing() -> None:
    key_hash = hashlib.sha256(b"any").hexdigest()
    platform_id_alone = ids.new_platform_id()
    for broken in ("not json", platform_id_alone, '{"platformId": 7}', '{"platformId": "plt_../x"}', "[]"):
        assert parse_index(broken, key_hash) is None


async def test_tier_config_defaults_and_stored() -> None:
    kv = MemoryKV()
    config = await load_tier_config(kv, "plt_" + "0" * 20)
    assert config.source == "default" and config.tiers == DEFAULT_TIERS
    await kv.put("user:plt_x:tierConfig", json.dumps({"tiers": [{"name": "solo", "limit": 7}]}))
    stored = await load_tier_config(kv, "plt_x")
    assert stored.source == "custom" and stored.tiers[0].limit == 7 and stored.tiers[0].rate_limit == 100


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
    issued = api_key_format.new_api_key()
    key_hash = hashlib.sha256(issued.encode()).hexdigest()
    await inner.put(f"apikey:{key_hash}", KeyGrant(ids.new_platform_id(), "key_x", None).to_index())
    unknown = api_key_format.new_api_key()
    checks = {issued: 1, unknown: 1, "pk_live_" + "A" * 43: 0, issued[:-1] + "x": 0, "dream_live_": 0, "x": 0}
    for candidate, reads in checks.items():
        count = KVOperationCount()
        found = await grant_for_key(CountingKV(inner, count), candidate)
        assert (found is not None) == (candidate == issued)
        assert (count.reads, count.writes, count.lists) == (reads, 0, 0), candidate


def test_an_overage_tier_is_validated_with_the_rest_and_round_trips() -> None:
    from dreamapi.tiers import Overage, validate_tier_config

    overage = {"stripePriceId": "price_metered1", "meterEventName": "api_units", "unitPriceCents": 2}
    body = {
        "tiers": [
            {"name": "free", "limit": 5, "default": True},
            {"name": "pro", "limit": 100, "overage": overage},
        ]
    }
    tiers, problems = validate_tier_config(body)
    assert problems == []
    assert tiers[1].overage == Overage("price_metered1", "api_units", 2, None)
    assert tiers[1].to_json()["overage"] == {**overage, "maxUnits": None}
    assert "overage" not in tiers[0].to_json()
    bad = {
        "stripePriceId": "prod_x",
        "meterEventName": "has space",
        "unitPriceCents": -1,
        "maxUnits": 0,
        "extra": True,
    }
    _, problems = validate_tier_config(
        {"tiers": [{"name": "pro", "limit": 1, "default": True, "overage": bad}]}
    )
    assert [p.split(" ")[0] for p in problems] == [
        "tiers[0].overage",
        "tiers[0].overage.stripePriceId",
        "tiers[0].overage.meterEventName",
        "tiers[0].overage.unitPriceCents",
        "tiers[0].overage.maxUnits",
    ]
    _, problems = validate_tier_config(
        {"tiers": [{"name": "pro", "limit": 1, "default": True, "overage": 5}]}
    )
    assert problems == ["tiers[0].overage must be an object or null"]
