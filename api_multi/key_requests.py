"""What the key routes (a developer's keys, end users' own keys) take and answer in common."""

from __future__ import annotations

import re
from typing import Any

from dreamapi.api_keys import key_not_found
from dreamapi.errors import bad_request
from dreamapi.http import Request
from dreamapi.openapi import NULLABLE_STRING, STRING, obj, path_parameter
from dreamapi.time_format import parse_iso

KEY_ID_PATTERN = r"^key_[0-9a-f]{24}$"
MAX_NAME_LENGTH = 64


def key_id_in_path(request: Request) -> str:
    key_id = request.path_params["keyId"]
    if not re.match(KEY_ID_PATTERN, key_id):
        raise key_not_found(key_id)
    return key_id


def expiry_ms(body: dict[str, Any], now: float) -> int | None:
    """`expiresAt` as epoch ms (None: the key works until revoked); 400 unless ISO 8601 and future."""
    raw = body.get("expiresAt")
    if raw is None:
        return None
    moment = parse_iso(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    if moment is None:
        raise bad_request(
            "Field 'expiresAt' must be an ISO 8601 time with a zone, e.g. 2027-01-31T00:00:00Z",
            "invalid_field",
        )
    if moment <= now:
        raise bad_request("Field 'expiresAt' must be in the future", "invalid_field")
    return int(moment * 1000)


KEY = obj(
    {
        "id": {"type": "string", "pattern": KEY_ID_PATTERN},
        "name": STRING,
        "prefix": STRING,
        "createdAt": STRING,
        "expiresAt": NULLABLE_STRING,
        "lastUsedAt": NULLABLE_STRING,
        "revokedAt": NULLABLE_STRING,
        "rolledFrom": NULLABLE_STRING,
        "rolledTo": NULLABLE_STRING,
    },
    ("id", "name", "prefix", "createdAt", "expiresAt", "lastUsedAt", "revokedAt"),
)


def new_key_schema(prefix: str) -> dict[str, Any]:
    """A key as created: its record and, this once, the key itself."""
    return obj(
        {**KEY["properties"], "apiKey": {"type": "string", "pattern": f"^{prefix}"}, "warning": STRING},
        (*KEY["required"], "apiKey"),
    )


KEY_IN_PATH = path_parameter("keyId", KEY_ID_PATTERN, "A key's id (never the key)")
