"""Who is calling front_auth_api: a developer with a Clerk session token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dreamapi import ids
from dreamapi.clerk import ClerkConfig, bearer_token, verify_session_token
from dreamapi.http import Request
from dreamapi.services import Services


@dataclass(frozen=True)
class Developer:
    user_id: str
    email: str | None
    claims: dict[str, Any]


async def authenticate_developer(request: Request, services: Services) -> Developer:
    token = bearer_token(request.headers.get("authorization"))
    claims = await verify_session_token(token, ClerkConfig.of(services), services.http, services.rs256)
    user_id = ids.require_user_id(claims["sub"], "Token subject")
    email = claims.get("email")
    return Developer(user_id=user_id, email=email if isinstance(email, str) else None, claims=claims)
