"""The stripe SDK, talking HTTP through the runtime's fetch port.

Inside a worker there is no `requests`; `FetchHttpClient` implements the SDK's async client
interface over `dreamapi.ports.outbound.HttpClient`. API base URLs come from configuration so
the local Stripe stand-in can take Stripe's place.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Any

import stripe

from dreamapi.errors import ApiError, unavailable
from dreamapi.ports.outbound import HttpClient, OutboundError

DEFAULT_API_BASE = "https://api.stripe.com"
DEFAULT_CONNECT_BASE = "https://connect.stripe.com"


class CaseInsensitiveHeaders(dict[str, str]):
    """Response headers as the SDK reads them (`.get("Request-Id")`)."""

    def __init__(self, pairs: Any) -> None:
        super().__init__((str(k).lower(), str(v)) for k, v in pairs)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


class FetchHttpClient(stripe.HTTPClient):
    name = "dreamapi-fetch"

    def __init__(self, http: HttpClient) -> None:
        super().__init__()
        self._http = http

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        body = post_data.encode() if isinstance(post_data, str) else post_data
        try:
            reply = await self._http.fetch(
                url, method=method.upper(), headers=dict(headers), body=body or None
            )
        except OutboundError:
            raise stripe.APIConnectionError("Could not reach Stripe", should_retry=True) from None
        return reply.body, reply.status, CaseInsensitiveHeaders(reply.headers.items())

    async def request_stream_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[AsyncIterator[bytes], int, Mapping[str, str]]:
        content, status, reply_headers = await self.request_async(method, url, headers, post_data)

        async def single_chunk() -> AsyncIterator[bytes]:
            yield content

        return single_chunk(), status, reply_headers

    def sleep_async(self, secs: float) -> Awaitable[None]:
        return asyncio.sleep(secs)

    async def close_async(self) -> None:
        return None


def stripe_client(env: Mapping[str, str], http: HttpClient) -> Any:
    secret_key = env.get("STRIPE_SECRET_KEY")
    if not secret_key:
        raise ApiError(503, "billing_not_configured", "STRIPE_SECRET_KEY is not set on this worker")
    return stripe.StripeClient(
        secret_key,
        http_client=FetchHttpClient(http),
        base_addresses={
            "api": (env.get("STRIPE_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
            "connect": (env.get("STRIPE_CONNECT_BASE") or DEFAULT_CONNECT_BASE).rstrip("/"),
        },
        max_network_retries=1,
    )


def stripe_failure(error: stripe.StripeError) -> ApiError:
    """A Stripe failure as our error: Stripe's own user-facing message, never our keys."""
    if isinstance(error, stripe.APIConnectionError):
        return unavailable("Stripe could not be reached; try again shortly", "stripe_unavailable", 502)
    message = error.user_message or "The payment provider refused the request"
    return ApiError(502, "stripe_error", f"Stripe: {message}")
