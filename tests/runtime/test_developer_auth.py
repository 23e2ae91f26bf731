"""Clerk session tokens at front_auth_api, verified in workerd (WebCrypto RS256), and credentials."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from scripts.local_platform import Platform

pytestmark = pytest.mark.runtime


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_user() -> str:
    return "user_" + secrets.token_hex(8)


def attack_tokens(platform: Platform) -> dict[str, str]:
    identity = platform.identity
    user = new_user()
    valid = identity.issue(user)
    header, payload, signature = valid.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    now = int(time.time())
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tampered_claims = {**claims, "sub": "user_admin"}
    return {
        "garbled": "not-a-jwt",
        "two_parts": "abc.def",
        "alg_none": jwt.encode(claims, None, algorithm="none"),
        "hs256_with_public_key": b64url(
            json.dumps({"alg": "HS256", "typ": "JWT", "kid": identity.kid}).encode()
        )
        + "."
        + payload
        + "."
        + b64url(
            __import__("hmac")
            .new(identity.public_pem().encode(), f"{header}.{payload}".encode(), hashlib.sha256)
            .digest()
        ),
        "expired": identity.issue(user, expires_in=-120),
        "not_yet_valid": identity.issue(user, not_before=now + 600),
        "wrong_azp": identity.issue(user, azp="https://evil.example"),
        "unknown_kid": jwt.encode(
            {**claims, "exp": now + 600}, stranger_key, algorithm="RS256", headers={"kid": "kid-nobody-knows"}
        ),
        "right_kid_wrong_key": jwt.encode(
            {**claims, "exp": now + 600}, stranger_key, algorithm="RS256", headers={"kid": identity.kid}
        ),
        "tampered_payload": f"{header}.{b64url(json.dumps(tampered_claims).encode())}.{signature}",
        "stripped_signature": f"{header}.{payload}.",
        "oversized": identity.issue(user, extra_claims={"blob": "x" * 9000}),
    }


ATTACKS = [
    "garbled",
    "two_parts",
    "alg_none",
    "hs256_with_public_key",
    "expired",
    "not_yet_valid",
    "wrong_azp",
    "unknown_kid",
    "right_kid_wrong_key",
    "tampered_payload",
    "stripped_signature",
    "oversized",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_bad_tokens_are_refused_with_401(
    platform: Platform, front_auth_api: httpx.Client, attack: str
) -> None:
    token = attack_tokens(platform)[attack]
    before = platform.kv.keys("TOKENS_KV", "user:")
    reply = front_auth_api.post("/generate-credentials", headers=bearer(token))
    assert reply.status_code == 401, (attack, reply.text)
    body = reply.json()
    assert body["error"] in ("invalid_token", "token_expired")
    assert token not in reply.text
    assert platform.kv.keys("TOKENS_KV", "user:") == before


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Basic abc"}, {"authorization": "Token abc"}, {"authorization": "Bearer"}],
)
def test_missing_token_is_401(front_auth_api: httpx.Client, headers: dict[str, str]) -> None:
    reply = front_auth_api.get("/get-credentials", headers=headers)
    assert reply.status_code == 401
    assert reply.json()["error"] == "missing_token"
    assert reply.headers["www-authenticate"] == "Bearer"


def test_credentials_are_shown_once_and_rotation_revokes_the_old_key(
    platform: Platform, front_auth_api: httpx.Client
) -> None:
    token = platform.developer_token(new_user(), email="dev@example.com")
    assert front_auth_api.get("/get-credentials", headers=bearer(token)).status_code == 404

    created = front_auth_api.post("/generate-credentials", headers=bearer(token))
    assert created.status_code == 201, created.text
    first = created.json()
    platform_id, first_key = first["platformId"], first["apiKey"]
    first_hash = hashlib.sha256(first_key.encode()).hexdigest()
    assert json.loads(platform.kv.get("TOKENS_KV", f"apikey:{first_hash}"))["platformId"] == platform_id
    assert platform.kv.get("TOKENS_KV", f"platform:{platform_id}:email") == "dev@example.com"

    shown = front_auth_api.get("/get-credentials", headers=bearer(token))
    assert shown.status_code == 200
    assert shown.json()["platformId"] == platform_id
    assert shown.json()["keyPrefix"] == first_key[:15]
    assert first_key not in shown.text

    again = front_auth_api.post("/generate-credentials", headers=bearer(token))
    assert again.status_code == 409
    assert again.json()["error"] == "credentials_exist"

    rotated = front_auth_api.post("/rotate-key", headers=bearer(token))
    assert rotated.status_code == 200, rotated.text
    second_key = rotated.json()["apiKey"]
    assert second_key != first_key and rotated.json()["platformId"] == platform_id
    second_hash = hashlib.sha256(second_key.encode()).hexdigest()
    assert platform.kv.get("TOKENS_KV", f"apikey:{first_hash}") is None
    assert json.loads(platform.kv.get("TOKENS_KV", f"apikey:{second_hash}")) == {
        "platformId": platform_id,
        "expiresAt": None,
    }
    for key in platform.kv.keys("TOKENS_KV", f"platform:{platform_id}:"):
        value = platform.kv.get("TOKENS_KV", key) or ""
        assert first_key not in value and second_key not in value
