"""RS256 signature verification port. Implementations: WebCrypto in workers
(`dreamapi.runtime.workers`), `cryptography` on CPython (`dreamapi.runtime.cpython`)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class RsaPublicKey:
    """An RSA public key as a JWK (from a JWKS) or as SPKI DER (from a PEM)."""

    jwk: dict[str, Any] | None = None
    spki_der: bytes | None = None

    @classmethod
    def from_pem(cls, pem: str) -> RsaPublicKey:
        lines = [line.strip() for line in pem.strip().replace("\\n", "\n").splitlines()]
        if not lines or "BEGIN PUBLIC KEY" not in lines[0] or "END PUBLIC KEY" not in lines[-1]:
            raise ValueError("expected a PEM 'PUBLIC KEY' block")
        return cls(spki_der=base64.b64decode("".join(lines[1:-1])))


class RS256Verifier(Protocol):
    async def verify(self, key: RsaPublicKey, message: bytes, signature: bytes) -> bool: ...
