"""Idempotency-Key: a client's retry of a metered call gets the first answer and counts nothing.

The key is hashed (never stored as sent) and kept by the subject's meter object for 24 hours
with a fingerprint of the request parameters the answer depends on: the same key with other
parameters is refused (422), as in the IETF Idempotency-Key draft and Stripe.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dreamapi.errors import bad_request
from dreamapi.http import Request

TTL_SECONDS = 24 * 3600
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class Idempotency:
    key: str  # SHA-256 of the header, hex, 32 characters
    fingerprint: str  # SHA-256 of the parameters, hex, 32 characters

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "fingerprint": self.fingerprint, "ttlSeconds": TTL_SECONDS}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def idempotency_of(request: Request, parameters: Mapping[str, Any]) -> Idempotency | None:
    """The request's Idempotency-Key, if it sent one; 400 when malformed."""
    raw = request.headers.get("idempotency-key")
    if raw is None:
        return None
    if not _KEY.match(raw):
        raise bad_request(
            "Idempotency-Key must be 1-255 printable ASCII characters", "invalid_idempotency_key"
        )
    key = _digest(raw)
    fingerprint = _digest(json.dumps(parameters, sort_keys=True, separators=(",", ":")))
    return Idempotency(key, fingerprint)
