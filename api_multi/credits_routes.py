"""Prepaid credits of end users: developers grant and adjust balances and define credit packs;
end users read their balance and buy packs with Stripe Checkout (payment mode) on the
developer's connected account. The balance itself lives in each end user's meter object."""

from __future__ import annotations

import secrets
from typing import Any

import stripe

from api_multi.checkout import CREDITS_METADATA_KIND, connected_account_of, return_url
from api_multi.credit_packs import (
    CREDIT_PACK,
    CREDIT_PACKS,
    load_credit_packs,
    store_credit_packs,
    validate_credit_packs,
)
from api_multi.end_user_auth import authenticate_developer, authenticate_end_user, require_jwt
from api_multi.schemas import (
    DEVELOPER,
    END_USER,
    END_USER_HEADERS,
    IDEMPOTENCY_KEY,
    LEDGER_ENTRY,
    RETURN_URL,
    USER_IN_PATH,
    user_id_in_path,
)
from dreamapi import credit_ledger, ids, lookups, meter_subjects
from dreamapi.alerts import credits_notify
from dreamapi.body import json_object
from dreamapi.errors import bad_request, not_found
from dreamapi.http import Request, Response, json_response
from dreamapi.idempotency import idempotency_of
from dreamapi.openapi import ERROR, INTEGER, METER_UNAVAILABLE, STRING, Operation, obj, query
from dreamapi.router import Router
from dreamapi.services import Services
from dreamapi.stripe_gateway import stripe_client, stripe_failure
from dreamapi.subscriptions import load_subscription


def _change_of(body: dict[str, Any]) -> tuple[int, str]:
    units = body.get("units")
    valid = (
        isinstance(units, int)
        and not isinstance(units, bool)
        and 0 < abs(units) <= credit_ledger.MAX_CHANGE_UNITS
    )
    if not valid:
        raise bad_request(
            f"'units' must be a non-zero integer between -{credit_ledger.MAX_CHANGE_UNITS} and "
            f"{credit_ledger.MAX_CHANGE_UNITS}",
            "invalid_units",
        )
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > credit_ledger.MAX_REASON_LENGTH:
        raise bad_request(
            f"'reason' must be a string of at most {credit_ledger.MAX_REASON_LENGTH} characters",
            "invalid_reason",
        )
    return units, reason.strip()


async def change_user_credits(request: Request, services: Services) -> Response:
    """A developer grants (units > 0) or removes (units < 0) credits of one of their end users."""
    platform_id = await authenticate_developer(request, services)
    user_id = user_id_in_path(request)
    units, reason = _change_of(json_object(request))
    idempotency = idempotency_of(request, {"units": units, "reason": reason})
    change = await services.credits.change(
        meter_subjects.end_user(platform_id, user_id),
        units=units,
        kind=credit_ledger.GRANT if units > 0 else credit_ledger.ADJUSTMENT,
        reason=reason,
        reference=f"grant:{idempotency.key if idempotency else secrets.token_hex(16)}",
        fingerprint=idempotency.fingerprint if idempotency else "",
        now=services.clock.now(),
        notify=credits_notify(
            await lookups.alert_settings(services, platform_id), platform_id=platform_id, user_id=user_id
        ),
    )
    body = {
        "platformId": platform_id,
        "userId": user_id,
        "balance": change.balance,
        "entry": change.entry.to_json(),
    }
    return json_response(body, 201, headers={"idempotent-replayed": "true"} if change.replayed else None)


