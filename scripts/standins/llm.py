"""An AI model provider, locally: OpenAI's and Anthropic's wire formats with token counts a test
can predict, streamed token by token, and failures on request.

Run: python -m scripts.standins.llm --port 8799 [--output-tokens 20] [--cached-tokens 0]
  POST /v1/chat/completions  OpenAI: a `chat.completion`; with "stream": true, SSE lines
                             `data: {chat.completion.chunk}` (role, one per token, finish) then
                             `data: [DONE]`. With "stream_options": {"include_usage": true} (and
                             only then) every chunk has "usage": null and one more chunk,
                             "choices": [] with the usage, comes right before [DONE].
  POST /v1/embeddings        OpenAI: {"object": "list", "data": [embedding objects], "usage":
                             {prompt_tokens, total_tokens}}; input a string, a list of strings or
                             token arrays; "encoding_format": "base64" (the SDK's default) gives
                             little-endian float32 vectors in base64; "dimensions" (default 8).
  POST /v1/messages          Anthropic (needs an `anthropic-version` header, any value): a
                             `message`; with "stream": true, SSE events message_start (usage with
                             the input counts and output_tokens 1), content_block_start, ping, one
                             content_block_delta (text_delta) per token, content_block_stop,
                             message_delta (stop_reason; usage with the CUMULATIVE output_tokens and
                             the input counts again), message_stop.
  GET    /_llm/requests[?request_id=X]  {"requests": [...]}, oldest first (X: x-llm-request-id)
  DELETE /_llm/requests                 forget them all -> {"forgotten": N}
In-process: `LlmStandin.requests(request_id=...)` and `LlmStandin.clear()`.

Every API call needs a key, `authorization: Bearer <any>` or `x-api-key: <any>` (never checked
further; 401 without one). Errors have the provider's shape: OpenAI {"error": {"message", "type",
"param", "code"}}, Anthropic {"type": "error", "error": {"type", "message"}, "request_id"}.

Token counts (deterministic):
  W = whitespace-separated words of the text in all messages' contents (strings, or the "text" of
      content blocks) plus Anthropic's `system`; embeddings: words of every input string (a token
      array counts its length). `x-llm-input-tokens: N` replaces W.
  C = cached prompt tokens = min(`x-llm-cached-tokens` or --cached-tokens (default 0), W)
  K = cache-write tokens (Anthropic only) = min(`x-llm-cache-creation-tokens` or 0, W - C)
  n = output tokens = min(`x-llm-output-tokens` or --output-tokens (default 20), max_tokens or
      max_completion_tokens when given); the text is "tok1 tok2 ... tokn " ("tok<i> " per token).
      When max_tokens cut it short: finish_reason "length" / stop_reason "max_tokens", else
      "stop" / "end_turn".
  OpenAI usage: prompt_tokens W (cached included, as OpenAI counts), completion_tokens n,
      total_tokens W + n, prompt_tokens_details.cached_tokens C.
  Anthropic usage: input_tokens W - C - K (the uncached rest, as Anthropic counts),
      cache_read_input_tokens C, cache_creation_input_tokens K, output_tokens n.
  Embeddings usage: prompt_tokens = total_tokens = W.

Per-request control headers (they pass through a gateway unchanged; SDKs send them with
`extra_headers`):
  x-llm-output-tokens: N          n before the max_tokens cap
  x-llm-input-tokens: N           W
  x-llm-cached-tokens: N          C
  x-llm-cache-creation-tokens: N  K (Anthropic)
  x-llm-first-token-delay-ms: N   pause after the stream's opening events, before the first token
  x-llm-delay-ms: N               pause between streamed tokens (a non-streamed answer waits the
                                  first-token delay plus (n - 1) token delays before answering)
  x-llm-error-after: k            streams: after k tokens (k = 0: right after the opening events,
                                  before any token; k >= n: after the last token) send an error
                                  (OpenAI `data: {"error": {... "type": "server_error"}}`; Anthropic
                                  `event: error` with an overloaded_error) and end the stream, with
                                  no closing events; non-streamed: HTTP 500 with a server error
  x-llm-status: S                 answer HTTP S (400-599) with a provider-shaped error at once
  x-llm-request-id: X             a marker kept with the request's record

Each request is recorded: api, path, model, headers (lower-cased), the API key that arrived, the
parsed body, whether it streamed, the status answered, the usage it reported (for a stream: the
last usage it sent), how many output tokens it actually sent, any error it sent, whether it
finished and whether the client went away (a failed write, checked on every chunk, or a hang-up
noticed while pausing).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import itertools
import json
import secrets
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from scripts.standins.jsonhttp import Reply, StandinRequest, json_reply, serve_until_interrupted
from scripts.standins.streaming import Exchange, StreamingServer

DEFAULT_OUTPUT_TOKENS = 20
DEFAULT_EMBEDDING_DIMENSIONS = 8
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
OPENAI = "openai"
ANTHROPIC = "anthropic"
ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class ProviderError(Exception):
    """An error answer: the status, a message and (OpenAI) the offending parameter and a code."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code


