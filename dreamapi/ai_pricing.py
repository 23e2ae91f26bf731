"""What an AI call costs in units: per model, units per 1,000 input tokens (cached input tokens at
their own price where the developer sets one), per 1,000 output tokens; the total of a call is
rounded up to a whole unit. Prices are decimals (0.15 units per 1,000 tokens is fine), computed
exactly (no binary floating point)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_MODELS = 50
MAX_PRICE = Decimal(1_000_000)
_MODEL_NAME = re.compile(r"^[A-Za-z0-9._:/@-]{1,128}$")


@dataclass(frozen=True)
class ModelPrice:
    input_per_1k: Decimal
    output_per_1k: Decimal
    cached_input_per_1k: Decimal | None = None

    def units(self, input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> int:
        """The call's units: `cached_tokens` of the `input_tokens` at the cached price, if set."""
        cached = min(cached_tokens, input_tokens) if self.cached_input_per_1k is not None else 0
        total = (
            (input_tokens - cached) * self.input_per_1k
            + cached * (self.cached_input_per_1k or Decimal(0))
            + output_tokens * self.output_per_1k
        )
        return math.ceil(total / 1000)

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "inputPer1k": _number(self.input_per_1k),
            "outputPer1k": _number(self.output_per_1k),
        }
        if self.cached_input_per_1k is not None:
            shown["cachedInputPer1k"] = _number(self.cached_input_per_1k)
        return shown


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _price(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return None
    return price if price.is_finite() and Decimal(0) <= price <= MAX_PRICE else None


def parse_models(value: Any, where: str, problems: list[str]) -> dict[str, ModelPrice]:
    if not isinstance(value, dict) or not 1 <= len(value) <= MAX_MODELS:
        problems.append(f"{where} must map 1 to {MAX_MODELS} model names to their prices")
        return {}
    models: dict[str, ModelPrice] = {}
    for name, item in value.items():
        if not _MODEL_NAME.match(str(name)):
            problems.append(f"{where}: {name!r} is not a model name")
            continue
        if not isinstance(item, dict) or set(item) - {"inputPer1k", "outputPer1k", "cachedInputPer1k"}:
            problems.append(f"{where}.{name} must be {{inputPer1k, outputPer1k, cachedInputPer1k?}}")
            continue
        prices = {key: _price(item.get(key)) for key in ("inputPer1k", "outputPer1k")}
        cached = _price(item["cachedInputPer1k"]) if "cachedInputPer1k" in item else None
        if None in prices.values() or ("cachedInputPer1k" in item and cached is None):
            problems.append(
                f"{where}.{name}: prices must be numbers from 0 to {MAX_PRICE} (units per 1,000 tokens)"
            )
            continue
        models[str(name)] = ModelPrice(prices["inputPer1k"], prices["outputPer1k"], cached)  # type: ignore[arg-type]
    return models
