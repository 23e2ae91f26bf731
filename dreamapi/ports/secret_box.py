"""Encryption of secrets at rest (the gateway's upstream headers and signing secret): AES-256-GCM
with the worker secret GATEWAY_ENCRYPTION_KEY (32 bytes, base64). A sealed value is
"v1.<iv>.<ciphertext>" (base64url), bound to a context (e.g. the platform and header name) as
additional authenticated data, so a value cannot be moved to another platform or header.
Implementations: WebCrypto in workers (dreamapi.runtime.workers), `cryptography` on CPython."""

from __future__ import annotations

import base64
import binascii
from typing import Protocol

KEY_VARIABLE = "GATEWAY_ENCRYPTION_KEY"
VERSION = "v1"


class SecretBoxError(Exception):
    """The key is missing or malformed, or a sealed value does not open with it."""


class SecretBox(Protocol):
    async def seal(self, plaintext: str, context: str) -> str: ...

    async def open(self, sealed: str, context: str) -> str: ...


def key_bytes(raw: str | None) -> bytes:
    """The 32-byte key from its base64 form (standard or URL-safe, padding optional)."""
    if not raw:
        raise SecretBoxError(f"{KEY_VARIABLE} is not set")
    text = raw.strip()
    try:
        key = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise SecretBoxError(f"{KEY_VARIABLE} is not base64") from None
    if len(key) != 32:
        raise SecretBoxError(f"{KEY_VARIABLE} must be 32 bytes (base64 of 32 random bytes)")
    return key


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def split_sealed(sealed: str) -> tuple[bytes, bytes]:
    """The IV and ciphertext of a sealed value."""
    parts = sealed.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise SecretBoxError("not a sealed value")
    try:
        return unb64(parts[1]), unb64(parts[2])
    except (binascii.Error, ValueError):
        raise SecretBoxError("not a sealed value") from None
