"""End users subscribe to a developer's tier with Stripe Checkout on the developer's connected
account (`Stripe-Account`), and manage it in the Customer Portal there."""

from __future__ import annotations

import stripe

from api_multi.checkout import connected_account_of, return_url
from api_multi.end_user_auth import authenticate_end_user, require_jwt
from api_multi.schemas import RETURN_URL
from dreamapi.body import json_object
from dreamapi.errors import bad_request, conflict
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import STRING, URL_REPLY, Operation, obj
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.stripe_gateway import stripe_client, stripe_failure
from dreamapi.subscriptions import LIVE_SUBSCRIPTION_STATUSES, load_subscription, save_subscription
from dreamapi.tiers import Tier, load_tier_config


async def create_checkout(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    require_jwt(user)
    body = json_object(request, required=False)
    tier_name = body.get("tier")
    config = await load_tier_config(services.tokens_kv, user.platform_id)
    tier = next((t for t in config.tiers if t.name == tier_name), None)
    if tier is None:
        raise bad_request(f"'tier' must be one of: {', '.join(t.name for t in config.tiers)}", "unknown_tier")
    if not tier.stripe_price_id:
        raise bad_request(f"Tier '{tier.name}' has no Stripe price to check out", "tier_not_purchasable")
    public_page = services.settings.portal_url(user.platform_id)
    success_url = return_url(body, "successUrl", f"{public_page}?checkout=success")
    cancel_url = return_url(body, "cancelUrl", f"{public_page}?checkout=cancelled")
    account = await connected_account_of(user, services)
    subscription = await load_subscription(services.tokens_kv, user.platform_id, user.user_id)
    if subscription.plan == tier.name and subscription.status in LIVE_SUBSCRIPTION_STATUSES:
        raise conflict(
            f"Already subscribed to '{tier.name}'; use POST /api/customer-portal", "already_subscribed"
        )
    client = stripe_client(services.env, services.http)
    options = {"stripe_account": account}
    metadata = {"platformId": user.platform_id, "userId": user.user_id, "tier": tier.name}
    try:
        if not subscription.customer_id:
            customer = await client.v1.customers.create_async(params={"metadata": metadata}, options=options)
            subscription.customer_id = customer.id
            await save_subscription(services.tokens_kv, user.platform_id, user.user_id, subscription)
        session = await client.v1.checkout.sessions.create_async(
            params={
                "mode": "subscription",
                "customer": subscription.customer_id,
                "client_reference_id": user.user_id,
                "line_items": line_items_of(tier),
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": metadata,
                "subscription_data": {"metadata": metadata},
            },
            options=options,
        )
    except stripe.StripeError as error:
        raise stripe_failure(error) from None
    return json_response({"url": session.url, "sessionId": session.id, "tier": tier.name})


def line_items_of(tier: Tier) -> list[dict[str, object]]:
    """The tier's base price, and its metered overage price (no quantity: usage sets it)."""
    items: list[dict[str, object]] = [{"price": tier.stripe_price_id, "quantity": 1}]
    if tier.overage is not None:
        items.append({"price": tier.overage.stripe_price_id})
    return items


async def customer_portal(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    require_jwt(user)
    body = json_object(request, required=False)
    url = return_url(body, "returnUrl", services.settings.portal_url(user.platform_id))
    account = await connected_account_of(user, services)
    subscription = await load_subscription(services.tokens_kv, user.platform_id, user.user_id)
    if not subscription.customer_id:
        raise conflict("No subscription yet; start one with POST /api/create-checkout", "not_subscribed")
    client = stripe_client(services.env, services.http)
    try:
        session = await client.v1.billing_portal.sessions.create_async(
            params={"customer": subscription.customer_id, "return_url": url},
            options={"stripe_account": account},
        )
    except stripe.StripeError as error:
        raise stripe_failure(error) from None
    return json_response({"url": session.url})


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/api/create-checkout",
        create_checkout,
        Operation(
            "Stripe Checkout for a tier, on the developer's connected account",
            security=("endUserSession",),
            body=obj({"tier": STRING, "successUrl": RETURN_URL, "cancelUrl": RETURN_URL}, ("tier",)),
            responses={
                200: ("Checkout session", obj({"url": STRING, "sessionId": STRING, "tier": STRING}, ("url",)))
            },
        ),
    )
    router.add(
        "POST",
        "/api/customer-portal",
        customer_portal,
        Operation(
            "Stripe Customer Portal on the developer's connected account",
            security=("endUserSession",),
            body=obj({"returnUrl": RETURN_URL}),
            body_required=False,
            responses={200: ("Portal", URL_REPLY)},
        ),
    )
