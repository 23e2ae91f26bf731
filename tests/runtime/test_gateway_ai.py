"""AI routes through the gateway, driven by the official `openai` and `anthropic` SDKs against the
LLM stand-in: token usage priced exactly, streams passed through (the usage chunk the gateway
asked for removed), worst cases held up front so concurrent streams never overspend, a client
leaving mid-stream settled from what it used, failures counting nothing."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from decimal import Decimal
from typing import Any

import anthropic
import httpx
import openai
import pytest

from dreamapi.ai_pricing import ModelPrice
from scripts.local_platform import Platform
from tests.runtime.helpers import eventually, key_headers, new_user, platform_with_tier

pytestmark = pytest.mark.runtime

GPT = "gpt-4o-mini"
CLAUDE = "claude-sonnet-4"
PRICES = {
    GPT: {"inputPer1k": 1, "outputPer1k": 4, "cachedInputPer1k": 0.5},
    "text-embedding-3-small": {"inputPer1k": 0.02, "outputPer1k": 0},
    CLAUDE: {"inputPer1k": 3, "outputPer1k": 15, "cachedInputPer1k": 0.3},
}
PROVIDER_KEY = "sk-provider-" + "p" * 24
MAX_OUTPUT = 64


def price(model: str) -> ModelPrice:
    raw = PRICES[model]
    cached = raw.get("cachedInputPer1k")
    return ModelPrice(
        Decimal(str(raw["inputPer1k"])),
        Decimal(str(raw["outputPer1k"])),
        None if cached is None else Decimal(str(cached)),
    )


class AiSetup:
    def __init__(self, platform: Platform, api_multi: httpx.Client, *, limit: int = 1_000_000) -> None:
        self.platform = platform
        self.api_multi = api_multi
        self.platform_id, self.api_key = platform_with_tier(api_multi, limit=limit, rateLimit=100_000)
        models = {name: PRICES[name] for name in (GPT, "text-embedding-3-small")}
        config = {
            "upstream": platform.llm.base_url,
            "upstreamHeaders": {"authorization": f"Bearer {PROVIDER_KEY}"},
            "routes": [
                {
                    "kind": "openai",
                    "path": "/v1/chat/completions",
                    "models": models,
                    "maxOutputTokens": MAX_OUTPUT,
                },
                {"kind": "openai", "path": "/v1/embeddings", "models": models},
                {
                    "kind": "anthropic",
                    "path": "/v1/messages",
                    "models": {CLAUDE: PRICES[CLAUDE]},
                    "maxOutputTokens": MAX_OUTPUT,
                    "upstreamHeaders": {"x-api-key": PROVIDER_KEY},
                },
            ],
        }
        stored = api_multi.put("/api/developer/gateway", headers=key_headers(self.api_key), json=config)
        assert stored.status_code == 201, stored.text
        self.user = new_user()
        created = api_multi.post(f"/api/developer/users/{self.user}/keys", headers=key_headers(self.api_key))
        self.user_key = created.json()["apiKey"]
        self.base = f"{platform.workers['gateway'].url}/{self.platform_id}"

    def openai(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.base}/v1", api_key=self.user_key, max_retries=0)

    def anthropic(self) -> anthropic.Anthropic:
        return anthropic.Anthropic(base_url=self.base, api_key=self.user_key, max_retries=0)

    def usage(self) -> dict[str, Any]:
        return dict(
            self.api_multi.get("/api/usage", headers=key_headers(self.api_key, self.user)).json()["usage"]
        )

    def settled(self, count: int) -> dict[str, Any]:
        return eventually(self.usage, lambda u: u["count"] == count and u["held"] == 0)

    def records(self, marker: str) -> list[Any]:
        return self.platform.llm.requests(request_id=marker)


@pytest.fixture()
def ai(platform: Platform, api_multi: httpx.Client) -> AiSetup:
    return AiSetup(platform, api_multi)


def expected_openai(record: Any, model: str = GPT) -> int:
    usage = record.usage
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
    return price(model).units(usage["prompt_tokens"], usage.get("completion_tokens", 0), cached)


def expected_anthropic(record: Any) -> int:
    u = record.usage
    total = u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
    return price(CLAUDE).units(total, u["output_tokens"], u["cache_read_input_tokens"])


def test_openai_sdk_chat_completions_and_embeddings_are_priced_exactly(ai: AiSetup) -> None:
    marker = secrets.token_hex(6)
    client = ai.openai()
    words = " ".join(f"w{i}" for i in range(1500))  # 1,500 input tokens for the stand-in
    answer = client.chat.completions.create(
        model=GPT,
        messages=[{"role": "user", "content": words}],
        extra_headers={"x-llm-request-id": marker, "x-llm-output-tokens": "40", "x-llm-cached-tokens": "500"},
    )
    assert answer.choices[0].message.content.startswith("tok1 ") and answer.usage.completion_tokens == 40
    [record] = ai.records(marker)
    assert record.headers["authorization"] == f"Bearer {PROVIDER_KEY}" and record.api_key == PROVIDER_KEY
    assert ai.user_key not in json.dumps(record.to_dict())
    assert record.body["max_completion_tokens"] == MAX_OUTPUT  # the route's ceiling, written in
    first = expected_openai(record)
    assert first == price(GPT).units(1500, 40, 500) == 1 + 1  # (1000 * 1 + 500 * 0.5 + 40 * 4) / 1000 → 2
    assert ai.settled(first)["count"] == first

    embedded = client.embeddings.create(
        model="text-embedding-3-small",
        input=["a b c", "d e"],
        extra_headers={"x-llm-request-id": marker + "e"},
    )
    assert len(embedded.data) == 2 and embedded.usage.prompt_tokens == 5
    [record] = ai.records(marker + "e")
    embeddings = expected_openai(record, "text-embedding-3-small")
    assert ai.settled(first + embeddings)
    # the developer sees the units by model: exact on the user's page, summed in the analytics
    page = ai.api_multi.get(f"/api/developer/users/{ai.user}", headers=key_headers(ai.api_key)).json()
    assert page["unitsBy"] == {"model": {GPT: first, "text-embedding-3-small": embeddings}, "route": {}}
    analytics = eventually(
        lambda: ai.api_multi.get("/api/developer/analytics/usage", headers=key_headers(ai.api_key)).json(),
        lambda a: a["totals"]["byModel"].get(GPT) == first,
    )
    assert analytics["totals"]["byModel"] == page["unitsBy"]["model"]


def test_openai_sdk_streams_pass_through_without_the_usage_chunk_the_client_did_not_ask_for(
    ai: AiSetup,
) -> None:
    marker = secrets.token_hex(6)
    stream = ai.openai().chat.completions.create(
        model=GPT,
        messages=[{"role": "user", "content": "one two three"}],
        max_tokens=12,
        stream=True,
        extra_headers={"x-llm-request-id": marker, "x-llm-output-tokens": "9"},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "".join(f"tok{i} " for i in range(1, 10))
    assert all(c.choices for c in chunks) and all(c.usage is None for c in chunks)  # no usage chunk
    [record] = ai.records(marker)
    assert record.body["stream_options"] == {"include_usage": True} and record.body["max_tokens"] == 12
    assert record.usage["completion_tokens"] == 9
    assert ai.settled(expected_openai(record))

    # what the client gets equals a direct stream from the provider, but for ids and times
    body = {
        "model": GPT,
        "messages": [{"role": "user", "content": "one two three"}],
        "max_tokens": 12,
        "stream": True,
    }
    headers = {"x-llm-output-tokens": "9", "accept-encoding": "identity"}
    direct = httpx.post(
        f"{ai.platform.llm.base_url}/v1/chat/completions",
        json=body,
        headers={**headers, "authorization": "Bearer sk-x"},
    )
    through = httpx.post(
        f"{ai.base}/v1/chat/completions",
        json=body,
        headers={**headers, "authorization": f"Bearer {ai.user_key}"},
    )
    assert through.status_code == 200 and through.headers["content-type"].startswith("text/event-stream")
    assert normalised(through.content) == normalised(direct.content)
    asked = httpx.post(
        f"{ai.base}/v1/chat/completions",
        json={**body, "stream_options": {"include_usage": True}},
        headers={**headers, "authorization": f"Bearer {ai.user_key}"},
    )
    assert b'"choices": [], "usage": {' in asked.content  # a client that asks gets it, as from the provider


def normalised(stream: bytes) -> bytes:
    text = stream.decode()
    for field in ("id", "created"):
        text = re.sub(rf'"{field}": [^,]+,', f'"{field}": X,', text)
    return text.encode()


def test_anthropic_sdk_messages_create_and_stream(ai: AiSetup) -> None:
    marker = secrets.token_hex(6)
    client = ai.anthropic()
    message = client.messages.create(
        model=CLAUDE,
        max_tokens=1000,  # clamped to the route's 64
        messages=[{"role": "user", "content": "hello there general kenobi"}],
        extra_headers={"x-llm-request-id": marker, "x-llm-output-tokens": "100", "x-llm-cached-tokens": "2"},
    )
    assert message.usage.output_tokens == MAX_OUTPUT and message.stop_reason == "max_tokens"
    [record] = ai.records(marker)
    assert "x-api-key" in record.headers and record.headers["x-api-key"] == PROVIDER_KEY
    assert ai.user_key not in json.dumps(record.to_dict())
    first = expected_anthropic(record)
    assert ai.settled(first)

    with client.messages.stream(
        model=CLAUDE,
        max_tokens=20,
        messages=[{"role": "user", "content": "stream please"}],
        extra_headers={"x-llm-request-id": marker + "s", "x-llm-output-tokens": "15"},
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "".join(f"tok{i} " for i in range(1, 16)) and final.usage.output_tokens == 15
    [record] = ai.records(marker + "s")
    assert ai.settled(first + expected_anthropic(record))


def test_an_unknown_model_or_a_failure_counts_nothing(ai: AiSetup) -> None:
    marker = secrets.token_hex(6)
    client = ai.openai()
    with pytest.raises(openai.BadRequestError) as unknown:
        client.chat.completions.create(model="gpt-9", messages=[], extra_headers={"x-llm-request-id": marker})
    assert unknown.value.status_code == 400 and "unknown_model" in str(unknown.value.body)
    assert ai.records(marker) == []  # nothing forwarded
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(
            model=GPT, messages=[], extra_headers={"x-llm-status": "500", "x-llm-request-id": marker}
        )
    with pytest.raises(openai.APIError):
        list(
            client.chat.completions.create(
                model=GPT,
                messages=[],
                stream=True,
                extra_headers={"x-llm-error-after": "0", "x-llm-request-id": marker},
            )
        )
    with (
        pytest.raises(anthropic.APIStatusError),
        ai.anthropic().messages.stream(
            model=CLAUDE,
            max_tokens=10,
            messages=[],
            extra_headers={"x-llm-error-after": "0", "x-llm-request-id": marker},
        ) as stream,
    ):
        list(stream.text_stream)
    assert len(ai.records(marker)) == 3
    config = {
        "upstream": "http://127.0.0.1:9",
        "routes": [{"kind": "openai", "path": "/v1/chat/completions", "models": {GPT: PRICES[GPT]}}],
    }
    assert (
        ai.api_multi.put("/api/developer/gateway", headers=key_headers(ai.api_key), json=config).status_code
        == 200
    )
    time.sleep(2.5)
    with pytest.raises(openai.APIStatusError) as refused:
        client.chat.completions.create(model=GPT, messages=[])
    assert refused.value.status_code == 502
    time.sleep(1)
    assert ai.usage()["count"] == 0 and ai.usage()["held"] == 0


def test_a_client_leaving_mid_stream_is_settled_from_what_it_used(ai: AiSetup) -> None:
    marker = secrets.token_hex(6)
    body = {
        "model": CLAUDE,
        "max_tokens": 50,
        "stream": True,
        "messages": [{"role": "user", "content": "a b c d"}],
    }
    headers = {
        "x-api-key": ai.user_key,
        "anthropic-version": "2023-06-01",
        "x-llm-request-id": marker,
        "x-llm-output-tokens": "50",
        "x-llm-delay-ms": "200",
    }
    deltas = 0
    with httpx.stream("POST", f"{ai.base}/v1/messages", json=body, headers=headers, timeout=30) as reply:
        assert reply.status_code == 200
        for line in reply.iter_lines():
            deltas += line.startswith("event: content_block_delta")
            if deltas == 5:
                break  # the client goes away
    record = eventually(
        lambda: ai.records(marker)[0], lambda r: r.client_gone and r.finished is False, timeout=20
    )
    assert record.client_gone and record.output_tokens_sent < 50  # the provider saw it and stopped
    usage = eventually(ai.usage, lambda u: u["held"] == 0 and u["count"] > 0, timeout=20)
    # settled from message_start's input (4 words) and the content chunks that reached the gateway
    low, high = price(CLAUDE).units(4, 5), price(CLAUDE).units(4, record.output_tokens_sent)
    assert low <= usage["count"] <= high, (usage, record.output_tokens_sent)


async def _stream_all(url: str, key: str, body: bytes, count: int) -> list[int]:
    async def one(client: httpx.AsyncClient) -> int:
        async with client.stream(
            "POST",
            url,
            content=body,
            headers={
                "authorization": f"Bearer {key}",
                "content-type": "application/json",
                "x-llm-delay-ms": "20",
            },
        ) as reply:
            async for _ in reply.aiter_bytes():
                pass
            return reply.status_code

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=count)) as client:
        return list(await asyncio.gather(*(one(client) for _ in range(count))))


def test_30_concurrent_streams_with_credits_for_10_worst_cases_start_exactly_10(
    platform: Platform, api_multi: httpx.Client
) -> None:
    ai = AiSetup(platform, api_multi, limit=1)
    body = json.dumps(
        {"model": GPT, "messages": [{"role": "user", "content": "x " * 400}], "stream": True}
    ).encode()
    worst = price(GPT).units(len(body), MAX_OUTPUT)
    grant = api_multi.post(
        f"/api/developer/users/{ai.user}/credits",
        headers=key_headers(ai.api_key),
        json={"units": 10 * worst - 1},
    )
    assert grant.status_code == 201, grant.text
    statuses = asyncio.run(_stream_all(f"{ai.base}/v1/chat/completions", ai.user_key, body, 30))
    assert (statuses.count(200), statuses.count(402)) == (10, 20), statuses
    final = eventually(ai.usage, lambda u: u["held"] == 0, timeout=30)
    assert final["credits"] >= 0 and final["held"] == 0
    records = [
        r
        for r in platform.llm.requests()
        if r.body.get("messages") == [{"role": "user", "content": "x " * 400}]
    ]
    assert len(records) == 10
    spent = sum(expected_openai(r) for r in records)
    assert final["count"] == spent and final["credits"] == 10 * worst - 1 - (spent - 1)
