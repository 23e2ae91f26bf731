"""The events a developer's webhook endpoints can receive, and their envelope.

Every event is `{"id", "type", "createdAt", "data"}`; `id` is stable across delivery attempts (it
is the Standard Webhooks `webhook-id`). The usage meter's objects build the envelope of the
events their counters produce (usage_meter/src/index.js) from the type and data given here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Any

USAGE_THRESHOLD_CROSSED = "usage.threshold_crossed"
USAGE_LIMIT_REACHED = "usage.limit_reached"
CREDITS_LOW = "credits.low"
SUBSCRIPTION_UPDATED = "subscription.updated"
WEBHOOK_TEST = "webhook.test"
EVENT_TYPES = (USAGE_THRESHOLD_CROSSED, USAGE_LIMIT_REACHED, CREDITS_LOW, SUBSCRIPTION_UPDATED)


def event_id(source: str | None = None) -> str:
    """A new id, or one derived from `source` (so an event caused by a retried Stripe webhook
    gets the id it got the first time, and the outbox keeps it once)."""
    if source is None:
        return "evt_" + secrets.token_hex(16)
    return "evt_" + hashlib.sha256(source.encode()).hexdigest()[:32]


def outbox_event(
    event_type: str, data: dict[str, Any], now: float, source: str | None = None
) -> dict[str, Any]:
    """An event as the outbox keeps it: the exact body every attempt sends and signs."""
    identifier = event_id(source)
    created_at = datetime.fromtimestamp(now, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = {"id": identifier, "type": event_type, "createdAt": created_at, "data": data}
    return {
        "id": identifier,
        "type": event_type,
        "createdAt": int(now * 1000),
        "body": json.dumps(body, separators=(",", ":")),
    }