async def get_user_credits(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    user_id = user_id_in_path(request)
    statement = await services.credits.statement(meter_subjects.end_user(platform_id, user_id))
    return json_response({"platformId": platform_id, "userId": user_id, **statement.to_json()})


async def get_own_credits(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    statement = await services.credits.statement(
        meter_subjects.end_user(user.platform_id, user.user_id), entries=0
    )
    return json_response(
        {"platformId": user.platform_id, "userId": user.user_id, "balance": statement.balance}
    )


async def put_credit_packs(request: Request, services: Services) -> Response:
    platform_id = await authenticate_developer(request, services)
    packs, problems = validate_credit_packs(json_object(request))
    if problems:
        raise bad_request(
            "Credit packs are invalid: " + "; ".join(problems), "invalid_credit_packs", problems=problems
        )
    await store_credit_packs(services.tokens_kv, platform_id, packs)
    return json_response({"platformId": platform_id, "packs": [pack.to_json() for pack in packs]})


async def get_credit_packs(request: Request, services: Services) -> Response:
    platform_id = ids.require_platform_id(request.query_param("platformId"))
    if not await lookups.platform_exists(services, platform_id):
        raise not_found(f"No platform {platform_id}", "platform_not_found")
    packs = await load_credit_packs(services.tokens_kv, platform_id)
    return json_response({"platformId": platform_id, "packs": [pack.to_json() for pack in packs]})


async def create_credits_checkout(request: Request, services: Services) -> Response:
    """The end user buys a pack: Checkout in payment mode; the paid session's webhook grants it."""
    user = await authenticate_end_user(request, services)
    require_jwt(user)
    body = json_object(request)
    packs = await load_credit_packs(services.tokens_kv, user.platform_id)
    pack = next((p for p in packs if p.name == body.get("pack")), None)
    if pack is None:
        names = ", ".join(p.name for p in packs) or "none defined"
        raise bad_request(f"'pack' must be one of this platform's credit packs ({names})", "unknown_pack")
    public_page = services.settings.portal_url(user.platform_id)
    success_url = return_url(body, "successUrl", f"{public_page}?credits=success")
    cancel_url = return_url(body, "cancelUrl", f"{public_page}?credits=cancelled")
    account = await connected_account_of(user, services)
    customer = (await load_subscription(services.tokens_kv, user.platform_id, user.user_id)).customer_id
    metadata = {
        "platformId": user.platform_id,
        "userId": user.user_id,
        "kind": CREDITS_METADATA_KIND,
        "pack": pack.name,
        "units": str(pack.units),
    }
    line_item: dict[str, Any] = (
        {"price": pack.stripe_price_id, "quantity": 1}
        if pack.stripe_price_id
        else {
            "price_data": {
                "currency": pack.currency,
                "unit_amount": pack.price_cents,
                "product_data": {"name": f"{pack.units} credits ({pack.name})"},
            },
            "quantity": 1,
        }
    )
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": user.user_id,
        "line_items": [line_item],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
    }
    if customer:
        params["customer"] = customer
    try:
        session = await stripe_client(services.env, services.http).v1.checkout.sessions.create_async(
            params=params, options={"stripe_account": account}
        )
    except stripe.StripeError as error:
        raise stripe_failure(error) from None
    return json_response(
        {"url": session.url, "sessionId": session.id, "pack": pack.name, "units": pack.units}
    )


CREDIT_STATEMENT = obj(
    {
        "platformId": STRING,
        "userId": STRING,
        "balance": {"type": "integer", "minimum": 0},
        "entries": {"type": "array", "items": LEDGER_ENTRY},
    },
    ("platformId", "userId", "balance", "entries"),
)
CREDIT_CHANGE = obj(
    {
        "platformId": STRING,
        "userId": STRING,
        "balance": {"type": "integer", "minimum": 0},
        "entry": LEDGER_ENTRY,
    },
    ("platformId", "userId", "balance", "entry"),
)
CREDIT_BALANCE = obj(
    {"platformId": STRING, "userId": STRING, "balance": {"type": "integer", "minimum": 0}},
    ("platformId", "userId", "balance"),
)


def add_routes(router: Router) -> None:
    router.add(
        "GET",
        "/api/credits",
        get_own_credits,
        Operation(
            "An end user's prepaid credit balance, in units",
            security=END_USER,
            parameters=END_USER_HEADERS,
            responses={200: ("Balance", CREDIT_BALANCE), 503: METER_UNAVAILABLE},
        ),
    )
    router.add(
        "GET",
        "/api/credit-packs",
        get_credit_packs,
        Operation(
            "A platform's public credit packs",
            parameters=(query("platformId"),),
            responses={200: ("Packs (empty when none are sold)", CREDIT_PACKS)},
        ),
    )
    router.add(
        "POST",
        "/api/credits/checkout",
        create_credits_checkout,
        Operation(
            "Stripe Checkout (payment mode) for a credit pack, on the developer's connected account; "
            "the paid session grants the pack's units once",
            security=("endUserSession",),
            body=obj({"pack": STRING, "successUrl": RETURN_URL, "cancelUrl": RETURN_URL}, ("pack",)),
            responses={
                200: (
                    "Checkout session",
                    obj({"url": STRING, "sessionId": STRING, "pack": STRING, "units": INTEGER}, ("url",)),
                )
            },
        ),
    )
    router.add(
        "PUT",
        "/api/developer/credit-packs",
        put_credit_packs,
        Operation(
            "Replace your credit packs; a bad list is a 400 listing every problem, the old one kept",
            security=DEVELOPER,
            body=obj({"packs": {"type": "array", "items": CREDIT_PACK, "maxItems": 20}}, ("packs",)),
            responses={200: ("Stored", CREDIT_PACKS)},
            links={
                200: {
                    "PacksJustStored": {
                        "operationId": "get_api_credit_packs",
                        "parameters": {"query.platformId": "$response.body#/platformId"},
                    }
                }
            },
        ),
    )
    router.add(
        "POST",
        "/api/developer/users/{userId}/credits",
        change_user_credits,
        Operation(
            "Grant (units > 0) or remove (units < 0) an end user's credits; honours Idempotency-Key",
            security=DEVELOPER,
            parameters=(USER_IN_PATH, IDEMPOTENCY_KEY),
            body=obj(
                {
                    "units": {"type": "integer", "minimum": -1_000_000_000, "maximum": 1_000_000_000},
                    "reason": {"type": "string", "maxLength": 200},
                },
                ("units",),
            ),
            responses={
                201: ("Applied (or the change recorded for this Idempotency-Key)", CREDIT_CHANGE),
                409: ("The removal exceeds the balance; nothing changed", ERROR),
                422: ("This Idempotency-Key was used with other parameters", ERROR),
                503: METER_UNAVAILABLE,
            },
            links={
                201: {
                    "BalanceJustChanged": {
                        "operationId": "get_api_developer_users_userId_credits",
                        "parameters": {"path.userId": "$response.body#/userId"},
                    }
                }
            },
        ),
    )
    router.add(
        "GET",
        "/api/developer/users/{userId}/credits",
        get_user_credits,
        Operation(
            "An end user's credit balance and latest ledger entries (grants, top-ups, adjustments, "
            "usage per day), newest first",
            security=DEVELOPER,
            parameters=(USER_IN_PATH,),
            responses={200: ("Statement", CREDIT_STATEMENT), 503: METER_UNAVAILABLE},
        ),
    )
