"""RS256 signature verification port and its CPython implementation (`cryptography`)."""

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


def _b64url_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


class CryptographyVerifier:
    """CPython implementation; workers use WebCrypto (`dreamapi.runtime.workers`)."""

    async def verify(self, key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        if key.spki_der is not None:
            public_key = serialization.load_der_public_key(key.spki_der)
        elif key.jwk is not None:
            numbers = rsa.RSAPublicNumbers(_b64url_int(key.jwk["e"]), _b64url_int(key.jwk["n"]))
            public_key = numbers.public_key()
        else:
            return False
        if not isinstance(public_key, rsa.RSAPublicKey):
            return False
        try:
            public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True
