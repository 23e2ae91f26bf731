#!/usr/bin/env python3
"""Creates or finds, in your Stripe account, the $29/month price and the three webhook endpoints.
Idempotent: the price is found by lookup key, endpoints by URL.

  STRIPE_SECRET_KEY=sk_test_… python scripts/setup_stripe.py \
      --front-auth-url https://… --api-multi-url https://… --oauth-url https://…

Prints the values to give scripts/set_secrets.py. A webhook signing secret is shown only when its
endpoint is created (Stripe reveals it once); re-running shows the ids only.

Overage for a developer's tier (usage-based billing): on their connected account, a Billing Meter
(events named --meter-event-name, summed) and a metered price of --unit-cents per unit; prints
the tier's `overage` object. Idempotent: the meter is found by event name, the price by lookup key.

  STRIPE_SECRET_KEY=sk_test_… python scripts/setup_stripe.py --overage-account acct_… \
      --meter-event-name api_units --unit-cents 2 [--max-units 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import stripe

PRICE_LOOKUP_KEY = "dreamapi_monthly"
PLATFORM_EVENTS = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
]
CONNECT_BILLING_EVENTS = [*PLATFORM_EVENTS]
CONNECT_ACCOUNT_EVENTS = ["account.updated", "account.application.deauthorized"]


def ensure_price(client: Any) -> tuple[str, bool]:
    found = client.v1.prices.list(params={"lookup_keys": [PRICE_LOOKUP_KEY], "limit": 1}).data
    if found:
        return found[0].id, False
    product = client.v1.products.create(
        params={"name": "dream-api platform", "metadata": {"dreamapi": "platform"}}
    )
    price = client.v1.prices.create(
        params={
            "product": product.id,
            "currency": "usd",
            "unit_amount": 2900,
            "recurring": {"interval": "month"},
            "lookup_key": PRICE_LOOKUP_KEY,
        }
    )
    return price.id, True


def ensure_endpoint(client: Any, url: str, events: list[str], connect: bool) -> tuple[str, str | None]:
    for endpoint in client.v1.webhook_endpoints.list(params={"limit": 100}).data:
        if endpoint.url == url:
            return endpoint.id, None
    params: dict[str, Any] = {"url": url, "enabled_events": events, "description": "dream-api"}
    if connect:
        params["connect"] = True
    endpoint = client.v1.webhook_endpoints.create(params=params)
    return endpoint.id, endpoint.secret


def ensure_overage(
    client: Any, account: str, event_name: str, unit_cents: int
) -> tuple[dict[str, Any], bool]:
    """The tier's `overage` object, and whether anything was created."""
    options = {"stripe_account": account}
    meters = client.v1.billing.meters.list(params={"limit": 100}, options=options).data
    meter = next((m for m in meters if m.event_name == event_name), None)
    created = meter is None
    if meter is None:
        meter = client.v1.billing.meters.create(
            params={
                "display_name": f"API units ({event_name})",
                "event_name": event_name,
                "default_aggregation": {"formula": "sum"},
            },
            options=options,
        )
    lookup_key = f"dreamapi_overage_{event_name}"
    found = client.v1.prices.list(params={"lookup_keys": [lookup_key], "limit": 1}, options=options).data
    if found:
        price = found[0]
    else:
        created = True
        product = client.v1.products.create(params={"name": f"API usage ({event_name})"}, options=options)
        price = client.v1.prices.create(
            params={
                "product": product.id,
                "currency": "usd",
                "unit_amount": unit_cents,
                "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id},
                "lookup_key": lookup_key,
            },
            options=options,
        )
    overage = {"stripePriceId": price.id, "meterEventName": event_name, "unitPriceCents": unit_cents}
    return overage, created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--front-auth-url", help="front_auth_api's public URL")
    parser.add_argument("--api-multi-url", help="api_multi's public URL")
    parser.add_argument("--oauth-url", help="oauth_api's public URL")
    parser.add_argument("--overage-account", help="a developer's connected account (acct_…): set up overage")
    parser.add_argument("--meter-event-name", default="api_units", help="the meter's event name")
    parser.add_argument("--unit-cents", type=int, default=1, help="price per overage unit, in cents")
    parser.add_argument("--max-units", type=int, help="overage units allowed per period (default: no cap)")
    parser.add_argument("--api-base", default=os.environ.get("STRIPE_API_BASE", "https://api.stripe.com"))
    args = parser.parse_args(argv)
    secret_key = os.environ.get("STRIPE_SECRET_KEY")
    if not secret_key:
        print("STRIPE_SECRET_KEY must be set", file=sys.stderr)
        return 2
    client = stripe.StripeClient(secret_key, base_addresses={"api": args.api_base})
    if args.overage_account:
        overage, created = ensure_overage(
            client, args.overage_account, args.meter_event_name, args.unit_cents
        )
        if args.max_units:
            overage["maxUnits"] = args.max_units
        print(f"# {'created' if created else 'found'}: add to the tier in PUT /api/developer/tiers")
        print(json.dumps({"overage": overage}))
        return 0
    if not (args.front_auth_url and args.api_multi_url and args.oauth_url):
        parser.error("--front-auth-url, --api-multi-url and --oauth-url are required (or --overage-account)")
    price_id, created = ensure_price(client)
    print(f"STRIPE_PRICE_ID={price_id}  ({'created' if created else 'found'})")
    endpoints = (
        ("FRONT_AUTH_API", args.front_auth_url, PLATFORM_EVENTS, False),
        ("API_MULTI", args.api_multi_url, CONNECT_BILLING_EVENTS, True),
        ("OAUTH_API", args.oauth_url, CONNECT_ACCOUNT_EVENTS, True),
    )
    for worker, base, events, connect in endpoints:
        endpoint_id, secret = ensure_endpoint(client, f"{base.rstrip('/')}/webhook/stripe", events, connect)
        if secret:
            print(f"{worker}__STRIPE_WEBHOOK_SECRET={secret}  (endpoint {endpoint_id} created; shown once)")
        else:
            print(f"{worker}: webhook endpoint {endpoint_id} already exists (secret: see Stripe's dashboard)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
