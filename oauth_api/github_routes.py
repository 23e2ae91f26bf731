"""GitHub OAuth for developers: stores their GitHub login and id; the access token is used once
to read them and never kept."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

from dreamapi import kvkeys
from dreamapi.developer_auth import authenticate_developer
from dreamapi.errors import not_found
from dreamapi.http import Request, Response, json_response, redirect
from dreamapi.ports.outbound import OutboundError
from dreamapi.services import Services
from dreamapi.time_format import iso_utc
from oauth_api.flow_state import redeem_ticket, set_cookie_header, start_flow
from oauth_api.redirects import authorized_callback, back_to_dashboard
from oauth_api.settings import OAuthSettings

logger = logging.getLogger("dreamapi.oauth")

PROVIDER = "github"


async def connect(request: Request, services: Services) -> Response:
    settings = OAuthSettings.from_env(services.env)
    settings.require("github_client_id", "github_client_secret")
    owner = await redeem_ticket(services.tokens_kv, request.query_param("ticket"))
    flow = await start_flow(services.tokens_kv, PROVIDER, owner, services.clock.now())
    query = urlencode(
        {
            "client_id": settings.github_client_id,
            "redirect_uri": f"{settings.public_url}/github/callback",
            "scope": "read:user",
            "state": flow.state,
            "allow_signup": "false",
        }
    )
    response = redirect(f"{settings.github_authorize_url}?{query}")
    response.headers.add("set-cookie", set_cookie_header(flow, "/github", settings.secure_cookies))
    return response


async def _github_profile(settings: OAuthSettings, services: Services, code: str) -> dict[str, Any] | None:
    try:
        token_reply = await services.http.fetch(
            settings.github_token_url,
            method="POST",
            headers={"accept": "application/json", "content-type": "application/x-www-form-urlencoded"},
            body=urlencode(
                {
                    "client_id": settings.github_client_id,
                    "client_secret": settings.github_client_secret,
                    "code": code,
                    "redirect_uri": f"{settings.public_url}/github/callback",
                }
            ).encode(),
        )
        access_token = token_reply.json().get("access_token") if token_reply.status == 200 else None
        if not isinstance(access_token, str) or not access_token:
            logger.warning("GitHub code exchange failed with status %s", token_reply.status)
            return None
        user_reply = await services.http.fetch(
            f"{settings.github_api_url}/user",
            headers={
                "authorization": f"Bearer {access_token}",
                "accept": "application/vnd.github+json",
                "user-agent": "dream-api",
            },
        )
        profile = user_reply.json() if user_reply.status == 200 else None
    except (OutboundError, ValueError, AttributeError) as error:
        logger.warning("GitHub code exchange or profile failed: %s", error.__class__.__name__)
        return None
    if not isinstance(profile, dict) or not isinstance(profile.get("login"), str):
        return None
    return profile


async def callback(request: Request, services: Services) -> Response:
    authorized = await authorized_callback(request, services, PROVIDER)
    if isinstance(authorized, Response):
        return authorized
    owner, code = authorized
    settings = OAuthSettings.from_env(services.env)
    profile = await _github_profile(settings, services, code)
    if profile is None:
        return back_to_dashboard(services, PROVIDER, "error", "token_exchange_failed")
    record = {
        "login": profile["login"],
        "id": profile.get("id"),
        "connectedAt": iso_utc(services.clock.now()),
    }
    await services.tokens_kv.put(kvkeys.developer_github(owner.user_id), json.dumps(record))
    return back_to_dashboard(services, PROVIDER, "connected")


async def disconnect(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    key = kvkeys.developer_github(developer.user_id)
    if await services.tokens_kv.get(key) is None:
        raise not_found("No GitHub account is connected", "not_connected")
    await services.tokens_kv.delete(key)
    return json_response({"disconnected": True})
