"""How the gateway tells a developer's origin who is calling: X-Dream-Platform-Id, X-Dream-User-Id,
X-Dream-Timestamp and X-Dream-Signature = "v1=" + hex HMAC-SHA256, with the platform's signing
secret, of "{timestamp}.{platformId}.{userId}.{METHOD}.{path}" (the path the origin receives, no
query). An origin verifies it (the SDKs' verify_gateway_request) and refuses anything older than
five minutes, so only the gateway can claim an end user's identity."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "gwsec_"  # noqa: S105 - a prefix, not a secret
VERSION = "v1"


def new_signing_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signed_content(timestamp: int, platform_id: str, user_id: str, method: str, path: str) -> str:
    return f"{timestamp}.{platform_id}.{user_id}.{method.upper()}.{path}"


def signature(secret: str, content: str) -> str:
    return f"{VERSION}=" + hmac.new(secret.encode(), content.encode(), hashlib.sha256).hexdigest()


def identity_headers(
    secret: str, now: float, platform_id: str, user_id: str, method: str, path: str
) -> dict[str, str]:
    timestamp = int(now)
    content = signed_content(timestamp, platform_id, user_id, method, path)
    return {
        "x-dream-platform-id": platform_id,
        "x-dream-user-id": user_id,
        "x-dream-timestamp": str(timestamp),
        "x-dream-signature": signature(secret, content),
    }
