"""The gateway's AI metering on CPython: pricing, the request's estimate and ceiling, and streams
read as they pass (cut at any byte). The whole path runs in workerd (tests/runtime/test_gateway_ai.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from dreamapi.ai_pricing import ModelPrice, parse_models
from dreamapi.errors import ApiError
from dreamapi.gateway_config import GatewayRoute
from gateway.ai.requests import ANTHROPIC_MESSAGES, OPENAI_CHAT, OPENAI_EMBEDDINGS, parse_ai_request
from gateway.ai.sse import SseSplitter
from gateway.ai.streams import AnthropicStream, OpenAIChatStream
from gateway.ai.tokens import TokenUsage, anthropic_usage, openai_usage

PRICE = ModelPrice(Decimal(1), Decimal(4), Decimal("0.5"))


def route(kind: str = "openai", path: str = "/v1/chat/completions", ceiling: int = 100) -> GatewayRoute:
    return GatewayRoute("POST", path, kind, models={"m": PRICE}, max_output_tokens=ceiling)


def test_units_are_per_1000_tokens_rounded_up_per_call_cached_input_at_its_price() -> None:
    assert PRICE.units(1000, 0) == 1 and PRICE.units(1001, 0) == 2
    assert PRICE.units(0, 250) == 1 and PRICE.units(2000, 1000, cached_tokens=1000) == ceil_div(
        1000 + 500 + 4000, 1000
    )
    assert ModelPrice(Decimal("0.15"), Decimal("0.6")).units(10_000, 1_000) == 3  # 1.5 + 0.6 = 2.1 → 3
    assert ModelPrice(Decimal(1), Decimal(1)).units(0, 0) == 0
    problems: list[str] = []
    models = parse_models(
        {"a": {"inputPer1k": 0.15, "outputPer1k": 0.6}, "b b": {}, "c": {"inputPer1k": -1, "outputPer1k": 1}},
        "m",
        problems,
    )
    assert list(models) == ["a"] and models["a"].input_per_1k == Decimal("0.15") and len(problems) == 2


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def test_a_chat_request_is_clamped_asks_for_usage_and_is_estimated_by_its_bytes() -> None:
    raw = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}).encode()
    request = parse_ai_request(route(), "/v1/chat/completions", raw)
    sent = json.loads(request.body)
    assert (request.api, request.stream, request.usage_asked_for_the_client) == (OPENAI_CHAT, True, True)
    assert sent["max_completion_tokens"] == 100 and sent["stream_options"] == {"include_usage": True}
    assert request.input_estimate == len(raw) and request.most_units == PRICE.units(len(raw), 100)
    mine = {
        "model": "m",
        "messages": [],
        "max_tokens": 30,
        "n": 2,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    request = parse_ai_request(route(), "/v1/chat/completions", json.dumps(mine).encode())
    assert request.max_output == 60 and not request.usage_asked_for_the_client
    assert request.body == json.dumps(mine).encode()  # nothing to change: forwarded as sent
    too_many = parse_ai_request(
        route(), "/v1/chat/completions", json.dumps({**mine, "max_tokens": 500}).encode()
    )
    assert json.loads(too_many.body)["max_tokens"] == 100 and too_many.max_output == 200


def test_anthropic_and_embeddings_requests() -> None:
    message = parse_ai_request(
        route("anthropic", "/v1/messages"), "/v1/messages", b'{"model": "m", "max_tokens": 10}'
    )
    assert (message.api, message.max_output, message.stream) == (ANTHROPIC_MESSAGES, 10, False)
    embedding = parse_ai_request(
        route(path="/v1/embeddings"), "/v1/embeddings", b'{"model": "m", "input": "abc"}'
    )
    assert (embedding.api, embedding.max_output) == (OPENAI_EMBEDDINGS, 0)
    # a trailing slash matches the route (as every route match does), so it is the same API
    slashed = parse_ai_request(
        route("anthropic", "/v1/messages"), "/v1/messages/", b'{"model": "m", "max_tokens": 1}'
    )
    assert slashed.api == ANTHROPIC_MESSAGES


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"model": "gpt-5"}', "unknown_model"),
        (b"[1]", "invalid_json"),
        (b"not json", "invalid_json"),
        (b'{"model": "m", "max_tokens": 0}', "invalid_max_tokens"),
        (b'{"model": "m", "max_tokens": "9"}', "invalid_max_tokens"),
        (b'{"model": "m", "n": 0}', "invalid_n"),
    ],
)
def test_what_cannot_be_priced_is_400(body: bytes, error: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse_ai_request(route(), "/v1/chat/completions", body)
    assert (raised.value.status, raised.value.error) == (400, error)


def test_sse_events_survive_any_cut() -> None:
    stream = b'event: a\ndata: 1\n\ndata: {"x":\ndata: 2}\n\r\n\r\n: comment\n\ndata: [DONE]\n\n'
    for size in (1, 2, 3, 7, len(stream)):
        splitter = SseSplitter()
        events = [e for i in range(0, len(stream), size) for e in splitter.feed(stream[i : i + size])]
        assert b"".join(e.raw for e in events) == stream and splitter.rest() == b""
        assert [(e.name, e.data) for e in events][:2] == [("a", "1"), (None, '{"x":\n2}')]


def openai_stream(include_usage: bool, tokens: int = 3) -> bytes:
    def chunk(delta: dict, finish: str | None = None) -> dict:
        body = {
            "id": "c1",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        if include_usage:
            body["usage"] = None
        return body

    chunks = [chunk({"role": "assistant", "content": ""})] + [
        chunk({"content": f"t{i} "}) for i in range(tokens)
    ]
    chunks.append(chunk({}, "stop"))
    if include_usage:
        usage = {
            "prompt_tokens": 12,
            "completion_tokens": tokens,
            "prompt_tokens_details": {"cached_tokens": 2},
        }
        chunks.append({"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": usage})
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


@pytest.mark.parametrize("size", [1, 5, 64, 10_000])
def test_an_openai_stream_the_client_did_not_ask_usage_of_looks_as_if_it_had_not_been_asked(
    size: int,
) -> None:
    meter = OpenAIChatStream(input_estimate=999, hide_usage=True)
    stream = openai_stream(include_usage=True)
    forwarded = b"".join(meter.feed(stream[i : i + size]) for i in range(0, len(stream), size)) + meter.end()
    assert forwarded == openai_stream(include_usage=False)
    assert meter.used() == TokenUsage(12, 3, 2)


def test_an_openai_stream_cut_before_its_usage_is_estimated_from_what_went_through() -> None:
    meter = OpenAIChatStream(input_estimate=40, hide_usage=False)
    stream = openai_stream(include_usage=True, tokens=5)
    meter.feed(stream[: stream.index(b"t3")])
    assert meter.used() == TokenUsage(40, 3)  # t0, t1, t2 forwarded
    failing = OpenAIChatStream(input_estimate=40, hide_usage=False)
    opening = b'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n'
    failing.feed(opening + b'data: {"error":{"message":"boom"}}\n\n')
    assert failing.used() is None  # an error before any output settles nothing


def anthropic_events(output: int, cut_after: int | None = None) -> bytes:
    def event(name: str, data: dict) -> bytes:
        return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

    start = {
        "type": "message_start",
        "message": {"usage": {"input_tokens": 8, "cache_read_input_tokens": 4, "output_tokens": 1}},
    }
    parts = [event("message_start", start), event("ping", {"type": "ping"})]
    parts += [
        event(
            "content_block_delta",
            {"type": "content_block_delta", "delta": {"type": "text_delta", "text": f"t{i}"}},
        )
        for i in range(output)
    ]
    if cut_after is not None:
        return b"".join(parts[: 2 + cut_after])
    parts.append(event("message_delta", {"type": "message_delta", "usage": {"output_tokens": output}}))
    return b"".join(parts)


def test_anthropic_usage_is_cumulative_and_the_input_comes_from_message_start() -> None:
    meter = AnthropicStream(input_estimate=999)
    assert meter.feed(anthropic_events(6)) == anthropic_events(6)  # forwarded untouched
    assert meter.used() == TokenUsage(12, 6, 4)
    cut = AnthropicStream(input_estimate=999)
    cut.feed(anthropic_events(6, cut_after=4))
    assert cut.used() == TokenUsage(12, 4, 4)
    errored = AnthropicStream(input_estimate=999)
    errored.feed(
        b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}\n\n'
    )
    assert errored.used() is None


def test_provider_usage_objects() -> None:
    assert openai_usage({"prompt_tokens": 5, "total_tokens": 5}) == TokenUsage(5, 0)
    assert openai_usage(None) is None
    first = anthropic_usage({"input_tokens": 3, "cache_creation_input_tokens": 2, "output_tokens": 1})
    assert first == TokenUsage(5, 1, 0)
    assert anthropic_usage({"output_tokens": 9}, first) == TokenUsage(5, 9, 0)
