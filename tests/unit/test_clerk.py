"""Clerk session-token verification on CPython (same code as in workers, CPython ports)."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from dreamapi import clerk
from dreamapi.clerk import ClerkConfig, bearer_token, verify_session_token
from dreamapi.errors import ApiError
from dreamapi.http import Headers
from dreamapi.ports.outbound import OutboundResponse
from dreamapi.runtime.cpython import CryptographyVerifier
from scripts.standins.identity import IdentityProvider

JWKS_URL = "http://idp.test/.well-known/jwks.json"


class FakeJwksClient:
    def __init__(self, provider: IdentityProvider) -> None:
        self.provider = provider
        self.calls = 0
        self.status = 200

    async def fetch(self, url: str, **_: object) -> OutboundResponse:
        self.calls += 1
        return OutboundResponse(self.status, Headers(), json.dumps(self.provider.jwks()).encode())


@pytest.fixture(scope="module")
def provider() -> IdentityProvider:
    return IdentityProvider()


@pytest.fixture(autouse=True)
def empty_caches() -> None:
    clerk._jwks_cache.clear()
    clerk._verified.clear()


def config(**overrides: object) -> ClerkConfig:
    base = {
        "jwks_url": JWKS_URL,
        "pem": None,
        "issuer": None,
        "authorized_parties": frozenset({"http://localhost:5173"}),
    }
    return ClerkConfig(**{**base, **overrides})


async def verify(token: str, provider: IdentityProvider, **overrides: object) -> dict:
    return await verify_session_token(
        token, config(**overrides), FakeJwksClient(provider), CryptographyVerifier()
    )


async def test_valid_token_yields_claims(provider: IdentityProvider) -> None:
    claims = await verify(provider.issue("user_1", plan="free"), provider)
    assert claims["sub"] == "user_1" and claims["plan"] == "free" and claims["sid"].startswith("sess_")


async def test_pem_mode_needs_no_network(provider: IdentityProvider) -> None:
    claims = await verify_session_token(
        provider.issue("user_2"),
        config(jwks_url=None, pem=provider.public_pem()),
        None,
        CryptographyVerifier(),
    )
    assert claims["sub"] == "user_2"


async def test_jwks_is_cached_and_refreshed_once_for_an_unknown_kid(provider: IdentityProvider) -> None:
    client = FakeJwksClient(provider)
    for _ in range(3):
        await verify_session_token(provider.issue("u"), config(), client, CryptographyVerifier())
    assert client.calls == 1
    stranger = IdentityProvider()
    for _ in range(2):
        with pytest.raises(ApiError) as raised:
            await verify_session_token(stranger.issue("u"), config(), client, CryptographyVerifier())
        assert raised.value.status == 401
    assert client.calls == 2  # one refresh, then rate-limited


async def test_unreachable_jwks_is_503_not_401(provider: IdentityProvider) -> None:
    client = FakeJwksClient(provider)
    client.status = 500
    with pytest.raises(ApiError) as raised:
        await verify_session_token(provider.issue("u"), config(), client, CryptographyVerifier())
    assert raised.value.status == 503
    assert raised.value.headers["retry-after"] == "2"


async def test_issuer_is_checked_when_configured(provider: IdentityProvider) -> None:
    token = provider.issue("u")
    assert (await verify(token, provider, issuer=provider.issuer))["sub"] == "u"
    with pytest.raises(ApiError) as raised:
        await verify(token, provider, issuer="https://clerk.other.example")
    assert raised.value.status == 401


async def test_small_clock_skew_is_tolerated(provider: IdentityProvider) -> None:
    token = provider.issue("u", not_before=int(time.time()) + 3)
    assert (await verify(token, provider))["sub"] == "u"


@pytest.mark.parametrize(
    "make_token",
    [
        lambda p: p.issue("u", expires_in=-60),
        lambda p: p.issue("u", not_before=int(time.time()) + 120),
        lambda p: p.issue("u", azp="https://evil.example"),
        lambda p: jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, None, algorithm="none"),
        lambda p: jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, "k" * 32, algorithm="HS256"),
        lambda p: p.issue("u").rsplit(".", 1)[0] + ".",
        lambda p: "a.b",
        lambda p: "x" * 9000,
        lambda p: p.issue("u", extra_claims={"sub": 42}),
    ],
    ids=[
        "expired",
        "nbf",
        "azp",
        "alg-none",
        "hs256",
        "no-signature",
        "two-parts",
        "oversized",
        "sub-not-string",
    ],
)
async def test_bad_tokens_are_401(provider: IdentityProvider, make_token) -> None:
    with pytest.raises(ApiError) as raised:
        await verify(make_token(provider), provider)
    assert raised.value.status == 401


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    for bad in (None, "", "Basic abc", "Bearer"):
        with pytest.raises(ApiError):
            bearer_token(bad)


def test_config_from_env_uses_the_prefix() -> None:
    env = {
        "CUSTOMER_CLERK_JWKS_URL": "u",
        "CUSTOMER_CLERK_AUTHORIZED_PARTIES": "https://a.example/, https://b.example",
    }
    parsed = ClerkConfig.from_env(env, "CUSTOMER_CLERK")
    assert parsed.jwks_url == "u"
    assert parsed.authorized_parties == {"https://a.example", "https://b.example"}
    assert not ClerkConfig.from_env({}).configured


async def test_a_verified_token_is_remembered_until_it_expires(
    provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = FakeJwksClient(provider)

    class CountingVerifier(CryptographyVerifier):
        calls = 0

        async def verify(self, *args: object) -> bool:
            CountingVerifier.calls += 1
            return await super().verify(*args)

    token = provider.issue("u", expires_in=30)
    for _ in range(3):
        assert (await verify_session_token(token, config(), client, CountingVerifier()))["sub"] == "u"
    assert CountingVerifier.calls == 1
    later = time.time() + 40
    monkeypatch.setattr(clerk.time, "time", lambda: later)
    with pytest.raises(ApiError) as raised:
        await verify_session_token(token, config(), client, CountingVerifier())
    assert raised.value.error == "token_expired"
    other_config = config(authorized_parties=frozenset({"https://elsewhere.example"}))
    monkeypatch.undo()
    with pytest.raises(ApiError):  # a token verified under one configuration is not trusted under another
        await verify_session_token(token, other_config, client, CountingVerifier())
