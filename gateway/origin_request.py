"""The request the origin receives: the client's, without the end user's key, hop-by-hop headers
or anything claiming to be ours, plus the developer's upstream headers and the gateway's signed
identity headers (dreamapi.gateway_signing)."""

from __future__ import annotations

from urllib.parse import urlsplit

from dreamapi.end_user import EndUser
from dreamapi.gateway_config import GatewayRoute
from dreamapi.gateway_signing import identity_headers
from dreamapi.gateway_store import Gateway
from dreamapi.http import Headers, Request
from dreamapi.ports.upstream import UpstreamRequest

# RFC 9110 hop-by-hop headers and framing, the client's credentials, and what the runtime adds.
_DROPPED = {
    "authorization",
    "x-api-key",
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
}
_DROPPED_PREFIXES = ("x-dream-", "cf-")
# The origin's answer: hop-by-hop headers stay between the origin and us.
HOP_BY_HOP = {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-connection"}


def upstream_of(gateway: Gateway, route: GatewayRoute) -> str:
    return route.upstream or gateway.config.upstream


def origin_request(
    request: Request,
    gateway: Gateway,
    route: GatewayRoute,
    user: EndUser,
    path: str,
    now: float,
    body: bytes | None,
) -> UpstreamRequest:
    url = upstream_of(gateway, route) + path + (f"?{request.query_string}" if request.query_string else "")
    headers = [
        (name, value)
        for name, value in request.headers
        if name.lower() not in _DROPPED and not name.lower().startswith(_DROPPED_PREFIXES)
    ]
    secret_headers = (
        route.upstream_headers if route.upstream_headers is not None else gateway.config.upstream_headers
    )
    own = {name.lower() for name in secret_headers}
    headers = [(name, value) for name, value in headers if name.lower() not in own]
    headers += list(secret_headers.items())
    signed_path = urlsplit(url).path or "/"
    headers += list(
        identity_headers(
            gateway.signing_secret, now, user.platform_id, user.user_id, request.method, signed_path
        ).items()
    )
    return UpstreamRequest(request.method, url, headers, body)


def client_headers(origin: Headers, drop: frozenset[str] = frozenset()) -> Headers:
    """The origin's answer headers as the client gets them."""
    return Headers(
        [
            (name, value)
            for name, value in origin
            if name.lower() not in HOP_BY_HOP and name.lower() not in drop
        ]
    )
