"""Stripe webhooks for developers' $29/mo subscriptions: keep each developer's plan right."""

from __future__ import annotations

from typing import Any

from dreamapi import ids
from dreamapi.clerk_backend import merge_public_metadata
from dreamapi.http import Request, Response, json_response
from dreamapi.services import Services
from dreamapi.stripe_webhooks import apply_once, object_id, verified_event
from dreamapi.subscriptions import LIVE_SUBSCRIPTION_STATUSES
from front_auth_api.billing_state import (
    FREE,
    PAID,
    link_customer,
    load_billing,
    save_billing,
    user_for_customer,
)

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
}


async def _set_state(
    services: Services,
    user_id: str,
    created: int,
    *,
    plan: str | None = None,
    status: str | None = None,
    customer_id: str | None = None,
    subscription_id: str | None = None,
) -> str:
    billing = await load_billing(services.tokens_kv, user_id)
    if created < billing.updated_at:
        return "stale"  # an older event arriving late must not roll the state back
    previous_plan = billing.plan
    billing.plan = plan or billing.plan
    billing.status = status or billing.status
    billing.customer_id = customer_id or billing.customer_id
    billing.subscription_id = subscription_id or billing.subscription_id
    billing.updated_at = created
    await save_billing(services, user_id, billing)
    if billing.plan != previous_plan:
        await merge_public_metadata(services.env, services.http, user_id, {"plan": billing.plan})
    return f"{billing.plan}/{billing.status}"


async def _user_of(services: Services, customer_id: str | None, obj: dict[str, Any]) -> str | None:
    if customer_id:
        user_id = await user_for_customer(services.tokens_kv, customer_id)
        if user_id:
            return user_id
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    candidate = metadata.get("userId")
    return candidate if isinstance(candidate, str) and ids.USER_ID.match(candidate) else None


async def _apply(event: dict[str, Any], services: Services) -> str:
    kind, obj = event.get("type"), event["data"]["object"]
    created = int(event.get("created") or 0)
    customer_id = object_id(obj.get("customer"))
    if kind == "checkout.session.completed":
        user_id = obj.get("client_reference_id")
        if (
            obj.get("mode") != "subscription"
            or not isinstance(user_id, str)
            or not ids.USER_ID.match(user_id)
        ):
            return "ignored"
        if customer_id:
            await link_customer(services.tokens_kv, customer_id, user_id)
        return await _set_state(
            services,
            user_id,
            created,
            plan=PAID,
            status="active",
            customer_id=customer_id,
            subscription_id=object_id(obj.get("subscription")),
        )
    if kind not in SUBSCRIPTION_EVENTS | {"invoice.paid", "invoice.payment_failed"}:
        return "ignored"
    user_id = await _user_of(services, customer_id, obj)
    if user_id is None:
        return "unknown_customer"
    if kind in SUBSCRIPTION_EVENTS:
        status = str(obj.get("status") or "canceled")
        paid = kind != "customer.subscription.deleted" and status in LIVE_SUBSCRIPTION_STATUSES
        return await _set_state(
            services,
            user_id,
            created,
            plan=PAID if paid else FREE,
            status=status,
            customer_id=customer_id,
            subscription_id=object_id(obj.get("id")),
        )
    if kind == "invoice.paid":
        return await _set_state(services, user_id, created, plan=PAID, status="active")
    return await _set_state(services, user_id, created, status="past_due")


async def stripe_webhook(request: Request, services: Services) -> Response:
    event = verified_event(request, services.env.get("STRIPE_WEBHOOK_SECRET"))
    result = await apply_once(services.usage_kv, "front_auth_api", event, lambda e: _apply(e, services))
    return json_response(result)
