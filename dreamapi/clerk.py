"""Clerk session-token verification: RS256 only, key by `kid` from a JWKS or a PEM.

PyJWT parses the token and validates its claims; the signature itself goes through the
runtime's RS256 port (WebCrypto in workers, `cryptography` on CPython), because the
pinned Pyodide has no `cryptography`. Token lifetimes are checked against real time:
CLOCK_OFFSET_SECONDS moves metering periods, not token validity.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt

from dreamapi.errors import ApiError, unauthorized, unavailable
from dreamapi.ports.outbound import HttpClient, OutboundError
from dreamapi.ports.signatures import RS256Verifier, RsaPublicKey

if TYPE_CHECKING:
    from dreamapi.services import Services

JWKS_TTL_SECONDS = 600
JWKS_MIN_REFRESH_INTERVAL_SECONDS = 30  # an unknown kid refreshes at most this often
DEFAULT_LEEWAY_SECONDS = 5
MAX_TOKEN_LENGTH = 8192


@dataclass(frozen=True)
class ClerkConfig:
    jwks_url: str | None
    pem: str | None
    issuer: str | None
    authorized_parties: frozenset[str]
    leeway_seconds: int = DEFAULT_LEEWAY_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str], prefix: str = "CLERK") -> ClerkConfig:
        parties = str(env.get(f"{prefix}_AUTHORIZED_PARTIES") or "")
        return cls(
            jwks_url=(env.get(f"{prefix}_JWKS_URL") or None),
            pem=(env.get(f"{prefix}_JWT_KEY") or None),
            issuer=(env.get(f"{prefix}_ISSUER") or None),
            authorized_parties=frozenset(p.strip().rstrip("/") for p in parties.split(",") if p.strip()),
        )

    @property
    def configured(self) -> bool:
        return bool(self.jwks_url or self.pem)

    @classmethod
    def of(cls, services: Services, prefix: str = "CLERK") -> ClerkConfig:
        """The config for `prefix`, read from the env once per isolate."""
        return services.configuration(f"clerk:{prefix}", lambda: cls.from_env(services.env, prefix))


@dataclass
class _CachedJwks:
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched_at: float | None = None
    last_forced_refresh: float | None = None


_jwks_cache: dict[str, _CachedJwks] = {}

# Tokens already verified in this isolate: (config, sha256(token)) -> claims. A hit skips the
# signature check but is refused once `exp` (plus leeway) has passed.
_verified: OrderedDict[tuple[ClerkConfig, str], dict[str, Any]] = OrderedDict()
MAX_VERIFIED_TOKENS = 5_000


def _b64url_decode(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise unauthorized("Malformed token: bad base64url segment", "invalid_token") from None


async def _fetch_jwks(url: str, http: HttpClient) -> dict[str, dict[str, Any]]:
    try:
        reply = await http.fetch(url, headers={"accept": "application/json"})
        document = reply.json() if reply.status == 200 else None
    except (OutboundError, ValueError):
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise unavailable("Could not load the signing keys; try again shortly", "auth_unavailable")
    return {
        str(key["kid"]): key
        for key in document["keys"]
        if isinstance(key, dict) and key.get("kty") == "RSA" and "kid" in key
    }


async def _jwks_key(kid: str, url: str, http: HttpClient) -> RsaPublicKey:
    now = time.monotonic()
    cached = _jwks_cache.setdefault(url, _CachedJwks())
    stale = cached.fetched_at is None or now - cached.fetched_at > JWKS_TTL_SECONDS
    # An unknown kid (key rotation) forces a refresh, at most once per interval, so that
    # tokens with made-up kids cannot make every request fetch the JWKS.
    force = kid not in cached.keys and (
        cached.last_forced_refresh is None
        or now - cached.last_forced_refresh > JWKS_MIN_REFRESH_INTERVAL_SECONDS
    )
    if stale or force:
        if not stale:
            cached.last_forced_refresh = now
        cached.keys = await _fetch_jwks(url, http)
        cached.fetched_at = now
    if kid not in cached.keys:
        raise unauthorized("Token signed with an unknown key (kid)", "invalid_token")
    return RsaPublicKey(jwk=cached.keys[kid])


async def verify_session_token(
    token: str, config: ClerkConfig, http: HttpClient, rs256: RS256Verifier
) -> dict[str, Any]:
    """The token's claims, or a 401 ApiError saying what is wrong."""
    cache_key = (config, hashlib.sha256(token.encode()).hexdigest())
    known = _verified.get(cache_key)
    if known is not None:
        if time.time() <= float(known["exp"]) + config.leeway_seconds:
            return known
        del _verified[cache_key]
        raise unauthorized("Token has expired", "token_expired")
    claims = await _verify(token, config, http, rs256)
    _verified[cache_key] = claims
    while len(_verified) > MAX_VERIFIED_TOKENS:
        _verified.popitem(last=False)
    return claims


async def _verify(token: str, config: ClerkConfig, http: HttpClient, rs256: RS256Verifier) -> dict[str, Any]:
    if not config.configured:
        raise ApiError(503, "auth_not_configured", "Token verification is not configured on this worker")
    if len(token) > MAX_TOKEN_LENGTH:
        raise unauthorized("Token is too long", "invalid_token")
    parts = token.split(".")
    if len(parts) != 3:
        raise unauthorized("Malformed token: expected three dot-separated parts", "invalid_token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise unauthorized("Malformed token header", "invalid_token") from None
    if header.get("alg") != "RS256":
        raise unauthorized(
            f"Unsupported token algorithm {header.get('alg')!r}; RS256 required", "invalid_token"
        )
    signature = _b64url_decode(parts[2])
    if not signature:
        raise unauthorized("Token has no signature", "invalid_token")
    if config.pem:
        key = RsaPublicKey.from_pem(config.pem)
    else:
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise unauthorized("Token header has no key id (kid)", "invalid_token")
        key = await _jwks_key(kid, str(config.jwks_url), http)
    if not await rs256.verify(key, f"{parts[0]}.{parts[1]}".encode(), signature):
        raise unauthorized("Token signature is invalid", "invalid_token")
    try:
        claims = jwt.decode(
            token,
            algorithms=["RS256"],
            issuer=config.issuer,
            leeway=config.leeway_seconds,
            options={
                "verify_signature": False,  # verified above through the runtime's port
                "verify_exp": True,
                "verify_nbf": True,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": config.issuer is not None,
                "require": ["exp", "sub"],
            },
        )
    except jwt.ExpiredSignatureError:
        raise unauthorized("Token has expired", "token_expired") from None
    except jwt.ImmatureSignatureError:
        raise unauthorized("Token is not valid yet (nbf)", "invalid_token") from None
    except jwt.InvalidIssuerError:
        raise unauthorized("Token issuer is not accepted", "invalid_token") from None
    except jwt.PyJWTError as error:
        raise unauthorized(f"Token claims are invalid: {error.__class__.__name__}", "invalid_token") from None
    azp = claims.get("azp")
    if (
        config.authorized_parties
        and azp is not None
        and str(azp).rstrip("/") not in config.authorized_parties
    ):
        raise unauthorized("Token was issued for another origin (azp)", "invalid_token")
    if not isinstance(claims.get("sub"), str):
        raise unauthorized("Token subject (sub) must be a string", "invalid_token")
    return claims


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise unauthorized("Missing Authorization header (Bearer token)", "missing_token")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Authorization must be 'Bearer <token>'", "missing_token")
    return token.strip()
