"""Credit packs a developer sells their end users: units of prepaid credit for a one-time price."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from dreamapi import kvkeys
from dreamapi.credit_ledger import MAX_CHANGE_UNITS
from dreamapi.openapi import STRING, obj
from dreamapi.ports.kv import KVNamespace

MAX_PACKS = 20
MIN_PRICE_CENTS = 50  # Stripe's smallest charge in most currencies
MAX_PRICE_CENTS = 99_999_999
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_STRIPE_PRICE = re.compile(r"^price_[A-Za-z0-9_]{1,200}$")
_CURRENCY = re.compile(r"^[a-z]{3}$")
_FIELDS = {"name", "units", "priceCents", "currency", "stripePriceId"}


@dataclass(frozen=True)
class CreditPack:
    name: str
    units: int
    price_cents: int
    currency: str = "usd"
    stripe_price_id: str | None = None  # else Checkout prices it inline from priceCents

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "units": self.units,
            "priceCents": self.price_cents,
            "currency": self.currency,
            "stripePriceId": self.stripe_price_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CreditPack:
        return cls(
            name=data["name"],
            units=int(data["units"]),
            price_cents=int(data["priceCents"]),
            currency=str(data.get("currency", "usd")),
            stripe_price_id=data.get("stripePriceId"),
        )


def _integer_between(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _problems_of(item: Any, where: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where} must be an object"]
    problems = []
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        problems.append(f"{where} has unknown fields: {', '.join(unknown)}")
    if not isinstance(item.get("name"), str) or not _NAME.match(item["name"]):
        problems.append(f"{where}.name must be 1-32 lowercase letters, digits, '_' or '-'")
    if not _integer_between(item.get("units"), 1, MAX_CHANGE_UNITS):
        problems.append(f"{where}.units must be an integer from 1 to {MAX_CHANGE_UNITS}")
    if not _integer_between(item.get("priceCents"), MIN_PRICE_CENTS, MAX_PRICE_CENTS):
        problems.append(f"{where}.priceCents must be an integer from {MIN_PRICE_CENTS} to {MAX_PRICE_CENTS}")
    currency = item.get("currency", "usd")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        problems.append(f"{where}.currency must be a 3-letter lowercase ISO code")
    price_id = item.get("stripePriceId")
    if price_id is not None and (not isinstance(price_id, str) or not _STRIPE_PRICE.match(price_id)):
        problems.append(f"{where}.stripePriceId must look like price_… or be null")
    return problems


def validate_credit_packs(body: Any) -> tuple[tuple[CreditPack, ...], list[str]]:
    """Packs from a `{"packs": [...]}` body and every problem found (empty when valid).
    An empty list is valid: the platform sells no packs."""
    items = body.get("packs") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return (), ["'packs' must be a list"]
    problems: list[str] = []
    if len(items) > MAX_PACKS:
        problems.append(f"at most {MAX_PACKS} packs are allowed")
    for index, item in enumerate(items[:MAX_PACKS]):
        problems.extend(_problems_of(item, f"packs[{index}]"))
    names = [item.get("name") for item in items if isinstance(item, dict)]
    repeated = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
    if repeated:
        problems.append(f"pack names must be unique: {', '.join(repeated)} repeated")
    if problems:
        return (), problems
    return tuple(CreditPack.from_json(item) for item in items), []


async def load_credit_packs(tokens_kv: KVNamespace, platform_id: str) -> tuple[CreditPack, ...]:
    raw = await tokens_kv.get(kvkeys.credit_packs(platform_id))
    if raw is None:
        return ()
    return tuple(CreditPack.from_json(item) for item in json.loads(raw)["packs"])


async def store_credit_packs(tokens_kv: KVNamespace, platform_id: str, packs: tuple[CreditPack, ...]) -> None:
    await tokens_kv.put(kvkeys.credit_packs(platform_id), json.dumps({"packs": [p.to_json() for p in packs]}))


# What the packs routes take and answer (api_multi/credits_routes.py).
CREDIT_PACK = obj(
    {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"},
        "units": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "priceCents": {"type": "integer", "minimum": 50, "maximum": 99_999_999},
        "currency": {"type": "string", "pattern": "^[a-z]{3}$"},
        "stripePriceId": {"type": ["string", "null"], "pattern": "^price_[A-Za-z0-9_]{1,200}$"},
    },
    ("name", "units", "priceCents"),
)
CREDIT_PACKS = obj(
    {"platformId": STRING, "packs": {"type": "array", "items": CREDIT_PACK, "maxItems": 20}},
    ("platformId", "packs"),
)
