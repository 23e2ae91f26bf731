"""Dev identity provider: issues Clerk-shaped RS256 session tokens and serves their JWKS.

Workers only see CLERK_JWKS_URL pointing here. Run: python -m scripts.standins.identity --port 8790
  GET  /.well-known/jwks.json   the public key (kid, RS256)
  GET  /public-key.pem          the same key as PEM (for CLERK_JWT_KEY, networkless mode)
  POST /tokens                  {"sub", "azp"?, "plan"?, "email"?, "publicMetadata"?, "expiresIn"?,
                                 "notBefore"?, "claims"?} -> {"token", "expiresAt"}
"""

from __future__ import annotations

import argparse
import base64
import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from scripts.standins.jsonhttp import StandinRequest, StandinServer, json_reply, serve_until_interrupted

DEFAULT_AZP = "http://localhost:5173"
DEFAULT_LIFETIME_SECONDS = 600


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class IdentityProvider:
    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "dev-" + secrets.token_hex(6)
        self.issuer = "http://127.0.0.1"
        self.server = StandinServer("identity")
        self.server.route("GET", "/.well-known/jwks.json")(lambda _r: json_reply(self.jwks()))
        self.server.route("GET", "/public-key.pem")(
            lambda _r: (200, {"content-type": "application/x-pem-file"}, self.public_pem().encode())
        )
        self.server.route("POST", "/tokens")(self._issue_route)
        # Clerk Backend API subset: what front_auth_api calls to keep publicMetadata in step.
        self.server.route("PATCH", "/v1/users/{user_id}/metadata")(self._merge_metadata)
        self.server.route("GET", "/v1/users/{user_id}")(self._get_user)
        self.public_metadata: dict[str, dict[str, Any]] = {}

    def jwks(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": self.kid,
                    "use": "sig",
                    "alg": "RS256",
                    "n": _b64url_uint(numbers.n),
                    "e": _b64url_uint(numbers.e),
                }
            ]
        }

    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def issue(
        self,
        sub: str,
        *,
        azp: str | None = DEFAULT_AZP,
        plan: str | None = None,
        email: str | None = None,
        public_metadata: dict[str, Any] | None = None,
        expires_in: int = DEFAULT_LIFETIME_SECONDS,
        not_before: int | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": sub,
            "sid": "sess_" + secrets.token_hex(8),
            "iss": self.issuer,
            "iat": now,
            "nbf": not_before if not_before is not None else now - 5,
            "exp": now + expires_in,
        }
        if azp:
            claims["azp"] = azp
        plan = plan if plan is not None else self.public_metadata.get(sub, {}).get("plan")
        if plan is not None:
            claims["plan"] = plan  # the spec's `dream-api` JWT template claim
        if email is not None:
            claims["email"] = email
        # as a session token customised with {"publicMetadata": "{{user.public_metadata}}"}: what
        # the Backend API stored for the user, unless the caller names the metadata itself
        stored = self.public_metadata.get(sub)
        if public_metadata is not None or stored:
            claims["publicMetadata"] = public_metadata if public_metadata is not None else stored
        claims.update(extra_claims or {})
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def _issue_route(self, request: StandinRequest) -> Any:
        body = request.json()
        if not isinstance(body.get("sub"), str) or not body["sub"]:
            return json_reply({"error": "invalid_request", "message": "sub is required"}, 400)
        expires_in = int(body.get("expiresIn", DEFAULT_LIFETIME_SECONDS))
        token = self.issue(
            body["sub"],
            azp=body.get("azp", DEFAULT_AZP),
            plan=body.get("plan"),
            email=body.get("email"),
            public_metadata=body.get("publicMetadata"),
            expires_in=expires_in,
            not_before=body.get("notBefore"),
            extra_claims=body.get("claims"),
        )
        return json_reply({"token": token, "expiresAt": int(time.time()) + expires_in})

    def _merge_metadata(self, request: StandinRequest) -> Any:
        if not request.headers.get("authorization", "").startswith("Bearer sk_"):
            return json_reply({"errors": [{"code": "authentication_invalid"}]}, 401)
        update = request.json().get("public_metadata") or {}
        merged = {**self.public_metadata.get(request.params["user_id"], {}), **update}
        self.public_metadata[request.params["user_id"]] = merged
        return json_reply({"id": request.params["user_id"], "public_metadata": merged})

    def _get_user(self, request: StandinRequest) -> Any:
        user_id = request.params["user_id"]
        return json_reply({"id": user_id, "public_metadata": self.public_metadata.get(user_id, {})})

    def start(self, port: int = 0) -> int:
        bound = self.server.start(port)
        self.issuer = self.server.base_url
        return bound


def main() -> None:
    parser = argparse.ArgumentParser(description="dream-api dev identity provider (Clerk stand-in)")
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()
    provider = IdentityProvider()
    serve_until_interrupted(provider.start, provider.server, args.port, "identity stand-in")


if __name__ == "__main__":
    main()
