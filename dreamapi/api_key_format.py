"""What an API key looks like, checked before any storage read.

A key is `dream_live_` + 30 random base62 characters + 6 base62 characters of their CRC32
(GitHub's token scheme): a mistyped, truncated or made-up key fails the checksum and is refused
without a KV read, and secret scanners can match `dream_live_[0-9A-Za-z]{36}` and confirm a hit
offline. The checksum only catches accidents; the 30 random characters (178 bits) are the secret.
"""

from __future__ import annotations

import re
import secrets
import zlib

PREFIX = "dream_live_"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
SHOWN_LENGTH = len(PREFIX) + 4  # what lists and dashboards show of a key: never enough to use it

_KEY = re.compile(rf"^{PREFIX}[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}$")


def new_api_key() -> str:
    random_part = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return PREFIX + random_part + _checksum(random_part)


def looks_like_api_key(token: str) -> bool:
    """An API key rather than a session token (the two share the Authorization header)."""
    return token.startswith(PREFIX)


def is_well_formed(api_key: str) -> bool:
    if not _KEY.match(api_key):
        return False
    body = api_key[len(PREFIX) :]
    return secrets.compare_digest(_checksum(body[:RANDOM_LENGTH]), body[RANDOM_LENGTH:])


def shown_prefix(api_key: str) -> str:
    return api_key[:SHOWN_LENGTH]


def _checksum(random_part: str) -> str:
    value = zlib.crc32(random_part.encode())
    digits = []
    for _ in range(CHECKSUM_LENGTH):
        value, digit = divmod(value, 62)
        digits.append(BASE62[digit])
    return "".join(reversed(digits))
