"""Server-sent events out of a byte stream cut anywhere: each complete event with its bytes as
received (so what is forwarded is what arrived), its name and its data."""

from __future__ import annotations

import re
from dataclasses import dataclass

_END_OF_EVENT = re.compile(rb"\r\n\r\n|\n\n|\r\r")


@dataclass(frozen=True)
class SseEvent:
    raw: bytes  # the event as received, its blank line included
    name: str | None  # the `event:` field
    data: str  # the `data:` lines, joined with newlines


class SseSplitter:
    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events `chunk` completes, in order; an incomplete one waits for the next chunk."""
        self._pending += chunk
        events = []
        while match := _END_OF_EVENT.search(self._pending):
            raw, self._pending = self._pending[: match.end()], self._pending[match.end() :]
            events.append(_event(raw))
        return events

    def rest(self) -> bytes:
        """Bytes of an event that never completed (the stream ended mid-event)."""
        rest, self._pending = self._pending, b""
        return rest


def _event(raw: bytes) -> SseEvent:
    name = None
    data: list[str] = []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    return SseEvent(raw, name, "\n".join(data))
