"""Where a browser lands after a flow: the dashboard, with a readable outcome in the query."""

from __future__ import annotations

from urllib.parse import urlencode

from dreamapi.http import Response, redirect
from dreamapi.services import Services
from oauth_api.flow_state import clear_cookie_header


def back_to_dashboard(services: Services, provider: str, outcome: str, reason: str | None = None) -> Response:
    query = {provider: outcome, **({"reason": reason} if reason else {})}
    response = redirect(f"{services.settings.frontend_url}/dashboard?{urlencode(query)}")
    response.headers.add("set-cookie", clear_cookie_header(provider, f"/{provider}"))
    return response
