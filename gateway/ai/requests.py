"""An AI call as the gateway sees it before forwarding: which API, which model and its price,
whether it streams, the most output it may produce (the route's maxOutputTokens is the default
and the ceiling, written into what the provider receives), and an estimate of its input.

The input estimate is the request body's length in bytes: an upper bound, since no token of
these providers' tokenizers stands for less than one byte of text (images sent as base64 count
their bytes, which overstates them). What is held is that estimate priced as input plus the
output ceiling (times `n` choices) priced as output; what is settled is what the provider reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dreamapi.ai_pricing import ModelPrice
from dreamapi.errors import ApiError, bad_request
from dreamapi.gateway_config import AI_PATHS, GatewayRoute

OPENAI_CHAT = "openai-chat"
OPENAI_EMBEDDINGS = "openai-embeddings"
ANTHROPIC_MESSAGES = "anthropic-messages"
MAX_CHOICES = 128


@dataclass(frozen=True)
class AiRequest:
    api: str
    model: str
    price: ModelPrice
    stream: bool
    usage_asked_for_the_client: bool  # the gateway asked for the stream's usage: not the client's to see
    max_output: int  # output tokens the call may produce, every choice together
    input_estimate: int
    body: bytes  # what the provider receives

    @property
    def most_units(self) -> int:
        return self.price.units(self.input_estimate, self.max_output)


def api_of(kind: str, path: str) -> str | None:
    """Which API a call to an AI route's `path` is (the config allows only these: AI_PATHS)."""
    apis = {
        "/chat/completions": OPENAI_CHAT,
        "/embeddings": OPENAI_EMBEDDINGS,
        "/messages": ANTHROPIC_MESSAGES,
    }
    path = path.rstrip("/")  # as routes match it
    return next((apis[end] for end in AI_PATHS.get(kind, ()) if path.endswith(end)), None)


def parse_ai_request(route: GatewayRoute, path: str, raw: bytes) -> AiRequest:
    """The call, or 400 (nothing forwarded) for a body the route cannot price."""
    api = api_of(route.kind, path)
    if api is None:
        raise bad_request(f"{path} is not a {route.kind} API this gateway meters", "unsupported_ai_path")
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object", "invalid_json")
    model = body.get("model")
    if not isinstance(model, str) or model not in route.models:
        known = ", ".join(sorted(route.models))
        raise ApiError(400, "unknown_model", f"Model {model!r} is not offered here; one of: {known}")
    changed = False
    max_output = 0
    if api != OPENAI_EMBEDDINGS:
        changed, max_output = _clamp_output(body, api, route.max_output_tokens)
        max_output *= _choices(body)
    stream = body.get("stream") is True
    asked = False
    if stream and api == OPENAI_CHAT:
        options = body.get("stream_options")
        if not isinstance(options, dict) or options.get("include_usage") is not True:
            body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
            asked = changed = True
    forwarded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() if changed else raw
    return AiRequest(api, model, route.models[model], stream, asked, max_output, len(raw), forwarded)


def _clamp_output(body: dict[str, Any], api: str, ceiling: int) -> tuple[bool, int]:
    """The output ceiling of the call, written into the body when the client asked for none or more."""
    names = ("max_completion_tokens", "max_tokens") if api == OPENAI_CHAT else ("max_tokens",)
    field = next((name for name in names if body.get(name) is not None), None)
    if field is None:
        body[names[0]] = ceiling
        return True, ceiling
    asked = body[field]
    if not isinstance(asked, int) or isinstance(asked, bool) or asked < 1:
        raise bad_request(f"'{field}' must be a positive integer", "invalid_max_tokens")
    if asked > ceiling:
        body[field] = ceiling
        return True, ceiling
    return False, asked


def _choices(body: dict[str, Any]) -> int:
    n = body.get("n", 1)
    if n is None:
        return 1
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_CHOICES:
        raise bad_request(f"'n' must be an integer from 1 to {MAX_CHOICES}", "invalid_n")
    return n
