"""An AI route's call: price the request (unknown model: 400, nothing forwarded), hold the most
it can cost (gateway.ai.requests), forward, then settle the tokens the provider reports (a
whole answer's `usage`; a stream's, read as it passes, gateway.ai.streams), or release when the
provider answered an error. A stream's hold lasts AI_HOLD_SECONDS at most: the backstop when
the runtime ends the call before it could settle."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from dreamapi.http import Response
from dreamapi.ports.upstream import BodyTooLargeError
from gateway.ai.answers import answer_usage
from gateway.ai.requests import ANTHROPIC_MESSAGES, OPENAI_CHAT, AiRequest, parse_ai_request
from gateway.ai.streams import AnthropicStream, OpenAIChatStream, StreamMeter
from gateway.ai.tokens import TokenUsage
from gateway.call import Call, relayed, with_rate
from gateway.holds import Hold
from gateway.origin_request import client_headers

logger = logging.getLogger("gateway.ai")

AI_HOLD_SECONDS = 15 * 60  # longer than any stream is kept (Workers end work 30 s after the client left)
MAX_ANSWER_BYTES = 16 * 1024 * 1024


async def forward_ai(call: Call) -> Response:
    request = parse_ai_request(call.route, call.path, call.request.body)
    hold = await call.hold(request.most_units, AI_HOLD_SECONDS, f"model:{request.model}")
    answer = await call.send(hold, request.body)
    if not 200 <= answer.status < 300:  # the provider refused or failed: nothing counted
        hold.release_later()
        return relayed(answer, hold)
    streamed = "text/event-stream" in (answer.headers.get("content-type") or "")
    if request.stream and streamed and request.api in (OPENAI_CHAT, ANTHROPIC_MESSAGES):
        relay = MeteredStream(_meter_of(request), request, hold, asyncio.get_event_loop().create_future())
        # Registered now, while the request is alive: the runtime then keeps it running until the
        # stream ends, the client leaving included (for 30 s after, at most).
        call.services.defer(relay.settle_when_done())
        headers = client_headers(answer.headers, frozenset({"content-length"}))  # the stream may be shortened
        return with_rate(Response(answer.status, headers, stream=answer.relay(relay)), hold)
    try:
        body = await answer.read(MAX_ANSWER_BYTES)
    except BodyTooLargeError:
        hold.settle_later(request.most_units)
        return relayed(answer, hold)
    used = answer_usage(request, body)
    if used is None:
        logger.warning(
            "gateway: %s answered without usage; the most the call could cost is counted", request.model
        )
    hold.settle_later(used.units(request.price) if used else request.most_units)
    headers = client_headers(answer.headers)
    headers.set("content-length", str(len(body)))
    return with_rate(Response(answer.status, headers, body), hold)


def _meter_of(request: AiRequest) -> StreamMeter:
    if request.api == OPENAI_CHAT:
        return OpenAIChatStream(request.input_estimate, request.usage_asked_for_the_client)
    return AnthropicStream(request.input_estimate)


@dataclass
class MeteredStream:
    """A stream passing to the client, settled once with what it used when it ends or is cut."""

    meter: StreamMeter
    request: AiRequest
    hold: Hold
    done: asyncio.Future[TokenUsage | None]

    def feed(self, chunk: bytes) -> bytes:
        return self.meter.feed(chunk)

    def tail(self) -> bytes:
        return self.meter.end()

    def finished(self) -> None:
        self._end()

    def abandoned(self) -> None:
        self._end()

    def _end(self) -> None:
        if not self.done.done():
            self.done.set_result(self.meter.used())

    async def settle_when_done(self) -> None:
        used = await asyncio.wait_for(self.done, AI_HOLD_SECONDS)
        if used is None:
            await self.hold.release()
        else:
            await self.hold.settle(used.units(self.request.price))
