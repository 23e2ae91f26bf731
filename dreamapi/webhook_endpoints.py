"""A developer's webhook endpoint as they ask for it: where it is, which events it takes, and the
secret its deliveries are signed with (Standard Webhooks: `whsec_` + base64 of 24 random bytes)."""

from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import urlsplit

from dreamapi.errors import bad_request
from dreamapi.webhook_events import EVENT_TYPES

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 200
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
INVALID_URL = "invalid_webhook_url"


def new_endpoint_id() -> str:
    return "we_" + secrets.token_hex(12)


def new_signing_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def parse_endpoint(body: dict[str, Any], *, development: bool) -> dict[str, Any]:
    """The url, events and description of a new endpoint, or a 400 naming what is wrong."""
    url = body.get("url")
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise bad_request(
            f"'url' must be a URL of at most {MAX_URL_LENGTH} characters", "invalid_webhook_url"
        )
    check_url(url, development=development)
    events = body.get("events")
    if not isinstance(events, list) or not events or not all(e in EVENT_TYPES for e in events):
        raise bad_request(
            f"'events' must be a non-empty list of: {', '.join(EVENT_TYPES)}", "invalid_webhook_events"
        )
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH:
        raise bad_request(
            f"'description' must be text of at most {MAX_DESCRIPTION_LENGTH} characters", "invalid_field"
        )
    unknown = sorted(set(body) - {"url", "events", "description"})
    if unknown:
        raise bad_request(f"Unknown field(s): {', '.join(unknown)}", "invalid_field")
    return {"url": url, "events": sorted(set(events)), "description": description}


def check_url(url: str, *, development: bool) -> None:
    """https:// with a host and no credentials in it; plain http only to this machine, and only
    in development."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        host = None
    if not host or parts.username is not None or parts.password is not None or " " in url:
        raise bad_request(
            "'url' must be an absolute URL with a host and no credentials", "invalid_webhook_url"
        )
    local = parts.netloc.rsplit("@", 1)[-1].split(":")[0].lower() in LOCAL_HOSTS or host in LOCAL_HOSTS
    if parts.scheme == "https" or (parts.scheme == "http" and local and development):
        return
    raise bad_request("'url' must use https:// (plain http only for localhost in development)", INVALID_URL)
