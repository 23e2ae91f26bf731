"""Who a key speaks for: a developer's key (`dream_live_…`) names a platform, an end user's own
key (`dream_user_…`) names a platform and one of its end users. Used by api_multi and the gateway."""

from __future__ import annotations

from dreamapi import lookups
from dreamapi.end_user import USER_KEY, EndUser
from dreamapi.errors import unauthorized
from dreamapi.key_grants import KeyGrant
from dreamapi.key_use import report_key_use
from dreamapi.services import Services


async def grant_of(token: str, services: Services) -> KeyGrant:
    """The key's grant (cached; see dreamapi.lookups), or 401; its use is reported off the hot path."""
    grant = await lookups.key_grant(services, token)
    if grant is None:
        raise unauthorized("Unknown or revoked API key", "invalid_api_key")
    now = services.clock.now()
    if grant.expired(now):
        raise unauthorized("This API key has expired; create or roll a key", "expired_api_key")
    report_key_use(services, grant, now)
    return grant


async def platform_of_api_key(token: str, services: Services) -> str:
    """The platform of a developer's key."""
    grant = await grant_of(token, services)
    if grant.user_id is not None:  # cannot happen for a dream_live_ key: its index names no user
        raise unauthorized("Unknown or revoked API key", "invalid_api_key")
    return grant.platform_id


async def end_user_of_key(token: str, services: Services) -> EndUser:
    """The end user an end user's own key belongs to (their tier is never named by the request)."""
    grant = await grant_of(token, services)
    if grant.user_id is None:
        raise unauthorized("Unknown or revoked API key", "invalid_api_key")
    return EndUser(grant.platform_id, grant.user_id, None, USER_KEY)
