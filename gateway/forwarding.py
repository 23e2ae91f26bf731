"""A call through the gateway, top to bottom: the platform in the path → the end user's key →
the platform's gateway config → the route → hold what the call may cost (rate limit, quota,
credits) → forward to the origin with the identity headers → answer as the origin does, its body
streamed through → settle what it cost (or release) after the answer went out.
Nothing reaches the origin when any step before forwarding refuses."""

from __future__ import annotations

from dataclasses import dataclass

from dreamapi import lookups
from dreamapi.end_user import EndUser
from dreamapi.end_user_metering import EndUserMetering, end_user_metering
from dreamapi.gateway_config import GatewayRoute
from dreamapi.gateway_store import Gateway
from dreamapi.http import Request, Response
from dreamapi.openapi import ERROR, Operation
from dreamapi.ports.upstream import BodyTooLargeError, UpstreamAnswer, UpstreamError
from dreamapi.services import Services
from gateway.answer_units import header_units, pointer_units
from gateway.caller import authenticate_caller, platform_in_path
from gateway.holds import Hold, hold_units
from gateway.origin_request import client_headers, origin_request, upstream_of
from gateway.refusals import (
    gateway_not_configured,
    no_route,
    upstream_refused,
    upstream_timeout,
    upstream_unreachable,
)

HOLD_MARGIN_SECONDS = 60  # a generic call's hold outlives the wait for the origin by this much
MAX_READ_BYTES = 4 * 1024 * 1024  # a JSON answer read for its units; larger ones pass through, counting 0


@dataclass(frozen=True)
class Call:
    """One forwarded call once the gateway knows whose it is and where it goes."""

    request: Request
    services: Services
    user: EndUser
    gateway: Gateway
    route: GatewayRoute
    path: str
    metering: EndUserMetering

    @property
    def buy_url(self) -> str:
        return f"{self.services.settings.frontend_url}/p/{self.user.platform_id}"

    async def send(self, hold: Hold, body: bytes | None) -> UpstreamAnswer:
        """The origin's answer; the hold is released, nothing counted, when there is none."""
        services = self.services
        outgoing = origin_request(
            self.request, self.gateway, self.route, self.user, self.path, services.clock.now(), body
        )
        timeout = services.settings.gateway_timeout_seconds
        try:
            return await services.upstream.send(outgoing, timeout)
        except UpstreamError as failure:
            hold.release_later()
            raise upstream_timeout(timeout) if failure.timed_out else upstream_unreachable() from None


async def forward(request: Request, services: Services) -> Response:
    platform_id = platform_in_path(request)
    user = await authenticate_caller(request, services, platform_id)
    gateway = await lookups.gateway(services, platform_id)
    if gateway is None:
        raise gateway_not_configured(platform_id)
    path = "/" + request.path_params["path"]
    route = gateway.config.route_for(request.method, path)
    if route is None:
        raise no_route(request.method, path)
    problem = services.settings.upstream_policy.problem(upstream_of(gateway, route))
    if problem:
        raise upstream_refused(problem)
    metering = await end_user_metering(user, services, services.clock.now())
    call = Call(request, services, user, gateway, route, path, metering)
    return await forward_http(call)


async def forward_http(call: Call) -> Response:
    units = call.route.units
    assert units is not None  # an http route always has its units
    ttl = int(call.services.settings.gateway_timeout_seconds) + HOLD_MARGIN_SECONDS
    hold = await hold_units(call.services, call.metering, units.most, ttl, call.buy_url)
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
    headers.remove("content-length")  # ours counts what we send
    headers.set("content-length", str(len(body)))
    return _with_rate(Response(answer.status, headers, body), hold)


def relayed(answer: UpstreamAnswer, hold: Hold, drop: frozenset[str] = frozenset()) -> Response:
    """The origin's answer as it comes: status, headers, and its body streamed, unread."""
    return _with_rate(Response(answer.status, client_headers(answer.headers, drop), stream=answer.body), hold)


def _with_rate(response: Response, hold: Hold) -> Response:
    for name, value in hold.rate.headers().items():
        response.headers.set(name, value)
    return response


FORWARD_OPERATION = Operation(
    "Forward to the platform's origin as {upstream}/{path} with the query string: the end user's key "
    "(Authorization: Bearer dream_user_… or x-api-key) → the route → hold its units → forward with "
    "signed X-Dream-* identity headers → the origin's answer, streamed → settle what it cost",
    security=("userKey",),
    responses={
        401: ("No key, an unknown or revoked one, or another platform's", ERROR),
        402: ("Not enough units for this call (buyUrl: where to buy credits); nothing forwarded", ERROR),
        404: ("No gateway for this platform, or no route for this method and path; nothing forwarded", ERROR),
        429: ("Per-minute rate limit reached; nothing forwarded", ERROR),
        502: ("The origin could not be reached (or is not allowed); nothing counted", ERROR),
        504: ("The origin did not answer in time; nothing counted", ERROR),
    },
)
