"""Clock port. Time can be shifted through configuration (CLOCK_OFFSET_SECONDS)."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch, UTC."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class OffsetClock:
    """System time shifted by a fixed offset: lets a running worker be moved in time."""

    def __init__(self, offset_seconds: float) -> None:
        self.offset_seconds = offset_seconds

    def now(self) -> float:
        return time.time() + self.offset_seconds


class FixedClock:
    """A clock that only moves when told to (unit tests)."""

    def __init__(self, start: float) -> None:
        self.current = start

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds
