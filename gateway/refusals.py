"""The gateway's own answers when it forwards nothing, or the origin failed: JSON
{"error", "message"} like every worker, with Retry-After where retrying helps."""

from __future__ import annotations

from dreamapi.errors import ApiError, not_found, unavailable


def gateway_not_configured(platform_id: str) -> ApiError:
    return not_found(f"Platform {platform_id} has no gateway configured", "gateway_not_configured")


def no_route(method: str, path: str) -> ApiError:
    return not_found(f"No gateway route for {method} {path}; nothing was forwarded", "no_route")


def payment_required(buy_url: str, units: int, refused: ApiError) -> ApiError:
    """The units this call needs are not available (included units, credits, overage, minus what
    other calls hold): nothing forwarded; where to buy more."""
    message = f"This call needs up to {units} units and not that many are available; buy credits at {buy_url}"
    return ApiError(
        402, "payment_required", message, extra={**refused.extra, "units": units, "buyUrl": buy_url}
    )


def upstream_refused(problem: str) -> ApiError:
    return unavailable(f"The upstream {problem}; nothing was forwarded", "upstream_not_allowed", 502)


def upstream_unreachable() -> ApiError:
    return unavailable("The origin could not be reached; nothing was counted", "upstream_unreachable", 502)


def upstream_timeout(seconds: float) -> ApiError:
    return unavailable(
        f"The origin did not answer within {seconds:g}s; nothing was counted", "upstream_timeout", 504
    )
