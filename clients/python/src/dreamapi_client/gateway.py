"""For your origin behind the dream-api gateway: who is calling.

The gateway forwards an end user's call with X-Dream-Platform-Id, X-Dream-User-Id,
X-Dream-Timestamp and X-Dream-Signature ("v1=" + hex HMAC-SHA256, with your gateway's signing
secret, of "{timestamp}.{platformId}.{userId}.{METHOD}.{path}"). Verify them before trusting
the user id:

    caller = verify_gateway_request(SIGNING_SECRET, method=request.method, path=request.url.path,
                                    headers=request.headers)
    caller.user_id  # the end user the gateway authenticated
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass

TOLERANCE_SECONDS = 300


class InvalidGatewaySignature(Exception):  # noqa: N818 - named for what the caller catches
    """The request did not come from the gateway (or came too long ago): do not trust its headers."""


@dataclass(frozen=True)
class GatewayCaller:
    platform_id: str
    user_id: str
    timestamp: int


def verify_gateway_request(
    secret: str,
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    now: float | None = None,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> GatewayCaller:
    """The caller the gateway vouches for, or InvalidGatewaySignature. `path` is the path your
    server received (no query string); `headers` any mapping (names compared case-insensitively)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        timestamp = int(lowered["x-dream-timestamp"])
        platform_id, user_id = lowered["x-dream-platform-id"], lowered["x-dream-user-id"]
        signature = lowered["x-dream-signature"]
    except (KeyError, ValueError):
        raise InvalidGatewaySignature("the X-Dream-* headers are missing or malformed") from None
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        raise InvalidGatewaySignature("the signature is too old (or from the future)")
    content = f"{timestamp}.{platform_id}.{user_id}.{method.upper()}.{path}"
    expected = "v1=" + hmac.new(secret.encode(), content.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise InvalidGatewaySignature("the signature does not match")
    return GatewayCaller(platform_id, user_id, timestamp)
