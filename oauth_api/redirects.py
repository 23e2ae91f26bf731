"""Where a browser lands after a flow: the dashboard, with a readable outcome in the query."""

from __future__ import annotations

from urllib.parse import urlencode

from dreamapi.http import Request, Response, redirect
from dreamapi.services import Services
from oauth_api.flow_state import FlowOwner, clear_cookie_header, finish_flow


def back_to_dashboard(services: Services, provider: str, outcome: str, reason: str | None = None) -> Response:
    query = {provider: outcome, **({"reason": reason} if reason else {})}
    response = redirect(f"{services.settings.frontend_url}/dashboard?{urlencode(query)}")
    response.headers.add("set-cookie", clear_cookie_header(provider, f"/{provider}"))
    return response


async def authorized_callback(
    request: Request, services: Services, provider: str
) -> tuple[FlowOwner, str] | Response:
    """The flow's owner and authorization code, or the dashboard redirect that explains why not:
    unknown/expired/reused/foreign state, consent denied, or no code."""
    owner = await finish_flow(services.tokens_kv, provider, request, services.clock.now())
    if owner is None:
        return back_to_dashboard(services, provider, "error", "invalid_state")
    error = request.query_param("error")
    if error:
        outcome = "denied" if error == "access_denied" else "error"
        return back_to_dashboard(services, provider, outcome, error[:64])
    code = request.query_param("code")
    if not code or len(code) > 256:
        return back_to_dashboard(services, provider, "error", "missing_code")
    return owner, code
