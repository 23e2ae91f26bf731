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


async def merge_public_metadata(
    env: Mapping[str, str], http: HttpClient, user_id: str, metadata: dict[str, Any]
) -> bool:
    """Merges into the user's public metadata; False when not configured or Clerk refused.
    Our KV stays the source of truth for limits, so a failure here is logged, not raised."""
    secret = env.get("CLERK_SECRET_KEY")
    if not secret:
        return False
    base = (env.get("CLERK_API_URL") or DEFAULT_CLERK_API_URL).rstrip("/")
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
