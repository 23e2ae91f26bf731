"""A generic route's call: hold the route's units, forward, then settle what the answer says it
cost (dreamapi.gateway_config: fixed, a response header, a JSON pointer; capped at max) or
release when it is not metered (an error; a 5xx always)."""

from __future__ import annotations

from dreamapi.http import Response
from dreamapi.ports.upstream import BodyTooLargeError
from gateway.answer_units import header_units, pointer_units
from gateway.call import Call, relayed, with_rate
from gateway.origin_request import client_headers

HOLD_MARGIN_SECONDS = 60  # a generic call's hold outlives the wait for the origin by this much
MAX_READ_BYTES = 4 * 1024 * 1024  # a JSON answer read for its units; larger ones pass through, counting 0


async def forward_http(call: Call) -> Response:
    units = call.route.units
    assert units is not None  # an http route always has its units
    ttl = int(call.services.settings.gateway_timeout_seconds) + HOLD_MARGIN_SECONDS
    hold = await call.hold(units.most, ttl, f"route:{call.route.method} {call.route.path}")
    answer = await call.send(hold, call.request.body or None)
    metered = answer.status < 500 and (200 <= answer.status < 300 or call.route.meter_on == "any")
    if not metered:
        hold.release_later()
        return relayed(answer, hold)
    if units.fixed is not None:
        hold.settle_later(units.fixed)
        return relayed(answer, hold)
    if units.response_header is not None:
        hold.settle_later(header_units(answer.headers.get(units.response_header), units))
        return relayed(answer, hold, frozenset({units.response_header}))
    try:
        body = await answer.read(MAX_READ_BYTES)
    except BodyTooLargeError:
        hold.settle_later(0)
        return relayed(answer, hold)
    hold.settle_later(pointer_units(body, units))
    headers = client_headers(answer.headers)
    headers.set("content-length", str(len(body)))  # ours: what we send
    return with_rate(Response(answer.status, headers, body), hold)
