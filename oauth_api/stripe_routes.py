"""Stripe Connect for developers: OAuth (what the spec asks for) and Connect Onboarding
(Stripe's recommendation for new platforms). Both end in the same stored account record.

The stripe SDK has no async OAuth calls, and a worker cannot make sync HTTP calls, so the
two OAuth form posts (token, deauthorize) go through the fetch port directly.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import stripe

from dreamapi import kvkeys
from dreamapi.connected_accounts import (
    ACCOUNT_ID,
    connected_account_id,
    platform_of_account,
    remove_connected_account,
    store_connected_account,
)
from dreamapi.developer_auth import authenticate_developer
from dreamapi.errors import ApiError, conflict, not_found
from dreamapi.http import Request, Response, json_response, redirect
from dreamapi.ports.outbound import OutboundError
from dreamapi.services import Services
from dreamapi.stripe_gateway import stripe_client, stripe_failure
from dreamapi.stripe_webhooks import apply_once, verified_event
from dreamapi.time_format import iso_utc
from oauth_api.flow_state import redeem_ticket, set_cookie_header, start_flow
from oauth_api.redirects import authorized_callback, back_to_dashboard
from oauth_api.settings import OAuthSettings

PROVIDER = "stripe"


async def connect(request: Request, services: Services) -> Response:
    settings = OAuthSettings.from_env(services.env)
    settings.require("stripe_client_id", "stripe_secret_key")
    owner = await redeem_ticket(services.tokens_kv, request.query_param("ticket"))
    if not owner.platform_id:
        return back_to_dashboard(services, PROVIDER, "error", "no_platform")
    flow = await start_flow(services.tokens_kv, PROVIDER, owner, services.clock.now())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.stripe_client_id,
            "scope": "read_write",
            "redirect_uri": f"{settings.public_url}/stripe/callback",
            "state": flow.state,
        }
    )
    response = redirect(f"{settings.stripe_connect_base}/oauth/authorize?{query}")
    response.headers.add("set-cookie", set_cookie_header(flow, "/stripe", settings.secure_cookies))
    return response


async def _oauth_post(settings: OAuthSettings, services: Services, path: str, form: dict[str, str]) -> Any:
    """POST to Stripe's OAuth endpoints; the reply as JSON, or None when Stripe refused or
    could not be reached. Replies hold an access token: it is read here and dropped."""
    try:
        reply = await services.http.fetch(
            f"{settings.stripe_connect_base}{path}",
            method="POST",
            headers={
                "authorization": f"Bearer {settings.stripe_secret_key}",
                "content-type": "application/x-www-form-urlencoded",
            },
            body=urlencode(form).encode(),
        )
        return reply.json() if reply.status == 200 else None
    except (OutboundError, ValueError):
        return None


async def callback(request: Request, services: Services) -> Response:
    authorized = await authorized_callback(request, services, PROVIDER)
    if isinstance(authorized, Response):
        return authorized
    owner, code = authorized
    if not owner.platform_id:
        return back_to_dashboard(services, PROVIDER, "error", "no_platform")
    settings = OAuthSettings.from_env(services.env)
    token = await _oauth_post(
        settings, services, "/oauth/token", {"grant_type": "authorization_code", "code": code}
    )
    account_id = token.get("stripe_user_id") if isinstance(token, dict) else None
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
        return back_to_dashboard(services, PROVIDER, "error", "token_exchange_failed")
    linked_to = await platform_of_account(services.tokens_kv, account_id)
    if linked_to not in (None, owner.platform_id):
        return back_to_dashboard(services, PROVIDER, "error", "account_linked_elsewhere")
    await store_connected_account(
        services.tokens_kv,
        owner.platform_id,
        account_id,
        method="oauth",
        connected_at=iso_utc(services.clock.now()),
        livemode=bool(token.get("livemode")),
        scope=str(token.get("scope") or "read_write"),
    )
    return back_to_dashboard(services, PROVIDER, "connected")


async def _developer_platform(request: Request, services: Services) -> str:
    developer = await authenticate_developer(request, services)
    platform_id = await services.tokens_kv.get(kvkeys.user_platform(developer.user_id))
    if not platform_id:
        raise conflict("Generate your credentials (platformId) before connecting Stripe", "no_platform")
    return platform_id


async def onboard(request: Request, services: Services) -> Response:
    platform_id = await _developer_platform(request, services)
    if await connected_account_id(services.tokens_kv, platform_id):
        raise conflict("A Stripe account is already connected; disconnect it first", "already_connected")
    client = stripe_client(services.env, services.http)
    pending_key = kvkeys.platform_field(platform_id, "stripe-pending")
    pending = json.loads(await services.tokens_kv.get(pending_key) or "{}")
    try:
        account_id = pending.get("accountId")
        if not account_id:
            account = await client.v1.accounts.create_async(
                params={"type": "standard", "metadata": {"platformId": platform_id}}
            )
            account_id = account.id
            await services.tokens_kv.put(pending_key, json.dumps({"accountId": account_id}))
        link = await client.v1.account_links.create_async(
            params={
                "account": account_id,
                "type": "account_onboarding",
                "refresh_url": f"{services.settings.frontend_url}/dashboard?stripe=onboarding_expired",
                "return_url": f"{services.settings.frontend_url}/dashboard?stripe=onboarding",
            }
        )
    except stripe.StripeError as error:
        raise stripe_failure(error) from None
    return json_response({"url": link.url, "accountId": account_id})


async def disconnect(request: Request, services: Services) -> Response:
    platform_id = await _developer_platform(request, services)
    settings = OAuthSettings.from_env(services.env)
    settings.require("stripe_client_id", "stripe_secret_key")
    account_id = await connected_account_id(services.tokens_kv, platform_id)
    if not account_id:
        raise not_found("No Stripe account is connected", "not_connected")
    reply = await _oauth_post(
        settings,
        services,
        "/oauth/deauthorize",
        {"client_id": str(settings.stripe_client_id), "stripe_user_id": account_id},
    )
    if reply is None:
        raise ApiError(502, "stripe_error", "Stripe did not confirm the disconnection; try again")
    await remove_connected_account(services.tokens_kv, platform_id)
    await services.tokens_kv.delete(kvkeys.platform_field(platform_id, "stripe-pending"))
    return json_response({"disconnected": True, "accountId": account_id})


async def _apply_account_event(event: dict[str, Any], services: Services) -> str:
    kind, obj = event.get("type"), event["data"]["object"]
    account_id = event.get("account") or obj.get("id")
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
        return "ignored: no account"
    if kind == "account.application.deauthorized":
        platform_id = await platform_of_account(services.tokens_kv, account_id)
        if platform_id:
            await remove_connected_account(services.tokens_kv, platform_id)
            return "disconnected"
        return "ignored: unknown account"
    if kind != "account.updated":
        return "ignored"
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    platform_id = str(metadata.get("platformId", ""))
    pending_key = kvkeys.platform_field(platform_id, "stripe-pending")
    pending = json.loads(await services.tokens_kv.get(pending_key) or "{}") if platform_id else {}
    if pending.get("accountId") != account_id:
        return "ignored: not an account we are onboarding"
    if not obj.get("charges_enabled"):
        return "pending"
    await store_connected_account(
        services.tokens_kv,
        platform_id,
        account_id,
        method="onboarding",
        connected_at=iso_utc(services.clock.now()),
        livemode=bool(obj.get("livemode")),
        scope="read_write",
    )
    await services.tokens_kv.delete(pending_key)
    return "connected"


async def account_webhook(request: Request, services: Services) -> Response:
    event = verified_event(request, services.env.get("STRIPE_WEBHOOK_SECRET"))
    result = await apply_once(
        services.usage_kv, "oauth_api", event, lambda e: _apply_account_event(e, services)
    )
    return json_response(result)