def openai_error_type(status: int) -> str:
    if status == 429:
        return "requests"
    return "server_error" if status >= 500 else "invalid_request_error"


def anthropic_error_type(status: int) -> str:
    return ANTHROPIC_ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def error_body(api: str, error: ProviderError, request_id: str) -> dict[str, Any]:
    if api == ANTHROPIC:
        kind = anthropic_error_type(error.status)
        return {"type": "error", "error": {"type": kind, "message": error.message}, "request_id": request_id}
    code = error.code or ("rate_limit_exceeded" if error.status == 429 else None)
    kind = openai_error_type(error.status)
    return {"error": {"message": error.message, "type": kind, "param": error.param, "code": code}}


def words(content: Any) -> int:
    """Whitespace-separated words in a content: a string, or a list of blocks with "text"."""
    if isinstance(content, str):
        return len(content.split())
    if isinstance(content, list):
        return sum(words(block.get("text")) if isinstance(block, dict) else 0 for block in content)
    return 0


def embedding_input_tokens(value: Any) -> int:
    if isinstance(value, str):
        return words(value)
    if isinstance(value, list) and value and all(isinstance(item, int) for item in value):
        return len(value)  # one token array
    if isinstance(value, list):
        return sum(embedding_input_tokens(item) for item in value)
    return 0


def token_text(index: int) -> str:
    return f"tok{index} "


