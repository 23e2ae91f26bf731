"""Outbound HTTP port (the worker's `fetch`) and a CPython implementation."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from dreamapi.http import Headers


@dataclass
class OutboundResponse:
    status: int
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient(Protocol):
    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> OutboundResponse: ...


class OutboundError(Exception):
    """The remote service could not be reached (network failure, not an HTTP status)."""


class UrllibHttpClient:
    """CPython implementation: urllib in a thread, never raising on HTTP error statuses."""

    def __init__(self, timeout_seconds: float = 10.0) -> None:
        self.timeout_seconds = timeout_seconds

    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> OutboundResponse:
        return await asyncio.to_thread(self._fetch_blocking, url, method, dict(headers or {}), body)

    def _fetch_blocking(
        self, url: str, method: str, headers: dict[str, str], body: bytes | None
    ) -> OutboundResponse:
        if not url.startswith(("http://", "https://")):
            raise OutboundError(f"refusing to fetch a non-HTTP URL: {url.split(':', 1)[0]}")
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as reply:  # noqa: S310
                return OutboundResponse(reply.status, Headers(reply.headers.items()), reply.read())
        except urllib.error.HTTPError as error:
            return OutboundResponse(error.code, Headers(error.headers.items()), error.read())
        except (urllib.error.URLError, OSError) as error:
            raise OutboundError(f"{method} {url} failed: {error.__class__.__name__}") from error
