"""The one rule for identifiers that end up inside KV keys."""

from __future__ import annotations

import re
import secrets

from dreamapi.errors import bad_request

PLATFORM_ID_PREFIX = "plt_"
PLATFORM_ID = re.compile(r"^plt_[a-z0-9]{20}$")
# End-user and developer ids: printable ASCII without ':' (the KV key separator),
# '/', whitespace or control characters.
USER_ID = re.compile(r"^[A-Za-z0-9_.@+\-]{1,128}$")


def new_platform_id() -> str:
    return PLATFORM_ID_PREFIX + secrets.token_hex(10)


def is_platform_id(value: str | None) -> bool:
    return value is not None and PLATFORM_ID.match(value) is not None


def require_platform_id(value: str | None, source: str = "platformId") -> str:
    if value is None or value == "":
        raise bad_request(f"{source} is required", "missing_platform_id")
    if not is_platform_id(value):
        raise bad_request(
            f"{source} is not a valid platform id (plt_ followed by 20 characters)", "invalid_platform_id"
        )
    return value


def require_user_id(value: str | None, source: str = "X-User-Id") -> str:
    if value is None or value == "":
        raise bad_request(f"{source} is required", "missing_user_id")
    if not USER_ID.match(value):
        raise bad_request(
            f"{source} must be 1-128 characters of letters, digits and _ . @ + -", "invalid_user_id"
        )
    return value
