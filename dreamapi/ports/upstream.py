"""Forwarding a request to a developer's origin (the gateway), with the answer's body left as a
stream: it reaches the client as the origin sends it, never buffered, unless the gateway has to
read it (a JSON answer with the call's units in it). Implementation: the runtime's fetch with
`redirect: "manual"` (dreamapi.runtime.workers); tests use a scripted one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from dreamapi.http import Headers


class UpstreamError(Exception):
    """The origin could not be reached, or did not begin answering in time (`timed_out`)."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class BodyTooLargeError(Exception):
    """The answer's body is larger than the gateway reads."""


class Relay(Protocol):
    """Looks at a body while it passes to the client (an AI stream's usage)."""

    def feed(self, chunk: bytes) -> bytes:
        """What of `chunk` the client gets."""
        ...

    def tail(self) -> bytes:
        """What the client gets when the origin's body ends."""
        ...

    def finished(self) -> None:
        """The origin's body ended and all of it went to the client."""
        ...

    def abandoned(self) -> None:
        """The client went away, or the origin's body broke, before the end."""
        ...


class UpstreamAnswer(Protocol):
    status: int
    headers: Headers

    @property
    def body(self) -> Any:
        """The body as the runtime's stream, to hand to the client's response (None: no body)."""
        ...

    async def read(self, limit: int) -> bytes:
        """The whole body; BodyTooLargeError, leaving the body unread, when its declared length
        is past `limit` bytes."""
        ...

    def relay(self, relay: Relay) -> Any:
        """The body as the client's stream, each chunk through `relay` as it arrives; when the
        client goes away, the origin's body is cancelled (it sees the connection end)."""
        ...


@dataclass(frozen=True)
class UpstreamRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes | None


class Upstream(Protocol):
    async def send(self, request: UpstreamRequest, timeout_seconds: float) -> UpstreamAnswer:
        """The origin's answer once its headers arrived (UpstreamError when it did not)."""
        ...
