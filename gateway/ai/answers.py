"""What a whole (not streamed) AI answer says the call used."""

from __future__ import annotations

import json

from gateway.ai.requests import ANTHROPIC_MESSAGES, AiRequest
from gateway.ai.tokens import TokenUsage, anthropic_usage, openai_usage


def answer_usage(request: AiRequest, body: bytes) -> TokenUsage | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    usage = answer.get("usage") if isinstance(answer, dict) else None
    return anthropic_usage(usage) if request.api == ANTHROPIC_MESSAGES else openai_usage(usage)
