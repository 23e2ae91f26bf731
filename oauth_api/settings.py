"""oauth_api's configuration: provider endpoints come from variables so stand-ins can replace them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dreamapi.errors import ApiError


@dataclass(frozen=True)
class OAuthSettings:
    public_url: str  # this worker's own URL, for redirect_uri
    stripe_client_id: str | None
    stripe_secret_key: str | None
    stripe_connect_base: str
    github_client_id: str | None
    github_client_secret: str | None
    github_authorize_url: str
    github_token_url: str
    github_api_url: str
    secure_cookies: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OAuthSettings:
        return cls(
            public_url=(env.get("OAUTH_PUBLIC_URL") or "http://127.0.0.1:8789").rstrip("/"),
            stripe_client_id=env.get("STRIPE_CLIENT_ID") or None,
            stripe_secret_key=env.get("STRIPE_SECRET_KEY") or None,
            stripe_connect_base=(env.get("STRIPE_CONNECT_BASE") or "https://connect.stripe.com").rstrip("/"),
            github_client_id=env.get("GITHUB_CLIENT_ID") or None,
            github_client_secret=env.get("GITHUB_CLIENT_SECRET") or None,
            github_authorize_url=env.get("GITHUB_AUTHORIZE_URL")
            or "https://github.com/login/oauth/authorize",
            github_token_url=env.get("GITHUB_TOKEN_URL") or "https://github.com/login/oauth/access_token",
            github_api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            secure_cookies=(env.get("ENVIRONMENT") or "development") != "development",
        )

    def require(self, *names: str) -> None:
        missing = [name for name in names if not getattr(self, name)]
        if missing:
            variables = ", ".join(name.upper() for name in missing)
            raise ApiError(503, "oauth_not_configured", f"{variables} not set on this worker")
