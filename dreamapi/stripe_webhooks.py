"""Incoming Stripe webhooks: signature check with the SDK, and each event applied once."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import stripe

from dreamapi import kvkeys
from dreamapi.errors import ApiError, bad_request
from dreamapi.http import Request
from dreamapi.ports.kv import KVNamespace

SIGNATURE_TOLERANCE_SECONDS = 300
IDEMPOTENCY_TTL_SECONDS = 30 * 24 * 3600
_EVENT_ID = re.compile(r"^evt_[A-Za-z0-9_]{1,250}$")


def verified_event(request: Request, secret: str | None) -> dict[str, Any]:
    """The event, once its `Stripe-Signature` (HMAC-SHA256, 300 s tolerance) checks out."""
    if not secret:
        raise ApiError(503, "webhooks_not_configured", "STRIPE_WEBHOOK_SECRET is not set on this worker")
    signature = request.headers.get("stripe-signature")
    if not signature:
        raise bad_request("Missing Stripe-Signature header", "missing_signature")
    try:
        payload = request.body.decode("utf-8")
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        raise bad_request("Stripe signature is invalid or too old", "invalid_signature") from None
    except (UnicodeDecodeError, ValueError):
        raise bad_request("Webhook payload is not valid JSON", "invalid_payload") from None
    if not isinstance(event, dict) or not _EVENT_ID.match(str(event.get("id", ""))):
        raise bad_request("Webhook payload is not a Stripe event", "invalid_payload")
    if not isinstance(event.get("data"), dict) or not isinstance(event["data"].get("object"), dict):
        raise bad_request("Webhook event has no data.object", "invalid_payload")
    return event


async def apply_once(
    kv: KVNamespace, receiver: str, event: dict[str, Any], apply: Callable[[dict[str, Any]], Awaitable[str]]
) -> dict[str, Any]:
    """Applies an event unless it was applied before; the marker is written after success,
    so a failure leaves Stripe's retry free to apply it."""
    marker = kvkeys.stripe_webhook_event(receiver, event["id"])
    if await kv.get(marker) is not None:
        return {"received": True, "duplicate": True, "type": event.get("type")}
    outcome = await apply(event)
    await kv.put(marker, outcome, expiration_ttl=IDEMPOTENCY_TTL_SECONDS)
    return {"received": True, "duplicate": False, "type": event.get("type"), "outcome": outcome}


def object_id(value: Any) -> str | None:
    """The id of a Stripe object field, whether Stripe sent the id or the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None
