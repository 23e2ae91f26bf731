"""Subscribing to dream-api ($29/mo Stripe Checkout) and managing it (Customer Portal)."""

from __future__ import annotations

import stripe

from dreamapi.developer_auth import Developer, authenticate_developer
from dreamapi.errors import ApiError, conflict
from dreamapi.http import Request, Response, json_response
from dreamapi.services import Services
from dreamapi.stripe_gateway import stripe_client, stripe_failure
from dreamapi.subscriptions import LIVE_SUBSCRIPTION_STATUSES
from front_auth_api.billing_state import PAID, link_customer, load_billing, save_billing


async def _customer_id(developer: Developer, services: Services, client: stripe.StripeClient) -> str:
    """The developer's Stripe customer, created on first checkout and reused afterwards."""
    billing = await load_billing(services.tokens_kv, developer.user_id)
    if billing.customer_id:
        return billing.customer_id
    params: dict[str, object] = {"metadata": {"userId": developer.user_id}}
    if developer.email:
        params["email"] = developer.email
    customer = await client.v1.customers.create_async(params=params)
    billing.customer_id = customer.id
    await link_customer(services.tokens_kv, customer.id, developer.user_id)
    await save_billing(services, developer.user_id, billing)
    return customer.id


async def create_checkout(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    price_id = services.env.get("STRIPE_PRICE_ID")
    if not price_id:
        raise ApiError(503, "billing_not_configured", "STRIPE_PRICE_ID is not set on this worker")
    billing = await load_billing(services.tokens_kv, developer.user_id)
    if billing.plan == PAID and billing.status in LIVE_SUBSCRIPTION_STATUSES:
        raise conflict("You are already subscribed; manage it with POST /create-portal", "already_subscribed")
    client = stripe_client(services.env, services.http)
    dashboard = services.settings.frontend_url
    try:
        customer_id = await _customer_id(developer, services, client)
        session = await client.v1.checkout.sessions.create_async(
            params={
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": developer.user_id,
                "line_items": [{"price": price_id, "quantity": 1}],
                "success_url": f"{dashboard}/dashboard?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
                "cancel_url": f"{dashboard}/dashboard?checkout=cancelled",
                "metadata": {"userId": developer.user_id},
                "subscription_data": {"metadata": {"userId": developer.user_id}},
            }
        )
    except stripe.StripeError as error:
        raise stripe_failure(error) from None
    return json_response({"url": session.url, "sessionId": session.id})


async def create_portal(request: Request, services: Services) -> Response:
    developer = await authenticate_developer(request, services)
    billing = await load_billing(services.tokens_kv, developer.user_id)
    if not billing.customer_id:
        raise conflict("No subscription yet; subscribe with POST /create-checkout first", "not_subscribed")
    client = stripe_client(services.env, services.http)
    try:
        session = await client.v1.billing_portal.sessions.create_async(
            params={
                "customer": billing.customer_id,
                "return_url": f"{services.settings.frontend_url}/dashboard",
            }
        )
    except stripe.StripeError as error:
        raise stripe_failure(error) from None
    return json_response({"url": session.url})
