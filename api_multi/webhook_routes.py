"""Stripe Connect webhooks: events from developers' connected accounts set their end users' plans
and grant the credit packs they bought."""

from __future__ import annotations

from typing import Any

from api_multi.checkout import CREDITS_METADATA_KIND
from api_multi.stats import record_payment
from dreamapi import credit_ledger, ids, lookups, meter_subjects, webhook_events
from dreamapi.connected_accounts import platform_of_account
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import stripe_webhook_operation
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.stripe_webhooks import apply_once, object_id, verified_event
from dreamapi.subscriptions import LIVE_SUBSCRIPTION_STATUSES, load_subscription, save_subscription
from dreamapi.tiers import load_tier_config


def _price_of(subscription: dict[str, Any]) -> str | None:
    items = (
        subscription.get("items", {}).get("data", []) if isinstance(subscription.get("items"), dict) else []
    )
    for item in items:
        price = item.get("price") if isinstance(item, dict) else None
        price_id = object_id(price)
        if price_id:
            return price_id
    return None


async def _tier_name(
    services: Services, platform_id: str, obj: dict[str, Any], metadata: dict[str, Any]
) -> str | None:
    """The tier a subscription buys: by its Stripe price, else the tier named in our metadata."""
    config = await load_tier_config(services.tokens_kv, platform_id)
    price_id = _price_of(obj)
    for tier in config.tiers:
        if price_id and tier.stripe_price_id == price_id:
            return tier.name
    named = metadata.get("tier")
    return named if any(t.name == named for t in config.tiers) else None


async def _update(
    services: Services, platform_id: str, user_id: str, stripe_event: dict[str, Any], **changes: Any
) -> str:
    created = int(stripe_event.get("created") or 0)
    subscription = await load_subscription(services.tokens_kv, platform_id, user_id)
    if created < subscription.updated_at:
        return "stale"
    before = (subscription.plan, subscription.status)
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.updated_at = created
    if (subscription.plan, subscription.status) != before:
        # Told before the change is stored: if storing fails, Stripe's retry tells again under
        # the same event id, which the outbox keeps once.
        data = {
            "platformId": platform_id,
            "userId": user_id,
            "tier": subscription.plan,
            "status": subscription.status,
            "previousTier": before[0],
            "previousStatus": before[1],
            "stripeEventType": stripe_event.get("type"),
        }
        event = webhook_events.outbox_event(
            webhook_events.SUBSCRIPTION_UPDATED,
            data,
            services.clock.now(),
            source=f"stripe:{stripe_event['id']}",
        )
        await services.webhooks(platform_id).enqueue([event])
    await save_subscription(services.tokens_kv, platform_id, user_id, subscription)
    lookups.forget_subscription(services, platform_id, user_id)
    return f"{subscription.plan or 'default'}/{subscription.status}"


async def _grant_pack(services: Services, platform_id: str, user_id: str, session: dict[str, Any]) -> str:
    """A paid credit-pack session grants its units once: the session id is the ledger reference,
    whichever event, delivery or endpoint brings it."""
    metadata = session.get("metadata") or {}
    units = metadata.get("units")
    if (
        not isinstance(units, str)
        or not units.isdigit()
        or not 0 < int(units) <= credit_ledger.MAX_CHANGE_UNITS
    ):
        return "ignored: credit pack without units"
    if session.get("payment_status") != "paid":
        return "pending: credits are granted once the payment succeeds"
    session_id = str(session.get("id"))
    change = await services.credits.change(
        meter_subjects.end_user(platform_id, user_id),
        units=int(units),
        kind=credit_ledger.TOP_UP,
        reason=f"credit pack {metadata.get('pack', '')}".strip(),
        reference=f"top-up:{session_id}",
        fingerprint=credit_ledger.fingerprint({"units": int(units)}),
        now=services.clock.now(),
    )
    if isinstance(session.get("amount_total"), int):  # one key per payment: recording twice is harmless
        currency = str(session.get("currency") or "usd")
        await record_payment(services.tokens_kv, platform_id, session_id, session["amount_total"], currency)
    return f"credits +{units} (balance {change.balance})" + (", already granted" if change.replayed else "")


async def _apply(event: dict[str, Any], services: Services) -> str:
    account = event.get("account")
    if not isinstance(account, str) or not account:
        return "ignored: not a Connect event"
    platform_id = await platform_of_account(services.tokens_kv, account)
    if not ids.is_platform_id(platform_id):
        return "ignored: unknown connected account"
    kind, obj = event.get("type"), event["data"]["object"]
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    if metadata.get("platformId") not in (None, platform_id):
        return "ignored: metadata names another platform"  # an account cannot act for another tenant
    if kind == "invoice.paid":
        await record_payment(
            services.tokens_kv,
            platform_id,
            str(obj.get("id")),
            int(obj.get("amount_paid") or 0),
            str(obj.get("currency") or "usd"),
        )
        return "revenue recorded"
    user_id = obj.get("client_reference_id") or metadata.get("userId")
    if not isinstance(user_id, str) or not ids.USER_ID.match(user_id):
        return "ignored: no end user"
    if (
        kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded")
        and obj.get("mode") == "payment"
        and metadata.get("kind") == CREDITS_METADATA_KIND
    ):
        return await _grant_pack(services, platform_id, user_id, obj)
    if kind == "checkout.session.completed" and obj.get("mode") == "subscription":
        tier = metadata.get("tier")
        config = await load_tier_config(services.tokens_kv, platform_id)
        if not any(t.name == tier for t in config.tiers):
            return "ignored: unknown tier"
        return await _update(
            services,
            platform_id,
            user_id,
            event,
            plan=tier,
            status="active",
            customer_id=object_id(obj.get("customer")),
            subscription_id=object_id(obj.get("subscription")),
        )
    if kind in (
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ):
        status = str(obj.get("status") or "canceled")
        live = kind != "customer.subscription.deleted" and status in LIVE_SUBSCRIPTION_STATUSES
        tier = await _tier_name(services, platform_id, obj, metadata) if live else None
        return await _update(
            services,
            platform_id,
            user_id,
            event,
            plan=tier,
            status=status,
            customer_id=object_id(obj.get("customer")),
            subscription_id=object_id(obj.get("id")),
        )
    return "ignored"


async def stripe_webhook(request: Request, services: Services) -> Response:
    event = verified_event(request, services.env.get("STRIPE_WEBHOOK_SECRET"))
    result = await apply_once(services.usage_kv, "api_multi", event, lambda e: _apply(e, services))
    return json_response(result)


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/webhook/stripe",
        stripe_webhook,
        stripe_webhook_operation("Stripe Connect events (signed)"),
    )
