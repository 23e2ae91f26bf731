"""What an API key looks like, checked before any storage read.

A key is `dream_live_` (a developer's) or `dream_user_` (an end user's) + 30 random base62
characters + 6 base62 characters of their CRC32 (GitHub's token scheme): a mistyped, truncated or
made-up key fails the checksum and is refused without a KV read, and secret scanners can match
`dream_(live|user)_[0-9A-Za-z]{36}` and confirm a hit offline. The checksum only catches
accidents; the 30 random characters (178 bits) are the secret.
"""

from __future__ import annotations

import re
import secrets
import zlib

PREFIX = "dream_live_"  # a developer's key (their server calls us)
USER_PREFIX = "dream_user_"  # an end user's own key (they call the gateway, or us, themselves)
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
SHOWN_LENGTH = len(PREFIX) + 4  # what lists and dashboards show of a key: never enough to use it

_KEY = re.compile(rf"^(?:{PREFIX}|{USER_PREFIX})[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}$")


def new_api_key(prefix: str = PREFIX) -> str:
    random_part = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return prefix + random_part + _checksum(random_part)


def looks_like_api_key(token: str) -> bool:
    """A developer's API key rather than a session token (they share the Authorization header)."""
    return token.startswith(PREFIX)


def looks_like_user_key(token: str) -> bool:
    """An end user's own key."""
    return token.startswith(USER_PREFIX)


def is_well_formed(api_key: str) -> bool:
    if not _KEY.match(api_key):
        return False
    body = api_key[len(PREFIX) :]  # both prefixes are as long
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
