"""A call through the gateway, top to bottom: the platform in the path → the end user's key →
the platform's gateway config → the route → hold what the call may cost (rate limit, quota,
credits) → forward to the origin with the identity headers → answer as the origin does, its body
streamed through → settle what it cost (or release) after the answer went out.
Nothing reaches the origin when any step before forwarding refuses."""

from __future__ import annotations

from dreamapi import lookups
from dreamapi.end_user_metering import end_user_metering
from dreamapi.http import Request, Response
from dreamapi.openapi import ERROR, Operation
from dreamapi.services import Services
from gateway.ai.forwarding import forward_ai
from gateway.call import Call
from gateway.caller import authenticate_caller, platform_in_path
from gateway.http_routes import forward_http
from gateway.origin_request import upstream_of
from gateway.refusals import gateway_not_configured, no_route, upstream_refused


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
    return await (forward_http(call) if route.kind == "http" else forward_ai(call))


FORWARD_OPERATION = Operation(
    "Forward to the platform's origin as {upstream}/{path} with the query string: the end user's key "
    "(Authorization: Bearer dream_user_… or x-api-key) → the route → hold its units → forward with "
    "signed X-Dream-* identity headers → the origin's answer, streamed → settle what it cost",
    security=("userKey",),
    responses={
        401: ("No key, an unknown or revoked one, or another platform's", ERROR),
        400: (
            "An AI route's body it cannot price (unknown_model, invalid_json, …); nothing forwarded",
            ERROR,
        ),
        402: ("Not enough units for this call (buyUrl: where to buy credits); nothing forwarded", ERROR),
        404: ("No gateway for this platform, or no route for this method and path; nothing forwarded", ERROR),
        429: ("Per-minute rate limit reached; nothing forwarded", ERROR),
        502: ("The origin could not be reached (or is not allowed); nothing counted", ERROR),
        504: ("The origin did not answer in time; nothing counted", ERROR),
    },
)
