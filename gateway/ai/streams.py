"""Metering a streamed AI answer while it passes through: every event is forwarded as it arrives
(the usage chunk the gateway asked for on the client's behalf excepted), and what the call used
is known from the provider's usage, or estimated when the stream was cut before it came.

OpenAI reports usage once, in a last chunk (`choices: []`), only when asked; the gateway asks
(`stream_options.include_usage`) and, when the client had not, removes that chunk and the
`"usage": null` every other chunk then carries, so the client's stream is as if it had not asked.
Anthropic reports the input in `message_start` and the cumulative output in `message_delta`.
Estimate, when the provider's count never arrived (the client left, the stream broke): the
input estimate of the request (OpenAI) or `message_start`'s (Anthropic), and one output token
per content chunk forwarded (both providers send about one token per chunk). An error event
before any output: nothing is settled."""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from gateway.ai.sse import SseEvent, SseSplitter
from gateway.ai.tokens import TokenUsage, anthropic_usage, openai_usage

_NULL_USAGE = re.compile(rb',\s*"usage"\s*:\s*null(?=\s*\})')


class StreamMeter(Protocol):
    def feed(self, chunk: bytes) -> bytes:
        """What of `chunk` goes to the client now."""
        ...

    def end(self) -> bytes:
        """What is left when the provider's stream ends."""
        ...

    def used(self) -> TokenUsage | None:
        """What the call used so far (None: settle nothing)."""
        ...


def _json(event: SseEvent) -> Any:
    try:
        return json.loads(event.data)
    except ValueError:
        return None


class OpenAIChatStream:
    def __init__(self, input_estimate: int, hide_usage: bool) -> None:
        self._events = SseSplitter()
        self._input_estimate = input_estimate
        self._hide_usage = hide_usage
        self.reported: TokenUsage | None = None
        self.content_chunks = 0
        self.failed = False

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._forwarded(event) for event in self._events.feed(chunk))

    def end(self) -> bytes:
        return self._events.rest()

    def _forwarded(self, event: SseEvent) -> bytes:
        data = _json(event)
        if not isinstance(data, dict):
            return event.raw  # [DONE], comments, anything not JSON: as it came
        if "error" in data:
            self.failed = True
        usage = openai_usage(data.get("usage"))
        if usage is not None:
            self.reported = usage
        choices = data.get("choices")
        if isinstance(choices, list):
            self.content_chunks += sum(1 for choice in choices if _has_content(choice))
        if not self._hide_usage:
            return event.raw
        if usage is not None and choices == []:
            return b""  # the usage chunk the client did not ask for
        return _NULL_USAGE.sub(b"", event.raw)

    def used(self) -> TokenUsage | None:
        if self.reported is not None:
            return self.reported
        if self.content_chunks == 0 and self.failed:
            return None
        return TokenUsage(self._input_estimate, self.content_chunks)


def _has_content(choice: Any) -> bool:
    delta = choice.get("delta") if isinstance(choice, dict) else None
    return isinstance(delta, dict) and bool(
        delta.get("content") or delta.get("tool_calls") or delta.get("refusal")
    )


class AnthropicStream:
    def __init__(self, input_estimate: int) -> None:
        self._events = SseSplitter()
        self._input_estimate = input_estimate
        self.reported: TokenUsage | None = None
        self.content_chunks = 0
        self.failed = False

    def feed(self, chunk: bytes) -> bytes:
        events = self._events.feed(chunk)
        for event in events:
            self._read(event)
        return b"".join(event.raw for event in events)

    def end(self) -> bytes:
        return self._events.rest()

    def _read(self, event: SseEvent) -> None:
        data = _json(event)
        if not isinstance(data, dict):
            return
        kind = data.get("type") or event.name
        if kind == "error":
            self.failed = True
        elif kind == "message_start":
            message = data.get("message")
            self.reported = anthropic_usage(message.get("usage") if isinstance(message, dict) else None)
        elif kind == "message_delta":
            self.reported = anthropic_usage(data.get("usage"), self.reported)
        elif kind == "content_block_delta" and isinstance(data.get("delta"), dict):
            delta = data["delta"]
            if delta.get("text") or delta.get("partial_json") or delta.get("thinking"):
                self.content_chunks += 1

    def used(self) -> TokenUsage | None:
        if self.content_chunks == 0 and self.failed:
            return None
        reported = self.reported or TokenUsage(self._input_estimate, 0)
        return TokenUsage(reported.input, max(reported.output, self.content_chunks), reported.cached)
