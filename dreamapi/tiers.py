"""Pricing tiers a developer defines for their end users, with the platform defaults."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dreamapi import kvkeys
from dreamapi.ports.kv import KVNamespace

DEFAULT_RATE_LIMIT_PER_MINUTE = 100


@dataclass(frozen=True)
class Tier:
    name: str
    limit: int  # calls per UTC month
    rate_limit: int = DEFAULT_RATE_LIMIT_PER_MINUTE  # calls per minute
    price_cents: int = 0
    currency: str = "usd"
    stripe_price_id: str | None = None
    default: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "limit": self.limit,
            "rateLimit": self.rate_limit,
            "priceCents": self.price_cents,
            "currency": self.currency,
            "stripePriceId": self.stripe_price_id,
            "default": self.default,
        }

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
