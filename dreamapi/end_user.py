"""An end user of a developer's platform, as a request identified them."""

from __future__ import annotations

from dataclasses import dataclass

API_KEY = "api_key"  # the developer's API key + X-User-Id (their server calls us)
JWT = "jwt"  # a session token of the shared customer Clerk app (their browser calls us)
USER_KEY = "user_key"  # the end user's own key (dream_user_…)


@dataclass(frozen=True)
class EndUser:
    platform_id: str
    user_id: str
    requested_plan: str | None  # X-User-Plan (API key mode) or the JWT's plan claim
    mode: str

    @property
    def names_its_plan(self) -> bool:
        """Whether the request's plan is trusted as sent: only the developer's own server (API key
        mode) may name the tier; a JWT's claim yields to the subscription, an end user's key names none."""
        return self.mode == API_KEY
