"""The lookups on api_multi's metered path, cached in the isolate (dreamapi.isolate_cache).

In steady state a metered call then costs one KV read (the usage record) and one write.
Writes made by this worker forget the cached entry at once; elsewhere it ages out.
"""

from __future__ import annotations

from api_multi.subscriptions import EndUserSubscription, load_subscription
from dreamapi import credentials
from dreamapi.alerts import AlertSettings, load_alert_settings
from dreamapi.services import Services
from dreamapi.tiers import TierConfig, load_tier_config


async def platform_for_api_key(services: Services, api_key: str) -> str | None:
    key_hash = credentials.hash_api_key(api_key)
    return await services.cached(
        f"apikey:{key_hash}", lambda: credentials.platform_for_key(services.tokens_kv, api_key)
    )


async def platform_exists(services: Services, platform_id: str) -> bool:
    return await services.cached(
        f"platform:{platform_id}", lambda: credentials.platform_exists(services.tokens_kv, platform_id)
    )


async def tier_config(services: Services, platform_id: str) -> TierConfig:
    return await services.cached(
        f"tiers:{platform_id}", lambda: load_tier_config(services.tokens_kv, platform_id)
    )


def forget_tier_config(services: Services, platform_id: str) -> None:
    services.cache.invalidate(f"tiers:{platform_id}")


async def subscription(services: Services, platform_id: str, user_id: str) -> EndUserSubscription:
    return await services.cached(
        f"subscription:{platform_id}:{user_id}",
        lambda: load_subscription(services.tokens_kv, platform_id, user_id),
    )


def forget_subscription(services: Services, platform_id: str, user_id: str) -> None:
    services.cache.invalidate(f"subscription:{platform_id}:{user_id}")


async def alert_settings(services: Services, platform_id: str) -> AlertSettings:
    return await services.cached(
        f"alerts:{platform_id}", lambda: load_alert_settings(services.tokens_kv, platform_id)
    )


def forget_alert_settings(services: Services, platform_id: str) -> None:
    services.cache.invalidate(f"alerts:{platform_id}")
