"""Pricing tiers a developer defines for their end users, with the platform defaults."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from dreamapi import kvkeys
from dreamapi.ports.kv import KVNamespace

DEFAULT_RATE_LIMIT_PER_MINUTE = 100


@dataclass(frozen=True)
class Overage:
    """Units past a tier's monthly limit, billed per unit on the developer's connected Stripe
    account: a metered price fed by a Billing Meter (events named `meter_event_name`)."""

    stripe_price_id: str
    meter_event_name: str
    unit_price_cents: int
    max_units: int | None = None  # overage units allowed per period; None: no cap

    def to_json(self) -> dict[str, Any]:
        return {
            "stripePriceId": self.stripe_price_id,
            "meterEventName": self.meter_event_name,
            "unitPriceCents": self.unit_price_cents,
            "maxUnits": self.max_units,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Overage:
        max_units = data.get("maxUnits")
        return cls(
            stripe_price_id=data["stripePriceId"],
            meter_event_name=data["meterEventName"],
            unit_price_cents=int(data["unitPriceCents"]),
            max_units=None if max_units is None else int(max_units),
        )


@dataclass(frozen=True)
class Tier:
    name: str
    limit: int  # calls per UTC month
    rate_limit: int = DEFAULT_RATE_LIMIT_PER_MINUTE  # calls per minute
    price_cents: int = 0
    currency: str = "usd"
    stripe_price_id: str | None = None
    default: bool = False
    overage: Overage | None = None

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "name": self.name,
            "limit": self.limit,
            "rateLimit": self.rate_limit,
            "priceCents": self.price_cents,
            "currency": self.currency,
            "stripePriceId": self.stripe_price_id,
            "default": self.default,
        }
        if self.overage is not None:
            shown["overage"] = self.overage.to_json()
        return shown

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tier:
        return cls(
            name=data["name"],
            limit=int(data["limit"]),
            rate_limit=int(data.get("rateLimit", DEFAULT_RATE_LIMIT_PER_MINUTE)),
            price_cents=int(data.get("priceCents", 0)),
            currency=str(data.get("currency", "usd")),
            stripe_price_id=data.get("stripePriceId"),
            default=bool(data.get("default", False)),
            overage=Overage.from_json(data["overage"]) if data.get("overage") else None,
        )


DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier(name="free", limit=5, price_cents=0, default=True),
    Tier(name="paid", limit=500, price_cents=2900),
)


@dataclass(frozen=True)
class TierConfig:
    tiers: tuple[Tier, ...]
    source: str  # "custom" when stored by the developer, "default" otherwise

    def to_json(self) -> dict[str, Any]:
        return {"tiers": [tier.to_json() for tier in self.tiers], "source": self.source}


async def load_tier_config(tokens_kv: KVNamespace, platform_id: str) -> TierConfig:
    raw = await tokens_kv.get(kvkeys.tier_config(platform_id))
    if raw is None:
        return TierConfig(DEFAULT_TIERS, "default")
    stored = json.loads(raw)
    return TierConfig(tuple(Tier.from_json(item) for item in stored["tiers"]), "custom")


MAX_TIERS = 20
MAX_MONTHLY_LIMIT = 1_000_000_000
MAX_RATE_LIMIT = 100_000
_TIER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_STRIPE_PRICE = re.compile(r"^price_[A-Za-z0-9_]{1,200}$")
_CURRENCY = re.compile(r"^[a-z]{3}$")
_FIELDS = {"name", "limit", "rateLimit", "priceCents", "currency", "stripePriceId", "default", "overage"}
_OVERAGE_FIELDS = {"stripePriceId", "meterEventName", "unitPriceCents", "maxUnits"}
_METER_EVENT_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
MAX_OVERAGE_UNIT_CENTS = 1_000_000


def _positive_int(value: Any, maximum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= maximum


def validate_tier_config(body: Any) -> tuple[tuple[Tier, ...], list[str]]:
    """Tiers from a `{"tiers": [...]}` body, and every problem found (empty when valid)."""
    problems: list[str] = []
    items = body.get("tiers") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        return (), ["'tiers' must be a non-empty list"]
    if len(items) > MAX_TIERS:
        problems.append(f"at most {MAX_TIERS} tiers are allowed")
    tiers: list[Tier] = []
    for index, item in enumerate(items[:MAX_TIERS]):
        where = f"tiers[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object")
            continue
        unknown = sorted(set(item) - _FIELDS)
        if unknown:
            problems.append(f"{where} has unknown fields: {', '.join(unknown)}")
        name = item.get("name")
        if not isinstance(name, str) or not _TIER_NAME.match(name):
            problems.append(f"{where}.name must be 1-32 lowercase letters, digits, '_' or '-'")
        if not _positive_int(item.get("limit"), MAX_MONTHLY_LIMIT):
            problems.append(f"{where}.limit must be a positive integer (calls per month)")
        rate = item.get("rateLimit", DEFAULT_RATE_LIMIT_PER_MINUTE)
        if not _positive_int(rate, MAX_RATE_LIMIT):
            problems.append(f"{where}.rateLimit must be a positive integer (calls per minute)")
        price = item.get("priceCents", 0)
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            problems.append(f"{where}.priceCents must be a non-negative integer")
        currency = item.get("currency", "usd")
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            problems.append(f"{where}.currency must be a 3-letter lowercase ISO code")
        price_id = item.get("stripePriceId")
        if price_id is not None and (not isinstance(price_id, str) or not _STRIPE_PRICE.match(price_id)):
            problems.append(f"{where}.stripePriceId must look like price_… or be null")
        if not isinstance(item.get("default", False), bool):
            problems.append(f"{where}.default must be true or false")
        if item.get("overage") is not None:
            problems.extend(_overage_problems(item["overage"], f"{where}.overage"))
        if not problems:
            tiers.append(Tier.from_json(item))
    names = [item.get("name") for item in items if isinstance(item, dict)]
    duplicates = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
    if duplicates:
        problems.append(f"tier names must be unique: {', '.join(duplicates)} repeated")
    defaults = [item for item in items if isinstance(item, dict) and item.get("default") is True]
    if len(defaults) != 1:
        problems.append(f"exactly one tier must be the default (found {len(defaults)})")
    return (tuple(tiers), problems) if not problems else ((), problems)


def _overage_problems(overage: Any, where: str) -> list[str]:
    if not isinstance(overage, dict):
        return [f"{where} must be an object or null"]
    problems = []
    unknown = sorted(set(overage) - _OVERAGE_FIELDS)
    if unknown:
        problems.append(f"{where} has unknown fields: {', '.join(unknown)}")
    price_id = overage.get("stripePriceId")
    if not isinstance(price_id, str) or not _STRIPE_PRICE.match(price_id):
        problems.append(f"{where}.stripePriceId must be the metered price_… on your connected account")
    name = overage.get("meterEventName")
    if not isinstance(name, str) or not _METER_EVENT_NAME.match(name):
        problems.append(
            f"{where}.meterEventName must be 1-100 of A-Z a-z 0-9 _ . : - (your meter's event name)"
        )
    cents = overage.get("unitPriceCents")
    if not isinstance(cents, int) or isinstance(cents, bool) or not 0 <= cents <= MAX_OVERAGE_UNIT_CENTS:
        problems.append(f"{where}.unitPriceCents must be an integer from 0 to {MAX_OVERAGE_UNIT_CENTS}")
    max_units = overage.get("maxUnits")
    if max_units is not None and not _positive_int(max_units, MAX_MONTHLY_LIMIT):
        problems.append(f"{where}.maxUnits must be a positive integer or null")
    return problems


async def store_tier_config(tokens_kv: KVNamespace, platform_id: str, tiers: tuple[Tier, ...]) -> TierConfig:
    await tokens_kv.put(kvkeys.tier_config(platform_id), json.dumps({"tiers": [t.to_json() for t in tiers]}))
    return TierConfig(tiers, "custom")
