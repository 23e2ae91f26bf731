"""The LLM stand-in, driven by the official OpenAI and Anthropic SDKs (and raw HTTP where the wire
format itself is the point): usage numbers follow the documented rule, streams come token by token,
and failures surface as the SDKs' own errors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from scripts.standins.llm import LlmRecord, LlmStandin

# 2 system words + 3 user words + 2 words in a text part
OPENAI_MESSAGES: list[Any] = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "hello there world"},
    {"role": "user", "content": [{"type": "text", "text": "two  words"}]},
]
OPENAI_WORDS = 7
# 3 system words + 4 words across the turns
ANTHROPIC_SYSTEM = "you are terse"
ANTHROPIC_MESSAGES: list[Any] = [
    {"role": "user", "content": "hi there"},
    {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
    {"role": "user", "content": [{"type": "text", "text": "bye"}]},
]
ANTHROPIC_WORDS = 7


@pytest.fixture
def llm() -> Iterator[LlmStandin]:
    standin = LlmStandin()
    standin.start()
    yield standin
    standin.server.stop()


@pytest.fixture
def openai_client(llm: LlmStandin) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{llm.base_url}/v1", api_key="sk-test", max_retries=0)


@pytest.fixture
def anthropic_client(llm: LlmStandin) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=llm.base_url, api_key="sk-ant-test", max_retries=0)


def expected_text(tokens: int) -> str:
    return "".join(f"tok{i} " for i in range(1, tokens + 1))


def only_record(llm: LlmStandin) -> LlmRecord:
    records = llm.requests()
    assert len(records) == 1
    return records[0]


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def sse_events(text: str) -> list[tuple[str | None, str]]:
    """(event name or None, data) for each server-sent event."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields.get("event"), fields["data"]))
    return events


# OpenAI


def test_chat_completion_usage_follows_the_rule(llm: LlmStandin, openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model="gpt-test",
        messages=OPENAI_MESSAGES,
        extra_headers={"x-llm-cached-tokens": "4", "x-llm-request-id": "chat-1"},
    )
    assert completion.object == "chat.completion" and completion.model == "gpt-test"
    assert completion.choices[0].message.content == expected_text(20)
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (OPENAI_WORDS, 20, 27)
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 4
    record = only_record(llm)
    assert record.request_id == "chat-1" and record.api_key == "sk-test"
    assert record.headers["authorization"] == "Bearer sk-test" and "x-api-key" not in record.headers
    assert record.usage == usage.model_dump(exclude_none=True) and record.output_tokens_sent == 20
    assert record.finished and not record.stream


def test_chat_completion_is_cut_by_max_completion_tokens(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model="gpt-test",
        messages=OPENAI_MESSAGES,
        max_completion_tokens=5,
        extra_headers={"x-llm-input-tokens": "1000", "x-llm-output-tokens": "50"},
    )
    assert completion.choices[0].finish_reason == "length"
    assert completion.choices[0].message.content == expected_text(5)
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (1000, 5)


def test_stream_without_include_usage_has_no_usage(llm: LlmStandin, openai_client: openai.OpenAI) -> None:
    chunks = list(
        openai_client.chat.completions.create(
            model="gpt-test",
            messages=OPENAI_MESSAGES,
            stream=True,
            extra_headers={"x-llm-output-tokens": "6"},
        )
    )
    assert all(chunk.usage is None for chunk in chunks)
    assert all(chunk.choices for chunk in chunks)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == expected_text(6)
    assert chunks[-1].choices[0].finish_reason == "stop"
    record = only_record(llm)
    assert record.stream and record.usage is None and record.output_tokens_sent == 6 and record.finished


def test_stream_with_include_usage_ends_with_a_usage_chunk(openai_client: openai.OpenAI) -> None:
    chunks = list(
        openai_client.chat.completions.create(
            model="gpt-test",
            messages=OPENAI_MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=3,
        )
    )
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (7, 3, 10)
    assert all(chunk.usage is None and chunk.choices for chunk in chunks[:-1])
    assert chunks[-2].choices[0].finish_reason == "length"
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1]) == expected_text(3)


