"""CPython wiring of the ports (unit tests and scripts): in-memory KV, urllib, `cryptography`.

Never bundled into a worker (scripts/build.py leaves it out): `cryptography` is native.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from dreamapi.app import App
from dreamapi.http import Headers, Request, Response
from dreamapi.ports import secret_box
from dreamapi.ports.clock import Clock, SystemClock
from dreamapi.ports.kv import KVNamespace, MemoryKV
from dreamapi.ports.outbound import HttpClient, UrllibHttpClient
from dreamapi.ports.signatures import RsaPublicKey
from dreamapi.services import KV_BINDINGS, Services
from dreamapi.settings import Settings


def _b64url_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


class CryptographyVerifier:
    """RS256 verification with `cryptography`."""

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


class CryptographySecretBox:
    """AES-256-GCM with `cryptography` (see dreamapi.ports.secret_box)."""

    def __init__(self, raw_key: str | None) -> None:
        self._raw_key = raw_key

    async def seal(self, plaintext: str, context: str) -> str:
        import os

        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        iv = os.urandom(12)
        sealed = AESGCM(secret_box.key_bytes(self._raw_key)).encrypt(iv, plaintext.encode(), context.encode())
        return f"{secret_box.VERSION}.{secret_box.b64(iv)}.{secret_box.b64(sealed)}"

    async def open(self, sealed: str, context: str) -> str:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        iv, ciphertext = secret_box.split_sealed(sealed)
        try:
            plain = AESGCM(secret_box.key_bytes(self._raw_key)).decrypt(iv, ciphertext, context.encode())
        except (InvalidTag, ValueError):
            raise secret_box.SecretBoxError("the sealed value does not open with this key") from None
        return plain.decode()


def cpython_services(
    env: Mapping[str, str] | None = None,
    *,
    clock: Clock | None = None,
    http: HttpClient | None = None,
    kv_bindings: Mapping[str, KVNamespace] | None = None,
) -> Services:
    env = dict(env or {})
    clock = clock or SystemClock()
    return Services(
        env=env,
        settings=Settings.from_env(env),
        clock=clock,
        http=http or UrllibHttpClient(),
        rs256=CryptographyVerifier(),
        secret_box=CryptographySecretBox(env.get(secret_box.KEY_VARIABLE)),
        kv_bindings=dict(kv_bindings)
        if kv_bindings is not None
        else {n: MemoryKV(clock) for n in KV_BINDINGS},
    )


async def call(
    app: App,
    services: Services,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
) -> Response:
    """Runs one request through an app in-process, as the workers adapter would."""
    request_headers = Headers(headers or {})
    if body and "content-length" not in request_headers:
        request_headers.set("content-length", str(len(body)))
    response = await app.handle(Request.from_url(method, path, request_headers, body), services)
    while services.deferred:  # what the workers runtime runs after the response (waitUntil)
        await services.deferred.pop(0)
    return response
