"""One forwarded call once the gateway knows whose it is and where it goes, and the answer the
client gets when the origin's passes through as it is."""

from __future__ import annotations

from dataclasses import dataclass

from dreamapi.end_user import EndUser
from dreamapi.end_user_metering import EndUserMetering
from dreamapi.gateway_config import GatewayRoute
from dreamapi.gateway_store import Gateway
from dreamapi.http import Request, Response
from dreamapi.ports.upstream import UpstreamAnswer, UpstreamError
from dreamapi.services import Services
from gateway.holds import Hold, hold_units
from gateway.origin_request import client_headers, origin_request
from gateway.refusals import upstream_timeout, upstream_unreachable


@dataclass(frozen=True)
class Call:
    request: Request
    services: Services
    user: EndUser
    gateway: Gateway
    route: GatewayRoute
    path: str
    metering: EndUserMetering

    async def hold(self, units: int, ttl_seconds: int, breakdown: str) -> Hold:
        buy_url = self.services.settings.portal_url(self.user.platform_id)
        return await hold_units(self.services, self.metering, units, ttl_seconds, buy_url, breakdown)

    async def send(self, hold: Hold, body: bytes | None) -> UpstreamAnswer:
        """The origin's answer; the hold is released, nothing counted, when there is none."""
        services = self.services
        now = services.clock.now()
        outgoing = origin_request(self.request, self.gateway, self.route, self.user, self.path, now, body)
        timeout = services.settings.gateway_timeout_seconds
        try:
            return await services.upstream.send(outgoing, timeout)
        except UpstreamError as failure:
            hold.release_later()
            raise upstream_timeout(timeout) if failure.timed_out else upstream_unreachable() from None


def relayed(answer: UpstreamAnswer, hold: Hold, drop: frozenset[str] = frozenset()) -> Response:
    """The origin's answer as it comes: status, headers, and its body streamed, unread."""
    return with_rate(Response(answer.status, client_headers(answer.headers, drop), stream=answer.body), hold)


def with_rate(response: Response, hold: Hold) -> Response:
    for name, value in hold.rate.headers().items():
        response.headers.set(name, value)
    return response