def test_openai_stream_wire_format(llm: LlmStandin) -> None:
    body = {
        "model": "m",
        "messages": OPENAI_MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with_usage = httpx.post(
        f"{llm.base_url}/v1/chat/completions", json=body, headers={"authorization": "Bearer k"}
    )
    assert with_usage.headers["content-type"].startswith("text/event-stream")
    events = sse_events(with_usage.text)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert all("usage" in chunk and chunk["usage"] is None for chunk in chunks[:-1])
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 20
    body["stream_options"] = None
    without = httpx.post(
        f"{llm.base_url}/v1/chat/completions", json=body, headers={"authorization": "Bearer k"}
    )
    plain = [json.loads(data) for _, data in sse_events(without.text)[:-1]]
    assert all("usage" not in chunk for chunk in plain) and len(plain) == len(chunks) - 1


def test_embeddings_for_a_string_and_a_list(llm: LlmStandin, openai_client: openai.OpenAI) -> None:
    many = openai_client.embeddings.create(model="emb-test", input=["one two", "three four five"])
    assert [item.index for item in many.data] == [0, 1]
    assert all(len(item.embedding) == 8 for item in many.data)
    assert (many.usage.prompt_tokens, many.usage.total_tokens) == (5, 5)
    assert llm.requests()[0].body["encoding_format"] == "base64"  # what the SDK asks for by default
    one = openai_client.embeddings.create(
        model="emb-test", input="one two", encoding_format="float", dimensions=4
    )
    assert one.data[0].embedding == many.data[0].embedding[:4]
    assert one.usage.prompt_tokens == 2
    assert many.data[0].embedding != many.data[1].embedding


def test_openai_error_status_has_openais_shape(llm: LlmStandin, openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as failed:
        openai_client.chat.completions.create(
            model="gpt-test", messages=OPENAI_MESSAGES, extra_headers={"x-llm-status": "503"}
        )
    assert failed.value.status_code == 503
    assert failed.value.body == {
        "message": "x-llm-status asked for 503",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.RateLimitError):
        openai_client.embeddings.create(model="e", input="x", extra_headers={"x-llm-status": "429"})
    assert [(r.status, r.error) for r in llm.requests()] == [(503, "server_error"), (429, "requests")]


def test_openai_mid_stream_error_after_k_tokens(llm: LlmStandin, openai_client: openai.OpenAI) -> None:
    received = []
    with pytest.raises(openai.APIError, match="server had an error"):
        for chunk in openai_client.chat.completions.create(
            model="gpt-test",
            messages=OPENAI_MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
            extra_headers={"x-llm-error-after": "3"},
        ):
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == expected_text(3)
    record = only_record(llm)
    assert record.output_tokens_sent == 3 and record.error == "server_error" and record.usage is None


def test_a_key_is_required_but_any_key_will_do(llm: LlmStandin) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    missing = httpx.post(f"{llm.base_url}/v1/chat/completions", json=body)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "invalid_api_key"
    keyed = httpx.post(f"{llm.base_url}/v1/chat/completions", json=body, headers={"x-api-key": "anything"})
    assert keyed.status_code == 200
    assert [r.api_key for r in llm.requests()] == [None, "anything"]


# Anthropic


def test_message_usage_follows_the_rule(llm: LlmStandin, anthropic_client: anthropic.Anthropic) -> None:
    message = anthropic_client.messages.create(
        model="claude-test",
        max_tokens=100,
        system=ANTHROPIC_SYSTEM,
        messages=ANTHROPIC_MESSAGES,
        extra_headers={"x-llm-cached-tokens": "2", "x-llm-cache-creation-tokens": "1"},
    )
    assert message.type == "message" and message.role == "assistant"
    assert message.content[0].type == "text" and message.content[0].text == expected_text(20)
    assert message.stop_reason == "end_turn"
    usage = message.usage
    assert (usage.input_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (4, 2, 1)
    assert usage.output_tokens == 20
    assert usage.input_tokens + 2 + 1 == ANTHROPIC_WORDS
    record = only_record(llm)
    assert record.api == "anthropic" and record.model == "claude-test"
    assert record.headers["anthropic-version"]  # the SDK sends it; the stand-in requires it


def test_message_is_cut_by_max_tokens(anthropic_client: anthropic.Anthropic) -> None:
    message = anthropic_client.messages.create(model="claude-test", max_tokens=4, messages=ANTHROPIC_MESSAGES)
    assert message.stop_reason == "max_tokens" and message.usage.output_tokens == 4
    assert message.content[0].type == "text" and message.content[0].text == expected_text(4)


def test_message_stream_final_message(llm: LlmStandin, anthropic_client: anthropic.Anthropic) -> None:
    with anthropic_client.messages.stream(
        model="claude-test",
        max_tokens=100,
        system=ANTHROPIC_SYSTEM,
        messages=ANTHROPIC_MESSAGES,
        extra_headers={"x-llm-output-tokens": "5", "x-llm-cached-tokens": "3"},
    ) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_message()
    assert texts == [f"tok{i} " for i in range(1, 6)]
    assert final.usage.output_tokens == 5 and final.usage.input_tokens == ANTHROPIC_WORDS - 3
    assert final.usage.cache_read_input_tokens == 3 and final.stop_reason == "end_turn"
    record = only_record(llm)
    assert record.stream and record.output_tokens_sent == 5 and record.finished
    assert record.usage == final.usage.model_dump(exclude_none=True)


def test_anthropic_stream_wire_format(llm: LlmStandin) -> None:
    body = {"model": "m", "max_tokens": 3, "messages": ANTHROPIC_MESSAGES, "stream": True}
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    answer = httpx.post(f"{llm.base_url}/v1/messages", json=body, headers=headers)
    events = sse_events(answer.text)
    names = [name for name, _ in events]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    payloads = [json.loads(data) for _, data in events]
    assert all(payload["type"] == name for name, payload in zip(names, payloads, strict=True))
    start_usage = payloads[0]["message"]["usage"]
    assert start_usage["input_tokens"] == 4 and start_usage["output_tokens"] == 1
    assert payloads[3]["delta"] == {"type": "text_delta", "text": "tok1 "}
    assert payloads[-2]["delta"]["stop_reason"] == "max_tokens"
    assert payloads[-2]["usage"]["output_tokens"] == 3  # cumulative, not the last step's count


@pytest.mark.parametrize("after", [0, 2])
def test_anthropic_error_event_surfaces_in_the_sdk(
    llm: LlmStandin, anthropic_client: anthropic.Anthropic, after: int
) -> None:
    texts: list[str] = []
    with (
        pytest.raises(anthropic.APIStatusError, match="Overloaded") as failed,
        anthropic_client.messages.stream(
            model="claude-test",
            max_tokens=100,
            messages=ANTHROPIC_MESSAGES,
            extra_headers={"x-llm-error-after": str(after)},
        ) as stream,
    ):
        texts.extend(stream.text_stream)
    assert failed.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert texts == [f"tok{i} " for i in range(1, after + 1)]
    record = only_record(llm)
    assert record.error == "overloaded_error" and record.output_tokens_sent == after
    assert record.usage is not None and record.usage["output_tokens"] == 1  # only message_start's


def test_anthropic_error_status_has_anthropics_shape(
    llm: LlmStandin, anthropic_client: anthropic.Anthropic
) -> None:
    with pytest.raises(anthropic.InternalServerError) as failed:
        anthropic_client.messages.create(
            model="claude-test",
            max_tokens=10,
            messages=ANTHROPIC_MESSAGES,
            extra_headers={"x-llm-status": "529"},
        )
    assert failed.value.status_code == 529
    assert isinstance(failed.value.body, dict)
    assert failed.value.body["type"] == "error"
    assert failed.value.body["error"] == {"type": "overloaded_error", "message": "x-llm-status asked for 529"}
    with pytest.raises(anthropic.RateLimitError):
        anthropic_client.messages.create(
            model="claude-test",
            max_tokens=10,
            messages=ANTHROPIC_MESSAGES,
            extra_headers={"x-llm-status": "429"},
        )
    with pytest.raises(anthropic.InternalServerError):
        anthropic_client.messages.create(
            model="claude-test",
            max_tokens=10,
            messages=ANTHROPIC_MESSAGES,
            extra_headers={"x-llm-error-after": "1"},
        )
    assert [(r.status, r.error) for r in llm.requests()] == [
        (529, "overloaded_error"),
        (429, "rate_limit_error"),
        (500, "api_error"),
    ]


def test_messages_need_anthropic_version(llm: LlmStandin) -> None:
    body = {"model": "m", "max_tokens": 3, "messages": ANTHROPIC_MESSAGES}
    answer = httpx.post(f"{llm.base_url}/v1/messages", json=body, headers={"x-api-key": "k"})
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"


# Timing, disconnects and inspection


def test_first_token_delay_and_a_client_leaving_mid_stream(llm: LlmStandin) -> None:
    body = {"model": "m", "max_tokens": 50, "messages": ANTHROPIC_MESSAGES, "stream": True}
    headers = {
        "authorization": "Bearer k",
        "anthropic-version": "2023-06-01",
        "x-llm-first-token-delay-ms": "500",
        "x-llm-delay-ms": "100",
    }
    started = time.monotonic()
    with httpx.stream("POST", f"{llm.base_url}/v1/messages", json=body, headers=headers) as answer:
        lines = answer.iter_lines()
        assert next(lines) == "event: message_start"
        opened = time.monotonic() - started
        for line in lines:
            if line.startswith("event: content_block_delta"):
                break
        first_token = time.monotonic() - started
    assert first_token >= 0.5 and first_token - opened >= 0.3  # message_start came before the delay
    eventually(lambda: only_record(llm).client_gone)
    record = only_record(llm)
    assert not record.finished and 1 <= record.output_tokens_sent < 20


def test_inspection_routes_filter_and_forget(llm: LlmStandin, openai_client: openai.OpenAI) -> None:
    for marker in ("a", "b", "a"):
        openai_client.embeddings.create(model="e", input="x", extra_headers={"x-llm-request-id": marker})
    marked = httpx.get(f"{llm.base_url}/_llm/requests?request_id=a").json()["requests"]
    assert [r["request_id"] for r in marked] == ["a", "a"]
    assert marked[0]["path"] == "/v1/embeddings" and marked[0]["body"]["input"] == "x"
    assert len(llm.requests(request_id="b")) == 1
    assert httpx.delete(f"{llm.base_url}/_llm/requests").json() == {"forgotten": 3}
    assert httpx.get(f"{llm.base_url}/_llm/requests").json() == {"requests": []}
