"""The lookups on the metered path (api_multi, the gateway), cached in the isolate
(dreamapi.isolate_cache): in steady state a metered call reads no KV at all.
Writes made by this worker forget the cached entry at once; elsewhere it ages out.
"""

from __future__ import annotations

from dreamapi import credentials
from dreamapi.alerts import AlertSettings, load_alert_settings
from dreamapi.connected_accounts import connected_account_id
from dreamapi.errors import unavailable
from dreamapi.gateway_config import InvalidGatewayConfigError
from dreamapi.gateway_store import Gateway, load_gateway
from dreamapi.key_grants import KEY_CACHE_SECONDS, KeyGrant, grant_for_key, hash_api_key
from dreamapi.ports.secret_box import SecretBoxError
from dreamapi.services import Services
from dreamapi.subscriptions import EndUserSubscription, load_subscription
from dreamapi.tiers import TierConfig, load_tier_config


async def key_grant(services: Services, api_key: str) -> KeyGrant | None:
    """Kept at most KEY_CACHE_SECONDS: that bounds how long a key revoked elsewhere still works."""
    return await services.cache.get_or_load(
        f"apikey:{hash_api_key(api_key)}",
        min(services.settings.cache_seconds, KEY_CACHE_SECONDS),
        lambda: grant_for_key(services.tokens_kv, api_key, services.settings.api_key_kv_cache_seconds),
    )


def forget_key(services: Services, key_hash: str) -> None:
    services.cache.invalidate(f"apikey:{key_hash}")


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


async def connected_account(services: Services, platform_id: str) -> str | None:
    """The developer's connected Stripe account (overage is billed there)."""
    return await services.cached(
        f"connected-account:{platform_id}", lambda: connected_account_id(services.tokens_kv, platform_id)
    )


async def gateway(services: Services, platform_id: str) -> Gateway | None:
    """The platform's gateway config for forwarding, opened once per isolate and TTL."""
    return await services.cached(f"gateway:{platform_id}", lambda: stored_gateway(services, platform_id))


async def stored_gateway(services: Services, platform_id: str) -> Gateway | None:
    """The platform's gateway config as stored now (what a change must start from), opened; a 503
    when it cannot be opened, so the developer and their end users learn it is our side."""
    try:
        return await load_gateway(services.tokens_kv, services.secrets_at_rest, platform_id)
    except SecretBoxError:
        raise unavailable(
            "The gateway's secrets cannot be opened (GATEWAY_ENCRYPTION_KEY changed?)", "misconfigured"
        ) from None
    except InvalidGatewayConfigError:
        raise unavailable("The stored gateway config cannot be read", "misconfigured") from None