def header_int(headers: dict[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    if not value.strip().isdigit():
        raise ProviderError(400, f"{name} must be a whole number, got {value!r}")
    return int(value)


def api_key_of(headers: dict[str, str]) -> str | None:
    if headers.get("x-api-key"):
        return headers["x-api-key"]
    scheme, _, key = headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


@dataclass(frozen=True)
class Plan:
    """What one request will get, from its body, its control headers and the stand-in's settings."""

    input_tokens: int  # W: the whole prompt
    cached_tokens: int  # C
    cache_creation_tokens: int  # K
    output_tokens: int  # n
    cut_by_max_tokens: bool
    first_token_delay: float  # seconds
    token_delay: float  # seconds
    error_after: int | None

    def openai_usage(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.input_tokens,
            "completion_tokens": self.output_tokens,
            "total_tokens": self.input_tokens + self.output_tokens,
            "prompt_tokens_details": {"cached_tokens": self.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def anthropic_usage(self, output_tokens: int | None = None) -> dict[str, Any]:
        uncached = self.input_tokens - self.cached_tokens - self.cache_creation_tokens
        return {
            "input_tokens": uncached,
            "cache_creation_input_tokens": self.cache_creation_tokens,
            "cache_read_input_tokens": self.cached_tokens,
            "output_tokens": self.output_tokens if output_tokens is None else output_tokens,
        }

    def text(self) -> str:
        return "".join(token_text(i) for i in range(1, self.output_tokens + 1))

    def generation_seconds(self) -> float:
        return self.first_token_delay + self.token_delay * max(self.output_tokens - 1, 0)


@dataclass
class LlmRecord:
    """One request the provider received and what it did with it."""

    id: int
    api: str  # "openai" or "anthropic"
    path: str
    model: str | None
    headers: dict[str, str]
    api_key: str | None  # from x-api-key or authorization: Bearer
    body: Any  # the parsed JSON body (None when it was not JSON)
    stream: bool
    request_id: str | None  # the x-llm-request-id marker
    received_at: float
    status: int | None = None
    usage: dict[str, Any] | None = None  # as reported; for a stream, the last usage it sent
    output_tokens_sent: int = 0
    error: str | None = None  # the error type it answered with or sent mid-stream
    finished: bool = False
    client_gone: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class StreamEvents(Protocol):
    """One API's SSE events for a streamed answer; `usage` is the last usage they reported."""

    usage: dict[str, Any] | None

    def opening(self) -> list[bytes]: ...
    def token(self, text: str) -> bytes: ...
    def failure(self) -> bytes: ...
    def closing(self) -> list[bytes]: ...


def sse(data: Any, event: str | None = None) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    name = f"event: {event}\n" if event else ""
    return f"{name}data: {payload}\n\n".encode()


class OpenAIChatEvents:
    def __init__(self, model: str, plan: Plan, include_usage: bool) -> None:
        self.model = model
        self.plan = plan
        self.include_usage = include_usage
        self.id = "chatcmpl-" + secrets.token_hex(12)
        self.created = int(time.time())
        self.usage: dict[str, Any] | None = None

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        chunk: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [choice],
        }
        if self.include_usage:
            chunk["usage"] = None
        return sse(chunk)

    def opening(self) -> list[bytes]:
        return [self._chunk({"role": "assistant", "content": "", "refusal": None})]

    def token(self, text: str) -> bytes:
        return self._chunk({"content": text})

    def failure(self) -> bytes:
        error = ProviderError(500, "The server had an error while processing your request.")
        return sse(error_body(OPENAI, error, ""))

    def closing(self) -> list[bytes]:
        finish = "length" if self.plan.cut_by_max_tokens else "stop"
        events = [self._chunk({}, finish)]
        if self.include_usage:
            self.usage = self.plan.openai_usage()
            usage_chunk = {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "system_fingerprint": None,
                "choices": [],
                "usage": self.usage,
            }
            events.append(sse(usage_chunk))
        return [*events, sse("[DONE]")]


class AnthropicMessageEvents:
    def __init__(self, model: str, plan: Plan) -> None:
        self.model = model
        self.plan = plan
        self.usage: dict[str, Any] | None = None

    def opening(self) -> list[bytes]:
        self.usage = self.plan.anthropic_usage(output_tokens=min(1, self.plan.output_tokens))
        message = {**anthropic_message(self.model, self.plan, content=[]), "usage": self.usage}
        message["stop_reason"] = None
        return [
            sse({"type": "message_start", "message": message}, "message_start"),
            sse(
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                "content_block_start",
            ),
            sse({"type": "ping"}, "ping"),
        ]

    def token(self, text: str) -> bytes:
        delta = {"type": "text_delta", "text": text}
        return sse({"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta")

    def failure(self) -> bytes:
        error = {"type": "overloaded_error", "message": "Overloaded"}
        return sse({"type": "error", "error": error}, "error")

    def closing(self) -> list[bytes]:
        self.usage = self.plan.anthropic_usage()
        delta = {"stop_reason": anthropic_stop_reason(self.plan), "stop_sequence": None}
        return [
            sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
            sse({"type": "message_delta", "delta": delta, "usage": self.usage}, "message_delta"),
            sse({"type": "message_stop"}, "message_stop"),
        ]


def anthropic_stop_reason(plan: Plan) -> str:
    return "max_tokens" if plan.cut_by_max_tokens else "end_turn"


def anthropic_message(model: str, plan: Plan, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "msg_" + secrets.token_hex(12),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": anthropic_stop_reason(plan),
        "stop_sequence": None,
        "usage": plan.anthropic_usage(),
    }


def embedding_vector(text: str, dimensions: int) -> list[float]:
    """Deterministic values k/128 in [-1, 1): exact in float32, so float and base64 agree."""
    seed = hashlib.sha256(text.encode()).digest()
    raw = (seed * (dimensions // len(seed) + 1))[:dimensions]
    return [(byte - 128) / 128 for byte in raw]


def embedding_inputs(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, int) for item in value):
        return [value]
    return list(value) if isinstance(value, list) else []


class LlmStandin:
    def __init__(self, output_tokens: int = DEFAULT_OUTPUT_TOKENS, cached_tokens: int = 0) -> None:
        self.output_tokens = output_tokens
        self.cached_tokens = cached_tokens
        self.lock = threading.Lock()
        self.records: list[LlmRecord] = []
        self.ids = itertools.count(1)
        self.server = StreamingServer("llm")
        self.server.exchange_route("POST", "/v1/chat/completions")(self._serving(OPENAI, self._chat))
        self.server.exchange_route("POST", "/v1/embeddings")(self._serving(OPENAI, self._embeddings))
        self.server.exchange_route("POST", "/v1/messages")(self._serving(ANTHROPIC, self._messages))
        self.server.route("GET", "/_llm/requests")(self._list)
        self.server.route("DELETE", "/_llm/requests")(self._forget)

    def start(self, port: int = 0) -> int:
        return self.server.start(port)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def requests(self, request_id: str | None = None) -> list[LlmRecord]:
        """Copies of the records, oldest first; only those marked `request_id` when given."""
        self.server.wait_for_answers()
        with self.lock:
            return [dataclasses.replace(r) for r in self.records if request_id in (None, r.request_id)]

    def clear(self) -> int:
        with self.lock:
            forgotten = len(self.records)
            self.records.clear()
        return forgotten

    def _note(self, record: LlmRecord, **fields: Any) -> None:
        with self.lock:
            for name, value in fields.items():
                setattr(record, name, value)

    def _record(self, api: str, exchange: Exchange) -> tuple[LlmRecord, Any]:
        try:
            body = json.loads(exchange.body)
        except ValueError:
            body = None
        fields = body if isinstance(body, dict) else {}
        record = LlmRecord(
            id=next(self.ids),
            api=api,
            path=exchange.path,
            model=fields.get("model") if isinstance(fields.get("model"), str) else None,
            headers=dict(exchange.headers),
            api_key=api_key_of(exchange.headers),
            body=body,
            stream=fields.get("stream") is True,
            request_id=exchange.headers.get("x-llm-request-id"),
            received_at=exchange.received_at,
        )
        with self.lock:
            self.records.append(record)
        return record, body

    def _serving(
        self, api: str, answer: Callable[[Exchange, LlmRecord, dict[str, Any]], None]
    ) -> Callable[[Exchange], None]:
        """Records the call, checks what every call needs, answers, and notes how that went."""

        def handle(exchange: Exchange) -> None:
            record, body = self._record(api, exchange)
            try:
                self._check_call(api, exchange, body)
                answer(exchange, record, body)
            except ProviderError as error:
                self._reply_error(api, exchange, record, error)
            self._note(record, client_gone=exchange.client_gone)

        return handle

    def _check_call(self, api: str, exchange: Exchange, body: Any) -> None:
        if api_key_of(exchange.headers) is None:
            raise ProviderError(
                401, "No API key: send authorization: Bearer <key> or x-api-key", code="invalid_api_key"
            )
        status = header_int(exchange.headers, "x-llm-status")
        if status is not None:
            if not 400 <= status <= 599:
                raise ProviderError(400, f"x-llm-status must be 400-599, got {status}")
            raise ProviderError(status, f"x-llm-status asked for {status}")
        if api == ANTHROPIC and not exchange.headers.get("anthropic-version"):
            raise ProviderError(400, "anthropic-version: header is required")
        if not isinstance(body, dict):
            raise ProviderError(400, "The request body is not a JSON object.")
        if not isinstance(body.get("model"), str) or not body["model"]:
            raise ProviderError(400, "model: Field required", param="model")

    def _reply_error(self, api: str, exchange: Exchange, record: LlmRecord, error: ProviderError) -> None:
        request_id = "req_" + secrets.token_hex(12)
        body = error_body(api, error, request_id)
        kind = body["error"]["type"]
        exchange.reply_json(body, error.status, self._request_id_header(api, request_id))
        self._note(record, status=error.status, error=kind, finished=not exchange.client_gone)

    @staticmethod
    def _request_id_header(api: str, request_id: str | None = None) -> dict[str, str]:
        request_id = request_id or "req_" + secrets.token_hex(12)
        return {"request-id" if api == ANTHROPIC else "x-request-id": request_id}

    def _plan(self, exchange: Exchange, prompt_words: int, limit: Any) -> Plan:
        headers = exchange.headers
        prompt = header_int(headers, "x-llm-input-tokens")
        prompt = prompt_words if prompt is None else prompt
        cached = min(_first(header_int(headers, "x-llm-cached-tokens"), self.cached_tokens), prompt)
        writes = min(_first(header_int(headers, "x-llm-cache-creation-tokens"), 0), prompt - cached)
        wanted = _first(header_int(headers, "x-llm-output-tokens"), self.output_tokens)
        capped = isinstance(limit, int) and limit < wanted
        return Plan(
            input_tokens=prompt,
            cached_tokens=cached,
            cache_creation_tokens=writes,
            output_tokens=limit if capped else wanted,
            cut_by_max_tokens=capped,
            first_token_delay=_first(header_int(headers, "x-llm-first-token-delay-ms"), 0) / 1000,
            token_delay=_first(header_int(headers, "x-llm-delay-ms"), 0) / 1000,
            error_after=header_int(headers, "x-llm-error-after"),
        )

    # OpenAI

    def _chat(self, exchange: Exchange, record: LlmRecord, body: dict[str, Any]) -> None:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ProviderError(400, "messages: a non-empty array is required", param="messages")
        prompt = sum(words(m.get("content")) for m in messages if isinstance(m, dict))
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        plan = self._plan(exchange, prompt, limit)
        if record.stream:
            include_usage = (body.get("stream_options") or {}).get("include_usage") is True
            self._stream(exchange, record, plan, OpenAIChatEvents(body["model"], plan, include_usage))
            return
        self._generate_whole(exchange, plan)
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": plan.text(), "refusal": None, "annotations": []},
            "logprobs": None,
            "finish_reason": "length" if plan.cut_by_max_tokens else "stop",
        }
        completion = {
            "id": "chatcmpl-" + secrets.token_hex(12),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [choice],
            "usage": plan.openai_usage(),
            "system_fingerprint": None,
        }
        self._reply_whole(exchange, record, OPENAI, completion, plan)

    def _embeddings(self, exchange: Exchange, record: LlmRecord, body: dict[str, Any]) -> None:
        inputs = embedding_inputs(body.get("input"))
        if not inputs:
            raise ProviderError(400, "input: a string or a non-empty array is required", param="input")
        override = header_int(exchange.headers, "x-llm-input-tokens")
        tokens = embedding_input_tokens(body["input"]) if override is None else override
        dimensions = body.get("dimensions") or DEFAULT_EMBEDDING_DIMENSIONS
        as_base64 = body.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": index, "embedding": encode_vector(item, dimensions, as_base64)}
            for index, item in enumerate(inputs)
        ]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        answer = {"object": "list", "data": data, "model": body["model"], "usage": usage}
        exchange.reply_json(answer, 200, self._request_id_header(OPENAI))
        self._note(record, status=200, usage=usage, finished=not exchange.client_gone)

    # Anthropic

    def _messages(self, exchange: Exchange, record: LlmRecord, body: dict[str, Any]) -> None:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ProviderError(400, "messages: Field required")
        if not isinstance(body.get("max_tokens"), int):
            raise ProviderError(400, "max_tokens: Field required")
        prompt = words(body.get("system")) + sum(
            words(m.get("content")) for m in messages if isinstance(m, dict)
        )
        plan = self._plan(exchange, prompt, body["max_tokens"])
        if record.stream:
            self._stream(exchange, record, plan, AnthropicMessageEvents(body["model"], plan))
            return
        self._generate_whole(exchange, plan)
        message = anthropic_message(body["model"], plan, [{"type": "text", "text": plan.text()}])
        self._reply_whole(exchange, record, ANTHROPIC, message, plan)

    # Both

    def _generate_whole(self, exchange: Exchange, plan: Plan) -> None:
        """A non-streamed answer takes as long as the stream would, and may fail instead."""
        exchange.wait(plan.generation_seconds())
        if plan.error_after is not None:
            raise ProviderError(500, "The model failed while generating (x-llm-error-after).")

    def _reply_whole(
        self, exchange: Exchange, record: LlmRecord, api: str, answer: dict[str, Any], plan: Plan
    ) -> None:
        exchange.reply_json(answer, 200, self._request_id_header(api))
        sent = 0 if exchange.client_gone else plan.output_tokens
        self._note(
            record,
            status=200,
            usage=answer["usage"],
            output_tokens_sent=sent,
            finished=sent == plan.output_tokens,
        )

    def _stream(self, exchange: Exchange, record: LlmRecord, plan: Plan, events: StreamEvents) -> None:
        self._note(record, status=200)
        ok = exchange.start_stream(200, {**SSE_HEADERS, **self._request_id_header(record.api)})
        ok = ok and self._send(exchange, record, events, events.opening())
        ok = ok and exchange.wait(plan.first_token_delay)
        fail_at = None if plan.error_after is None else min(plan.error_after, plan.output_tokens)
        ok = ok and self._send_tokens(exchange, record, plan, events, fail_at)
        if ok and fail_at is not None:
            self._note(record, error="overloaded_error" if record.api == ANTHROPIC else "server_error")
            ok = exchange.send_chunk(events.failure())
        elif ok:
            ok = self._send(exchange, record, events, events.closing())
        self._note(record, finished=ok and exchange.end_stream())

    def _send_tokens(
        self, exchange: Exchange, record: LlmRecord, plan: Plan, events: StreamEvents, stop_at: int | None
    ) -> bool:
        """Tokens 1, 2, ... up to `stop_at` (default all), paced; False once the client is gone."""
        for index in range(1, (plan.output_tokens if stop_at is None else stop_at) + 1):
            paused = index == 1 or exchange.wait(plan.token_delay)
            if not (paused and exchange.send_chunk(events.token(token_text(index)))):
                return False
            self._note(record, output_tokens_sent=index)
        return True

    def _send(self, exchange: Exchange, record: LlmRecord, events: StreamEvents, chunks: list[bytes]) -> bool:
        """Each event its own chunk; the usage they carried is noted once they are all sent."""
        ok = all(exchange.send_chunk(chunk) for chunk in chunks)
        if ok and events.usage is not None:
            self._note(record, usage=events.usage)
        return ok

    # Control routes

    def _list(self, request: StandinRequest) -> Reply:
        found = self.requests(request.query.get("request_id"))
        return json_reply({"requests": [r.to_dict() for r in found]})

    def _forget(self, _request: StandinRequest) -> Reply:
        return json_reply({"forgotten": self.clear()})


def encode_vector(item: Any, dimensions: int, as_base64: bool) -> list[float] | str:
    vector = embedding_vector(item if isinstance(item, str) else json.dumps(item), dimensions)
    if not as_base64:
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _first(value: int | None, default: int) -> int:
    return default if value is None else value


def main() -> None:
    parser = argparse.ArgumentParser(description="Local AI model provider (OpenAI and Anthropic formats)")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--output-tokens", type=int, default=DEFAULT_OUTPUT_TOKENS)
    parser.add_argument("--cached-tokens", type=int, default=0)
    args = parser.parse_args()
    standin = LlmStandin(output_tokens=args.output_tokens, cached_tokens=args.cached_tokens)
    serve_until_interrupted(standin.start, standin.server, args.port, "LLM stand-in")


if __name__ == "__main__":
    main()
