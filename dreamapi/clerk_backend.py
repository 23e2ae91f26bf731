"""Clerk Backend API: keeps `publicMetadata` (the plan claim of the JWT template) in step."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from dreamapi.ports.outbound import HttpClient, OutboundError

logger = logging.getLogger("dreamapi.clerk")
DEFAULT_CLERK_API_URL = "https://api.clerk.com"


def configured(env: Mapping[str, str], app: str = "CLERK") -> bool:
    """Whether the Backend API of the Clerk app `app` (CLERK, CUSTOMER_CLERK) can be called."""
    return bool(env.get(f"{app}_SECRET_KEY"))


def _api(env: Mapping[str, str], app: str) -> tuple[str, str]:
    base = (env.get(f"{app}_API_URL") or DEFAULT_CLERK_API_URL).rstrip("/")
    return base, env.get(f"{app}_SECRET_KEY") or ""


async def public_metadata(
    env: Mapping[str, str], http: HttpClient, user_id: str, app: str = "CLERK"
) -> dict[str, Any] | None:
    """The user's public metadata as Clerk holds it now; None when Clerk cannot say."""
    base, secret = _api(env, app)
    if not secret:
        return None
    try:
        reply = await http.fetch(
            f"{base}/v1/users/{quote(user_id, safe='')}", headers={"authorization": f"Bearer {secret}"}
        )
        if reply.status >= 300:
            logger.warning("Clerk user read for %s failed with status %s", user_id, reply.status)
            return None
        metadata = json.loads(reply.body).get("public_metadata")
    except (OutboundError, ValueError, AttributeError):
        logger.warning("Clerk user read for %s failed: unreachable or malformed", user_id)
        return None
    return metadata if isinstance(metadata, dict) else {}


async def merge_public_metadata(
    env: Mapping[str, str], http: HttpClient, user_id: str, metadata: dict[str, Any], app: str = "CLERK"
) -> bool:
    """Merges into the user's public metadata; False when not configured or Clerk refused."""
    base, secret = _api(env, app)
    if not secret:
        return False
    try:
        reply = await http.fetch(
            f"{base}/v1/users/{quote(user_id, safe='')}/metadata",
            method="PATCH",
            headers={"authorization": f"Bearer {secret}", "content-type": "application/json"},
            body=json.dumps({"public_metadata": metadata}).encode(),
        )
    except OutboundError:
        logger.warning("Clerk metadata update for %s failed: unreachable", user_id)
        return False
    if reply.status >= 300:
        logger.warning("Clerk metadata update for %s failed with status %s", user_id, reply.status)
        return False
    return True
