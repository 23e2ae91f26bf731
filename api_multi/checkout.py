"""What the end users' Stripe Checkout routes share: the developer's connected account (every
session is created there) and the return URLs they may send."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from dreamapi.connected_accounts import connected_account_id
from dreamapi.end_user import EndUser
from dreamapi.errors import bad_request, conflict
from dreamapi.services import Services

CREDITS_METADATA_KIND = "credits"  # marks our credit-pack Checkout Sessions in their metadata


async def connected_account_of(user: EndUser, services: Services) -> str:
    account = await connected_account_id(services.tokens_kv, user.platform_id)
    if account is None:
        raise conflict(
            "This platform has not connected a Stripe account yet; its developer must connect Stripe "
            "in the dream-api dashboard first",
            "stripe_not_connected",
        )
    return account


def return_url(body: dict[str, Any], name: str, default: str) -> str:
    value = body.get(name, default)
    parts = urlsplit(value) if isinstance(value, str) else None
    local = parts is not None and parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")
    if parts is None or not parts.netloc or (parts.scheme != "https" and not local) or len(value) > 2048:
        raise bad_request(f"'{name}' must be an https URL", "invalid_url")
    return value
