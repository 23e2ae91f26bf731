"""Tokens a call used, as the providers report them, and what they cost in units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dreamapi.ai_pricing import ModelPrice


@dataclass(frozen=True)
class TokenUsage:
    input: int  # every input token, cached ones included
    output: int
    cached: int = 0  # input tokens read from the provider's cache

    def units(self, price: ModelPrice) -> int:
        return price.units(self.input, self.output, self.cached)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def openai_usage(usage: Any) -> TokenUsage | None:
    """OpenAI's `usage`: prompt_tokens (cached included), completion_tokens (0 for embeddings)."""
    if not isinstance(usage, dict) or "prompt_tokens" not in usage:
        return None
    details = usage.get("prompt_tokens_details")
    cached = _count(details.get("cached_tokens")) if isinstance(details, dict) else 0
    return TokenUsage(_count(usage["prompt_tokens"]), _count(usage.get("completion_tokens")), cached)


def anthropic_usage(usage: Any, before: TokenUsage | None = None) -> TokenUsage | None:
    """Anthropic's `usage`: input_tokens excludes cache reads and writes, which are counted apart;
    in a stream, message_start has the input and message_delta the cumulative output (and may
    repeat the input), so what a later event leaves out comes from `before`."""
    if not isinstance(usage, dict):
        return before
    has_input = any(name in usage for name in ("input_tokens", "cache_read_input_tokens"))
    if has_input or before is None:
        cached = _count(usage.get("cache_read_input_tokens"))
        total = _count(usage.get("input_tokens")) + cached + _count(usage.get("cache_creation_input_tokens"))
    else:
        total, cached = before.input, before.cached
    output = (
        _count(usage.get("output_tokens")) if "output_tokens" in usage else (before.output if before else 0)
    )
    return TokenUsage(total, output, cached)
