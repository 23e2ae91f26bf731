"""CORS: preflight and response headers for the configured dashboard origin(s) only."""

from __future__ import annotations

from dreamapi.errors import ApiError
from dreamapi.http import Request, Response

ALLOWED_REQUEST_HEADERS = (
    "authorization",
    "content-type",
    "idempotency-key",
    "x-request-id",
    "x-user-id",
    "x-user-plan",
)
EXPOSED_HEADERS = (
    "x-request-id",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "ratelimit",
    "ratelimit-policy",
)
PREFLIGHT_MAX_AGE_SECONDS = 600


def is_preflight(request: Request) -> bool:
    return (
        request.method == "OPTIONS"
        and request.origin is not None
        and "access-control-request-method" in request.headers
    )


def preflight_response(
    request: Request, allowed_origins: frozenset[str], allowed_methods: list[str]
) -> Response:
    origin = (request.origin or "").lower()
    if origin not in allowed_origins:
        raise ApiError(403, "cors_origin_not_allowed", f"Origin {request.origin} is not allowed")
    requested_method = (request.headers.get("access-control-request-method") or "").upper()
    if requested_method not in allowed_methods:
        raise ApiError(
            403, "cors_method_not_allowed", f"Method {requested_method} is not allowed on {request.path}"
        )
    requested = [
        h.strip().lower()
        for h in (request.headers.get("access-control-request-headers") or "").split(",")
        if h.strip()
    ]
    refused = [h for h in requested if h not in ALLOWED_REQUEST_HEADERS]
    if refused:
        raise ApiError(403, "cors_header_not_allowed", f"Headers not allowed: {', '.join(refused)}")
    response = Response(status=204)
    response.headers.set("access-control-allow-methods", ", ".join(allowed_methods))
    response.headers.set("access-control-allow-headers", ", ".join(ALLOWED_REQUEST_HEADERS))
    response.headers.set("access-control-max-age", str(PREFLIGHT_MAX_AGE_SECONDS))
    return response


def add_cors_headers(request: Request, response: Response, allowed_origins: frozenset[str]) -> None:
    """Adds CORS headers when the request's origin is allowed; other origins get none."""
    response.headers.add("vary", "Origin")
    origin = request.origin
    if origin is None or origin.lower() not in allowed_origins:
        return
    response.headers.set("access-control-allow-origin", origin)
    response.headers.set("access-control-allow-credentials", "true")
    response.headers.set("access-control-expose-headers", ", ".join(EXPOSED_HEADERS))
