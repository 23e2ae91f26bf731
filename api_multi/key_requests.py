"""What the key routes (a developer's keys, end users' own keys) take and answer in common."""

from __future__ import annotations

import re
from typing import Any

from dreamapi import lookups
from dreamapi.api_keys import ApiKeys, key_not_found, shown
from dreamapi.errors import bad_request
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import ERROR, NULLABLE_STRING, STRING, obj, path_parameter
from dreamapi.services import Services
from dreamapi.time_format import parse_iso

KEY_ID_PATTERN = r"^key_[0-9a-f]{24}$"
MAX_NAME_LENGTH = 64


def key_id_in_path(request: Request) -> str:
    key_id = request.path_params["keyId"]
    if not re.match(KEY_ID_PATTERN, key_id):
        raise key_not_found(key_id)
    return key_id


async def revoke_key_in_path(request: Request, services: Services, keys: ApiKeys) -> Response:
    """Revokes the key the path names among `keys`; this isolate forgets it at once (others
    within the key cache's bound)."""
    record = await keys.revoke(key_id_in_path(request))
    lookups.forget_key(services, record["hash"])
    return json_response(shown(record))


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


UNAVAILABLE = ("The key store did not answer; nothing changed; retry (Retry-After)", ERROR)
KEY_IN_PATH = path_parameter("keyId", KEY_ID_PATTERN, "A key's id (never the key)")
